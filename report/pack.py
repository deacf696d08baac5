"""The board pack: one self-contained HTML file of the dashboard's key views.

Numbers come from `queries`, figures from `charts`, words from `definitions` and `narrative`,
exactly as on the pages. Plotly's JavaScript is inlined once, so the file opens offline and
makes no request at all. No streamlit here.
"""

from __future__ import annotations

import contextvars
import html
import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

import charts
import definitions
import narrative
import queries
import settings
from data import capabilities, workspace
from formatting import format_delta, format_value, is_flat
from queries import Filters
from targets import Target, for_view, from_rows, verdict

FIGURE_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["toImage"]}
SURVIVAL_DAY = 365
EARLY_SPLITS = {
    "early_frt_sla": "first-response target in the first 90 days",
    "early_csat": "CSAT in the first 90 days",
    "early_tickets": "tickets in the first 90 days",
}


@dataclass
class Shown:
    """What the pack draws for this snapshot and view: an item whose data the snapshot lacks is
    left out (data/capabilities.py), as on the pages, and named in the pack's one left-out line."""

    caps: capabilities.Capabilities
    as_of: date
    filtered: bool
    left_out: list[str] | None = None

    def can(self, key: str) -> bool:
        if capabilities.shows(self.caps, key):
            return True
        self.left_out = (self.left_out or []) + [key]
        return False

    def churned(self) -> bool:
        return self.caps.churn_by(self.as_of)

    def nothing(self, what: str = "") -> str:
        """The empty state of a chart whose data is there: the filters select nobody it counts,
        or nothing has happened yet."""
        if self.filtered:
            return f"No customers match these filters{f' ({what})' if what else ''}."
        return f"Nothing to show up to {self.as_of:%d %b %Y}{f' ({what})' if what else ''}."


@dataclass
class Section:
    title: str
    intro: str = ""
    blocks: list[str] | None = None  # HTML fragments in order

    def add(self, fragment: str) -> None:
        self.blocks = (self.blocks or []) + [fragment]


def esc(value) -> str:
    return html.escape(str(value), quote=True)


# --- building blocks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Marks:
    """What the workspace adds to the pack's view: its targets and the notes that concern it."""

    targets: tuple[Target, ...] = ()
    notes: tuple[tuple[date, str], ...] = ()
    plans: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    grain: str = "month"

    def target(self, kpi: str | None) -> Target | None:
        return for_view(list(self.targets), kpi, self.plans, self.segments) if kpi else None


# The marks of the pack being built (board_pack sets them): every figure and tile reads them.
_MARKS: contextvars.ContextVar[Marks | None] = contextvars.ContextVar("pack_marks", default=None)


def _marks() -> Marks:
    return _MARKS.get() or Marks()


def read_marks(live, f: Filters, grain: str = "month") -> Marks:
    """The workspace's targets and the notes for this view (the workspace beside `live`)."""
    with workspace.connect(live) as ws:
        rows, notes = workspace.targets(ws), workspace.annotations(ws)
    return Marks(tuple(from_rows(rows)), tuple(workspace.notes_for(notes, f.plans, f.segments)),
                 tuple(f.plans), tuple(f.segments), grain)


def figure_block(chart: charts.Chart, definition: str, n=None, unit: str = "customers",
                 as_of: date | None = None, note: str = "", empty: str = "",
                 kpi: str | None = None) -> str:
    """A figure with its caption (definition · N · as of) and its definition in words; `empty`
    (or 'No customers match these filters') when there is nothing to draw. The pack's notes are
    marked on it, and with `kpi` that KPI's target drawn."""
    d = definitions.DEFINITIONS[definition]
    if chart.data.empty or n == 0:
        text = empty or f"No customers match these filters ({d.name})."
        return f'<p class="empty">{esc(text)}</p>'
    marks = _marks()
    chart = charts.with_view_notes(chart, list(marks.notes), marks.grain)
    goal = marks.target(kpi)
    if goal is not None:
        charts.with_target(chart.figure, goal.value, goal.label())
    div = pio.to_html(charts.app_look(chart.figure), full_html=False, include_plotlyjs=False,
                      config=FIGURE_CONFIG, default_width="100%")
    caption = definitions.caption(definition, n, as_of, unit) + (f" · {note}" if note else "")
    return (f'<figure class="chart">{div}<figcaption><p class="caption">{esc(caption)}</p>'
            f'<p class="definition">{esc(d.text)}</p></figcaption></figure>')


