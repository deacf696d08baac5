"""The At risk page and the Overview's MRR-at-risk tile through AppTest, reached as a browser
reaches them, against the metrics API (queries.churn_risk, queries.risk_backtest) on the small
demo; and the page on data that cannot give a score."""

from __future__ import annotations

import re
from datetime import date

from app import ui
from words import narrative
import settings
from words.formatting import money
from queries import Filters, churn_risk, connect, risk_backtest
from queries import risk_fit as risk
from tests.pages.conftest import chart_titles, open_page
from tests.unit.fixtures import make_db

PAGE = "pages/11_At_risk.py"


def said(at) -> list[str]:
    """Info boxes, captions and paragraphs as the browser shows them (Markdown escapes undone)."""
    return [re.sub(r"\\(.)", r"\1", re.sub(r"^:material/[a-z_]+: ", "", el.value))
            for el in (*at.info, *at.caption, *at.markdown)]


def test_the_page_shows_the_track_record_and_the_list(demo_db, con):
    at = open_page(PAGE)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.title[0].value == "At risk"
    f = Filters().resolve(con)
    record, scores = risk_backtest(con, f), churn_risk(con, f)
    assert record["status"] == "ok", record["reason"]
    text = said(at)
    assert narrative.risk_track_record(record) in text
    assert any("not a verdict" in line for line in text)
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["AUC"] == f"{record['auc']:.2f}"
    assert tiles["Tenure and plan alone"] == f"{record['baseline_auc']:.2f}"
    assert tiles["Churners in the top tenth"] == f"{record['top_decile_capture_pct']:.0f}%"
    assert tiles["Active customers scored"] == f"{len(scores):,}"
    assert tiles["MRR at risk in the next 90 days"] == money(scores["mrr_at_risk"].sum())
    assert "Predicted against observed churn, per tenth of risk" in chart_titles(at).values()
    shown = at.dataframe[0].value
    assert list(shown["customer_id"][:5]) == list(scores["customer_id"][:5])
    assert shown["risk_pct"].is_monotonic_decreasing
    # The call list is made on a click: the whole list (not the thousand rows shown), as CSV.
    assert "Call list" not in [b.label for b in at.get("download_button")]
    at.button(key="prepare_at_risk_call_list").click().run()
    assert not at.exception and not at.error
    assert "Call list" in [b.label for b in at.get("download_button")]
    assert "prepare_at_risk_call_list" not in [b.key for b in at.button]  # in its place
    _, data, rows = at.session_state["_prepared_at_risk_call_list"]
    assert rows == len(scores) and data == ui.csv_bytes(scores)
    assert data.count(b"\n") == len(scores) + 1  # a header, then one line per customer
    # the demo has outreach contacts: the page links into Outreach
    assert any(link.label.startswith("Outreach:") for link in at.page_link)


def test_a_filter_reads_the_record_on_its_customers(demo_db, con):
    plan = sorted(con.execute("select distinct plan from customers").df()["plan"])[0]
    at = open_page(PAGE, {"plan": plan})
    assert not at.exception and not at.error
    record = risk_backtest(con, Filters(plans=(plan,)).resolve(con))
    assert narrative.risk_track_record(record) in said(at)
    assert set(at.dataframe[0].value["customer_id"]) <= set(
        churn_risk(con, Filters(plans=(plan,)).resolve(con))["customer_id"])


def test_the_overview_tile_is_the_sum_of_risk_times_mrr(demo_db, con):
    at = open_page("dashboard.py")
    assert not at.exception
    f = Filters().resolve(con)
    scores = churn_risk(con, f)
    tile = next(m for m in at.metric if m.label == "MRR at risk in the next 90 days")
    assert tile.value == money(scores["mrr_at_risk"].sum())
    assert any(narrative.risk_track_record(risk_backtest(con, f)) in line for line in said(at))


def test_too_little_history_says_why_there_is_no_score(tmp_path, monkeypatch):
    customers = [dict(customer_id=f"c{i}", signup_date="2024-01-01", mrr=10,
                      churn_date="2024-05-01" if i < 5 else None) for i in range(50)]
    make_db(tmp_path, customers, as_of=date(2024, 12, 31)).close()
    live = tmp_path / "retention.duckdb"
    monkeypatch.setattr(settings, "DB_PATH", live)
    monkeypatch.setenv("RETENTION_DB", str(live))
    at = open_page(PAGE)
    assert not at.exception and not at.error
    assert any(line.startswith("No churn score: Only 5 customers churned") for line in said(at))
    assert not at.dataframe and not at.get("plotly_chart")
    con = connect(live)
    try:
        assert risk_backtest(con, Filters())["status"] == "too_little_history"
    finally:
        con.close()
    assert risk.MIN_CHURNERS == 30


def test_without_churn_dates_the_page_is_not_listed(tmp_path, monkeypatch):
    make_db(tmp_path, [dict(customer_id="a", signup_date="2024-01-01")]).close()
    live = tmp_path / "retention.duckdb"
    monkeypatch.setattr(settings, "DB_PATH", live)
    monkeypatch.setenv("RETENTION_DB", str(live))
    at = open_page(PAGE)
    assert not at.exception
    assert "At risk" not in [link.label for link in at.page_link]
    assert any("to see churn risk scores with their track record" in line for line in said(at))
