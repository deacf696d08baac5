"""The pandas notebook a CX lead would write instead of the dashboard: the same numbers, by hand.

Reads the raw tables (not our derived customer_facts) out of the same DuckDB file into pandas,
then computes with boolean masks, groupby, merge and cumsum, vectorised as a competent analyst
would (no Python loop per row), following docs/definitions.md, Metrics independently of queries/sql/. `compare` checks
that both give equal results.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from queries import Filters

TABLES = ("customers", "tickets", "nps_responses", "churn_reason_categories", "mrr_history")


def load(db: Path) -> dict:
    """Every table the notebook needs, whole (select *), as pandas frames; and the as-of date."""
    con = duckdb.connect(str(Path(db).resolve()), read_only=True)
    try:
        tables = {name: con.execute(f"select * from {name}").df() for name in TABLES}
        tables["default_as_of"] = con.execute("select default_as_of from meta").fetchone()[0]
    finally:
        con.close()
    for column in ("signup_date", "churn_date"):
        tables["customers"][column] = pd.to_datetime(tables["customers"][column])
    tables["mrr_history"]["month"] = pd.to_datetime(tables["mrr_history"]["month"])
    return tables


# --- calendar helpers ----------------------------------------------------------------------------
def month_start(s: pd.Series) -> pd.Series:
    return s.dt.to_period("M").dt.start_time


def months_between(a: pd.Series, b) -> pd.Series:
    """Calendar-month boundaries crossed from a to b (DuckDB's datediff('month', a, b))."""
    b_year = b.dt.year if isinstance(b, pd.Series) else b.year
    b_month = b.dt.month if isinstance(b, pd.Series) else b.month
    return (b_year - a.dt.year) * 12 + (b_month - a.dt.month)


def add_months(d: pd.Series, k) -> pd.Series:
    """d + k months, clamped to the month end (Jan 31 + 1 month = Feb 28/29)."""
    k = np.asarray(k, dtype="int64")
    total = d.dt.year.to_numpy() * 12 + d.dt.month.to_numpy() - 1 + k
    first = pd.to_datetime(pd.DataFrame({"year": total // 12, "month": total % 12 + 1, "day": 1}))
    day = np.minimum(d.dt.day.to_numpy(), first.dt.days_in_month.to_numpy())
    return pd.Series(first.to_numpy() + pd.to_timedelta(day - 1, unit="D").to_numpy(), index=d.index)


# --- the notebook --------------------------------------------------------------------------------
def selected(tables: dict, f: Filters) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Customers the filters select, as they were on as_of (a later churn counts as active)."""
    as_of = pd.Timestamp(f.as_of or tables["default_as_of"])
    cust = tables["customers"]
    keep = cust["signup_date"] <= as_of
    if f.signup_from:
        keep &= cust["signup_date"] >= pd.Timestamp(f.signup_from)
    if f.signup_to:
        keep &= cust["signup_date"] <= pd.Timestamp(f.signup_to)
    for column, values in (("plan", f.plans), ("segment", f.segments), ("region", f.regions),
                           ("industry", f.industries), ("acquisition_channel", f.channels)):
        if values:
            keep &= cust[column].fillna("Unknown").isin(values)
    if f.products:
        keep &= cust["products_count"].isin(f.products)
    cust = cust[keep].copy()
    churned = cust["churn_date"] <= as_of
    cust["churn_date"] = cust["churn_date"].where(churned)
    cust["is_churned"] = churned
    cust["mrr"] = cust["mrr"].astype("float64").fillna(0.0)
    return cust, as_of


def cohort_retention(cust: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    cust = cust.assign(cohort=month_start(cust["signup_date"]))
    # age_reached: largest k with signup + k months <= as_of
    m = months_between(cust["signup_date"], as_of)
    cust["age_reached"] = m - (add_months(cust["signup_date"], m) > as_of).astype(int)
    # churn age: smallest k with signup + k months >= churn_date
    lost = cust[cust["is_churned"]]
    m = months_between(lost["signup_date"], lost["churn_date"])
    churn_age = m + (add_months(lost["signup_date"], m) < lost["churn_date"]).astype(int)
    losses = (lost.assign(age=churn_age).groupby(["cohort", "age"]).size().rename("lost")
              .reset_index())
    sizes = cust.groupby("cohort").agg(cohort_size=("customer_id", "size"),
                                       max_age=("age_reached", "max"))
    if sizes.empty:
        return pd.DataFrame(columns=["cohort", "age", "cohort_size", "retained", "retention_pct",
                                     "is_complete"])
    every = pd.date_range(sizes.index.min(), sizes.index.max(), freq="MS")
    sizes = sizes.reindex(every, fill_value=0).rename_axis("cohort").reset_index()
    grid = sizes.loc[sizes.index.repeat(sizes["max_age"] + 1)].copy()
    grid["age"] = grid.groupby("cohort").cumcount()
    grid = grid.merge(losses, on=["cohort", "age"], how="left").fillna({"lost": 0})
    grid["retained"] = grid["cohort_size"] - grid.groupby("cohort")["lost"].cumsum()
    grid["retention_pct"] = (grid["retained"] / grid["cohort_size"] * 100).where(
        grid["cohort_size"] > 0).round(10)
    cohort_end = grid["cohort"] + pd.offsets.MonthEnd(0)
    grid["is_complete"] = add_months(cohort_end, grid["age"]) <= as_of
    out = grid[["cohort", "age", "cohort_size", "retained", "retention_pct", "is_complete"]]
    return out.astype({"age": "int64", "cohort_size": "int64", "retained": "int64"})


def period_movements(cust: pd.DataFrame, as_of: pd.Timestamp,
                     history: pd.DataFrame | None = None) -> pd.DataFrame:
    signup_month = month_start(cust["signup_date"])
    lost = cust[cust["is_churned"]]
    churn_month = month_start(lost["churn_date"])
    existing = lost["signup_date"] < churn_month
    periods = pd.date_range(signup_month.min(), month_start(pd.Series([as_of]))[0], freq="MS")
    new = cust.groupby(signup_month).agg(n_new=("customer_id", "size"), mrr_new=("mrr", "sum"))
    churn = pd.DataFrame({
        "n_churn": lost.groupby(churn_month).size(),
        "n_churn_existing": existing.groupby(churn_month).sum(),
        "mrr_churn": lost.groupby(churn_month)["mrr"].sum(),
    })
    flows = new.join(churn, how="outer").reindex(periods).fillna(0)
    start = (flows["n_new"] - flows["n_churn"]).cumsum().shift(1, fill_value=0)
    start_mrr = (flows["mrr_new"] - flows["mrr_churn"]).cumsum().shift(1, fill_value=0)
    end = start + flows["n_new"] - flows["n_churn"]
    has_start = start > 0
    if history is not None and len(history):
        # With an MRR history, a month's MRR is the history's mrr in that month of the customers
        # active on its last day (the as-of day for the current month).
        ends = pd.Series(periods + pd.offsets.MonthEnd(0), index=periods).clip(upper=as_of)
        rows = history.merge(cust[["customer_id", "signup_date", "churn_date"]], on="customer_id")
        rows = rows[rows["month"].isin(periods)]
        end_day = rows["month"].map(ends)
        active = (rows["signup_date"] <= end_day) & ~(rows["churn_date"] <= end_day)
        end_mrr = (rows[active].groupby("month")["mrr"].sum().astype("float64")
                   .reindex(periods, fill_value=0.0))
        start_mrr = end_mrr.shift(1, fill_value=0.0)
    else:
        end_mrr = start_mrr + flows["mrr_new"] - flows["mrr_churn"]
    out = pd.DataFrame({
        "period": periods,
        "start_customers": start.to_numpy(),
        "new_customers": flows["n_new"].to_numpy(),
        "end_customers": end.to_numpy(),
        "churned": flows["n_churn_existing"].to_numpy(),
        "crr_pct": ((end - flows["n_new"]) / start * 100).where(has_start).to_numpy(),
        "churn_rate_pct": (flows["n_churn_existing"] / start * 100).where(has_start).to_numpy(),
        "is_complete": (periods + pd.offsets.MonthEnd(0)) <= as_of,
        "start_mrr": start_mrr.to_numpy(),
        "end_mrr": end_mrr.to_numpy(),
    })
    counts = ["start_customers", "new_customers", "end_customers", "churned"]
    return out.astype(dict.fromkeys(counts, "int64"))


def churn_reasons(cust: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    lost = cust[cust["is_churned"]].copy()
    key = (lost["churn_reason"].fillna("").str.replace(r"\s+", " ", regex=True)
           .str.strip(" ").str.lower())
    lost = lost.assign(reason_key=key).merge(
        mapping[["reason_key", "category", "owner_team"]], on="reason_key", how="left")
    lost["owner_team"] = lost["owner_team"].where(lost["category"].notna()).fillna("—")
    lost["category"] = lost["category"].fillna("Other")
    out = lost.groupby("category").agg(
        owner_team=("owner_team", lambda s: " / ".join(sorted(s.unique()))),
        customers_lost=("customer_id", "size"),
        mrr_lost=("mrr", "sum"),
    ).reset_index()
    out["share_pct"] = out["customers_lost"] * 100.0 / out["customers_lost"].sum()
    return out.sort_values(["customers_lost", "category"], ascending=[False, True],
                           ignore_index=True)


def support_kpis(cust: pd.DataFrame, tickets: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    end = as_of + pd.Timedelta(days=1)
    tkt = tickets[tickets["customer_id"].isin(cust["customer_id"]) & (tickets["created_at"] < end)]
    answered = tkt["first_response_at"] < end
    resolved = tkt["resolved_at"] < end
    frame = pd.DataFrame({
        "period": month_start(tkt["created_at"]),
        "frt_h": ((tkt["first_response_at"] - tkt["created_at"]).dt.total_seconds() / 3600)
        .where(answered),
        "resolution_h": ((tkt["resolved_at"] - tkt["created_at"]).dt.total_seconds() / 3600)
        .where(resolved),
        "csat_good": (tkt["csat"] >= 4).astype("float64").where(tkt["csat"].notna()),
        "ces": tkt["ces"].astype("float64"),
        "one_touch": (tkt["agent_replies"] <= 1).astype("float64").where(resolved & tkt["agent_replies"].notna()),
    })
    by = frame.groupby("period")
    out = pd.DataFrame({
        "tickets": by.size(),
        "frt_median_h": by["frt_h"].quantile(0.5),
        "frt_p90_h": by["frt_h"].quantile(0.9),
        "unanswered_pct": by["frt_h"].apply(lambda s: s.isna().mean() * 100),
        "resolution_median_h": by["resolution_h"].quantile(0.5),
        "resolution_p90_h": by["resolution_h"].quantile(0.9),
        "csat_pct": by["csat_good"].mean() * 100,
        "csat_n": by["csat_good"].count(),
        "ces_mean": by["ces"].mean(),
        "ces_n": by["ces"].count(),
        "one_touch_pct": by["one_touch"].mean() * 100,
    })
    resolved_per_period = month_start(tkt.loc[resolved, "resolved_at"]).value_counts()
    if frame.empty:
        return out.reset_index()
    periods = pd.date_range(frame["period"].min(), month_start(pd.Series([as_of]))[0], freq="MS")
    out = out.reindex(periods).rename_axis("period")
    out[["tickets", "csat_n", "ces_n"]] = out[["tickets", "csat_n", "ces_n"]].fillna(0).astype("int64")
    out["backlog_end"] = (out["tickets"].cumsum()
                          - resolved_per_period.reindex(periods, fill_value=0).cumsum()).astype("int64")
    return out.reset_index()


def nps(cust: pd.DataFrame, responses: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    end = as_of + pd.Timedelta(days=1)
    resp = responses[responses["customer_id"].isin(cust["customer_id"])
                     & (responses["responded_at"] < end)]
    quarter = resp["responded_at"].dt.to_period("Q").dt.start_time
    by = resp.groupby(quarter)["score"]
    out = pd.DataFrame({
        "responses": by.size(),
        "promoters_pct": by.apply(lambda s: (s >= 9).mean() * 100),
        "detractors_pct": by.apply(lambda s: (s <= 6).mean() * 100),
    })
    if out.empty:
        return out.rename_axis("period").reset_index()
    periods = pd.date_range(quarter.min(), pd.Timestamp(as_of).to_period("Q").start_time, freq="QS")
    out = out.reindex(periods).rename_axis("period")
    out["responses"] = out["responses"].fillna(0).astype("int64")
    out["nps"] = out["promoters_pct"] - out["detractors_pct"]
    return out.reset_index()


def compute(tables: dict, f: Filters) -> dict[str, pd.DataFrame]:
    """The reference set of bench/pages.py REFERENCE_QUERIES for one filter set."""
    cust, as_of = selected(tables, f)
    return {
        "cohort_retention": cohort_retention(cust, as_of),
        "period_movements": period_movements(cust, as_of, tables["mrr_history"]),
        "churn_reasons": churn_reasons(cust, tables["churn_reason_categories"]),
        "support_kpis": support_kpis(cust, tables["tickets"], as_of),
        "nps": nps(cust, tables["nps_responses"], as_of),
    }


# --- equality ------------------------------------------------------------------------------------
KEYS = {
    "cohort_retention": ["cohort", "age"],
    "period_movements": ["period"],
    "churn_reasons": ["category"],
    "support_kpis": ["period"],
    "nps": ["period"],
}
RTOL, ATOL = 1e-9, 1e-9


def _normalise(frame: pd.DataFrame, columns: list[str], keys: list[str]) -> pd.DataFrame:
    out = frame[columns].copy()
    for column in columns:
        if column in ("cohort", "period"):
            out[column] = pd.to_datetime(out[column])
    return out.sort_values(keys, ignore_index=True)


def _as_text(s: pd.Series) -> np.ndarray:
    return np.array(["<NA>" if pd.isna(v) else str(v) for v in s], dtype=object)


def compare(name: str, duck: pd.DataFrame, ref: pd.DataFrame) -> dict:
    """Equal rows and keys, equal values within RTOL/ATOL (NaN = NaN). Returns a check row."""
    keys = KEYS[name]
    columns = [c for c in ref.columns if c in duck.columns]
    check = {"name": name, "rows": len(ref), "columns": len(columns), "max_abs_diff": 0.0,
             "ok": True, "problem": None}
    missing = [c for c in ref.columns if c not in duck.columns]
    if missing:
        return check | {"ok": False, "problem": f"duckdb lacks columns {missing}"}
    if len(duck) != len(ref):
        return check | {"ok": False, "problem": f"rows: duckdb {len(duck)}, pandas {len(ref)}"}
    a, b = _normalise(duck, columns, keys), _normalise(ref, columns, keys)
    for column in columns:
        x, y = a[column], b[column]
        if pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y):
            x, y = x.astype("float64").to_numpy(), y.astype("float64").to_numpy()
            both_nan = np.isnan(x) & np.isnan(y)
            diff = np.where(both_nan, 0.0, np.abs(x - y))
            worst = float(np.nanmax(diff)) if len(diff) else 0.0
            if np.isnan(diff).any() or not np.all(diff <= ATOL + RTOL * np.abs(np.nan_to_num(y))):
                bad = int(np.argmax(np.nan_to_num(diff, nan=np.inf)))
                return check | {"ok": False, "max_abs_diff": worst,
                                "problem": f"{column} row {bad}: duckdb {x[bad]}, pandas {y[bad]}"}
            check["max_abs_diff"] = max(check["max_abs_diff"], worst)
        else:
            same = _as_text(x) == _as_text(y)
            if not same.all():
                bad = int(np.argmin(same))
                return check | {"ok": False,
                                "problem": f"{column} row {bad}: duckdb {x[bad]!r}, pandas {y[bad]!r}"}
    return check


def compare_all(duck: dict[str, dict], ref: dict[str, dict]) -> list[dict]:
    rows = []
    for set_name, frames in ref.items():
        for name, frame in frames.items():
            other = duck.get(set_name, {}).get(name)
            if other is None:
                rows.append({"set": set_name, "name": name, "ok": False, "problem": "no duckdb result"})
                continue
            rows.append({"set": set_name, **compare(name, other, frame)})
    return rows

