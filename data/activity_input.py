"""An activity file (purchases, logins, feature use) as an importer input, and what it can stand in
for (docs/definitions.md, Data model activity):

- no customers file: the customers are the activity's, each signed up on the day of its first
  activity, so a plain transactions export (customer, date, amount) is a complete input;
- a customers file without a signup_date column: each customer's signup date is the day of its
  first activity (a customer without any activity then has none, which is a problem);
- `--inactive-days N`: a customer without a churn date whose last activity was N days or more
  before the as-of date churned on last activity + N days, reason "Inactive N days".

The importer (data/importer) stages and checks the activity file like any other file (typed_activity,
its occurred_at in ISO or one common date format); this module adds what the file stands in for.
Each conversion is counted for the import summary.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from data.words import count

KEY = "activity"
# Where an activity file stands in for the customers file, the staged customers carry this mark.
DERIVED = "derived from activity"


def customers_optional(files: dict[str, Path]) -> bool:
    """An activity file can stand in for the customers file."""
    return KEY in files


def optional_columns(key: str, files: dict[str, Path]) -> tuple[str, ...]:
    """Required columns of file `key` the activity stands in for: a customers file needs no
    signup_date column when an activity file gives first dates."""
    return ("signup_date",) if key == "customers" and KEY in files else ()


def checks(src, staged: dict) -> list[tuple[str, str, str]]:
    """(column, expected, SQL of (row_id, found, ref_row)) for a customers file without a
    signup_date column: every customer needs an activity to take its signup date from."""
    activity = staged.get(KEY)
    if src.key != "customers" or "signup_date" in src.columns or "customer_id" not in src.columns:
        return []
    if activity is None or not activity.usable or "customer_id" not in activity.columns:
        return []
    select = f"""
        select row_id, shown(customer_id) || ' without any activity' as found, null as ref_row
        from {src.typed} as cust
        where customer_id is not null and not exists (
            select 1 from {activity.typed} as act
            where act.customer_id = cust.customer_id and act.occurred_at is not null)"""
    return [("signup_date", f"a signup_date, or an activity in {activity.name} to take it from",
             select)]


def derive_customers(con, staged: dict, make_staged) -> list[str]:
    """Fill in what the activity stands in for, before the customers are converted: the customers
    themselves (no customers file) or their signup dates (no signup_date column). `make_staged`
    builds the importer's record of a staged file (key, path). Returns the summary notes."""
    activity = staged.get(KEY)
    if activity is None:
        return []
    first = f"""
        select customer_id, min(occurred_at)::date as signup_date, min(row_id) as row_id
        from {activity.typed} group by customer_id"""
    if "customers" not in staged:
        con.execute(f"create or replace temp table typed_customers as "
                    f"select row_id, customer_id, signup_date from ({first})")
        src = make_staged("customers", activity.path)
        src.columns = {"customer_id": DERIVED, "signup_date": DERIVED}
        src.rows = con.execute("select count(*) from typed_customers").fetchone()[0]
        src.usable = True
        staged["customers"] = src
        return [f"{count(src.rows, 'customers')} from the activity file {activity.name}, each signed up "
                "on the day of its first activity"]
    src = staged["customers"]
    if "signup_date" in src.columns:
        return []
    con.execute("alter table typed_customers add column signup_date date")
    con.execute(f"""
        update typed_customers set signup_date = first.signup_date
        from ({first}) as first where first.customer_id = typed_customers.customer_id""")
    src.columns["signup_date"] = DERIVED
    return [f"{count(src.rows, 'signup dates')} from the activity file {activity.name} (the day of each "
            "customer's first activity)"]


def inactive_churn(con, staged: dict, as_of: date, days: int | None) -> list[str]:
    """Customers without a churn date (and not flagged active) whose last activity + `days` is on
    or before as_of churned then, reason 'Inactive N days'. Run on the converted customers.
    Returns the summary note (none without `days`)."""
    if not days:
        return []
    activity = staged[KEY]
    # The customers are converted (data/shapes.py): churn_date and churn_reason exist.
    flagged_active = ("and typed_customers.flag is distinct from 'active'"
                      if _has_column(con, "typed_customers", "flag") else "")
    params = {"as_of": as_of, "days": days, "reason": f"Inactive {days} days"}
    churned = con.execute(f"""
        update typed_customers
        set churn_date = last.last_day + to_days($days::integer), churn_reason = $reason
        from (
            select customer_id, max(occurred_at)::date as last_day
            from {activity.typed}
            where occurred_at < $as_of::date + interval 1 day
            group by customer_id
        ) as last
        where last.customer_id = typed_customers.customer_id
          and typed_customers.churn_date is null {flagged_active}
          and last.last_day + to_days($days::integer) <= $as_of""", params).fetchone()[0]
    return [f"{count(churned, 'customers')} churned by inactivity: no activity in the {days} days after "
            f"their last one (churn_date = last activity + {days} days, reason "
            f"'Inactive {days} days')"]


INACTIVITY_CATEGORY = "Low usage"
INACTIVITY_TEAM = "Support & Onboarding"


def map_inactivity_reason(con, days: int | None) -> list[str]:
    """Give the 'Inactive N days' reason a category when the reason mapping has none: left to the
    catch-all it would make Other the biggest churn reason on data whose only reason is ours. A
    mapping file that lists the reason keeps its own category. Run after the mapping is loaded."""
    if not days:
        return []
    reason = f"Inactive {days} days"
    key = reason.lower()
    if con.execute("select count(*) from churn_reason_categories where reason_key = $key",
                   {"key": key}).fetchone()[0]:
        return []
    team = con.execute(
        "select min(owner_team) from churn_reason_categories where category = $category",
        {"category": INACTIVITY_CATEGORY}).fetchone()[0] or INACTIVITY_TEAM
    con.execute("insert into churn_reason_categories values ($reason, $key, $category, $team)",
                {"reason": reason, "key": key, "category": INACTIVITY_CATEGORY, "team": team})
    return [f"reason '{reason}' mapped to {INACTIVITY_CATEGORY} ({team}): the reason mapping did "
            "not list it"]


def _has_column(con, table: str, column: str) -> bool:
    return bool(con.execute(
        "select count(*) from duckdb_columns() where table_name = $t and column_name = $c",
        {"t": table, "c": column}).fetchone()[0])
