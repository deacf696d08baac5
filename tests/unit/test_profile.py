"""Filter options, table profile and data-quality counts on a four-customer fixture.

as_of 2024-08-31. Customers:
  a  signup 2024-01-10, Growth,  2 products, churned 2024-03-01 "incorrect use case" (mapped),
     tickets 2024-01-05 (before signup) and 2024-02-01, MRR history Jan and Feb 2024
  b  signup 2024-02-01, no plan, 1 product,  churned 2024-04-01 "moon was full" (unmapped),
     ticket 2024-09-01 (after as-of)
  c  signup 2024-02-15, Starter, 3 products, churned 2024-05-01 without a reason, no tickets
  d  signup 2024-06-01, Starter, no products_count, active, no tickets
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from queries import Filters, data_quality, filter_options, table_profile, ticket_priorities
from tests.unit.fixtures import make_db

AS_OF = date(2024, 8, 31)
MAPPING_ROWS = sum(1 for _ in csv.DictReader(open(Path("data/churn_reasons.csv"))))


@pytest.fixture
def con(tmp_path):
    return make_db(
        tmp_path,
        customers=[
            {"customer_id": "a", "signup_date": "2024-01-10", "plan": "Growth", "products_count": 2,
             "churn_date": "2024-03-01", "churn_reason": "Incorrect  use case"},
            {"customer_id": "b", "signup_date": "2024-02-01", "products_count": 1,
             "churn_date": "2024-04-01", "churn_reason": "moon was full"},
            {"customer_id": "c", "signup_date": "2024-02-15", "plan": "Starter", "products_count": 3,
             "churn_date": "2024-05-01"},
            {"customer_id": "d", "signup_date": "2024-06-01", "plan": "Starter"},
        ],
        tickets=[
            {"ticket_id": "t1", "customer_id": "a", "created_at": "2024-01-05 09:00",
             "priority": "urgent"},
            {"ticket_id": "t2", "customer_id": "a", "created_at": "2024-02-01 09:00",
             "priority": "low"},
            {"ticket_id": "t3", "customer_id": "b", "created_at": "2024-09-01 09:00"},
        ],
        mrr=[
            {"customer_id": "a", "month": "2024-01-01", "mrr": 100},
            {"customer_id": "a", "month": "2024-02-01", "mrr": 120},
        ],
    )


def test_filter_options_list_present_values_with_unknown_last(con):
    options = filter_options(con)
    assert options["plan"] == ["Growth", "Starter", "Unknown"]
    assert options["segment"] == ["Unknown"]
    assert options["products_count"] == [1, 2, 3]


def test_ticket_priorities_are_the_whole_snapshots_with_unknown_for_none(con):
    # t3 has no priority; every ticket counts, whatever the as-of date
    assert ticket_priorities(con) == ["Unknown", "low", "urgent"]


def test_table_profile_counts_rows_and_date_ranges(con):
    profile = table_profile(con).set_index("table_name")
    assert profile.loc["customers", ["row_count", "first_date", "last_date"]].tolist() == [
        4, date(2024, 1, 10), date(2024, 6, 1)]
    assert profile.loc["tickets", ["row_count", "first_date", "last_date"]].tolist() == [
        3, date(2024, 1, 5), date(2024, 9, 1)]
    assert profile.loc["mrr_history", ["row_count", "first_date", "last_date"]].tolist() == [
        2, date(2024, 1, 1), date(2024, 2, 1)]
    assert profile.loc["nps_responses", ["row_count", "first_date"]].tolist() == [0, None]
    assert profile.loc["churn_reason_categories", "row_count"] == MAPPING_ROWS


def test_data_quality_counts_for_everyone(con):
    assert data_quality(con, Filters(as_of=AS_OF)) == {
        "customers": 4,
        "customers_without_tickets": 3,   # b (its only ticket is after as-of), c, d
        "tickets_after_as_of": 1,         # t3
        "tickets_before_signup": 1,       # t1
        "activity_before_signup": 0,      # no activity, NPS or outreach rows
        "nps_before_signup": 0,
        "outreach_before_signup": 0,
        "churned_without_reason": 1,      # c
        "churned_unmapped_reason": 1,     # b
        "unmapped_reasons": 1,
        "customers_without_mrr": 3,       # b, c, d
    }


def test_data_quality_follows_the_filters_and_the_as_of_date(con):
    unknown_plan = data_quality(con, Filters(as_of=AS_OF, plans=("Unknown",)))
    assert (unknown_plan["customers"], unknown_plan["churned_unmapped_reason"],
            unknown_plan["tickets_after_as_of"]) == (1, 1, 1)
    # On 2024-03-15 b and c have not churned yet and d has not signed up.
    early = data_quality(con, Filters(as_of=date(2024, 3, 15)))
    assert early["customers"] == 3
    assert early["churned_without_reason"] == early["churned_unmapped_reason"] == 0
    assert early["tickets_after_as_of"] == 1 and early["customers_without_tickets"] == 2
