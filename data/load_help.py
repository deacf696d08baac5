"""The `python -m data.load --help` text after the options: every table's columns and the shapes
real exports come in (SPEC §2), generated from the schema and the rules the importer checks."""

from __future__ import annotations

import textwrap

# The option that reads each file key's file.
OPTIONS = {"customers": "--customers", "tickets": "--tickets", "nps_responses": "--nps",
           "mrr_history": "--mrr", "subscriptions": "--subscriptions",
           "churn_events": "--churn-events", "churn_reason_categories": "--reasons"}
TYPES = {"VARCHAR": "text", "DATE": "date", "TIMESTAMP": "date-time", "INTEGER": "whole number",
         "SMALLINT": "whole number", "DECIMAL(12,2)": "number", "DOUBLE": "number"}
# What a column means or allows, beyond its type (the rules themselves are in data/load.py).
NOTES = {
    "customers.signup_date": "or tenure_months",
    "customers.churn_date": ">= signup_date; empty while active",
    "customers.mrr": ">= 0",
    "customers.products_count": ">= 1",
    "customers.churned": "true/false, yes/no, y/n, 1/0, churned/active/stayed; blank = active",
    "customers.tenure_months": ">= 0, instead of signup_date",
    "tickets.first_response_at": ">= created_at; or first_response_minutes/_hours",
    "tickets.resolved_at": ">= created_at; or resolution_minutes/_hours",
    "tickets.agent_replies": ">= 0",
    "tickets.csat": "1-5",
    "tickets.ces": "1-5, 5 = easiest",
    "tickets.first_response_minutes": ">= 0", "tickets.first_response_hours": ">= 0",
    "tickets.resolution_minutes": ">= 0", "tickets.resolution_hours": ">= 0",
    "nps_responses.score": "0-10",
    "mrr_history.month": "first day of the month",
    "mrr_history.mrr": ">= 0",
    "subscriptions.end_date": "empty while running; > the last day it counts",
    "subscriptions.mrr": ">= 0",
}

SHAPES = """\
Shapes real exports come in (each conversion is counted in the summary printed after the import):
  churn as events     --churn-events FILE (customer_id, churn_date, churn_reason): a customer's
                      churn is its latest event; a customer flagged not churned stays active.
  churn as a flag     customers.churned; churned without any date = churned on the as-of date.
  tenure              customers.tenure_months: signup_date = as-of minus that many months.
  subscriptions       --subscriptions FILE (customer_id, start_date, end_date, mrr): month M's MRR
                      is the sum over subscriptions active on M's last day (the as-of day for the
                      as-of month); customers.mrr, when not given, is the latest month's.
  durations           tickets.first_response_minutes|_hours, resolution_minutes|_hours:
                      timestamp = created_at + duration (not together with the timestamp).
  dates               ISO YYYY-MM-DD[ HH:MM[:SS]] or one format per column: YYYY/MM/DD, DD.MM.YYYY,
                      DD/MM/YYYY, MM/DD/YYYY (time optional); a column whose day and month are
                      all <= 12 needs --date-format DD/MM/YYYY or MM/DD/YYYY.
As-of date: --as-of, else the latest signup, churn, ticket, NPS or subscription date up to today.
Headers: your own names via --map TABLE.COLUMN=Header (e.g. customers.churned=Churn); columns
not listed here are kept as text. CSV (comma, semicolon or tab; UTF-8) or Parquet."""


def epilog(schema: dict[str, dict[str, str]], required: dict[str, tuple[str, ...]],
           derived: dict[str, tuple[str, ...]]) -> str:
    """Columns per file (* = required) and the shapes, for argparse's epilog."""
    out = ["Files and their columns (* = required):"]
    for key, option in OPTIONS.items():
        parts = []
        for column, kind in schema[key].items():
            if column in derived.get(key, ()):
                continue
            star = "*" if column in required.get(key, ()) else ""
            note = NOTES.get(f"{key}.{column}")
            parts.append(f"{column}{star} ({TYPES[kind]}{'; ' + note if note else ''})")
        out += textwrap.wrap(", ".join(parts), width=98, initial_indent=f"  {option:<16} ",
                             subsequent_indent=" " * 19)
    return "\n".join(out) + "\n\n" + SHAPES
