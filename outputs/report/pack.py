"""The board pack: one self-contained HTML file of the dashboard's key views.

Numbers come from `queries`, figures from `charts`, words from `definitions` and `narrative`,
exactly as on the pages. Plotly's JavaScript is inlined once, so the file opens offline and
makes no request at all. This module writes the document (style, header, contents, footer); the
sections are in `report/sections.py`, their building blocks in `report/blocks.py`. No streamlit
here.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
from plotly.offline import get_plotlyjs

from words import definitions
from words import data_notes
from words import without_dates
import queries
import settings
from data import capabilities, shapes
from views import catalog, needs
from words.formatting import format_delta, format_value
from queries import Filters
from outputs.report.blocks import PACK_MARKS, Marks, Shown, esc, notes_block
from outputs.report.sections import (BASIS_WORDS, at_risk, churn, cohorts, overview, support,
                                     support_retention)
from views.targets import verdict

CSS = """
:root { color-scheme: light; --ink: #31333F; --muted: #808495; --line: #e6eaf1;
        --border: rgba(49, 51, 63, 0.2); --accent: #0072B2; --good: #158237; --bad: #bd4043; }
* { box-sizing: border-box; }
/* The app's look: its plain white page, text colour, sans-serif type and bordered tiles. */
body { margin: 0; font: 16px/1.6 "Source Sans Pro", "Source Sans 3", system-ui, -apple-system,
       "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 32px 28px 64px; }
header.pack { border-bottom: 3px solid var(--accent); padding-bottom: 16px; margin-bottom: 8px; }
header.pack h1 { margin: 0 0 4px; font-size: 2.4rem; font-weight: 700; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0 0;
           color: var(--muted); }
dl.facts dt { font-weight: 600; color: var(--ink); }
dl.facts dd { margin: 0; }
nav.toc { margin: 12px 0 24px; color: var(--muted); }
nav.toc a { color: var(--accent); margin-right: 14px; text-decoration: none; }
section { margin-top: 36px; page-break-before: always; }
section:first-of-type { page-break-before: auto; }
h2 { font-size: 1.75rem; font-weight: 600; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
h3 { font-size: 1.25rem; font-weight: 600; margin-top: 20px; }
.intro { color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; }
.tile { border: 1px solid var(--border); border-radius: 0.5rem; padding: 12px 16px;
        break-inside: avoid; }
.tile .label { font-size: 14px; }
.tile .value { font-size: 2.25rem; line-height: 1.3; margin: 2px 0; }
.tile .delta { font-size: 14px; } .tile .delta.good { color: var(--good); }
.tile .delta.bad { color: var(--bad); } .tile .delta.flat { color: var(--muted); }
.tile .vs, .tile .n { color: var(--muted); font-size: 13px; }
.tile .target { font-size: 13px; margin-top: 2px; } .tile .target.good { color: var(--good); }
.tile .target.bad { color: var(--bad); }
.notes ul { margin: 4px 0 0; padding-left: 20px; } .notes h3 { margin-bottom: 0; }
.low { color: var(--bad); font-size: 12px; }
figure.chart { margin: 18px 0 28px; break-inside: avoid; }
figcaption .caption { margin: 4px 0 0; font-size: 14px; color: var(--muted); }
figcaption .definition { margin: 2px 0 0; font-size: 14px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: var(--muted); font-style: italic; }
.left-out { color: var(--muted); font-size: 14px; margin: 8px 0 0; }
footer { margin-top: 48px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line);
         padding-top: 8px; }
@media print { main { max-width: none; padding: 0; } nav.toc { display: none; } }
"""


def _slug(title: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")


def board_pack(con, f: Filters | None = None, grain: str = "month", basis: str = "logo",
               min_n: int = settings.MIN_N, marks: Marks | None = None) -> str:
    """The whole board pack as one HTML document (str), for the view `f` of the database `con`;
    `marks` are the workspace's targets and notes for it (read_marks)."""
    token = PACK_MARKS.set(marks)
    try:
        return _board_pack(con, f, grain, basis, min_n, marks or Marks())
    finally:
        PACK_MARKS.reset(token)


def _board_pack(con, f: Filters | None, grain: str, basis: str, min_n: int, marks: Marks) -> str:
    f = (f or Filters()).resolve(con)
    meta = queries.meta(con)
    as_of = f.as_of
    caps = capabilities.read(con)
    shown = Shown(caps, as_of, filtered=Filters(**{**f.__dict__, "as_of": None}) != Filters())
    sections = [
        overview(con, f, as_of, min_n, shown),
        cohorts(con, f, as_of, min_n, grain, basis, shown),
        churn(con, f, as_of, min_n, shown),
        support(con, f, as_of, min_n, shown),
        support_retention(con, f, as_of, min_n, shown),
        at_risk(con, f, as_of, min_n, shown),
    ]
    # A section with nothing to draw is left out with the rest, in the one line below.
    sections = [s for s in sections if s.blocks]
    left_out = needs.left_out(caps, shown.left_out or [])
    built = pd.Timestamp(meta.get("built_at"))
    generated = datetime.now(timezone.utc)
    facts = {
        "Data as of": f"{as_of:%d %B %Y}",
        "Snapshot": f"{meta['snapshot_id']} (built {built:%d %b %Y %H:%M} UTC)",
        "Filters": Filters(**{**f.__dict__, "as_of": None}).describe(),
        "View": f"{grain} grain, {BASIS_WORDS.get(basis, 'customer')} basis",
        "Generated": f"{generated:%d %b %Y %H:%M} UTC",
    }
    body = [
        '<header class="pack">',
        f"<h1>{esc(settings.PRODUCT)} — board pack</h1>",
        '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>"
                                       for k, v in facts.items()) + "</dl>",
        "</header>",
        notes_block(marks.notes),
        *([f'<p class="left-out">{esc(left_out)}</p>'] if left_out else []),
        *(f'<p class="left-out">{esc(line)}</p>'
          for line in data_notes.assumption_lines(shapes.read_assumptions(meta.get("source")),
                                                 as_of, caps.churn_shape, caps.churned)),
        '<nav class="toc">' + "".join(f'<a href="#{_slug(s.title)}">{esc(s.title)}</a>'
                                      for s in sections) + "</nav>",
    ]
    for s in sections:
        body.append(f'<section id="{_slug(s.title)}"><h2>{esc(s.title)}</h2>')
        if s.intro:
            body.append(f'<p class="intro">{esc(s.intro)}</p>')
        body.extend(s.blocks or [])
        body.append("</section>")
    d = definitions.DEFINITIONS
    body.append(
        "<footer>"
        f"<p>{esc(d['filters'].name)}: {esc(d['filters'].formula)}. {esc(d['min_n'].text)} "
        f"Minimum N: {min_n}.</p>"
        f"<p>{esc(d['as_of'].name)}: {esc(d['as_of'].text)}</p>"
        "<p>Self-contained file: charts are interactive and work offline.</p>"
        "</footer>"
    )
    title = f"{settings.PRODUCT} — board pack, data as of {as_of:%d %b %Y}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # No request may leave the file: scripts and styles inline only, no images, no fetches.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; "
        "font-src data:; worker-src blob:\">"
        f"<title>{esc(title)}</title><style>{CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        f"</head><body><main>{''.join(body)}</main></body></html>\n"
    )


