"""One colour per category value: within each dimension a chart can split by, no two values
share a colour (a hashed colour once drew the phone and web channels alike)."""

from __future__ import annotations

import pytest

import charts
from data import generate as gen


@pytest.mark.parametrize("dimension, values", [
    ("churn reason category", gen.CATEGORIES),
    ("plan", gen.PLANS),
    ("segment", gen.SEGMENTS),
    ("region", gen.REGIONS),
    ("acquisition channel", gen.CHANNELS),
    ("industry", gen.INDUSTRIES),
    ("ticket channel", gen.TICKET_CHANNELS),
    ("ticket category", gen.TICKET_CATEGORIES),
    ("priority", gen.PRIORITIES),
    ("tickets in the first 90 days", ["0 tickets", "1-2 tickets", "3+ tickets"]),
])
def test_values_of_one_dimension_have_distinct_colours(dimension, values):
    colours = [charts.color_for(v) for v in values]
    assert len(set(colours)) == len(values), dict(zip(values, colours))
    assert all(c in charts.PALETTE for c in colours)  # the colour-blind-safe set only


def test_values_a_user_brings_get_distinct_colours_within_a_chart():
    # 'Plan B' and 'Plan C' hash to the same palette slot; so do 'Plan D', 'Plan E' and 'Plan F'
    values = ["Plan B", "Plan C", "Plan D", "Plan E", "Plan F"]
    assert charts.color_for("Plan B") == charts.color_for("Plan C")
    colours = charts.colors_for(values)
    assert len(set(colours.values())) == 5 and set(colours.values()) <= set(charts.PALETTE)
    # the first of each colliding pair (alphabetical) keeps its usual colour
    assert colours["Plan B"] == charts.color_for("Plan B")
    assert colours["Plan D"] == charts.color_for("Plan D")
    # fixed colours stay, and a user value does not take one that is in the same chart
    mixed = charts.colors_for(["Growth", "Plan B", "Unknown"])
    assert mixed["Growth"] == charts.color_for("Growth") and mixed["Unknown"] == charts.NEUTRAL
    assert mixed["Plan B"] != mixed["Growth"]


def test_a_multi_series_chart_draws_colliding_user_values_apart():
    import pandas as pd

    df = pd.DataFrame({"period": pd.to_datetime(["2024-01-01"] * 2).date,
                       "group": ["Plan B", "Plan C"], "tickets": [5, 7]})
    chart = charts.time_lines(df, "period", {"tickets": "Tickets"}, "Tickets", "Tickets",
                              grain="month", group="group")
    colours = {t.name: t.line.color for t in chart.figure.data if t.name in ("Plan B", "Plan C")}
    assert len(colours) == 2 and len(set(colours.values())) == 2, colours


def test_sparkline_svg_scales_to_its_own_range():
    from charts import sparkline_svg

    # width 240, height 40, 4 px padding: x = 4, 120, 236; y = 36 for the lowest value (1),
    # 4 for the highest (3), halfway (20) for 2; the dot marks the latest value
    svg = sparkline_svg([1.0, 3.0, 2.0])
    assert 'points="4.0,36.0 120.0,4.0 236.0,20.0"' in svg
    assert '<circle cx="236.0" cy="20.0"' in svg
    # a flat series is drawn in the middle, not at the bottom edge
    assert 'points="4.0,20.0 236.0,20.0"' in sparkline_svg([5.0, 5.0])
    assert sparkline_svg([7.0]) == "" and sparkline_svg([]) == ""
