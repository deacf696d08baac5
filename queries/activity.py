"""Activity retention: customers who come back (purchases, logins, feature use), for businesses
without cancellation dates, and the revenue their activity brings."""

from __future__ import annotations

import pandas as pd

from queries.base import Filters, check_choice, grain_sql, run

# bounded: active in period k itself; unbounded: active in period k or any later one.
MODES = ("bounded", "unbounded")


def _params(con, f: Filters, mode: str) -> dict:
    check_choice("mode", mode, MODES)
    return f.params(con) | {"unbounded": mode == "unbounded"}


def activity_retention(con, f: Filters, grain: str = "month", mode: str = "bounded") -> pd.DataFrame:
    """Row per cohort x age: cohort, age, cohort_size, returned, retention_pct, is_complete,
    customers. Definitions in activity_retention.sql."""
    df = run(con, grain_sql("activity_retention", grain), _params(con, f, mode))
    df["cohort"] = pd.to_datetime(df["cohort"]).dt.date
    return df


def average_activity_retention(con, f: Filters, grain: str = "month",
                               mode: str = "bounded") -> pd.DataFrame:
    """Row per age: retention_pct (size-weighted over complete cells), cohorts, customers,
    cohort_size, returned."""
    df = run(con, grain_sql("average_activity_retention", grain), _params(con, f, mode))
    return df.astype({"age": "int64", "cohorts": "int64", "customers": "int64",
                      "cohort_size": "int64", "returned": "int64"})


def activity_revenue(con, f: Filters, grain: str = "month") -> pd.DataFrame:
    """Row per cohort x age: cohort, age, cohort_size, revenue, cumulative_revenue,
    revenue_per_customer, is_complete, customers. Definitions in activity_revenue.sql."""
    df = run(con, grain_sql("activity_revenue", grain), f.params(con))
    df["cohort"] = pd.to_datetime(df["cohort"]).dt.date
    return df


def average_activity_revenue(con, f: Filters, grain: str = "month") -> pd.DataFrame:
    """Row per age: revenue_per_customer (cumulative, size-weighted over complete cells),
    cohorts, customers, revenue."""
    df = run(con, grain_sql("average_activity_revenue", grain), f.params(con))
    return df.astype({"age": "int64", "cohorts": "int64", "customers": "int64"})
