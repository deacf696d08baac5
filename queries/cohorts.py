"""Cohort retention: the triangle, the average curve, and the customers behind a cell."""

from __future__ import annotations

from datetime import date

import pandas as pd

from queries.base import Filters, grain_sql, run


def cohort_retention(con, f: Filters, grain: str = "month", basis: str = "logo") -> pd.DataFrame:
    """Row per cohort x age: cohort, age, cohort_size, retained, retention_pct, is_complete."""
    df = run(con, grain_sql("cohort_retention", grain, basis), f.params(con))
    df["cohort"] = pd.to_datetime(df["cohort"]).dt.date
    if basis == "logo":
        df[["cohort_size", "retained"]] = df[["cohort_size", "retained"]].astype("int64")
    return df


def average_retention(con, f: Filters, grain: str = "month", basis: str = "logo") -> pd.DataFrame:
    """Row per age: retention_pct (size-weighted over complete cells), cohorts, customers."""
    df = run(con, grain_sql("average_retention", grain, basis), f.params(con))
    df = df.rename(columns={"kept": "retained"})
    return df.astype({"age": "int64", "cohorts": "int64", "customers": "int64"})


def cohort_customers(
    con, f: Filters, cohort: date, age: int, grain: str = "month"
) -> pd.DataFrame:
    """Row per customer of one cohort: their attributes, is_retained at `age`, has_reached_age."""
    params = f.params(con) | {"cohort": cohort, "age": int(age)}
    return run(con, grain_sql("cohort_customers", grain), params)
