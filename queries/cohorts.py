"""Cohort retention: the triangle, the average curve, and the customers behind a cell."""

from __future__ import annotations

import pandas as pd

from queries.base import Filters, grain_sql, run


def cohort_retention(con, f: Filters, grain: str = "month", basis: str = "logo") -> pd.DataFrame:
    """Row per cohort x age: cohort, age, cohort_size, retained, retention_pct, is_complete."""
    df = run(con, grain_sql("cohort_retention", grain, basis), f.params(con))
    df["cohort"] = pd.to_datetime(df["cohort"]).dt.date
    if basis == "logo":
        df[["cohort_size", "retained"]] = df[["cohort_size", "retained"]].astype("int64")
    return df