def tiles_block(kpis: pd.DataFrame, min_n: int) -> str:
    cards = []
    for _, row in kpis.iterrows():
        delta = format_delta(row["delta"], row["unit"]) or ""
        # As on the app's tiles: a change that rounds to nothing is neither good nor bad.
        good = None
        if delta and not is_flat(row["delta"], row["unit"]):
            good = (row["delta"] > 0) == bool(row["higher_is_better"])
        tone = " flat" if good is None else (" good" if good else " bad")
        low = "" if row["is_reliable"] else f' <span class="low">⚠ fewer than {min_n}</span>'
        cards.append(
            f'<div class="tile"><div class="label">{esc(row["label"])}{low}</div>'
            f'<div class="value">{esc(format_value(row["value"], row["unit"]))}</div>'
            f'<div class="delta{tone}">{esc(delta)} '
            f'<span class="vs">vs {pd.Timestamp(row["previous_period"]):%b %Y}</span></div>'
            f'<div class="n">N = {int(row["n"]):,}</div>{_target_line(row)}</div>'
        )
    return f'<div class="tiles">{"".join(cards)}</div>'


def _target_line(row) -> str:
    goal = _marks().target(row.get("kpi"))
    said = verdict(row["value"], goal)
    if not said:
        return ""
    tone = "good" if said == "on target" else "bad"
    return f'<div class="target {tone}">{esc(said)} · {esc(goal.label())}</div>'


def notes_block(notes) -> str:
    """The dated notes of the view, as a list under the pack's header."""
    if not notes:
        return ""
    items = "".join(f"<li><b>{day:%d %b %Y}</b>: {esc(text)}</li>" for day, text in notes)
    return f'<div class="notes"><h3>Notes</h3><ul>{items}</ul></div>'


def bullets(sentences: list[str]) -> str:
    if not sentences:
        return "<p>Nothing to report.</p>"
    return "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in sentences) + "</ul>"


# --- the sections --------------------------------------------------------------------------------


def _segments(con, f: Filters) -> tuple[str, ...]:
    if f.segments:
        return f.segments
    if hasattr(queries, "filter_options"):
        return tuple(str(v) for v in queries.filter_options(con).get("segment", []))
    groups = queries.survival(con, Filters(), by="segment")["group"].dropna().unique()
    return tuple(sorted(str(g) for g in groups))


def _by_segment(con, f: Filters) -> pd.DataFrame | None:
    parts = []
    for value in _segments(con, f):
        df = queries.churn_reasons(con, replace(f, segments=(value,)), grain="month")
        if not df.empty:
            parts.append(df.assign(group=value))
    return pd.concat(parts, ignore_index=True) if parts else None


def overview(con, f: Filters, as_of: date, min_n: int, shown: Shown) -> Section:
    s = Section("Overview")
    kpis = queries.kpi_summary(con, f, min_n=min_n)
    if not kpis.empty:  # a tile whose data the snapshot lacks is not drawn
        kpis = kpis[[shown.can(f"overview.tile.{k}") for k in kpis["kpi"]]]
    moves = queries.period_movements(con, f, grain="month")
    if kpis.empty:
        s.add("<p>Not enough history for the tiles: they compare the last two complete months.</p>")
    else:
        period = kpis.iloc[0]["period"]
        s.intro = (f"{pd.Timestamp(period):%B %Y} (the last complete month) against the month "
                   "before. NPS and CLV over trailing 3 months.")
        s.add(tiles_block(kpis, min_n))
        reasons = queries.churn_reasons(con, f, grain="month")
        sentences = narrative.overview_summary(kpis, reasons, _by_segment(con, f), min_n,
                                               history=moves)
        s.add("<h3>What changed</h3>" + bullets(sentences))
    if not moves.empty and shown.can("overview.churn_rate"):
        chart = charts.time_lines(
            moves, "period", {"churn_rate_pct": "Churn rate"},
            "Monthly churn rate: % of customers at the month's start who churned in it",
            "Churned (% of customers at start)", grain="month", n_col="start_customers",
            min_n=min_n, percent=True,
        )
        s.add(figure_block(chart, "churn_rate", int(moves["start_customers"].iloc[-1]),
                           as_of=as_of, note="N = customers at the start of the latest month",
                           empty=shown.nothing("churn rate"), kpi="churn_rate_pct"))
    return s


BASIS_WORDS = {"logo": "customer", "mrr": "MRR", "activity": "returned (activity)"}


