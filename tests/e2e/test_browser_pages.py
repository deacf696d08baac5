"""An executive opens the root URL and browses every page from the navigation."""

from __future__ import annotations

import pytest

from queries import Filters, kpi_summary
from tests.e2e import harness
from tests.e2e.checks import close

pytestmark = pytest.mark.e2e


def test_overview_tiles_show_the_metrics_api_numbers(app, con):
    app.open()
    assert app.errors() == []
    expected = kpi_summary(con, Filters())
    assert len(expected) == 9, "the demo data should fill every Overview tile"
    tiles = {label.replace(" ⚠ low N", "").strip(): value for label, value in app.metrics().items()}

    missing = [label for label in expected["label"] if label not in tiles]
    assert not missing, f"tiles missing: {missing}; shown: {list(tiles)}"
    wrong = [
        f"{row.label}: shows {tiles[row.label]!r}, metrics API {row.value!r}"
        for row in expected.itertuples()
        if row.value is None or not close(tiles[row.label], row.value)
    ]
    assert not wrong, "\n".join(wrong)

    # What a person sees: the value must not be cut off with an ellipsis.
    clipped = app.page.evaluate("""() => Array.from(
        document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetricValue"]'))
        .filter((el) => [el, ...el.querySelectorAll('*')].some(
            (e) => e.scrollWidth > e.clientWidth + 1))
        .map((el) => el.innerText)""")
    assert clipped == [], f"tile values cut off at 1440x900: {clipped}"


def test_every_page_opens_from_the_navigation(app):
    app.open()
    problems = []
    for path, label in harness.PAGES.items():
        if path:
            app.nav(label, charts=0)
            app.wait_charts_drawn()
        got = app.page.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        where = path or "Overview"
        if path and got != path:
            problems.append(f"{label}: link opened /{got}, expected /{path}")
        charts = app.chart_count()
        if charts < 1:
            problems.append(f"{where}: no Plotly chart rendered")
        errors = app.errors()
        if errors:
            problems.append(f"{where}: error shown: {errors[0][:300]}")
        app.shot(f"page_{where}")
    assert not problems, "\n".join(problems)
