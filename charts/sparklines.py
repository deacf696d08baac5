"""The small trend on a KPI tile: its values, and the SVG the browser draws."""

from __future__ import annotations

import pandas as pd


def sparkline(df: pd.DataFrame, column: str, complete_col: str = "is_complete",
              last: int = 12) -> list[float]:
    """The last `last` complete values of one column, for st.metric's small trend."""
    if df is None or df.empty or column not in df.columns:
        return []
    part = df[df[complete_col]] if complete_col in df.columns else df
    return [float(v) for v in part[column].dropna().tail(last)]


SPARKLINE_COLOR = "#0072B2"  # the theme's primary colour: a trend line, not a verdict


def sparkline_svg(values: list[float], width: int = 240, height: int = 40) -> str:
    """A tile's small trend as an SVG polyline (a dot on the latest value), scaled to its own
    min..max; empty for fewer than two values. Drawn by the browser as an image: no chart library
    to load, so a page of ten tiles paints and redraws as fast as text."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    pad = 4
    points = [
        (pad + i * (width - 2 * pad) / (len(values) - 1),
         # a flat series sits in the middle; otherwise the highest value at the top
         height / 2 if high == low else height - pad - (v - low) / span * (height - 2 * pad))
        for i, v in enumerate(values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last_x, last_y = points[-1]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><polyline fill="none" stroke="{SPARKLINE_COLOR}" '
        f'stroke-width="2" points="{path}"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="3" fill="{SPARKLINE_COLOR}"/></svg>'
    )
