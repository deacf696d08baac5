"""Churn reasons: lost customers and MRR by reason category and owning team, and the raw reasons."""

from __future__ import annotations

import pandas as pd

from queries.base import GRAINS, Filters, check_choice, grain_sql, load_sql, run


def churn_reasons(con, f: Filters, grain: str | None = None) -> pd.DataFrame:
    """Row per [period x] churn category: category, owner_team, customers_lost, mrr_lost,
    share_pct.

    With a grain (week / month / quarter of churn_date) also period and is_complete: every period
    from the first churn to the as-of period for every category seen; share_pct within the period.
    """
    check_choice("grain", grain, (None, *GRAINS))
    # Without a grain the step only feeds is_complete, which is dropped.
    df = run(con, grain_sql("churn_reasons", grain or "month"), f.params(con) | {"grain": grain})
    if grain is None:
        return df.drop(columns=["period", "is_complete"])
    df["period"] = pd.to_datetime(df["period"]).dt.date
    return df


def raw_reasons(con, f: Filters, category: str) -> pd.DataFrame:
    """Row per raw reason behind one churn category, normalised as the mapping matches it:
    reason, customers_lost, mrr_lost, spellings (distinct raw texts folded into the row)."""
    return run(con, load_sql("raw_reasons"), f.params(con) | {"category": category})
