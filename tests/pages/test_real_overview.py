"""The Overview and Cohorts on a customers-only telco export (tenure + Yes/No churn, no dates),
loaded with the README's line: a picture of one moment, so the churn share and retention by
tenure, never a monthly churn rate or a triangle."""

from __future__ import annotations

import pytest

from tests.pages.conftest import app_reading, chart_titles, open_page
from tests.unit.test_real_exports import _with_out, example


@pytest.fixture(scope="module")
def telco_db(tmp_path_factory):
    from data.importer import cli

    path = tmp_path_factory.mktemp("telco") / "retention.duckdb"
    assert cli.main(_with_out(example("IBM telco"), path)) == 0
    with app_reading(path):
        yield path


def test_overview_shows_the_telco_churn_share_not_a_monthly_rate(telco_db):
    """The file has a churned flag and tenure, no dates: a picture of 30 Sep 2024. The Overview
    gives the churn share with its N and retention by tenure, no monthly churn rate."""
    from tests.unit.test_real_exports import raw

    rows = raw("ibm_telco_customer_churn.csv")
    active_mrr = sum(float(r["MonthlyCharges"]) for r in rows if r["Churn"] == "No")
    at = open_page("dashboard.py")
    assert not at.exception
    tiles = {m.label.replace(" ⚠ low N", ""): m.value for m in at.metric}
    # 1,869 of 7,043 churned: 26.5%; 5,174 active paying $316,985.75 a month.
    assert tiles == {"Churn share": "26.5%", "Churned customers": "1,869",
                     "Active customers": "5,174", "MRR today (active customers)": "$317.0k"}
    assert round(active_mrr, 2) == 316985.75
    titles = chart_titles(at)
    assert titles["overview_tenure_retention"] == (
        "Retention by tenure (Kaplan–Meier over tenure months)")
    assert "overview_churn_rate" not in titles
    text = " ".join(m.value for m in at.markdown)
    assert "Churn rose" not in text and "from 0\\.0%" not in text
    assert "30 Sep 2024" in " ".join(c.value for c in at.caption)


def test_telco_retention_by_tenure_matches_lifelines(telco_db):
    """Kaplan-Meier over the raw file's tenure (months) and Churn flag, by lifelines, against
    the page's query (signups computed from tenure give the tenure back)."""
    from lifelines import KaplanMeierFitter

    from queries import Filters, connect, tenure_survival
    from tests.unit.test_real_exports import raw

    rows = raw("ibm_telco_customer_churn.csv")
    kmf = KaplanMeierFitter().fit([int(r["tenure"]) for r in rows],
                                  [r["Churn"] == "Yes" for r in rows])
    con = connect(telco_db)
    try:
        curve = tenure_survival(con, Filters()).set_index("tenure_months")
    finally:
        con.close()
    for month in (1, 12, 24, 72):
        assert curve.loc[month, "survival"] == pytest.approx(
            kmf.survival_function_.loc[month].iloc[0])
        band = kmf.confidence_interval_survival_function_.loc[month]
        assert (curve.loc[month, "ci_lower"], curve.loc[month, "ci_upper"]) == pytest.approx(
            (band.iloc[0], band.iloc[1]))


def test_telco_cohorts_draw_retention_by_tenure_by_contract(telco_db):
    at = open_page("pages/2_Cohorts.py")
    assert not at.exception
    titles = chart_titles(at)
    assert "cohort_heatmap" not in titles and "retention_curves" not in titles
    assert titles["tenure_retention_by_plan"] == (
        "Retention by tenure (Kaplan–Meier over tenure months), by plan")
    assert titles["churn_share_by_plan"] == "Churn share by plan"


def test_every_page_says_what_the_import_assumed_next_to_the_numbers(telco_db):
    """The export has no dates: all 1,869 churners were put on the as-of date and all 7,043
    signups counted back from tenure. The Overview's 26.6% is that month's churn only because of
    the first; the header says both, and the Data page lists them with its quality notes."""
    churned = ("The file marks 1,869 customers churned without a churn date: it is a picture of "
               "30 Sep 2024 that leaves out customers who left before, so the pages show the "
               "churn share and retention by tenure, not a monthly churn rate or a retention "
               "history.")
    tenure = ("Signup dates of 7,043 customers were computed from their tenure in months, "
              "counted back from 30 Sep 2024: their cohorts are right to the month, not the day.")
    at = open_page("dashboard.py")
    captions = [c.value for c in at.caption]
    assert f":material/info: {churned}" in captions and f":material/info: {tenure}" in captions
    data = open_page("pages/6_Data_and_definitions.py")
    # The Data page's notes go through ui.markdown_text (markdown escaped).
    from app import ui
    assert {ui.markdown_text(churned), ui.markdown_text(tenure)} <= {i.value for i in data.info}
    # An as-of date before the file's date cannot hide its churn: the churn share stays the
    # file's, and the page says why.
    at = open_page("dashboard.py", {"as_of": "2024-08-31"})
    captions = [c.value for c in at.caption]
    assert f":material/info: {tenure}" in captions and f":material/info: {churned}" in captions
    assert {m.label: m.value for m in at.metric}["Churn share"] == "26.5%"
    assert any("an earlier as-of date cannot tell who had churned by then" in i.value
               for i in at.info)
