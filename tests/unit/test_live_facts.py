"""customer_facts' per-customer counts behind data_quality (data/build/facts.sql: first_ticket_at
and the *_before_signup columns), worked out by hand, and data_quality read from them equal to
counting the event tables themselves, for several filter sets and as-of dates.

Customers (as_of 2024-12-31 unless a test says otherwise):
  a  signup 2024-03-10, Growth. Tickets 2024-03-09 23:00 (the day before the signup: before it),
     2024-03-10 08:00 (the signup day itself: not before it) and 2025-01-05 (after the as-of day).
     Activity 2024-03-01 and 2024-03-09 (before), 2024-04-02. NPS 2024-03-10 (the day: not before).
  b  signup 2024-05-01, Starter, churned 2024-09-01. One ticket 2024-06-01. NPS 2024-04-20 (before).
     Outreach 2024-06-15 (outreach before a signup is refused by the import: none to count).
  c  signup 2024-07-01, Growth. Nothing else.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from queries import Filters, data_quality
from tests.unit.fixtures import make_db


CUSTOMERS = [dict(customer_id="a", signup_date="2024-03-10", plan="Growth"),
             dict(customer_id="b", signup_date="2024-05-01", churn_date="2024-09-01",
                  plan="Starter"),
             dict(customer_id="c", signup_date="2024-07-01", plan="Growth")]
TICKETS = [dict(ticket_id="a1", customer_id="a", created_at="2024-03-09 23:00"),
           dict(ticket_id="a2", customer_id="a", created_at="2024-03-10 08:00"),
           dict(ticket_id="a3", customer_id="a", created_at="2025-01-05 09:00"),
           dict(ticket_id="b1", customer_id="b", created_at="2024-06-01 09:00")]
ACTIVITY = [dict(customer_id="a", occurred_at=f"2024-{day} 10:00", amount=1)
            for day in ("03-01", "03-09", "04-02")]
NPS = [dict(customer_id="a", responded_at="2024-03-10 10:00", score=9),
       dict(customer_id="b", responded_at="2024-04-20 10:00", score=3)]
OUTREACH = [dict(customer_id="b", contacted_at="2024-06-15 10:00", campaign="x", channel="email")]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("live_facts"), CUSTOMERS, tickets=TICKETS,
                   activity=ACTIVITY, nps=NPS, outreach=OUTREACH, as_of=date(2024, 12, 31))


def test_customer_facts_counts_by_hand(con):
    facts = con.execute(
        "select customer_id, first_ticket_at, tickets_before_signup, activity_before_signup, "
        "nps_before_signup, outreach_before_signup from customer_facts order by customer_id"
    ).df()
    assert facts["customer_id"].tolist() == ["a", "b", "c"]
    # a's first ticket is the one the day before its signup; c has none
    assert facts["first_ticket_at"].tolist()[:2] == [pd.Timestamp(datetime(2024, 3, 9, 23)),
                                                     pd.Timestamp(datetime(2024, 6, 1, 9))]
    assert pd.isna(facts["first_ticket_at"].iloc[2])
    assert facts["tickets_before_signup"].tolist() == [1, 0, 0]   # a1 only (a2 is on the day)
    assert facts["activity_before_signup"].tolist() == [2, 0, 0]  # Mar 1 and Mar 9
    assert facts["nps_before_signup"].tolist() == [0, 1, 0]       # b's Apr 20
    assert facts["outreach_before_signup"].tolist() == [0, 0, 0]


def test_data_quality_from_the_facts(con):
    everyone = data_quality(con, Filters(as_of=date(2024, 12, 31)))
    # 3 customers, c without tickets; a3 (5 Jan 2025) is after the as-of day
    assert (everyone["customers"], everyone["customers_without_tickets"],
            everyone["tickets_after_as_of"]) == (3, 1, 1)
    assert (everyone["tickets_before_signup"], everyone["activity_before_signup"],
            everyone["nps_before_signup"], everyone["outreach_before_signup"]) == (1, 2, 1, 0)
    growth = data_quality(con, Filters(as_of=date(2024, 12, 31), plans=("Growth",)))
    # a and c: c without tickets, a's a1 and two activities before its signup, no NPS before
    assert (growth["customers"], growth["customers_without_tickets"],
            growth["tickets_before_signup"], growth["activity_before_signup"],
            growth["nps_before_signup"]) == (2, 1, 1, 2, 0)
    # As of 31 May 2024: a and b have signed up; b's only ticket (1 Jun) comes later, so b has
    # none by then (a has a1 and a2); a3 and b1 are both after the as-of day.
    may = data_quality(con, Filters(as_of=date(2024, 5, 31)))
    assert (may["customers"], may["customers_without_tickets"],
            may["tickets_after_as_of"]) == (2, 1, 2)


def _counted_from_events(con, f: Filters) -> dict:
    """data_quality's event counts, counted from the event tables themselves (the query before
    customer_facts carried them)."""
    as_of = f.as_of
    plans = list(f.plans) or None
    where = "c.signup_date <= $as_of and ($plans is null or list_contains($plans, c.plan))"
    params = {"as_of": as_of, "plans": plans}
    one = lambda sql: con.execute(sql.replace("/*where*/", where), params).fetchone()[0]  # noqa: E731
    return {
        "customers_without_tickets": one(
            "select count(*) from customers c where /*where*/ and not exists (select 1 from "
            "tickets t where t.customer_id = c.customer_id and t.created_at::date <= $as_of)"),
        "tickets_after_as_of": one(
            "select count(*) from tickets t join customers c using (customer_id) "
            "where /*where*/ and t.created_at::date > $as_of"),
        "tickets_before_signup": one(
            "select count(*) from tickets t join customers c using (customer_id) "
            "where /*where*/ and t.created_at::date < c.signup_date"),
        "activity_before_signup": one(
            "select count(*) from activity t join customers c using (customer_id) "
            "where /*where*/ and t.occurred_at::date < c.signup_date"),
        "nps_before_signup": one(
            "select count(*) from nps_responses t join customers c using (customer_id) "
            "where /*where*/ and t.responded_at::date < c.signup_date"),
    }


@pytest.mark.parametrize("as_of", [date(2024, 3, 9), date(2024, 5, 31), date(2024, 12, 31)])
@pytest.mark.parametrize("plans", [(), ("Growth",), ("Starter",)])
def test_data_quality_equals_counting_the_events(con, as_of, plans):
    f = Filters(as_of=as_of, plans=plans)
    got = data_quality(con, f)
    want = _counted_from_events(con, f)
    assert {key: got[key] for key in want} == want


def test_pre_churn_events_are_stored_first(tmp_path):
    """ticket_facts and activity_facts keep the pre-churn events in the first row groups (the
    pre-churn queries skip the rest), each part in time order. x churned 2024-06-30: its window
    is [2024-04-01, 2024-06-30), so only the May events are pre-churn."""
    days = ("2024-02-01", "2024-05-01", "2024-03-01", "2024-05-20")
    con = make_db(tmp_path, [dict(customer_id="x", signup_date="2024-01-01",
                                  churn_date="2024-06-30")],
                  tickets=[dict(ticket_id=f"t{n}", customer_id="x", created_at=f"{day} 10:00")
                           for n, day in enumerate(days)],
                  activity=[dict(customer_id="x", occurred_at=f"{day} 10:00", amount=n)
                            for n, day in enumerate(days)], as_of=date(2024, 12, 31))
    stored = con.execute("select ticket_id, is_pre_churn from ticket_facts").fetchall()
    assert stored == [("t1", True), ("t3", True), ("t0", False), ("t2", False)]
    stored = con.execute("select amount::integer, is_pre_churn from activity_facts").fetchall()
    assert stored == [(1, True), (3, True), (0, False), (2, False)]
