"""Support x retention and retention drivers: tickets and activity before churn against a
tenure-matched baseline, two-year retention by products held and by early expansion."""

from __future__ import annotations

import pandas as pd

import settings
from queries.base import Filters, load_sql, run


# Events counted before churn: table (data/build/facts.sql) and its kind column, from an allow-list.
EVENTS = {"tickets": ("ticket_facts", "category"), "activity": ("activity_facts", "kind")}


def _pre_churn_events(con, f: Filters, events: str) -> pd.DataFrame:
    table, kind = EVENTS[events]
    text = load_sql("pre_churn_events").replace("/*events*/", table).replace("/*event_kind*/", kind)
    return run(con, text, f.params(con))


def pre_churn_tickets(con, f: Filters) -> pd.DataFrame:
    """Row per churn category: category, churned_customers, tickets_per_customer (90 days before
    churn), baseline_tickets_per_customer (retained customers at the same tenure),
    top_ticket_categories, tickets, matched_customers. Definitions in pre_churn_events.sql."""
    return _pre_churn_events(con, f, "tickets").rename(columns={
        "events_per_customer": "tickets_per_customer",
        "baseline_events_per_customer": "baseline_tickets_per_customer",
        "top_kinds": "top_ticket_categories", "events": "tickets"})


def pre_churn_activity(con, f: Filters) -> pd.DataFrame:
    """Row per churn category: category, churned_customers, activity_per_customer (90 days
    before churn), baseline_activity_per_customer (retained customers at the same tenure),
    top_kinds, activities, matched_customers. Definitions in pre_churn_events.sql."""
    return _pre_churn_events(con, f, "activity").rename(columns={
        "events_per_customer": "activity_per_customer",
        "baseline_events_per_customer": "baseline_activity_per_customer", "events": "activities"})


def pre_churn_long(before: pd.DataFrame, value: str = "tickets_per_customer") -> pd.DataFrame:
    """pre_churn_tickets (or pre_churn_activity, value 'activity_per_customer') as one row per
    category and series (churned / retained baseline), the shape a grouped bar chart plots:
    category, `value`, customers, series."""
    churned = before[["category", value, "churned_customers"]].rename(
        columns={"churned_customers": "customers"}).assign(series="Churned (90 days before)")
    base = before[["category", f"baseline_{value}"]].rename(columns={f"baseline_{value}": value})
    base = base.assign(series="Retained, same tenure",
                       customers=before.get("matched_customers", before["churned_customers"]))
    return pd.concat([churned, base], ignore_index=True)


def _horizon_params(con, f: Filters, horizon_months: int, min_n: int) -> dict:
    whole = isinstance(horizon_months, int) and not isinstance(horizon_months, bool)
    if not whole or horizon_months < 1:
        raise ValueError(f"horizon_months must be a whole number >= 1, not {horizon_months!r}")
    return f.params(con) | {"horizon_months": horizon_months, "min_n": int(min_n)}


def retention_by_products(
    con, f: Filters, horizon_months: int = 24, min_n: int = settings.MIN_N
) -> pd.DataFrame:
    """Row per products held ('1', '2', '3', '4+', 'Unknown' if any): group, customers,
    retained_pct, is_reliable, retained, excluded_incomplete. Complete horizons only."""
    params = _horizon_params(con, f, horizon_months, min_n)
    return run(con, load_sql("retention_by_products"), params)


def early_expansion_retention(
    con, f: Filters, horizon_months: int = 24, min_n: int = settings.MIN_N
) -> pd.DataFrame:
    """Row per 'Expansion in first 3 months' / 'No expansion': group, customers, retained_pct,
    is_reliable, retained, excluded_no_history, excluded_incomplete. Complete horizons only;
    customers without mrr_history are left out and counted in excluded_no_history."""
    params = _horizon_params(con, f, horizon_months, min_n)
    return run(con, load_sql("early_expansion_retention"), params)
