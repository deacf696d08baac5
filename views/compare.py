"""A comparison the metrics API has no `by` for: one result per value of a filter dimension,
within the view's own filters, stacked with a `group` column; and a catalogue section's call
(views/catalog.py) run as the catalogue writes it. The pages run both through the cache layer
(ui.compare, ui.ask), the board pack straight on its connection; both read them here."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import pandas as pd

from queries import Filters
from views.filter_params import MULTI
from views.section import EACH, EACH_DIMENSION, FirstOf, Section


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


def ask(run: Callable[..., object], section: Section, f: Filters,
        values_of: Callable[[str], list], which: int | str = 0, each: str | None = None,
        **kwargs):
    """Call `which` of a catalogue section (its place among the section's calls, or its
    function's name), with the catalogue's arguments and `kwargs` in place of some (the view's
    grain, a picked category): run(function name, filters, **arguments). A call over EACH value
    of a dimension runs once per value the filters pick or the data has (`values_of(dimension)`),
    stacked by each_value; `each` names another dimension than the catalogue's (the one picked)."""
    call = (section.calls[which] if isinstance(which, int)
            else next(c for c in section.calls if c[0] == which))
    name, arguments = call[0], resolve(run, {**call[1], **kwargs}, f)
    overrides = call[2] if len(call) > 2 else {}
    overrides_each = [field for field, value in overrides.items() if value == EACH]
    if not overrides_each:
        return run(name, f, **arguments)
    dimension = each or EACH_DIMENSION[overrides_each[0]]
    return each_value(lambda g: run(name, g, **arguments), f, dimension, values_of(dimension))


def resolve(run: Callable[..., object], arguments: dict, f: Filters) -> dict:
    """`arguments` with each FirstOf replaced by the value it stands for in this data: `column`
    of the first row of run(its function, f) (None when that has no rows or failed)."""
    out = dict(arguments)
    for key, value in arguments.items():
        if isinstance(value, FirstOf):
            first = run(value.fn, f)
            out[key] = first[value.column].iloc[0] if first is not None and len(first) else None
    return out
