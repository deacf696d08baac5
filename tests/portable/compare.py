"""Results of one statement on two engines, compared as values: same columns, same rows (in order
when the statement orders them, as a multiset otherwise), numbers within 1e-9.

Engines return the same value in different types: a date or a midnight timestamp, a Decimal or a
float, NaN or NULL. normalise() maps each to one form first.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

TOLERANCE = 1e-9


def normalise(value):
    """One comparable form: None for NULL and NaN, datetime for dates, float for numbers."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        return None if math.isnan(number) else number
    if hasattr(value, "item"):  # numpy scalars
        return normalise(value.item())
    if isinstance(value, (list, tuple)):
        return tuple(normalise(v) for v in value)
    return value


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _key(row):
    # None first, then by type name, then value: a total order over mixed rows.
    return tuple((v is not None, type(v).__name__, round(v, 6) if isinstance(v, float) else v)
                 for v in row)


def differences(expected_columns, expected_rows, columns, rows, ordered: bool,
                limit: int = 5) -> list[str]:
    """What differs between DuckDB's result (expected) and another engine's; empty when equal."""
    if [c.lower() for c in columns] != [c.lower() for c in expected_columns]:
        return [f"columns {list(columns)} != {list(expected_columns)}"]
    want = [tuple(normalise(v) for v in row) for row in expected_rows]
    got = [tuple(normalise(v) for v in row) for row in rows]
    if len(want) != len(got):
        return [f"{len(got)} rows, expected {len(want)}"]
    if not ordered:
        want, got = sorted(want, key=_key), sorted(got, key=_key)
    out = []
    for n, (w, g) in enumerate(zip(want, got)):
        for column, x, y in zip(expected_columns, w, g):
            if not _same(x, y):
                out.append(f"row {n} {column}: {y!r}, expected {x!r}")
                if len(out) >= limit:
                    return out
    return out
