"""The metrics API: every number of SPEC §3 as DuckDB SQL behind (con, Filters, ...) -> DataFrame."""

from queries.base import DIMENSIONS, GRAINS, Filters, connect, default_as_of, meta
from queries.cohorts import cohort_retention

__all__ = [
    "DIMENSIONS",
    "GRAINS",
    "Filters",
    "connect",
    "default_as_of",
    "meta",
    "cohort_retention",
]
