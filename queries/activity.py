"""Activity retention: customers who come back (purchases, logins, feature use), for businesses
without cancellation dates, and the revenue their activity brings."""

from __future__ import annotations

import pandas as pd

import settings

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
    df = df.rename(columns={"kept": "returned"})
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


ACTIVITY_TILES = ("active", "new", "returning", "returning_pct")


def activity_months(cells: pd.DataFrame) -> pd.DataFrame:
    """Row per calendar month, from activity_retention(grain="month", mode="bounded"): period,
    active (customers with activity in it: each cohort's returned at the age landing on it), new
    (those whose signup month it is), returning (active - new), earlier (customers signed up
    before it), returning_pct (returning / earlier x 100), is_complete (the month is over)."""
    columns = ["period", "active", "new", "returning", "earlier", "returning_pct", "is_complete"]
    if cells is None or cells.empty:
        return pd.DataFrame(columns=columns)
    rows = cells.assign(period=[pd.Timestamp(c) + pd.DateOffset(months=int(a))
                                for c, a in zip(cells["cohort"], cells["age"])])
    rows["new"] = rows["returned"].where(rows["age"] == 0, 0)
    months = rows.groupby("period").agg(active=("returned", "sum"), new=("new", "sum"),
                                        is_complete=("is_complete", "all")).sort_index()
    sizes = rows[rows["age"] == 0].groupby("period")["cohort_size"].sum()
    months["earlier"] = sizes.reindex(months.index, fill_value=0).cumsum().shift(1, fill_value=0)
    months["returning"] = months["active"] - months["new"]
    months["returning_pct"] = (months["returning"] * 100.0 / months["earlier"]).where(
        months["earlier"] > 0)
    return months.reset_index()[columns]


def activity_tiles(cells: pd.DataFrame, min_n: int = settings.MIN_N) -> pd.DataFrame:
    """The Overview's tiles for data without churn, from activity_retention(grain="month",
    mode="bounded"): one row per tile (kpi_tiles' columns) for the last complete month against
    the month before. active = customers with activity in the month (a cohort's returned at the
    age that lands on it); new = those whose signup month it is; returning = active - new;
    returning_pct = returning / customers signed up before the month x 100. Empty with fewer
    than two complete months."""
    columns = ["kpi", "label", "unit", "value", "previous", "delta", "n", "is_reliable",
               "period", "previous_period", "higher_is_better"]
    months = activity_months(cells).set_index("period")
    done = months[months["is_complete"]]
    if len(done) < 2:
        return pd.DataFrame(columns=columns)
    now, before = done.iloc[-1], done.iloc[-2]
    labels = {"active": ("Customers active", "customers", "active"),
              "new": ("New customers", "customers", "active"),
              "returning": ("Returning customers", "customers", "active"),
              "returning_pct": ("Came back (% of earlier customers)", "%", "earlier")}
    out = []
    for kpi in ACTIVITY_TILES:
        label, unit, n_col = labels[kpi]
        value, previous = now[kpi], before[kpi]
        n = int(now[n_col])
        out.append(dict(kpi=kpi, label=label, unit=unit,
                        value=None if pd.isna(value) else float(value),
                        previous=None if pd.isna(previous) else float(previous),
                        delta=None if pd.isna(value) or pd.isna(previous) else float(value - previous),
                        n=n, is_reliable=n >= min_n, period=done.index[-1].date(),
                        previous_period=done.index[-2].date(), higher_is_better=True))
    return pd.DataFrame(out, columns=columns)
