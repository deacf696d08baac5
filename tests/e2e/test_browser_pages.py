"""An executive opens the root URL and browses every page from the navigation."""

from __future__ import annotations

import pytest

from queries import Filters, kpi_summary
from tests.e2e import harness
from tests.e2e.checks import close, tile_labels, tiles_by_label

pytestmark = pytest.mark.e2e


def test_overview_tiles_show_the_metrics_api_numbers(app, con):
    app.open()
    assert app.errors() == []
    expected = kpi_summary(con, Filters())
    assert len(expected) == 9, "the demo data should fill every Overview tile"
    tiles = tiles_by_label(app.metrics())
    labels = tile_labels(expected)

    missing = [labels[k] for k in expected["kpi"] if labels[k] not in tiles]
    assert not missing, f"tiles missing: {missing}; shown: {list(tiles)}"
    wrong = [
        f"{labels[row.kpi]}: shows {tiles[labels[row.kpi]]!r}, metrics API {row.value!r}"
        for row in expected.itertuples()
        if row.value is None or not close(tiles[labels[row.kpi]], row.value)
    ]
    assert not wrong, "\n".join(wrong)

    # What a person sees: the value must not be cut off with an ellipsis.
    clipped = app.page.evaluate("""() => Array.from(
        document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetricValue"]'))
        .filter((el) => [el, ...el.querySelectorAll('*')].some(
            (e) => e.scrollWidth > e.clientWidth + 1))
        .map((el) => el.innerText)""")
    assert clipped == [], f"tile values cut off at 1440x900: {clipped}"


# Pages without a chart section in the catalogue (the Data & definitions page: tables, text).
NO_CHART = harness.NO_CHART


def test_every_page_opens_from_the_navigation(app):
    app.open()
    problems = []
    for path, label in harness.PAGES.items():
        if path:
            app.nav(label, charts=0)
        where = path or "Overview"
        if path not in NO_CHART and not app.wait_charts_drawn(1):
            problems.append(f"{where}: no Plotly chart rendered")
        if path in NO_CHART and "Definitions" not in app.main_text():
            problems.append(f"{where}: the definitions are missing")
        errors = app.errors()
        if errors:
            problems.append(f"{where}: error shown: {errors[0][:300]}")
        app.shot(f"page_{where}")
    assert not problems, "\n".join(problems)
