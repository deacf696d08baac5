"""What the data holds and what is wrong with it: the values each filter offers, a profile of each
table, and the counts behind the Data page's quality warnings."""

from __future__ import annotations

import pandas as pd

from queries.base import Filters, load_sql, run


def filter_options(con) -> dict[str, list]:
    """Dimension (queries.DIMENSIONS key) -> the values present, sorted with 'Unknown' last;
    products_count as whole numbers."""
    df = run(con, load_sql("filter_options"), {})
    out: dict[str, list] = {}
    for dimension, values in df.groupby("dimension")["value"]:
        if dimension == "products_count":
            out[dimension] = sorted(int(v) for v in values)
        else:
            out[dimension] = sorted(values, key=lambda v: (v == "Unknown", v))
    return out


def ticket_priorities(con) -> list[str]:
    """Ticket priorities in the data, alphabetical ('Unknown' for tickets without one)."""
    return run(con, load_sql("ticket_priorities"), {})["priority"].tolist()


def table_profile(con) -> pd.DataFrame:
    """Row per table: table_name, row_count, first_date, last_date, dated_by, about (whole
    tables, not the filtered customers)."""
    df = run(con, load_sql("table_profile"), {})
    for column in ("first_date", "last_date"):  # None, not NaT, where a table has no dates
        df[column] = [d.date() if pd.notna(d) else None for d in pd.to_datetime(df[column])]
    return df


def data_quality(con, f: Filters) -> dict[str, int]:
    """Counts for the selected customers (see queries/sql/data_quality.sql for each one)."""
    row = run(con, load_sql("data_quality"), f.params(con)).iloc[0]
    return {key: int(value) if pd.notna(value) else 0 for key, value in row.items()}


def latest_data_date(con):
    """The latest date anywhere in the snapshot's data (see latest_data_date.sql); None if none."""
    value = run(con, load_sql("latest_data_date"), {})["latest_date"].iloc[0]
    return pd.Timestamp(value).date() if pd.notna(value) else None
