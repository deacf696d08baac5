"""An outreach file (a retention team's contacts: save campaigns, check-in calls, onboarding
e-mails; SPEC §2 outreach) as an importer input.

The importer (data/load.py) stages and checks it like any other file: customer_id, contacted_at and
channel required, timestamps in ISO or one common date format, responded_at on or after
contacted_at, actions a whole number >= 0, customer_id present in the customers file. This module
adds the rule that needs the customers' final signup dates (which tenure or activity may compute,
data/shapes.py, data/activity_input.py): no contact before the customer signed up. And the summary's
line on what was loaded.
"""

from __future__ import annotations

from data.words import count

KEY = "outreach"
REQUIRED = ("customer_id", "contacted_at", "channel")
# Row rules in data/load.py's RULES format: (column, expected, other columns, condition, found).
RULES = [
    ("responded_at", "a date-time on or after contacted_at", ("contacted_at",),
     "responded_at < contacted_at",
     "shown(raw_responded_at) || ' (contacted_at ' || cast(contacted_at as varchar) || ')'"),
    ("actions", "a whole number >= 0", (), "actions < 0", "shown(raw_actions)"),
]
DATE_COLUMNS = ("contacted_at", "responded_at")


def post_checks(staged: dict) -> list[tuple[str, str, str, str]]:
    """(key, column, expected, SQL of (row_id, found, ref_row)): contacts dated before the
    customer's signup date. Run on the converted customers (their signup dates final)."""
    st = staged.get(KEY)
    if st is None or "customers" not in staged:
        return []
    found = ("shown(o.raw_contacted_at) || ' (customer ' || shown(o.customer_id) || ' signed up '"
             " || cast(c.signup_date as varchar) || ')'")
    return [(KEY, "contacted_at", "a date-time on or after the customer's signup_date", f"""
        select o.row_id, {found} as found, null as ref_row
        from {st.typed} as o join typed_customers as c using (customer_id)
        where cast(o.contacted_at as date) < c.signup_date""")]


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