def cohorts(con, f: Filters, as_of: date, min_n: int, grain: str, basis: str,
            shown: Shown) -> Section:
    if basis in ("mrr", "activity") and not shown.can(f"cohorts.basis_{basis}"):
        basis = "logo"
    s = Section("Cohorts", f"Signup {grain}s, {BASIS_WORDS[basis]} basis.")
    if basis == "activity":
        # Customers who came back in each period: drawn whether or not churn dates exist.
        cells = queries.activity_retention(con, f, grain=grain)
        average = queries.average_activity_retention(con, f, grain=grain)
    elif not (shown.can("cohorts.heatmap") and shown.can("cohorts.curves")):
        return s
    else:
        cells = queries.cohort_retention(con, f, grain=grain, basis=basis)
        average = queries.average_retention(con, f, grain=grain, basis=basis)
    n = int(cells.loc[cells["age"] == 0, "cohort_size"].sum()) if not cells.empty else 0
    s.add(figure_block(charts.cohort_heatmap(cells, grain, basis, True, min_n), "retention", n,
                       as_of=as_of, note="faded cells marked * are incomplete",
                       empty=shown.nothing()))
    s.add(figure_block(charts.retention_curves(cells, average, grain, basis, min_n),
                       "average_curve", n, as_of=as_of, empty=shown.nothing()))
    return s


def churn(con, f: Filters, as_of: date, min_n: int, shown: Shown) -> Section:
    s = Section("Churn reasons", "Why customers left, and which team owns the fix.")
    drawn = [key for key in ("churn.by_category", "churn.owners", "churn.trend") if shown.can(key)]
    if not drawn:
        return s
    if not shown.churned():
        s.add(f'<p class="empty">{esc(capabilities.no_churn(as_of))}.</p>')
        return s
    nothing = capabilities.no_churn(as_of, filtered=shown.filtered) + "."
    totals = queries.churn_reasons(con, f)
    lost = int(totals["customers_lost"].sum()) if not totals.empty else 0
    if "churn.by_category" in drawn:
        chart = charts.hbars(
            totals, "category", "customers_lost",
            "Churn reasons: customers lost by reason category",
            "Customers lost (all churns up to the as-of date)",
            subtitle=narrative.top_categories_sentence(totals) if not totals.empty else None,
            hover_extra={"owner_team": "Team that owns the fix", "mrr_lost": "MRR lost ($)"},
        )
        s.add(figure_block(chart, "churn_category", lost, "churned customers", as_of,
                           empty=nothing))
    if "churn.owners" in drawn and not totals.empty:
        table = totals.sort_values("mrr_lost", ascending=False)
        rows = "".join(
            f"<tr><td>{esc(r.category)}</td><td>{esc(r.owner_team)}</td>"
            f"<td class='num'>{int(r.customers_lost):,}</td><td class='num'>${r.mrr_lost:,.0f}</td>"
            f"<td class='num'>{r.share_pct:.1f}%</td></tr>" for r in table.itertuples())
        s.add("<table><thead><tr><th>Category</th><th>Team that owns the fix</th>"
              "<th>Customers lost</th><th>MRR lost</th><th>Share</th></tr></thead>"
              f"<tbody>{rows}</tbody></table>")
    if "churn.trend" in drawn:
        trend = queries.churn_reasons(con, f, grain="quarter")
        chart = charts.stacked_bars(trend, "period", "customers_lost", "category",
                                    "Churned customers per quarter, by reason category",
                                    "Customers lost", grain="quarter")
        s.add(figure_block(chart, "churn_category", lost, "churned customers", as_of,
                           note="the last quarter runs only to the as-of date", empty=nothing))
    return s


