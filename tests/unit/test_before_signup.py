"""Events dated before their customer's signup date count in no per-customer window (early
support, the 90 days before churn, activity retention and spend by age), and data_quality counts
them per table.

as_of 2024-12-31. Customers:
  z  signup 2024-01-15, churned 2024-03-01 (no reason: Other). Tickets Jan 5, 8, 10 (before the
     signup, yet within 90 days of the churn) and Jan 20 (after). Activity Jan 14 (before).
  y  signup 2024-03-10, active. No tickets. Activity Mar 9 (before, in its signup month) and
     Apr 2 (month 1). An NPS answer on Mar 1 (before).
"""

from __future__ import annotations

from datetime import date

import pytest

from queries import (Filters, activity_retention, activity_revenue, data_quality,
                     pre_churn_activity, pre_churn_tickets, survival)
from tests.unit.fixtures import make_db

F = Filters(as_of=date(2024, 12, 31))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return make_db(
        tmp_path_factory.mktemp("before_signup"),
        customers=[
            dict(customer_id="z", signup_date="2024-01-15", churn_date="2024-03-01"),
            dict(customer_id="y", signup_date="2024-03-10"),
        ],
        tickets=[dict(ticket_id=f"t{i}", customer_id="z", created_at=day) for i, day in
                 enumerate(["2024-01-05 09:00", "2024-01-08 09:00", "2024-01-10 09:00",
                            "2024-01-20 09:00"])],
        activity=[dict(customer_id="z", occurred_at="2024-01-14 10:00", amount=5),
                  dict(customer_id="y", occurred_at="2024-03-09 10:00", amount=7),
                  dict(customer_id="y", occurred_at="2024-04-02 10:00", amount=11)],
        nps=[dict(customer_id="y", responded_at="2024-03-01 10:00", score=9)],
    )


def test_early_support_counts_tickets_from_the_signup_on(con):
    start = survival(con, F, by="early_tickets").query("day == 0")
    # z: 1 ticket in its first 90 days (Jan 20); the three before Jan 15 are not in them (else 3+)
    assert dict(zip(start["group"], start["at_risk"])) == {"0 tickets": 1, "1-2 tickets": 1}


def test_the_90_days_before_churn_start_no_earlier_than_the_signup(con):
    tickets = pre_churn_tickets(con, F).set_index("category")
    # Dec 2 - Mar 1 holds all four of z's tickets; only Jan 20 is after its signup
    assert tickets.loc["Other", ["churned_customers", "tickets", "tickets_per_customer"]].tolist() \
        == [1, 1, 1.0]
    activity = pre_churn_activity(con, F).set_index("category")
    assert activity.loc["Other", "activities"] == 0  # z's only activity is before its signup


def test_activity_before_the_signup_is_no_return(con):
    cells = activity_retention(con, F, grain="month").set_index(["cohort", "age"])
    # y's Mar 9 visit is in its signup month but before its signup day: not a return at age 0
    assert cells.loc[(date(2024, 3, 1), 0), "returned"] == 0
    assert cells.loc[(date(2024, 3, 1), 1), "returned"] == 1  # Apr 2
    assert cells.loc[(date(2024, 1, 1), 0), "returned"] == 0  # z's Jan 14, a day early
    spend = activity_revenue(con, F, grain="month").set_index(["cohort", "age"])
    # y's spend by month 1 is the 11 of Apr 2, not 7 + 11
    assert spend.loc[(date(2024, 3, 1), 1), "cumulative_revenue"] == 11.0


def test_data_quality_counts_them_per_table(con):
    counts = data_quality(con, F)
    assert (counts["tickets_before_signup"], counts["activity_before_signup"],
            counts["nps_before_signup"], counts["outreach_before_signup"]) == (3, 2, 1, 0)
