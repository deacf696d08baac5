"""The head of the churn-risk list: what the At risk page shows on screen.

A large snapshot's whole list (a million rows with their signals) took half a second to read back
from its kept default view, and megabytes to send to a browser; the page shows the highest risks
only and builds the whole list (the call list's CSV) when the viewer asks for it.
"""

from __future__ import annotations

import pandas as pd

from queries.base import Filters
from queries.risk import churn_risk
from queries.risk_fit import HORIZON_DAYS

# How many of the highest risks the At risk page shows.
TOP_ROWS = 1_000


def churn_risk_top(con, f: Filters, horizon_days: int = HORIZON_DAYS,
                   rows: int = TOP_ROWS) -> pd.DataFrame:
    """churn_risk's first `rows` rows (highest risk first, its columns): the list on screen."""
    if rows < 1:
        raise ValueError(f"rows must be at least 1, not {rows!r}")
    return churn_risk(con, f, horizon_days).head(rows).reset_index(drop=True)
