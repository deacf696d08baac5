"""Targets and notes in a real browser: a note written to the workspace while the app runs shows
on the Overview's churn chart with its text on hover, above the first cohort after it on the
heatmap, and the churn target is drawn as its labelled line."""

from __future__ import annotations

from datetime import date

import pytest

from data import workspace

MARKS = """(sel) => Array.from(document.querySelectorAll(sel)).map((gd) => ({
  traces: (gd._fullData || []).map((t) => t.name || t.type),
  notes: (gd._fullLayout.annotations || []).filter((a) => a.hovertext).map((a) => a.hovertext),
  labels: (gd._fullLayout.annotations || []).map((a) => a.text),
  lines: (gd._fullLayout.shapes || []).length,
}))"""


@pytest.fixture
def note(db):
    with workspace.connect(db) as con:
        note_id = workspace.add_annotation(con, date(2025, 3, 1), "Price increase", "e2e")
    yield
    with workspace.connect(db) as con:
        workspace.delete_annotation(con, note_id)


def test_a_note_and_the_target_show_on_the_charts_with_the_note_on_hover(app, note):
    app.open("", charts=2)
    assert not app.exceptions() and app.wait_charts_drawn(app.chart_count())
    charts = app.page.evaluate(MARKS, '[data-testid="stMain"] .js-plotly-plot')
    churn = next(c for c in charts if "Churn rate" in c["traces"])
    assert churn["notes"] == ["01 Mar 2025: Price increase"]
    assert "target ≤ 3.0%" in churn["labels"]  # the default target of targets.toml
    label = app.page.locator(".annotation-text", has_text="Price increase").first
    label.hover()
    hover = app.page.locator(".hoverlayer", has_text="01 Mar 2025: Price increase")
    hover.first.wait_for(state="attached")  # the context's default: ACTION_TIMEOUT_MS

    app.open("Cohorts", charts=1)
    # open() waits for one chart to exist; the heatmap's traces are read only once every chart on
    # the page is drawn (a chart still drawing has no traces yet: CI once found none).
    assert app.wait_charts_drawn(app.chart_count())
    heat = next(c for c in app.page.evaluate(MARKS, '[data-testid="stMain"] .js-plotly-plot')
                if "heatmap" in c["traces"] or "complete" in c["traces"])
    assert len(heat["notes"]) == 1
    assert heat["notes"][0].startswith("01 Mar 2025: Price increase · first cohort after it: "
                                       "Mar 2025")