# Tiles with dates of their own: the ones churn without dates keeps.
DATED_TILES = ("nrr_pct", "csat_pct", "frt_median_h", "nps")


def summary_text(con, f: Filters | None = None, min_n: int = settings.MIN_N,
                 marks: Marks | None = None) -> str:
    """The Overview tiles in plain text (with their targets), as the e-mail that carries the pack
    opens with them."""
    f = (f or Filters()).resolve(con)
    marks = marks or Marks()
    kpis = queries.kpi_summary(con, f, min_n=min_n)
    as_of = f.as_of
    head = (f"Data as of {as_of:%d %b %Y} · {Filters(**{**f.__dict__, 'as_of': None}).describe()}")
    caps = capabilities.read(con)
    # The tiles this data's shape of churn gives, as on the Overview.
    if caps.churn_shape == capabilities.UNDATED:
        kpis = kpis[kpis["kpi"].isin(DATED_TILES)]
        share = without_dates.churn_share_sentence(queries.churn_share(con, f), as_of)
        head += (f"\n{share} The file has no churn dates, so there is no monthly churn rate."
                 if share else "")
    elif caps.churn_shape == capabilities.NONE and needs.shows(caps, "overview.activity"):
        kpis = queries.activity_tiles(queries.activity_retention(con, f, grain="month"), min_n)
    if not kpis.empty:
        kpis = kpis[[k in queries.ACTIVITY_TILES or needs.shows(caps, f"overview.tile.{k}")
                     for k in kpis["kpi"]]]
    if kpis.empty and caps.churn_shape == capabilities.UNDATED:
        return head
    if kpis.empty:
        return head + "\n" + catalog.ITEMS["overview.tiles"].empty
    lines = [head, f"{pd.Timestamp(kpis.iloc[0]['period']):%B %Y} (the last complete month):"]
    for _, row in kpis.iterrows():
        delta = format_delta(row["delta"], row["unit"])
        vs = f" ({delta} vs {pd.Timestamp(row['previous_period']):%b %Y})" if delta else ""
        low = "" if row["is_reliable"] else f", fewer than {min_n}: unreliable"
        goal = marks.target(row["kpi"])
        said = verdict(row["value"], goal)
        aim = f"; {said} ({goal.label()})" if said else ""
        lines.append(f"- {row['label']}: {format_value(row['value'], row['unit'])}{vs}, "
                     f"N = {int(row['n']):,}{low}{aim}")
    return "\n".join(lines)


def file_name(con, f: Filters | None = None) -> str:
    return f"board-pack-{(f or Filters()).resolve(con).as_of:%Y-%m-%d}.html"
