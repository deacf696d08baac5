"""A new user's customers-only export in the browser: every page opens, and no chart frame is
drawn without data in it (what the data lacks is one line instead, views/needs.py)."""

from __future__ import annotations

import pytest

from tests.e2e import harness

pytestmark = pytest.mark.e2e

PAGES = {**harness.PAGES, **harness.REASON_MAPPING}
# Charts the customers-only data fills on each page: the churn rate and top reasons; the triangle,
# curves, comparison and one age; reasons by customers, by MRR, over time, by segment, raw.
# Everything else needs a file it lacks.
CHARTS = {"": 2, "Cohorts": 4, "Churn_reasons": 5}
# Empty Plotly frames: a chart holder whose figure has no trace with a single value.
EMPTY_FRAMES = """() => Array.from(document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stPlotlyChart"]')).filter((holder) => {
  const gd = holder.querySelector('.js-plotly-plot');
  if (!gd || !gd._fullData) return true;
  const has = (v) => v !== undefined && v !== null && (
    ArrayBuffer.isView(v) ? v.length > 0 : Array.isArray(v) ? v.some((x) => x !== null) : true);
  return !gd._fullData.some((t) => ['x', 'y', 'z', 'values'].some((k) => has(t[k])));
}).length"""


def test_customers_only_every_page_opens_without_empty_charts(matrix_dbs, browser,
                                                              tmp_path_factory):
    srv = harness.start_server(matrix_dbs["customers_only"], tmp_path_factory.mktemp("partial"))
    app = harness.App.new(browser, srv)
    try:
        problems = []
        for path, label in PAGES.items():
            app.open(path, charts=0)
            where = label
            expected = CHARTS.get(path, 0)
            if expected and not app.wait_charts_drawn(expected):
                problems.append(f"{where}: fewer than {expected} charts drawn")
            if app.chart_count() != expected:
                problems.append(f"{where}: {app.chart_count()} charts, expected {expected}")
            empty = app.page.evaluate(EMPTY_FRAMES)
            if empty:
                problems.append(f"{where}: {empty} empty chart frame(s)")
            errors = app.errors()
            if errors:
                problems.append(f"{where}: error shown: {errors[0][:300]}")
            if path == "Support_KPIs" and "Add a tickets file" not in app.main_text():
                problems.append(f"{where}: the missing tickets file is not named")
            app.shot(f"partial_customers_only_{path or 'Overview'}")
        assert not problems, "\n".join(problems)
    finally:
        app.close()
        srv.stop()
