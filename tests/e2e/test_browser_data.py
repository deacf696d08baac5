"""What is downloaded is what is drawn, and the drill-down lists the customers of a cell."""

from __future__ import annotations

import pandas as pd
import pytest

from charts import period_label
from queries import Filters, cohort_customers, cohort_retention
from tests.e2e import harness
from tests.e2e.checks import (day, heatmap_mismatches, plotted_numbers_missing_from_csv,
                              same_numbers, trace)

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


def test_every_chart_on_every_page_has_a_csv_with_its_plotted_values(app):
    problems, checked = [], 0
    for path in harness.PAGES:
        app.open(path, charts=0)
        app.wait_charts_drawn(1)
        for fig in app.figures():
            key = next((k for k in fig["key"] if k.startswith("chart_")), None)
            where = f"{path or 'Overview'} / {key or fig['title'][:40]}"
            if key is None:
                problems.append(f"{where}: a chart without ui.show's key (no CSV next to it)")
                continue
            csv_key = "csv_" + key.removeprefix("chart_")
            if not app.page.locator(f".st-key-{csv_key} button").count():
                problems.append(f"{where}: no CSV download")
                continue
            missing = plotted_numbers_missing_from_csv(fig, app.download_csv(csv_key))
            checked += 1
            if missing:
                problems.append(f"{where}: drawn but not in the CSV: {missing[:3]}"
                                f" (+{max(0, len(missing) - 3)} more)")
    assert checked >= 15, f"only {checked} charts found on the six pages"
    assert not problems, "\n".join(problems)


def test_cohort_drilldown_lists_the_customers_of_a_cell(app, con):
    """Hover a complete cell, click it, then (whatever the click did) pick it with the pickers:
    the customers listed are queries.cohort_customers of that cell."""
    cells = cohort_retention(con, Filters(), grain="month")
    age = 3
    candidates = cells[(cells["age"] == age) & cells["is_complete"] & (cells["retention_pct"] < 100)]
    cell = candidates.sort_values("cohort").iloc[-1]  # the youngest such cohort, low on the chart
    cohort, cohort_text = cell["cohort"], period_label(cell["cohort"], "month")
    problems = []

    app.open("Cohorts")
    heat = app.figures("chart_cohort_heatmap")[0]
    label = next(y for y in heat["traces"][0]["y"] if str(y).split(" · ")[0] == cohort_text)
    app.page.locator(".st-key-chart_cohort_heatmap .js-plotly-plot").first.scroll_into_view_if_needed()
    point = app.page.evaluate("""([label, age]) => {
        const gd = document.querySelector('.st-key-chart_cohort_heatmap .js-plotly-plot');
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const box = gd.getBoundingClientRect();
        return {x: box.left + xa._offset + xa.c2p(age),
                y: box.top + ya._offset + ya.c2p(ya.d2c(label))};
    }""", [label, age])

    # Hover: the label states the cell's numbers (N in hover, README, "What each file and column shows").
    app.page.mouse.move(point["x"], point["y"])
    hover = app.page.locator(".st-key-chart_cohort_heatmap .hoverlayer .hovertext")
    hover.first.wait_for(state="attached")
    hover_text = " ".join(hover.all_text_contents())
    # The hover names what it counts, then the cell's own numbers: "Retained: 50 of 65 customers".
    wanted = f"Retained: {int(cell['retained']):,} of {int(cell['cohort_size']):,} customers"
    if wanted not in hover_text or "INCOMPLETE" in hover_text or "NaN" in hover_text:
        problems.append(f"hover over complete cell {cohort_text}, age {age} reads "
                        f"{hover_text!r}; expected {wanted!r} and no INCOMPLETE/NaN")

    # Click: the page says "click a cell to list its customers below".
    before = app.runs()
    app.page.mouse.click(point["x"], point["y"])
    try:
        app.page.wait_for_function(f"(window.__stRuns || 0) > {before}",
                                   timeout=harness.ACTION_TIMEOUT_MS)
        app.wait_ready()
    except harness.PlaywrightTimeout:
        pass
    picked = app.page.locator(".st-key-cohorts_cohort_month input").first.input_value()
    picked_age = app.page.locator(".st-key-cohorts_age_month input").first.input_value()
    if picked != cohort_text or picked_age != str(age):
        problems.append(f"clicking cell {cohort_text}, age {age} did not select it: the pickers "
                        f"show {picked!r}, age {picked_age!r}")
        # The pickers, as a person would fall back to.
        if picked != cohort_text:
            app.choose("cohorts_cohort_month", cohort_text)
        if picked_age != str(age):
            app.number("cohorts_age_month", age)

    buttons = app.page.locator("[class*='st-key-csv_cohort_'][class*='_customers'] button")
    with app.page.expect_download() as info:
        buttons.first.click()
    assert info.value.suggested_filename == f"cohort_{cohort}_age_{age}_customers.csv"
    listed = pd.read_csv(info.value.path())
    expected = cohort_customers(con, Filters(), cohort, age, grain="month")
    assert len(listed) == len(expected) == int(cell["cohort_size"])
    assert sorted(listed["customer_id"]) == sorted(expected["customer_id"])
    retained = dict(zip(expected["customer_id"], expected["is_retained"]))
    assert [retained[c] for c in listed["customer_id"]] == list(listed["is_retained"])
    assert sum(listed["is_retained"]) == int(cell["retained"])
    assert not problems, "\n".join(problems)
