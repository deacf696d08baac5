"""Revenue retention per period from mrr_history: expansion, contraction, churned MRR, NRR, GRR."""

from __future__ import annotations

from datetime import date

import pandas as pd

from queries.base import Filters, check_choice, grain_sql, run

REVENUE_GRAINS = ("month", "quarter")


def revenue_retention(
    con, f: Filters, grain: str = "month", since: date | None = None
) -> pd.DataFrame:
    """Row per period: start_mrr, expansion_mrr, contraction_mrr, churned_mrr, nrr_pct, grr_pct,
    is_complete, customers (the start set), period_end.

    Month or quarter grain only: mrr_history holds one row per customer and month, so a week grain
    raises ValueError. Months after the as-of month are ignored and the as-of period is marked
    incomplete. Empty frame (same columns) when the selection has no mrr_history rows.
    `since` leaves out the periods before since's period (kpi_summary needs only the last two).
    """
    if grain == "week":
        raise ValueError("unknown grain 'week'; allowed: month, quarter (mrr_history is monthly)")
    check_choice("grain", grain, REVENUE_GRAINS)
    params = f.params(con) | {"grain": grain, "since": since}
    df = run(con, grain_sql("revenue_retention", grain), params)
    df["period"] = pd.to_datetime(df["period"]).dt.date
    df["period_end"] = pd.to_datetime(df["period_end"]).dt.date
    return df
