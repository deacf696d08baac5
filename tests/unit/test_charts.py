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
