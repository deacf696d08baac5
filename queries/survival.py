"""Kaplan-Meier survival per group, its 95% band, and the log-rank test between groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

import settings
from queries.base import (ELIGIBLE_EARLY, EARLY_DIMENSIONS, Filters, check_choice, dimension_sql,
                          load_sql, run)


# Duration units of the survival curves: days since signup (SPEC survival), or calendar months
# of tenure (retention by tenure, for files whose churned customers have no churn date).
UNITS = {"day": "'day'", "month": "'month'"}


def _survival_sql(name: str, by: str | None, unit: str = "day") -> str:
    eligible = ELIGIBLE_EARLY if by in EARLY_DIMENSIONS else "true"
    check_choice("unit", unit, list(UNITS))
    return (
        load_sql(name)
        .replace("/*group*/", dimension_sql(by))
        .replace("/*eligible*/", eligible)
        .replace("/*unit*/", UNITS[unit])
    )


def _params(con, f: Filters, sla_h: float) -> dict:
    return f.params(con) | {"sla_h": float(sla_h)}


def survival(
    con, f: Filters, by: str | None = None, sla_h: float = settings.SLA_HOURS,
    unit: str = "day",
) -> pd.DataFrame:
    """Row per [group,] day (0 and each churn day): survival, ci_lower, ci_upper, at_risk, events.

    For the early-support dimensions, customers younger than 90 days are left out (see
    `early_support_excluded`). unit="month": the same over calendar months of tenure (column
    `day` then counts months).
    """
    df = run(con, _survival_sql("survival", by, unit), _params(con, f, sla_h))
    return df.drop(columns="group") if by is None else df


def tenure_survival(con, f: Filters, by: str | None = None) -> pd.DataFrame:
    """Retention by tenure: row per [group,] tenure_months (0 and each month with a churn):
    survival, ci_lower, ci_upper, at_risk, events. Kaplan-Meier with duration = months of tenure
    (signup to churn, or to the as-of date while active), event = churned by the as-of date: the
    reading of a file whose churned customers have no churn date (one moment's picture)."""
    return survival(con, f, by, unit="month").rename(columns={"day": "tenure_months"})


def tenure_logrank_p(con, f: Filters, by: str) -> float:
    """Log-rank p-value that the groups of `by` share one retention-by-tenure curve."""
    table = run(con, _survival_sql("survival_table", by, "month"),
                _params(con, f, settings.SLA_HOURS))
    return stratified_logrank_p(table)


def early_support_excluded(con, f: Filters) -> int:
    """How many selected customers are too young (signup + 90 days > as_of) for early-support groups."""
    df = run(con, load_sql("early_support_excluded"), f.params(con))
    return int(df["customers"].iloc[0])


def survival_at(
    con, f: Filters, by: str | None, day: int = 365, sla_h: float = settings.SLA_HOURS,
    min_n: int = settings.MIN_N, unit: str = "day",
) -> pd.DataFrame:
    """Row per group: the Kaplan-Meier estimate at `day` with its band, customers in the group,
    at_risk on that day (customers still observed), is_reliable (at_risk >= min_n) and
    survival_pct (the estimate in percent, as bars show it). unit="month": `day` counts months
    of tenure (retention by tenure)."""
    curve = survival(con, f, by, sla_h, unit)
    if by is None:
        curve = curve.assign(group="All")
    table = run(con, _survival_sql("survival_table", by, unit), _params(con, f, sla_h))
    rows = []
    for group, points in curve.groupby("group", sort=True):
        upto = points[points["day"] <= day].iloc[-1]
        mine = table[table["grp"] == group]
        rows.append(
            {
                "group": group,
                "day": day,
                "survival": upto["survival"],
                "ci_lower": upto["ci_lower"],
                "ci_upper": upto["ci_upper"],
                "customers": int(mine["n_leaving"].sum()),
                "at_risk": int(mine.loc[mine["day"] >= day, "n_leaving"].sum()),
            }
        )
    out = pd.DataFrame(
        rows, columns=["group", "day", "survival", "ci_lower", "ci_upper", "customers", "at_risk"]
    )
    out["is_reliable"] = out["at_risk"] >= min_n
    out["survival_pct"] = out["survival"] * 100
    return out


def logrank_p(con, f: Filters, by: str, sla_h: float = settings.SLA_HOURS) -> float:
    """p-value of the multivariate log-rank test that all groups of `by` share one survival curve.

    NaN when fewer than two groups have customers or nobody churned.
    """
    table = run(con, _survival_sql("survival_table", by), _params(con, f, sla_h))
    return stratified_logrank_p(table)


def stratified_logrank_p(table: pd.DataFrame, strata: list[str] | None = None) -> float:
    """Log-rank chi-square on (grp, day, n_leaving, events) rows; K groups -> K-1 df.

    With `strata` (columns of `table` that together name a stratum), the stratified test: groups
    are compared within each stratum, and the observed-minus-expected counts and their covariance
    are summed over the strata before the chi-square, so a difference in the strata's mix between
    groups is not read as a difference between the groups. Each (stratum, event day) is one term
    of the sums."""
    groups = sorted(table["grp"].unique())
    if len(groups) < 2 or table["events"].sum() == 0:
        return float("nan")
    stratum = table.groupby(strata, sort=False).ngroup() if strata else 0
    rows = table.assign(stratum=stratum)[["stratum", "grp", "day", "n_leaving", "events"]]
    at_risk, deaths = _risk_sets(rows, groups)
    n = at_risk.sum(axis=0)
    d = deaths.sum(axis=0)
    expected = (at_risk * d / n).sum(axis=1)
    observed = deaths.sum(axis=1)
    # hypergeometric covariance, summed over event days with more than one customer at risk
    scale = np.where(n > 1, d * (n - d) / (n * n * np.maximum(n - 1, 1)), 0.0)
    share = at_risk
    cov = np.einsum("t,it,jt->ij", -scale, share, share)
    cov[np.diag_indices(len(groups))] += (scale * share * n).sum(axis=1)
    diff = (observed - expected)[:-1]
    stat = float(diff @ np.linalg.pinv(cov[:-1, :-1]) @ diff)
    return float(chi2.sf(stat, len(groups) - 1))


def _risk_sets(rows: pd.DataFrame, groups: list) -> tuple[np.ndarray, np.ndarray]:
    """(at risk, churned): groups x event times, an event time being a (stratum, day) with a
    churn. At risk on day t: the group's customers of that stratum whose duration is >= t."""
    times = rows.loc[rows["events"] > 0, ["stratum", "day"]].drop_duplicates()
    probes = times.merge(pd.DataFrame({"grp": groups}), how="cross").assign(
        n_leaving=0, events=0, is_probe=True)
    # A probe sorts before the rows of its own day, so the running sum of n_leaving it sees is
    # the customers who left before that day.
    both = pd.concat([probes, rows.assign(is_probe=False)], ignore_index=True).sort_values(
        ["stratum", "grp", "day", "is_probe"], ascending=[True, True, True, False], kind="stable")
    both["left_before"] = both.groupby(["stratum", "grp"])["n_leaving"].cumsum()
    both["total"] = both.groupby(["stratum", "grp"])["n_leaving"].transform("sum")
    both["deaths"] = both.groupby(["stratum", "grp", "day"])["events"].transform("sum")
    probed = both[both["is_probe"]].assign(at_risk=lambda p: p["total"] - p["left_before"])
    grid = probed.pivot_table(index="grp", columns=["stratum", "day"],
                              values=["at_risk", "deaths"], aggfunc="sum", fill_value=0)
    return (grid["at_risk"].reindex(groups).to_numpy(float),
            grid["deaths"].reindex(groups).to_numpy(float))
