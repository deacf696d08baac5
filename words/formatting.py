"""How KPI values and their changes are written, the same in the app's tiles and in the board
pack. No Streamlit here."""

from __future__ import annotations

import pandas as pd


def money(value: float) -> str:
    """$1.79M / $72.6k / $950: short enough for a fifth of the page width."""
    if abs(value) >= 1e6:
        return f"${value / 1e6:,.2f}M"
    if abs(value) >= 1e4:
        return f"${value / 1e3:,.1f}k"
    return f"${value:,.0f}"


def format_value(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "$":
        return money(value)
    if unit == "h":
        return f"{value:.1f} h"
    if unit == "pts":
        return f"{value:+.0f}"
    if unit == "pp":  # a difference of two percentages
        return f"{value:+.1f} pts"
    if unit == "x":  # a count per unit, e.g. actions per answered contact
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def format_delta(delta, unit: str) -> str | None:
    if delta is None or pd.isna(delta):
        return None
    if is_flat(delta, unit):
        return "no change"
    if unit == "%":
        return f"{delta:+.1f} pts"
    if unit == "$":
        # An ASCII '-' first: st.metric picks the arrow and colour from the leading character.
        return f"{'+' if delta >= 0 else '-'}{money(abs(delta))}"
    if unit == "h":
        return f"{delta:+.1f} h"
    return f"{delta:+,.0f}"


def is_flat(delta, unit: str) -> bool:
    """Whether the change rounds to zero at the precision the tile shows (no arrow for it)."""
    if unit in ("%", "h"):
        return round(float(delta), 1) == 0
    return round(float(delta)) == 0


def count(n, unit: str) -> str:
    """'1 customer', '2,000 customers', '1 churned customer': `unit` is given in the plural and
    loses its final s for exactly one (units without one, like 'MRR', stay as they are)."""
    n = int(n)
    word = unit[:-1] if n == 1 and unit.endswith("s") else unit
    return f"{n:,} {word}"
