"""Pages in detail through AppTest: the Overview tiles against the metrics API, filters carried
in the URL (round trips, invalid and partly valid values), the cohort drill-down and heatmap,
CSV downloads, the Data page's profile, an older database brought up to date, and the Support
KPIs' pickers."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.pages.conftest import (catalogue_charts, chart_titles, charts, header, open_page,
                                  titled)

from app import database
from app import tiles as tile_module
from app import ui
from words.formatting import format_delta, format_value
from queries import Filters


def test_overview_tiles_equal_the_metrics_api(demo_db, con):
    from queries import kpi_summary

    at = open_page("dashboard.py", {"plan": sorted(database.filter_options(con)["plan"])[-1]})
    expected = kpi_summary(con, Filters(plans=(sorted(database.filter_options(con)["plan"])[-1],)))
    # The KPI tiles; the MRR-at-risk tile (the churn score's) has its own test_at_risk_page.
    tiles = {m.label.replace(" ⚠ low N", ""): m for m in at.metric
             if not m.label.startswith("MRR at risk")}
    assert len(tiles) == len(expected) == 9
    for row in expected.itertuples():
        tile = tiles[tile_module.KPI_SHORT.get(row.kpi, row.label)]
        assert tile.value == format_value(row.value, row.unit), row.kpi
        assert tile.delta == (format_delta(row.delta, row.unit) or ""), row.kpi


def test_url_round_trip_keeps_filters_across_pages(demo_db, con):
    options = database.filter_options(con)
    as_of = con.execute("select default_as_of from meta").fetchone()[0] - timedelta(days=40)
    params = {
        "grain": "week", "basis": "MRR", "as_of": as_of.isoformat(),
        "signup_from": "2024-02-01", "region": options["region"][:2],
        "products": [str(options["products"][0])],
    }
    at = open_page("dashboard.py", params)
    for page in ("pages/2_Cohorts.py", "pages/4_Support_KPIs.py", "dashboard.py"):
        assert not at.exception
        assert at.segmented_control(key="grain").value == "week"
        assert at.segmented_control(key="basis").value == "MRR"
        assert at.date_input(key="as_of").value == as_of
        assert at.date_input(key="signup_from").value == date(2024, 2, 1)
        assert at.multiselect(key="region").value == options["region"][:2]
        assert at.multiselect(key="products").value == [options["products"][0]]
        assert f"data as of **{as_of:%d %b %Y}**" in header(at)
        at.switch_page(page)
        at.run()


@pytest.mark.parametrize("params, names", [
    ({"plan": "NoSuchPlan"}, ["plan"]),
    ({"grain": "foo"}, ["grain"]),
    ({"as_of": "2099-01-01"}, ["as_of"]),
    ({"as_of": "not-a-date", "basis": "revenue"}, ["as_of", "basis"]),
    ({"segment": "'; drop table customers; --"}, ["segment"]),
    ({"signup_from": "<script>alert(1)</script>"}, ["signup_from"]),
    ({"region": "x" * 5000}, ["region"]),
    ({"grain": ["week", "month"]}, ["grain"]),
])
def test_invalid_params_give_a_notice_not_an_exception(demo_db, params, names):
    # The notice shows on the run that reads the link; the value is then gone from the URL,
    # so the page switched to afterwards renders clean.
    at = open_page("dashboard.py", params)
    assert not at.exception
    notices = [w.value for w in at.warning if "invalid link value" in w.value]
    assert len(notices) == 1
    for name in names:
        assert name in notices[0]
    assert "all customers" in header(at)
    at.switch_page("pages/2_Cohorts.py")
    at.run()
    assert not at.exception
    assert not at.error
    assert "all customers" in header(at)


def test_partly_valid_multiselect_keeps_the_valid_values(demo_db, con):
    plan = database.filter_options(con)["plan"][0]
    at = open_page("dashboard.py", {"plan": [plan, "Bogus"]})
    assert not at.exception
    assert at.multiselect(key="plan").value == [plan]
    assert any("plan" in w.value for w in at.warning)


def test_cohort_drill_down_lists_the_cell(demo_db, con):
    from queries import cohort_customers, cohort_retention

    at = open_page("pages/2_Cohorts.py")
    cells = cohort_retention(con, Filters())
    cohort = sorted(cells["cohort"].unique())[-6]
    at.selectbox(key="cohorts_cohort_month").set_value(cohort)
    at.number_input(key="cohorts_age_month").set_value(3)
    at.run()
    assert not at.exception
    expected = cohort_customers(con, Filters(), cohort, 3)
    table = at.dataframe[-1].value
    assert list(table["customer_id"]) == list(expected["customer_id"])
    # The demo fills every customer column: the list shows them all.
    assert list(at.dataframe[-1].proto.column_order) == [
        "customer_id", "name", "signup_date", "churn_date", "churn_reason", "churn_category",
        "plan", "segment", "region", "industry", "acquisition_channel", "products_count", "mrr",
        "is_retained", "has_reached_age"]
    assert any(b.proto.label.startswith("Download these customers") for b in
               at.get("download_button"))


def test_drill_down_pickers_follow_a_grain_change(demo_db, con):
    """A cohort picked at one grain is no period start at another (Nov 2026 is not a quarter):
    after the change the pickers offer that grain's cohorts and the list is of a real cell. (In
    a browser the kept value came back as its label "Nov 2026" and the query failed.)"""
    from queries import cohort_customers, cohort_retention

    at = open_page("pages/2_Cohorts.py")
    months = sorted(cohort_retention(con, Filters())["cohort"].unique())
    picked = next(m for m in reversed(months) if m.month not in (1, 4, 7, 10))  # no quarter start
    at.selectbox(key="cohorts_cohort_month").set_value(picked)
    at.number_input(key="cohorts_age_month").set_value(1)
    at.run()
    grain = next(w for w in [*at.selectbox, *at.radio, *at.get("button_group")]
                 if w.key == "grain")
    grain.set_value("quarter").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    quarters = sorted(cohort_retention(con, Filters(), grain="quarter")["cohort"].unique())
    picker = at.selectbox(key="cohorts_cohort_quarter")
    assert picker.value == quarters[-1] and picker.value != picked
    assert at.number_input(key="cohorts_age_quarter").value == 0
    expected = cohort_customers(con, Filters(), quarters[-1], 0, grain="quarter")
    assert len(expected) > 0
    assert list(at.dataframe[-1].value["customer_id"]) == list(expected["customer_id"])


def test_heatmap_plots_the_metrics_api(demo_db, con):
    from queries import cohort_retention

    import base64

    import numpy as np

    def values(z):  # plotly ships numeric arrays as base64 typed arrays
        if isinstance(z, dict):
            return np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"])
        return np.asarray(z, float).ravel()

    at = open_page("pages/2_Cohorts.py")
    heat = charts(at)[0]
    layers = [trace for trace in heat["data"] if trace["type"] == "heatmap"]
    plotted = [v for trace in layers for v in values(trace["z"]) if not np.isnan(v)]
    expected = cohort_retention(con, Filters())["retention_pct"]
    assert len(plotted) == len(expected)
    assert np.allclose(sorted(plotted), sorted(expected))
    # The invisible click/hover layer has one square per cell, with that cell's numbers.
    cells = next(trace for trace in heat["data"] if trace["type"] == "scatter")
    assert len(cells["customdata"]) == len(expected)
    assert np.allclose(sorted(c[2] for c in cells["customdata"]), sorted(expected))


def test_csv_download_defuses_formulas():
    import pandas as pd

    frame = pd.DataFrame({"reason": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "fine"],
                          "n": [1, -2, 3, 4, 5]})
    text = ui.csv_bytes(frame).decode()
    assert "'=HYPERLINK" in text and "'+1" in text and "'-2" in text and "'@SUM" in text
    assert "\nfine,5" in text and ",-2\n" in text  # numbers stay numbers


def test_data_page_profiles_every_table_and_states_the_quality_counts(demo_db, con):
    from queries import data_quality, table_profile

    at = open_page("pages/6_Data_and_definitions.py", {"plan": "Growth"})
    assert not at.exception and not at.error
    shown = at.dataframe[0].value
    expected = table_profile(con)
    assert list(shown["table_name"]) == list(expected["table_name"])
    assert list(shown["row_count"]) == list(expected["row_count"])
    assert list(shown["first_date"]) == list(expected["first_date"])
    assert list(shown["last_date"]) == list(expected["last_date"])

    q = data_quality(con, Filters(plans=("Growth",)))
    notes = [re.sub(r"\\(.)", r"\1", el.value) for el in (*at.info, *at.warning)]
    assert any(f"{q['customers_without_tickets']:,} of {q['customers']:,} customers" in n
               and "no support ticket" in n for n in notes), notes
    assert any(f"{q['churned_unmapped_reason']:,} with a reason the mapping does not list" in n
               for n in notes), notes
    assert not any("Not checked" in n for n in notes)


def test_support_experience_filters_come_from_the_url(demo_db, con):
    from queries import cohort_retention

    at = open_page("pages/2_Cohorts.py", {"early_tickets": "3+ tickets",
                                          "early_csat": "Any rated < 4"})
    assert not at.exception and not at.error
    assert at.multiselect(key="early_tickets").value == ["3+ tickets"]
    assert at.multiselect(key="early_csat").value == ["Any rated < 4"]
    assert "early tickets: 3+ tickets" in header(at)
    f = Filters(early_tickets=("3+ tickets",), early_csat=("Any rated < 4",))
    expected = cohort_retention(con, f).query("age == 0")["cohort_size"].sum()
    everyone = cohort_retention(con, Filters()).query("age == 0")["cohort_size"].sum()
    cells = next(t for t in charts(at)[0]["data"] if t["type"] == "scatter")
    ages = cells["x"]
    if isinstance(ages, dict):  # plotly ships numeric arrays as base64 typed arrays
        import base64

        import numpy as np
        ages = np.frombuffer(base64.b64decode(ages["bdata"]), dtype=ages["dtype"])
    shown = sum(int(c[1].replace(",", "")) for c, x in zip(cells["customdata"], ages) if x == 0)
    assert 0 < shown == expected < everyone


@pytest.mark.slow
def test_a_database_from_an_older_version_is_brought_up_to_date_first(tmp_path, monkeypatch):
    import duckdb

    import queries
    import settings
    from data import snapshots
    from data.build import upgrade
    from data.demo.generate import generate

    live = tmp_path / "retention.duckdb"
    generate(live, customers=300, seed=3)
    con = duckdb.connect(str(snapshots.resolve(live)))
    con.execute("drop table facts_version")  # as built before the facts were versioned
    con.execute("drop table ticket_facts")
    con.close()
    monkeypatch.setattr(settings, "DB_PATH", live)
    at = open_page("pages/4_Support_KPIs.py")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert upgrade.current_version(snapshots.resolve(live)) == upgrade.wanted_version()
    upgraded = queries.connect(live)
    try:
        assert len(charts(at)) >= len(catalogue_charts(upgraded, "pages/4_Support_KPIs.py"))
    finally:
        upgraded.close()


@pytest.mark.parametrize("delta, unit, shown", [
    (0.04, "h", "no change"), (-0.04, "%", "no change"), (0.4, "$", "no change"),
    (0.06, "h", "+0.1 h"), (-1.26, "%", "-1.3 pts"), (-1_180_000, "$", "-$1.18M"), (634, "", "+634"),
])
def test_tile_deltas_that_round_to_zero_say_no_change(delta, unit, shown):
    assert format_delta(delta, unit) == shown


@pytest.mark.slow
def test_support_kpis_for_one_priority_show_its_tickets_only(demo_db, con):
    at = open_page("pages/4_Support_KPIs.py")
    control = next(b for b in at.get("button_group") if b.key == "support_priority")
    control.set_value("urgent").run()
    assert not at.exception and not at.error
    titles = list(chart_titles(at).values())
    assert any("First response time, urgent tickets" in t for t in titles), titles
    urgent = con.execute(
        "select count(*) from tickets where priority = 'urgent' "
        "and created_at < (select default_as_of from meta) + interval 1 day").fetchone()[0]
    assert 0 < urgent
    shown = [c.value for c in at.caption if "tickets" in c.value]
    assert any(f"N = {urgent:,} tickets" in text for text in shown), shown[:4]


@pytest.mark.slow
def test_support_breakdown_pickers_redraw_their_chart(demo_db, con):
    # The pickers live in an st.fragment: a change reruns that block alone in the browser.
    at = open_page("pages/4_Support_KPIs.py")
    at.selectbox(key="support_by").set_value("priority").run()
    at.selectbox(key="support_metric").set_value("tickets").run()
    assert not at.exception and not at.error
    title, chart = titled(at, "Tickets by")
    assert title.startswith("Tickets by priority")
    # One line per priority that has tickets up to the as-of date, named after it.
    counts = dict(con.execute(
        "select priority, count(*) from tickets "
        "where created_at < (select default_as_of from meta) + interval 1 day "
        "group by priority").fetchall())
    lines = {t["name"]: t for t in chart["data"] if t.get("name") in counts}
    assert set(lines) == set(counts)
