"""Targets and notes drawn over a finished figure."""

from __future__ import annotations

import html
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from charts.base import Chart

TARGET_COLOR = "#B3261E"
NOTE_COLOR = "#5B6475"
NOTE_SHORT = 22  # characters of a note written on the chart; the whole text is in its hover


def _plain(text: str) -> str:
    """A note as Plotly shows it: its tags (<b>, <a href>, <br>) written out, never applied."""
    return html.escape(text, quote=False)


def _short(text: str) -> str:
    """A note as written on a chart: cut at NOTE_SHORT characters (the hover has all of it)."""
    if len(text) > NOTE_SHORT:
        text = text[: NOTE_SHORT - 1].rstrip(" ,.;:-") + "…"
    return _plain(text)


def with_target(fig: go.Figure, value: float, label: str, color: str = TARGET_COLOR) -> go.Figure:
    """A dashed horizontal line at `value`, labelled ('target ≤ 3.0%') at its left end."""
    fig.add_hline(y=value, line=dict(dash="dash", color=color, width=1.5),
                  annotation_text=label, annotation_position="top left",
                  annotation_font=dict(color=color, size=11))
    return fig


def _x_dates(fig: go.Figure) -> list[pd.Timestamp]:
    """The dates along the x axis of a time chart ([] when its x axis is not dates)."""
    found = []
    for trace in fig.data:
        xs = getattr(trace, "x", None)
        if xs is None or getattr(trace, "orientation", None) == "h" or not len(xs):
            continue
        if not isinstance(xs[0], (date, pd.Timestamp)) and not str(xs[0])[:4].isdigit():
            return []
        try:
            found += list(pd.to_datetime(pd.Series(list(xs)), errors="raise"))
        except (ValueError, TypeError):
            return []
    return found


def with_notes(fig: go.Figure, notes: list[tuple[date, str]], grain: str = "month") -> go.Figure:
    """Each dated note within the chart's dates as a dotted vertical line with a short label at
    the top; hovering the label shows the whole note. Charts whose x axis is not time are left
    as they are."""
    dates = _x_dates(fig)
    if not dates or not notes:
        return fig
    step = pd.DateOffset(**{"week": {"weeks": 1}, "quarter": {"months": 3}}.get(
        grain, {"months": 1}))
    first, last = min(dates), max(dates) + step
    shown = [(pd.Timestamp(day), text) for day, text in sorted(notes)
             if first <= pd.Timestamp(day) < last]
    for i, (at, text) in enumerate(shown):
        short = _short(text)
        fig.add_shape(type="line", x0=at, x1=at, y0=0, y1=1, yref="paper",
                      line=dict(color=NOTE_COLOR, width=1, dash="dot"), layer="below")
        # Labels of neighbouring notes step down in turn, so that close dates stay readable.
        fig.add_annotation(x=at, y=1 - 0.07 * (i % 3), yref="paper", yanchor="top",
                           xanchor="left",
                           text=f"◆ {short}", showarrow=False, font=dict(size=10, color=NOTE_COLOR),
                           bgcolor="rgba(255,255,255,0.8)",
                           hovertext=f"{at:%d %b %Y}: {_plain(text)}", name=f"note {i + 1}")
    return fig


def with_cohort_notes(chart: Chart, notes: list[tuple[date, str]], grain: str) -> Chart:
    """On the cohort heatmap: for each note, a dotted line above the first cohort that signed up
    on or after its date, and a marker on that row whose hover shows the note."""
    column = f"cohort_{grain}_start"
    heat = [t for t in chart.figure.data if isinstance(t, go.Heatmap)]
    if not heat or column not in chart.data.columns:
        return chart
    labels = list(heat[0].y)
    starts = [pd.Timestamp(c) for c in sorted(chart.data[column].unique())]
    fig = chart.figure
    for day, text in sorted(notes):
        after = [i for i, start in enumerate(starts) if start >= pd.Timestamp(day)]
        if not after or after[0] >= len(labels):
            continue
        row = after[0]
        fig.add_shape(type="line", xref="paper", x0=0, x1=1, y0=row - 0.5, y1=row - 0.5,
                      line=dict(color=NOTE_COLOR, width=2, dash="dot"))
        short = _short(text)
        fig.add_annotation(xref="paper", x=1, xanchor="right", y=labels[row], yanchor="middle",
                           text=f"◆ {short}", showarrow=False,
                           font=dict(size=10, color=NOTE_COLOR), bgcolor="rgba(255,255,255,0.85)",
                           hovertext=f"{pd.Timestamp(day):%d %b %Y}: {_plain(text)} · first cohort "
                           f"after it: {labels[row]}")
    return chart


def with_view_notes(chart: Chart, notes: list[tuple[date, str]], grain: str = "month") -> Chart:
    """The notes drawn where they belong: on a time chart at their dates, on the cohort heatmap
    above the first cohort after each; any other chart is left as it is."""
    if not notes:
        return chart
    if any(isinstance(t, go.Heatmap) for t in chart.figure.data):
        return with_cohort_notes(chart, notes, grain)
    with_notes(chart.figure, notes, grain)
    return chart
