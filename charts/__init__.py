"""Pure chart builders: DataFrame in, Chart(figure, data) out. No streamlit here.

Every builder returns the Plotly figure together with the exact rows it plotted, so the page's
CSV download is the chart's data and nothing else. All figures share `base.base_layout()` and one
colour-blind-safe palette in which a category value keeps its colour on every page.

This module is the package's public API: pages, the report and the tiles call `charts.<builder>`
and never reach into the modules below, which are split by kind of chart:
`base` (Chart, palette, layout, theme, presentation scaling), `cohorts` (triangle, curves, month-k),
`series` (lines and bars over time, horizontal bars), `survival` (Kaplan–Meier),
`sparklines` (a tile's small trend) and `marks` (targets and notes over a finished figure).
"""

from charts.base import (ACTIVITY_BASES, GRAIN_WORDS, NEUTRAL, PALETTE, PRESENT_HEIGHT,
                         PRESENT_SCALE, Chart, app_look, color_for, colors_for, period_label,
                         presented, split_title)
from charts.cohorts import cohort_heatmap, compare_curves, month_k, retention_curves, revenue_curves
from charts.marks import with_notes, with_target, with_view_notes
from charts.risk import calibration_bars
from charts.series import grouped_bars, hbars, stacked_bars, stacked_share, time_lines
from charts.sparklines import sparkline, sparkline_svg
from charts.survival import survival_curves

__all__ = [
    "ACTIVITY_BASES", "GRAIN_WORDS", "NEUTRAL", "PALETTE", "PRESENT_HEIGHT", "PRESENT_SCALE",
    "Chart", "app_look", "color_for", "colors_for", "period_label", "presented", "split_title",
    "cohort_heatmap", "compare_curves", "month_k", "retention_curves", "revenue_curves",
    "with_notes", "with_target", "with_view_notes", "calibration_bars",
    "grouped_bars", "hbars", "stacked_bars", "stacked_share", "time_lines",
    "sparkline", "sparkline_svg", "survival_curves",
]
