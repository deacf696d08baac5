"""The board pack: `python -m outputs.report` writes one self-contained HTML file with every chart."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

from words import narrative
import queries
from data import snapshots
from words.formatting import format_value, money
from data.demo.generate import generate
from outputs.report.__main__ import main, parse_filters
from outputs.report.blocks import tiles_block

# Most tests here read one board pack written for the module (every page's sections and charts
# rendered): seconds to build.
pytestmark = pytest.mark.slow

SECTIONS = ("Overview", "Cohorts", "Churn reasons", "Support KPIs", "Support × retention",
            "At risk")
# Overview churn rate; heatmap, curves; reasons bars, reasons trend; FRT, CSAT, volume;
# survival by FRT target, by CSAT; the churn score's calibration.
CHARTS = 11
MAX_BYTES = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    live = tmp_path_factory.mktemp("report") / "retention.duckdb"
    generate(live, customers=800)
    return live


@pytest.fixture(scope="module")
def pack(db, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("pack") / "board.html"
    assert main(["--out", str(out), "--db", str(db), "--filter", "segment=SMB",
                 "--filter", "segment=Mid-market"]) == 0
    return out, out.read_text(encoding="utf-8")


def _without_library(text: str) -> str:
    library = get_plotlyjs()
    assert text.count(library) == 1, "Plotly's JavaScript must be inlined exactly once"
    return text.replace(library, "")


class _Attributes(HTMLParser):
    """Every tag's src / href / action / poster / data attribute, and every <link>/<script>."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "action", "poster", "data", "srcset", "xlink:href"):
                self.urls.append((tag, name, value or ""))


def figures(text: str) -> list[dict]:
    """The figure specs of every Plotly.newPlot call in the document."""
    found = []
    for match in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{',
                             _without_library(text), re.S):
        found.append({"data": json.loads(match.group(1)), "layout": json.loads(match.group(2))})
    return found


def test_the_file_exists_and_is_under_10_mb(pack):
    out, _ = pack
    assert out.is_file() and 0 < out.stat().st_size < MAX_BYTES


def test_every_section_and_chart_is_there(pack):
    _, text = pack
    for title in SECTIONS:
        assert f">{title}</h2>" in text, title
    found = figures(text)
    assert len(found) == CHARTS
    titles = [f["layout"]["title"]["text"] for f in found]
    assert any("still retained, by age" in t for t in titles)  # cohort heatmap
    assert any(t.startswith("Retention curves") for t in titles)  # average curve
    assert any("churn reasons" in t.lower() for t in titles)
    assert any(t.startswith("First response time") for t in titles)
    assert sum(t.startswith("Share of customers still active") for t in titles) == 2
    assert all(f["data"] for f in found), "every chart has traces"
    assert any(t["type"] == "heatmap" for f in found for t in f["data"])
    # each figure carries its caption (definition · N · as of) and its definition
    assert text.count('<p class="caption">') == CHARTS
    assert text.count('<p class="definition">') == CHARTS


def test_the_at_risk_section_carries_the_pages_track_record(pack, db):
    _, text = pack
    con = queries.connect(db)
    try:
        f = queries.Filters(segments=("SMB", "Mid-market")).resolve(con)
        record = queries.risk_backtest(con, f)
        totals = queries.risk.risk_totals(queries.churn_risk(con, f))
    finally:
        con.close()
    section = text[text.index(">At risk</h2>"):]
    assert html.escape(narrative.risk_track_record(record)) in section
    if record["status"] == "ok":
        assert f"MRR at risk in the next 90 days: {money(totals['mrr_at_risk'])}" in section


def test_tiles_summary_snapshot_as_of_and_filters_are_stated(pack, db):
    _, text = pack
    con = queries.connect(db)
    try:
        meta = queries.meta(con)
        as_of = queries.snapshot_as_of(con)
    finally:
        con.close()
    assert meta["snapshot_id"] in text
    assert f"{as_of:%d %B %Y}" in text
    assert "segments: SMB, Mid-market" in text
    assert text.count('<div class="tile">') >= 8
    # every tile value written as the app's tiles write it (formatting.format_value)
    con = queries.connect(db)
    try:
        kpis = queries.kpi_summary(con, queries.Filters(segments=("SMB", "Mid-market")))
    finally:
        con.close()
    assert len(kpis) >= 8
    for _, row in kpis.iterrows():
        shown = html.escape(format_value(row["value"], row["unit"]))
        assert f'<div class="value">{shown}</div>' in text, (row["kpi"], shown)
    mrr = kpis.set_index("kpi").loc["mrr", "value"]
    assert mrr >= 1e4 and f'<div class="value">{format_value(mrr, "$")}</div>' in text
    assert format_value(mrr, "$").endswith(("M", "k"))  # short money, as on the app's tile
    assert "<h3>What changed</h3><ul><li>" in text
    assert "<h3>Highlights</h3><ul><li>" in text


def test_no_external_url_outside_the_inlined_library(pack):
    _, text = pack
    rest = _without_library(text)
    # Nothing of ours names any http(s) address: no script/link/img source, no font, no link.
    assert re.findall(r"https?://", rest) == []
    assert "//cdn" not in rest and "url(" not in rest
    # And no tag anywhere in the document (library included) loads or links anything external.
    parser = _Attributes()
    parser.feed(text)
    external = [u for u in parser.urls if not u[2].startswith(("#", "data:"))]
    assert external == []
    # The document forbids every fetch itself (a Content-Security-Policy with default-src 'none').
    assert "default-src 'none'" in rest


