"""Support KPIs per period (FRT, resolution, CSAT, CES, one-touch, backlog) and NPS."""

from __future__ import annotations

from datetime import date

import pandas as pd

import settings
from queries.base import (
    DIMENSIONS,
    ELIGIBLE_EARLY,
    EARLY_DIMENSIONS,
    Filters,
    check_choice,
    grain_sql,
    run,
)

# Breakdowns of support_kpis: ticket columns, then customer columns (alias cf), then the two
# support-vs-retention splits of docs/definitions.md, Metrics.
SUPPORT_DIMENSIONS = {
    "channel": "coalesce(tkt.channel, 'Unknown')",
    "category": "coalesce(tkt.category, 'Unknown')",
    "priority": "coalesce(tkt.priority, 'Unknown')",
    **DIMENSIONS,
    # Churned by as_of (selected_customers nulls later churns) vs still a customer.
    "outcome": "case when cf.is_churned then 'Churned' else 'Retained' end",
    # Customer age when the ticket was created; + k months clamps to month end.
    "age_band": (
        "case when tkt.created_at < cf.signup_date + interval 3 month then '0-3 months' "
        "when tkt.created_at < cf.signup_date + interval 12 month then '3-12 months' "
        "else '12+ months' end"
    ),
}

# One sort of the resolved tickets' hours for both quantiles; null when the caller leaves them out.
RESOLUTION_QUANTILES = "quantile_cont(resolution_h, [0.5, 0.9])"


def support_kpis(
    con,
    f: Filters,
    grain: str = "month",
    by: str | None = None,
    sla_h: float = settings.SLA_HOURS,
    since: date | None = None,
    resolution: bool = True,
) -> pd.DataFrame:
    """Row per [group x] period of ticket creation: tickets, frt_median_h, frt_p90_h,
    unanswered_pct, resolution_median_h, resolution_p90_h, csat_pct, csat_n, ces_mean, ces_n,
    one_touch_pct, backlog_end, frt_n, resolved_n, one_touch_n, is_complete.

    `by`: channel, category, priority, a customer dimension, outcome or age_band. For the
    early-support dimensions, tickets of customers younger than 90 days are left out.
    `since` leaves out the periods before since's period, and backlog_end is then null (it needs
    every earlier ticket); kpi_summary reads only the last two months.
    `resolution=False` leaves out resolution_median_h and resolution_p90_h (the columns are not in
    the frame): sorting every resolved ticket's hours is about a third of this query's time at 8.5M
    tickets (830 -> 594 ms measured), and the Overview shows neither.
    """
    if by is not None:
        check_choice("by", by, list(SUPPORT_DIMENSIONS))
    text = (
        grain_sql("support_kpis", grain)
        .replace("/*group*/", "'All'" if by is None else SUPPORT_DIMENSIONS[by])
        .replace("/*eligible*/", ELIGIBLE_EARLY if by in EARLY_DIMENSIONS else "true")
        .replace("/*resolution_quantiles*/",
                 RESOLUTION_QUANTILES if resolution else "null::double[]")
    )
    params = f.params(con) | {"grain": grain, "sla_h": float(sla_h), "since": since}
    df = run(con, text, params)
    df["period"] = pd.to_datetime(df["period"]).dt.date
    if not resolution:
        df = df.drop(columns=["resolution_median_h", "resolution_p90_h"])
    return df.drop(columns="group") if by is None else df


def nps(con, f: Filters, grain: str = "quarter", since: date | None = None) -> pd.DataFrame:
    """Row per period of response: responses, promoters_pct, detractors_pct, nps, is_complete.
    `since` leaves out the periods before since's period."""
    df = run(con, grain_sql("nps", grain), f.params(con) | {"grain": grain, "since": since})
    df["period"] = pd.to_datetime(df["period"]).dt.date
    return df