def support(con, f: Filters, as_of: date, min_n: int, shown: Shown) -> Section:
    s = Section("Support KPIs", "Tickets of the selected customers, by month of creation.")
    drawn = [key for key in ("support.frt", "support.csat", "support.one_touch", "support.volume",
                             "support.backlog") if shown.can(key)]
    if not drawn:
        return s
    kpis = queries.support_kpis(con, f, grain="month")
    tickets = int(kpis["tickets"].sum()) if not kpis.empty else 0
    nothing = shown.nothing("tickets") if shown.filtered else (
        f"No support tickets up to {as_of:%d %b %Y}.")
    if "support.frt" in drawn:
        chart = charts.time_lines(
            kpis, "period", {"frt_median_h": "Median", "frt_p90_h": "90th percentile"},
            "First response time: hours from ticket creation to the first agent reply",
            "Hours to first response", n_col="frt_n", min_n=min_n,
        )
        s.add(figure_block(chart, "frt", tickets, "tickets", as_of, empty=nothing,
                           kpi="frt_median_h"))
    rates = {"csat_pct": "CSAT %"} if "support.csat" in drawn else {}
    rates |= {"one_touch_pct": "One-touch %"} if "support.one_touch" in drawn else {}
    if rates:
        title = {2: "Satisfaction and one-touch resolution: % of rated / resolved tickets",
                 "csat_pct": "Satisfaction: % of rated tickets rated 4-5",
                 "one_touch_pct": "One-touch resolution: % of resolved tickets"}
        chart = charts.time_lines(
            kpis, "period", rates, title[len(rates) if len(rates) > 1 else next(iter(rates))],
            "% of tickets", n_col="csat_n" if "csat_pct" in rates else "one_touch_n",
            min_n=min_n, percent=True,
        )
        s.add(figure_block(chart, "csat" if "csat_pct" in rates else "one_touch", tickets,
                           "tickets", as_of, empty=nothing,
                           kpi="csat_pct" if "csat_pct" in rates else None))
    if "support.volume" in drawn:
        lines = {"tickets": "Tickets created"}
        lines |= {"backlog_end": "Open at month end"} if "support.backlog" in drawn else {}
        chart = charts.time_lines(
            kpis, "period", lines,
            "Ticket volume and backlog per month" if len(lines) > 1 else "Ticket volume per month",
            "Tickets",
        )
        s.add(figure_block(chart, "backlog", tickets, "tickets", as_of, empty=nothing))
    return s


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def support_retention(con, f: Filters, as_of: date, min_n: int, shown: Shown) -> Section:
    s = Section("Support × retention",
                "Survival of customers split by their support experience in their first 90 days "
                "(customers younger than 90 days are left out).")
    splits = [by for by in EARLY_SPLITS if shown.can(f"support_x.{by}")]
    if not splits:
        return s
    highlights = []
    for by in splits:
        at = queries.survival_at(con, f, by, day=SURVIVAL_DAY, min_n=min_n)
        if at.empty:
            continue
        p = queries.logrank_p(con, f, by)
        parts = [f"{r.group}: {r.survival * 100:.0f}% (N = {r.customers:,}"
                 + ("" if r.is_reliable else ", unreliable") + ")" for r in at.itertuples()]
        sig = "" if math.isnan(p) else (f" (log-rank {_p(p)}: " + (
            "unlikely to be chance)" if p < 0.05 else "could be chance)"))
        highlights.append(f"By {EARLY_SPLITS[by]}, still active after {SURVIVAL_DAY} days: "
                          + "; ".join(parts) + sig + ".")
    s.add("<h3>Highlights</h3>" + bullets(highlights))
    excluded = queries.early_support_excluded(con, f)
    nothing = shown.nothing() if shown.filtered else (
        f"No customer is 90 days past signup by {as_of:%d %b %Y} yet.")
    for by in ("early_frt_sla", "early_csat"):
        if by not in splits:
            continue
        curve = queries.survival(con, f, by=by)
        p = queries.logrank_p(con, f, by)
        chart = charts.survival_curves(
            curve, f"Share of customers still active, by {EARLY_SPLITS[by]}",
            subtitle=None if math.isnan(p) else f"log-rank {_p(p)}", min_n=min_n)
        n = int(curve.loc[curve["day"] == 0, "at_risk"].sum()) if not curve.empty else 0
        s.add(figure_block(chart, "early_support", n, as_of=as_of,
                           note=f"{excluded:,} customers younger than 90 days left out",
                           empty=nothing))
    return s


# --- the document --------------------------------------------------------------------------------

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
    token = _MARKS.set(marks)
    try:
        return _board_pack(con, f, grain, basis, min_n, marks or Marks())
    finally:
        _MARKS.reset(token)


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
    ]
    # A section with nothing to draw is left out with the rest, in the one line below.
    sections = [s for s in sections if s.blocks]
    left_out = capabilities.left_out(caps, shown.left_out or [])
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


def summary_text(con, f: Filters | None = None, min_n: int = settings.MIN_N,
                 marks: Marks | None = None) -> str:
    """The Overview tiles in plain text (with their targets), as the e-mail that carries the pack
    opens with them."""
    f = (f or Filters()).resolve(con)
    marks = marks or Marks()
    kpis = queries.kpi_summary(con, f, min_n=min_n)
    as_of = f.as_of
    head = (f"Data as of {as_of:%d %b %Y} · {Filters(**{**f.__dict__, 'as_of': None}).describe()}")
    if kpis.empty:
        return head + "\nNot enough history for the tiles: they compare the last two complete months."
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
