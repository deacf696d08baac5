"""Period movements: customers at the start and end of each period, new, churned, CRR, churn rate."""

from __future__ import annotations

import pandas as pd

from queries.base import Filters, grain_sql, run


def period_movements(con, f: Filters, grain: str = "month") -> pd.DataFrame:
    """Row per period: start/new/end customers, churned, crr_pct, churn_rate_pct, is_complete,
    period_end, start_mrr, end_mrr."""
    df = run(con, grain_sql("period_movements", grain), f.params(con) | {"grain": grain})
    df["period"] = pd.to_datetime(df["period"]).dt.date
    df["period_end"] = pd.to_datetime(df["period_end"]).dt.date
    return df
