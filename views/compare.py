"""A comparison the metrics API has no `by` for: one result per value of a filter dimension,
within the view's own filters, stacked with a `group` column. The pages run it through the cache
layer (ui.compare), the board pack straight on its connection; both read it here."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import pandas as pd

from queries import Filters
from views.filter_params import MULTI


def field_of(dimension: str) -> tuple[str, str]:
    """(URL parameter, Filters field) of a dimension ('segment' -> ('segment', 'segments'))."""
    key = next(k for k, m in MULTI.items() if m.dimension == dimension)
    return key, MULTI[key].field


def each_value(run: Callable[[Filters], pd.DataFrame | None], f: Filters, dimension: str,
               in_data) -> pd.DataFrame | None:
    """run() once per value of `dimension`: the values the filters pick, else every value the
    data has (`in_data`). None as soon as one run fails (None); an empty frame when no value has
    rows."""
    _, field = field_of(dimension)
    values = getattr(f, field) or tuple(in_data)
    parts = []
    for value in values:
        df = run(replace(f, **{field: (value,)}))
        if df is None:
            return None
        if not df.empty:
            parts.append(df.assign(group=str(value)))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
