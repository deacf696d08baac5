"""What is downloaded is what is drawn, and the drill-down lists the customers of a cell."""

from __future__ import annotations

import pandas as pd
import pytest

from charts import period_label
from queries import Filters, cohort_customers
from tests.e2e.checks import day, heatmap_mismatches, same_numbers, trace

pytestmark = pytest.mark.e2e


def test_csv_downloads_equal_the_plotted_data(app):
    problems = []

    app.open()
    fig = app.figures("chart_overview_churn_rate")[0]
    csv = app.download_csv("csv_overview_churn_rate")
    line = trace(fig, "Churn rate")
    if [day(x) for x in line["x"]] != [day(x) for x in csv["period"]]:
        problems.append("overview churn rate: periods differ between chart and CSV")
    if not same_numbers(line["y"], csv["churn_rate_pct"]):
        problems.append("overview churn rate: values differ between chart and CSV")

    fig = app.figures("chart_overview_churn_reasons")[0]
    csv = app.download_csv("csv_overview_churn_reasons")
    bars = fig["traces"][0]
    # Horizontal bars: Plotly draws the first row at the bottom, so the chart lists them reversed.
    if list(bars["y"])[::-1] != [str(c) for c in csv["category"]]:
        problems.append(f"overview churn reasons: categories {bars['y']} vs {list(csv['category'])}")
    if not same_numbers(list(bars["x"])[::-1], csv["customers_lost"]):
        problems.append("overview churn reasons: values differ between chart and CSV")

    app.nav("Cohorts")
    heat = app.figures("chart_cohort_heatmap")[0]
    problems += [f"heatmap: {p}" for p in
                 heatmap_mismatches(heat, app.download_csv("csv_cohort_heatmap"), "month")]

    fig = app.figures("chart_retention_curves")[0]
    csv = app.download_csv("csv_retention_curves")
    avg_line = trace(fig, "Average (size-weighted)")
    avg = csv[csv["series"] == "average"]
    if not (same_numbers(avg_line["x"], avg["age"])
            and same_numbers(avg_line["y"], avg["retention_pct"])):
        problems.append("retention curves: the average line differs from the CSV's average rows")
    singles = [t for t in fig["traces"] if t["name"] == "Single cohorts"]
    csv_singles = csv[csv["series"] != "average"]
    if sum(len(t["y"]) for t in singles) != len(csv_singles) or not same_numbers(
            [y for t in singles for y in t["y"]], csv_singles["retention_pct"]):
        problems.append("retention curves: single-cohort lines differ from the CSV")

    month_k = [f for f in app.figures() if any(k.startswith("chart_retention_at_")
                                               for k in f["key"])]
    assert month_k, "no month-k chart on Cohorts"
    key = next(k for k in month_k[0]["key"] if k.startswith("chart_retention_at_"))
    csv = app.download_csv("csv_" + key.removeprefix("chart_"))
    bars = month_k[0]["traces"][0]
    if list(bars["x"]) != [period_label(c, "month") for c in csv["cohort_month_start"]]:
        problems.append("month-k: cohorts differ between chart and CSV")
    if not same_numbers(bars["y"], csv["retention_pct"]):
        problems.append("month-k: values differ between chart and CSV")
    assert not problems, "\n".join(problems)


def test_cohort_drilldown_lists_the_customers_of_the_clicked_cell(app, con):
    app.open("Cohorts")
    heat = app.figures("chart_cohort_heatmap")[0]
    complete = next(t for t in heat["traces"] if t["name"] == "complete")
    # A mid-sized complete cell some customers have already left: row 6 from the bottom, age 3.
    row = len(complete["y"]) - 6
    label, age = complete["y"][row], 3
    cell = complete["z"][row][[int(x) for x in complete["x"]].index(age)]
    assert cell is not None and cell < 100, (label, age, cell)

    chart = app.page.locator(".st-key-chart_cohort_heatmap .js-plotly-plot").first
    chart.scroll_into_view_if_needed()
    point = app.page.evaluate("""([label, age]) => {
        const gd = document.querySelector('.st-key-chart_cohort_heatmap .js-plotly-plot');
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const box = gd.getBoundingClientRect();
        return {x: box.left + xa._offset + xa.c2p(age),
                y: box.top + ya._offset + ya.c2p(ya.d2c(label))};
    }""", [label, age])
    app.act(lambda: app.page.mouse.click(point["x"], point["y"]))

    cohort_text = label.split(" · ")[0]
    picked = app.widget_text("cohorts_cohort")
    assert cohort_text in picked, f"clicked {cohort_text!r}, the picker shows {picked!r}"
    shown_age = app.page.locator(".st-key-cohorts_age input").input_value()
    assert shown_age == str(age)

    buttons = app.page.locator("[class*='st-key-csv_cohort_'][class*='_customers'] button")
    with app.page.expect_download() as info:
        buttons.first.click()
    listed = pd.read_csv(info.value.path())
    cohort = next(c for c in pd.to_datetime(listed["signup_date"]).dt.to_period("M")
                  .dt.start_time.dt.date.unique())
    assert period_label(cohort, "month") == cohort_text
    expected = cohort_customers(con, Filters(), cohort, age, grain="month")
    assert len(listed) == len(expected) > 0
    assert sorted(listed["customer_id"]) == sorted(expected["customer_id"])
    retained = dict(zip(expected["customer_id"], expected["is_retained"]))
    assert all(retained[c] == r for c, r in zip(listed["customer_id"], listed["is_retained"]))
    assert cohort_text in app.main_text()