def test_an_older_snapshot_and_an_as_of_date_can_be_chosen(db, tmp_path):
    con = queries.connect(db)
    old_id, default = queries.meta(con)["snapshot_id"], queries.snapshot_as_of(con)
    con.close()
    generate(db, customers=300, seed=7)  # a newer import; the old snapshot is still kept
    out = tmp_path / "old.html"
    assert main(["--out", str(out), "--db", str(db), "--snapshot", old_id,
                 "--as-of", "2026-06-30"]) == 0
    text = out.read_text(encoding="utf-8")
    assert old_id in text and "30 June 2026" in text
    assert snapshots.find_snapshot(db, old_id) is not None and default.year == 2026


def test_a_filter_that_selects_nobody_still_writes_a_readable_pack(db, tmp_path):
    out = tmp_path / "empty.html"
    assert main(["--out", str(out), "--db", str(db), "--filter", "plan=NoSuchPlan"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "plans: NoSuchPlan" in text and "No customers match these filters" in text


@pytest.mark.parametrize("argv", [
    ["--filter", "colour=blue"],
    ["--filter", "plan"],
    ["--filter", "grain=fortnight"],
    ["--filter", "products=two"],
    ["--snapshot", "20000101T000000-000000"],
    ["--as-of", "31/12/2025"],
    ["--as-of", "2999-01-01"],
])
def test_bad_arguments_are_refused_with_a_message(db, tmp_path, argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--out", str(tmp_path / "x.html"), "--db", str(db), *argv])
    assert stop.value.code == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_filters_use_the_dashboards_url_parameters():
    f, grain, basis = parse_filters(["plan=Growth", "plan=Starter", "products=2",
                                     "signup_from=2025-01-01", "grain=quarter", "basis=MRR"])
    assert f.plans == ("Growth", "Starter") and f.products == (2,)
    assert str(f.signup_from) == "2025-01-01" and (grain, basis) == ("quarter", "mrr")


def test_the_pack_has_the_apps_look_and_no_change_is_neutral(pack):
    _, text = pack
    # every figure drawn on the app's plain white background, not Plotly's grey-blue one
    for fig in figures(text):
        template = fig["layout"]["template"]["layout"]
        assert template["plot_bgcolor"] == "#ffffff" and template["paper_bgcolor"] == "#ffffff"
    month = pd.Timestamp("2026-09-01")
    rows = pd.DataFrame([
        # CSAT 84.02 -> 83.98: -0.04 rounds to 0.0 pts at the tile's precision: "no change"
        {"label": "CSAT", "unit": "%", "value": 83.98, "delta": -0.04, "higher_is_better": True,
         "is_reliable": True, "n": 4136, "previous_period": month},
        # churn +0.4 pts: worse, since lower is better
        {"label": "Churn rate", "unit": "%", "value": 2.8, "delta": 0.4,
         "higher_is_better": False, "is_reliable": True, "n": 11978, "previous_period": month},
    ])
    tiles = tiles_block(rows, 30)
    assert '<div class="delta flat">no change' in tiles
    assert '<div class="delta bad">+0.4 pts' in tiles


def test_a_pack_tile_without_a_change_says_why():
    # A tile whose tickets cover a sliver of its months (queries.kpi_tiles' note): its value, no
    # change and no "vs" month, and the note.
    rows = pd.DataFrame([{"label": "CSAT", "unit": "%", "value": 64.5, "delta": None,
                          "higher_is_better": True, "is_reliable": True, "n": 62,
                          "previous_period": pd.Timestamp("2024-11-01"),
                          "note": "tickets cover 29 Nov – 31 Dec only"}])
    tiles = tiles_block(rows, 30)
    assert '<div class="value">64.5%</div><div class="n">N = 62</div>' in tiles
    assert '<div class="n">Tickets cover 29 Nov – 31 Dec only.</div>' in tiles
    assert "vs Nov" not in tiles


def test_the_returned_basis_draws_the_activity_triangle(db, tmp_path):
    out = tmp_path / "returned.html"
    assert main(["--out", str(out), "--db", str(db), "--filter", "basis=Returned"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "month grain, returned (activity) basis" in text
    titles = [f["layout"].get("title", {}).get("text", "") for f in figures(text)]
    assert "Share of each signup month's customers who came back in that month, by age" in titles


def test_the_pack_says_what_the_import_assumed(tmp_path):
    """Two customers flagged churned without a date, one with a date (a mixed file): the pack
    says the two are left out of the history, as the app's header does; the demo pack (dates
    given) says nothing."""
    from data import importer

    live = tmp_path / "retention.duckdb"
    (tmp_path / "c.csv").write_text("customer_id,signup_date,churned,churn_date\n"
                                    "a,2024-01-10,yes,\nb,2024-02-01,yes,\n"
                                    "c,2024-02-01,yes,2024-05-03\nd,2024-03-01,no,\n")
    importer.load(live, {"customers": tmp_path / "c.csv"}, as_of=date(2024, 6, 30))
    out = tmp_path / "board.html"
    assert main(["--out", str(out), "--db", str(live)]) == 0
    assert html.escape("2 of the 3 churned customers have no churn date: they are left out of "
                       "every number here, the history of the 1 customer churned on a known "
                       "date.") in out.read_text(encoding="utf-8")


def test_the_demo_pack_states_no_assumption(pack):
    assert "marked churned without a churn date" not in pack[1]
