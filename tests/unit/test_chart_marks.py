"""Targets and notes drawn over finished figures: where each mark goes, checked on the figure."""

from __future__ import annotations

from datetime import date

import pandas as pd

import charts

MONTHS = pd.DataFrame({"period": [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)],
                       "churn_rate_pct": [2.0, 3.5, 2.5], "is_complete": [True, True, False]})
CELLS = pd.DataFrame({
    "cohort": [date(2024, 1, 1)] * 2 + [date(2024, 2, 1)] * 2 + [date(2024, 3, 1)],
    "age": [0, 1, 0, 1, 0], "cohort_size": [10, 10, 20, 20, 30],
    "retained": [10, 8, 20, 15, 30], "retention_pct": [100, 80, 100, 75, 100],
    "is_complete": [True] * 5})


def churn_chart() -> charts.Chart:
    return charts.time_lines(MONTHS, "period", {"churn_rate_pct": "Churn rate"}, "Churn", "%")


def test_notes_inside_the_chart_s_months_are_marked_with_their_text_on_hover():
    notes = [(date(2025, 2, 10), "Price increase"), (date(2024, 6, 1), "Too early"),
             (date(2025, 3, 20), "New onboarding flow, rolled out to every plan this week")]
    fig = charts.with_notes(churn_chart().figure, notes)
    # Jan-Mar 2025 plotted; the axis runs to the end of March: 10 Feb and 20 Mar are in, June
    # 2024 is not.
    lines = [s for s in fig.layout.shapes if s.type == "line" and s.yref == "paper"]
    assert [pd.Timestamp(s.x0) for s in lines] == [pd.Timestamp("2025-02-10"),
                                                   pd.Timestamp("2025-03-20")]
    marks = [a for a in fig.layout.annotations if a.hovertext]
    assert [a.hovertext for a in marks] == [
        "10 Feb 2025: Price increase",
        "20 Mar 2025: New onboarding flow, rolled out to every plan this week"]
    # Long notes are cut on the chart (22 characters), whole on hover; neighbours step down.
    assert [a.text for a in marks] == ["◆ Price increase", "◆ New onboarding flow…"]
    assert [round(a.y, 2) for a in marks] == [1.0, 0.93]


def test_a_chart_that_is_not_over_time_gets_no_notes():
    bars = charts.hbars(pd.DataFrame({"category": ["Price"], "customers_lost": [3]}),
                        "category", "customers_lost", "Reasons", "Customers")
    before = len(bars.figure.layout.annotations)
    charts.with_view_notes(bars, [(date(2025, 2, 10), "Price increase")])
    assert len(bars.figure.layout.annotations) == before and not bars.figure.layout.shapes


def test_the_heatmap_marks_the_first_cohort_after_each_note():
    heat = charts.cohort_heatmap(CELLS, "month")
    notes = [(date(2024, 2, 10), "Price increase"), (date(2024, 1, 1), "Launch"),
             (date(2024, 4, 1), "After the last cohort")]
    charts.with_view_notes(heat, notes, "month")
    fig = heat.figure
    # Rows Jan, Feb, Mar 2024. 1 Jan: Jan is the first cohort on or after it (line above row 0);
    # 10 Feb: March (line between rows 1 and 2); 1 Apr: no cohort after it, no mark.
    assert [s.y0 for s in fig.layout.shapes] == [-0.5, 1.5]
    marks = [a for a in fig.layout.annotations if a.hovertext]
    assert [a.y for a in marks] == ["Jan 2024 · 10 (low N)", "Mar 2024 · 30"]
    assert marks[1].hovertext == ("10 Feb 2024: Price increase · first cohort after it: "
                                  "Mar 2024 · 30")


def test_a_target_is_a_labelled_dashed_line_at_its_value():
    fig = charts.with_target(churn_chart().figure, 3.0, "target ≤ 3.0%")
    line = fig.layout.shapes[-1]
    assert (line.y0, line.y1, line.line.dash) == (3.0, 3.0, "dash")
    assert fig.layout.annotations[-1].text == "target ≤ 3.0%"


def test_a_note_s_markup_is_shown_as_typed_not_applied():
    fig = charts.with_notes(churn_chart().figure,
                            [(date(2025, 2, 1), '<a href="https://x.example">Win</a> & <b>more')])
    mark = next(a for a in fig.layout.annotations if a.hovertext)
    assert mark.hovertext == ('01 Feb 2025: &lt;a href="https://x.example"&gt;Win&lt;/a&gt; '
                              "&amp; &lt;b&gt;more")
    assert "<" not in mark.text and "&lt;a href" in mark.text
