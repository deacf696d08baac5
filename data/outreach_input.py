"""An outreach file (a retention team's contacts: save campaigns, check-in calls, onboarding
e-mails; docs/definitions.md, Data model outreach) as an importer input.

The importer (data/importer) stages and checks it like any other file: customer_id, contacted_at and
channel required, timestamps in ISO or one common date format, responded_at on or after
contacted_at, actions a whole number >= 0, customer_id present in the customers file. This module
adds the rule that reads the customers' signup dates: no contact before the customer signed up,
checked with the others when the customers file gives them, after the conversion when tenure or
activity computes them (data/shapes.py, data/activity_input.py). And the summary's line on what
was loaded.
"""

from __future__ import annotations

from data.words import count

KEY = "outreach"
REQUIRED = ("customer_id", "contacted_at", "channel")
# Row rules in data/importer/rules.py's RULES format: (column, expected, other columns, condition, found).
RULES = [
    ("responded_at", "a date-time on or after contacted_at", ("contacted_at",),
     "responded_at < contacted_at",
     "shown(raw_responded_at) || ' (contacted_at ' || cast(contacted_at as varchar) || ')'"),
    ("actions", "a whole number >= 0", (), "actions < 0", "shown(raw_actions)"),
]
DATE_COLUMNS = ("contacted_at", "responded_at")


def checks(src, staged: dict) -> list[tuple[str, str, str]]:
    """(column, expected, SQL of (row_id, found, ref_row)) for contacts before the customer's
    signup date, with every other check, when the customers file gives its signup dates as they
    are (no tenure, no activity to take them from)."""
    if src.key != KEY or not _signups_given(staged) or "customer_id" not in src.columns:
        return []
    return [("contacted_at", EXPECTED, _before_signup(src.typed, staged["customers"].typed))]


def post_checks(staged: dict) -> list[tuple[str, str, str, str]]:
    """(key, column, expected, SQL): the same rule on the converted customers, whose signup dates
    tenure or activity may have given; run only when every other check passed (so a problem
    `checks` found is never reported twice)."""
    src = staged.get(KEY)
    if src is None or "customers" not in staged:
        return []
    return [(KEY, "contacted_at", EXPECTED, _before_signup(src.typed, "typed_customers"))]


EXPECTED = "a date-time on or after the customer's signup_date"


def _signups_given(staged: dict) -> bool:
    """At check time: the customers file has its signup dates as they will be loaded."""
    customers = staged.get("customers")
    return (customers is not None and customers.usable and "signup_date" in customers.columns
            and "tenure_months" not in customers.columns)


def _before_signup(outreach: str, customers: str) -> str:
    # Only the importer's own table names reach this SQL.
    return f"""
        select o.row_id, shown(o.raw_contacted_at) || ' (customer ' || shown(o.customer_id)
                         || ' signed up ' || cast(c.signup_date as varchar) || ')' as found,
               null as ref_row
        from {outreach} as o
        join (select customer_id, min(signup_date) as signup_date from {customers}
              group by customer_id) as c using (customer_id)
        where cast(o.contacted_at as date) < c.signup_date"""


def summary(con, staged: dict) -> list[str]:
    """The summary line of a loaded outreach file: contacts, responses, actions."""
    if KEY not in staged:
        return []
    contacts, customers, responded, actions = con.execute(
        "select count(*), count(distinct customer_id), count(responded_at), sum(actions) "
        "from outreach").fetchone()
    share = f" ({100 * responded / contacts:.1f}%)" if contacts else ""
    line = (f"{count(contacts, 'contacts')} of {count(customers, 'customers')}: "
            f"{responded:,} answered{share}")
    if actions is not None:
        line += f", {count(actions, 'follow-up actions')}"
    return [line]
