"""Churn reasons: lost customers and MRR by reason category and owning team, and the raw reasons."""

from __future__ import annotations

import duckdb
import pandas as pd

import settings
from queries.base import GRAINS, Filters, check_choice, dimension_sql, grain_sql, load_sql, run


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


def churn_share(con, f: Filters, by: str | None = None,
                min_n: int = settings.MIN_N) -> pd.DataFrame:
    """Row per group of `by` (one row 'All' without): group, customers, churned,
    churn_share_pct (churned / customers in the file x 100), churned_mrr, active_mrr,
    is_reliable (customers >= min_n)."""
    text = load_sql("churn_share").replace("/*group*/", dimension_sql(by))
    df = run(con, text, f.params(con))
    df["is_reliable"] = df["customers"] >= min_n
    return df


def raw_reasons(con, f: Filters, category: str) -> pd.DataFrame:
    """Row per raw reason behind one churn category, normalised as the mapping matches it:
    reason, customers_lost, mrr_lost, spellings (distinct raw texts folded into the row), status
    (no reason / unmapped / mapped)."""
    return run(con, load_sql("raw_reasons"), f.params(con) | {"category": category})


def reason_mapping(con) -> pd.DataFrame:
    """Row per raw churn reason of the whole snapshot (churned by its default as-of date): reason,
    example, spellings, customers_lost, share_pct, category, owner_team, status (unmapped /
    mapped / no reason). Unmapped first, most customers first."""
    return run(con, load_sql("reason_mapping"), {})


VERSION_COLUMNS = ["version", "snapshot_id", "saved_at", "saved_by", "how", "reasons",
                   "other_before_pct", "other_after_pct"]


def mapping_versions(con) -> pd.DataFrame:
    """Row per version of the reason mapping up to this snapshot's (data/build/__init__.py), newest first;
    no rows for a snapshot built before versions were recorded."""
    try:
        return run(con, load_sql("mapping_versions"), {})
    except duckdb.CatalogException:
        return pd.DataFrame(columns=VERSION_COLUMNS)


def mapping_categories(con) -> pd.DataFrame:
    """Row per category of the snapshot's reason mapping: category, owner_team, reasons."""
    return run(con, load_sql("mapping_categories"), {})
