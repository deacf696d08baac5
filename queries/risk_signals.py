"""The signals of the churn score (queries/risk.py): which this snapshot's data can give, their
values per customer at a cutoff date (risk_features.sql, from what was known by the end of that
day), and each in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

import settings
from queries.base import load_sql, run

# Signal -> what it needs (risk_signals.sql columns that must be > 0) and whether it is a category.
DIMENSION_SIGNALS = ("plan", "segment", "region", "industry", "acquisition_channel")


@dataclass(frozen=True)
class Signal:
    name: str
    needs: tuple[str, ...]
    categorical: bool = False


SIGNALS = (
    Signal("tenure_days", ()),
    *(Signal(d, (), True) for d in DIMENSION_SIGNALS),
    Signal("products_count", ()),
    Signal("mrr_latest", ("mrr_history_rows",)),
    Signal("mrr_change_pct", ("mrr_history_rows",)),
    Signal("customer_mrr", ("customers_mrr",)),
    Signal("tickets_90d", ("tickets_rows",)),
    Signal("frt_breaches_90d", ("tickets_rows", "tickets_first_response_at")),
    Signal("low_csat_90d", ("tickets_rows", "tickets_csat")),
    Signal("open_tickets_90d", ("tickets_rows", "tickets_resolved_at")),
    Signal("latest_nps", ("nps_responses_rows",)),
    Signal("activity_30d", ("activity_rows",)),
    Signal("activity_prior_60d", ("activity_rows",)),
    Signal("activity_change_pct", ("activity_rows",)),
    Signal("days_since_activity", ("activity_rows",)),
    Signal("contacts_90d", ("outreach_rows",)),
    Signal("responses_90d", ("outreach_rows", "outreach_responded_at")),
)


def available_signals(held: dict) -> list[str]:
    """The signals this snapshot's data can give (`held`: the row of risk_signals.sql): a table or
    column without values gives none, and a dimension needs more than one value."""
    out = []
    for signal in SIGNALS:
        if signal.name in DIMENSION_SIGNALS or signal.name == "products_count":
            if int(held.get(f"{signal.name}_values") or 0) > 1:
                out.append(signal.name)
            continue
        if signal.name == "customer_mrr" and int(held.get("mrr_history_rows") or 0) > 0:
            continue  # the dated history says what the customer paid then; customers.mrr is today's
        if all(int(held.get(need) or 0) > 0 for need in signal.needs):
            out.append(signal.name)
    return out


def _window_params(cutoff: date, label_end: date, csat_dated: bool) -> dict:
    cutoff_end = datetime.combine(cutoff + timedelta(days=1), datetime.min.time())
    mrr_month = (cutoff.replace(day=1) - timedelta(days=1)).replace(day=1)
    month_3 = mrr_month
    for _ in range(3):
        month_3 = (month_3 - timedelta(days=1)).replace(day=1)
    return {
        "cutoff": cutoff,
        "cutoff_end": cutoff_end,
        "label_end": label_end,
        "recent_from": cutoff_end - timedelta(days=30),
        "window_from": cutoff_end - timedelta(days=90),
        "breach_before": cutoff_end - timedelta(hours=settings.SLA_HOURS),
        "sla_h": float(settings.SLA_HOURS),
        "csat_dated": csat_dated,
        "mrr_month": mrr_month,
        "mrr_month_before": month_3,
    }


def risk_features(con, cutoff: date, label_end: date, csat_dated: bool = True) -> pd.DataFrame:
    """Row per customer active at the end of `cutoff`: the signals known by then (every column of
    risk_features.sql) and is_churned_in_horizon (churn in (cutoff, label_end])."""
    return run(con, load_sql("risk_features"), _window_params(cutoff, label_end, csat_dated))


def _plural(n: float, one: str, many: str | None = None) -> str:
    n = int(n)
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def signal_words(name: str, row) -> str:
    """One signal of one customer in plain words ('2 first responses over 4 h in 90 days')."""
    value = row[name]
    missing = value is None or bool(pd.isna(value))
    if name == "tenure_days":
        days = int(value)
        return (f"new: {_plural(days, 'day')} as a customer" if days < 60
                else f"{_plural(days // 30, 'month')} as a customer")
    if name in DIMENSION_SIGNALS:
        label = {"acquisition_channel": "acquired via"}.get(name, name)
        return f"{label} {value}"
    if name == "products_count":
        return "products held unknown" if missing else _plural(value, "product") + " held"
    if name in ("mrr_latest", "customer_mrr"):
        return "no MRR recorded" if missing else f"MRR ${float(value):,.0f}"
    if name == "mrr_change_pct":
        if missing:
            return "no MRR 3 months before"
        return (f"MRR {'up' if value > 0 else 'down'} {abs(float(value)):.0f}% in 3 months"
                if round(float(value)) else "MRR flat over 3 months")
    if name == "tickets_90d":
        return f"{_plural(value, 'ticket')} in 90 days"
    if name == "frt_breaches_90d":
        return (f"{_plural(value, 'first response')} over {settings.SLA_HOURS:g} h in 90 days"
                if value else f"no first response over {settings.SLA_HOURS:g} h in 90 days")
    if name == "low_csat_90d":
        return (f"{_plural(value, 'CSAT rating')} below 4 in 90 days" if value
                else "no CSAT rating below 4 in 90 days")
    if name == "open_tickets_90d":
        return _plural(value, "open ticket") if value else "no open ticket"
    if name == "latest_nps":
        return "no NPS answer" if missing else f"latest NPS {int(value)}"
    if name == "activity_30d":
        return f"activity: {_plural(value, 'event')} in 30 days"
    if name == "activity_prior_60d":
        return f"activity: {_plural(value, 'event')} in the 60 days before the last 30"
    if name == "activity_change_pct":
        if missing:
            return "no activity in the 60 days before the last 30"
        return (f"activity {'up' if value > 0 else 'down'} {abs(float(value)):.0f}% "
                "(last 30 days against the 60 before)")
    if name == "days_since_activity":
        return "no activity yet" if missing else f"no activity for {_plural(value, 'day')}"
    if name == "contacts_90d":
        return f"{_plural(value, 'outreach contact')} in 90 days"
    if name == "responses_90d":
        return (f"answered {_plural(value, 'outreach contact')} in 90 days" if value
                else "answered no outreach contact in 90 days")
    raise ValueError(f"unknown signal {name!r}")

