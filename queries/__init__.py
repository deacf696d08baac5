"""The metrics API: every number of SPEC §3 as DuckDB SQL behind (con, Filters, ...) -> DataFrame."""

from queries.base import DIMENSIONS, GRAINS, Filters, connect, default_as_of, meta
from queries.cohorts import average_retention, cohort_customers, cohort_retention
from queries.movements import period_movements
from queries.survival import early_support_excluded, logrank_p, survival, survival_at

__all__ = [
    "DIMENSIONS",
    "GRAINS",
    "Filters",
    "connect",
    "default_as_of",
    "meta",
    "cohort_retention",
    "average_retention",
    "cohort_customers",
    "survival",
    "survival_at",
    "logrank_p",
    "early_support_excluded",
    "period_movements",
]
