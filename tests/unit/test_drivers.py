"""Support before churn against a tenure-matched baseline, and two-year retention by products held
and by early expansion, on customers written out below; every number is worked out by hand."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from queries import (
    Filters, early_expansion_retention, pre_churn_long, pre_churn_tickets, retention_by_products,
)
from tests.unit.fixtures import make_db

# ---------------------------------------------------------------- pre_churn_tickets
PRE_AS_OF = date(2024, 6, 30)

PRE_CUSTOMERS = [
    # a: churned 100 days after signup (Jan 31 + Feb 29 + Mar 31 + 9) -> block (100 + 15) // 30 = 3.
    dict(customer_id="a", signup_date="2024-01-01", churn_date="2024-04-10",
         churn_reason="too expensive", plan="Starter"),
    # b: churned 30 days after signup (Feb 1 -> Mar 2 in a leap year) -> block 45 // 30 = 1.
    dict(customer_id="b", signup_date="2024-02-01", churn_date="2024-03-02",
         churn_reason=" Too Expensive", plan="Starter"),
    # c: 152 days -> block 167 // 30 = 5; no tickets at all.
    dict(customer_id="c", signup_date="2024-01-01", churn_date="2024-06-01",
         churn_reason="moon", plan="Starter"),
    # d: 486 days (365 + 121) -> block 501 // 30 = 16: no retained customer is that old.
    dict(customer_id="d", signup_date="2023-01-01", churn_date="2024-05-01",
         churn_reason="moved to a competitor", plan="Growth"),
    # Retained customers (baseline).  r1: 181 days to as_of -> observed through block 181 // 30 = 6.
    dict(customer_id="r1", signup_date="2024-01-01", plan="Starter"),
    # r2: cancels after as_of, so retained; 90 days to as_of -> block 3.
    dict(customer_id="r2", signup_date="2024-04-01", churn_date="2024-08-01", plan="Starter"),
    # r3: 29 days to as_of -> block 0 only; no tickets.
    dict(customer_id="r3", signup_date="2024-06-01", plan="Starter"),
]

PRE_TICKETS = [
    # a's window: Jan 11 00:00 (churn - 90 days) <= created < Apr 10.
    # a1 is 91 days before churn (out), a5 on the churn day and a6 after it (ignored).
    dict(ticket_id="a1", customer_id="a", created_at="2024-01-10 23:00", category="billing"),
    dict(ticket_id="a2", customer_id="a", created_at="2024-01-11 00:00", category="billing"),  # in
    dict(ticket_id="a3", customer_id="a", created_at="2024-03-01 10:00", category="billing"),  # in
    dict(ticket_id="a4", customer_id="a", created_at="2024-04-09 10:00", category="bug"),  # in
    dict(ticket_id="a5", customer_id="a", created_at="2024-04-10 09:00", category="bug"),
    dict(ticket_id="a6", customer_id="a", created_at="2024-05-01 09:00", category="bug"),
    dict(ticket_id="b1", customer_id="b", created_at="2024-02-15 10:00", category="how-to"),
    dict(ticket_id="d1", customer_id="d", created_at="2024-04-15 10:00", category=None),
    # r1 on tenure day 19 -> windows of blocks 1, 2, 3; day 74 -> blocks 3, 4, 5;
    # day 180 -> blocks 7, 8, 9, beyond r1's observed block 6.
    dict(ticket_id="r1a", customer_id="r1", created_at="2024-01-20 10:00", category="bug"),
    dict(ticket_id="r1b", customer_id="r1", created_at="2024-03-15 10:00", category="bug"),
    dict(ticket_id="r1c", customer_id="r1", created_at="2024-06-29 10:00", category="bug"),
    # r2 on day 4 -> blocks 1, 2, 3; day 54 -> blocks 2, 3 (4 is beyond r2's block 3).
    dict(ticket_id="r2a", customer_id="r2", created_at="2024-04-05 10:00", category="bug"),
    dict(ticket_id="r2b", customer_id="r2", created_at="2024-05-25 10:00", category="bug"),
]
# Retained customers observed through block t: t <= 3: r1, r2 (2); t 4..6: r1 (1).
# Window tickets: t1: r1a, r2a = 2 -> 2 / 2 = 1.0;  t3: r1a, r1b, r2a, r2b = 4 -> 4 / 2 = 2.0;
# t5: r1b = 1 -> 1 / 1 = 1.0;  t16: nobody observed -> no baseline.


@pytest.fixture(scope="module")
def pre_con(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("pre_churn"), PRE_CUSTOMERS, tickets=PRE_TICKETS)


# Events before churn of PRE_TICKETS, per churn category: churned_customers, events per
# customer, baseline per customer, top kinds, events, matched_customers. test_activity expects
# the same rows of the same events read as activity.
PRE_CHURN_ROWS = [
    # Price: a (a2, a3, a4) + b (b1) = 4 tickets / 2 customers; baseline mean of
    # block 3 (2.0) and block 1 (1.0) = 1.5; billing 2 of 4, bug 1 of 4, how-to 1 of 4.
    ("Price", 2, 2.0, 1.5, "billing 50%, bug 25%, how-to 25%", 4, 2),
    # Competitor: d1 (no category -> Unknown); block 16 has no baseline.
    ("Competitor", 1, 1.0, np.nan, "Unknown 100%", 1, 0),
    # Other: c, no tickets; baseline block 5 = 1.0.
    ("Other", 1, 0.0, 1.0, None, 0, 1),
]


def pre_churn_expected(events: str, top: str, count: str) -> pd.DataFrame:
    """PRE_CHURN_ROWS under the column names of the query that reads the events as `events`
    ('tickets' or 'activity'): `top` names its top-kinds column, `count` its events column."""
    return pd.DataFrame(
        PRE_CHURN_ROWS,
        columns=["category", "churned_customers", f"{events}_per_customer",
                 f"baseline_{events}_per_customer", top, count, "matched_customers"],
    )


def test_pre_churn_tickets(pre_con):
    expected = pre_churn_expected("tickets", "top_ticket_categories", "tickets")
    pd.testing.assert_frame_equal(pre_churn_tickets(pre_con, Filters(as_of=PRE_AS_OF)), expected)


def test_pre_churn_long_puts_each_category_twice_churned_then_baseline(pre_con):
    got = pre_churn_long(pre_churn_tickets(pre_con, Filters(as_of=PRE_AS_OF)))
    churned, base = "Churned (90 days before)", "Retained, same tenure"
    expected = pd.DataFrame(
        [
            # the churned rows: tickets per churned customer, N = churned customers
            ("Price", 2.0, 2, churned), ("Competitor", 1.0, 1, churned), ("Other", 0.0, 1, churned),
            # the baseline rows: N = the tenure-matched retained customers (matched_customers)
            ("Price", 1.5, 2, base), ("Competitor", np.nan, 0, base), ("Other", 1.0, 1, base),
        ],
        columns=["category", "tickets_per_customer", "customers", "series"],
    )
    pd.testing.assert_frame_equal(got, expected)


def test_pre_churn_tickets_earlier_as_of(pre_con):
    # As of Apr 30: c's churn (Jun 1) and d's (May 1) have not happened; c and d are now
    # retained.  Only Price (a, b) is left, with the same 4 pre-churn tickets.
    got = pre_churn_tickets(pre_con, Filters(as_of=date(2024, 4, 30)))
    assert got["category"].tolist() == ["Price"]
    assert got["tickets"].tolist() == [4]


def test_pre_churn_tickets_filtered_and_empty(pre_con):
    got = pre_churn_tickets(pre_con, Filters(as_of=PRE_AS_OF, plans=("Growth",)))
    # Growth is only d: no retained Growth customer -> no baseline.
    assert got["category"].tolist() == ["Competitor"]
    assert np.isnan(got["baseline_tickets_per_customer"].iloc[0])
    empty = pre_churn_tickets(pre_con, Filters(as_of=PRE_AS_OF, plans=("No such plan",)))
    assert list(empty.columns) == [
        "category", "churned_customers", "tickets_per_customer", "baseline_tickets_per_customer",
        "top_ticket_categories", "tickets", "matched_customers",
    ]
    assert empty.empty


# ---------------------------------------------------------------- retention drivers
AS_OF = date(2024, 6, 30)
F = Filters(as_of=AS_OF)

CUSTOMERS = [
    # Horizon 12 months: complete when signup + 12 months <= Jun 30 2024.
    # p1: churned exactly at signup + 12 months (Jan 31 2024) -> not retained.
    dict(customer_id="p1", signup_date="2023-01-31", churn_date="2024-01-31", products_count=1),
    dict(customer_id="p2", signup_date="2023-03-01", products_count=1),
    # p3: churned after its horizon (Feb 1 2024) -> retained at 12 months.
    dict(customer_id="p3", signup_date="2023-02-01", churn_date="2024-03-01", products_count=2),
    # p4: signup + 12 months = as_of exactly -> complete; 5 products -> 4+.
    dict(customer_id="p4", signup_date="2023-06-30", products_count=5),
    # p5: one day short of a complete horizon -> excluded.
    dict(customer_id="p5", signup_date="2023-07-01", products_count=3),
    # p6: products unknown, churned within the horizon.
    dict(customer_id="p6", signup_date="2023-05-01", churn_date="2023-08-01", products_count=None),
    # p7: cancels after as_of -> retained.
    dict(customer_id="p7", signup_date="2023-04-01", churn_date="2024-09-01", products_count=4),
]

MRR = [
    # p1: Mar above the signup month (Jan) -> expansion.
    dict(customer_id="p1", month="2023-01-01", mrr=10),
    dict(customer_id="p1", month="2023-02-01", mrr=10),
    dict(customer_id="p1", month="2023-03-01", mrr=15),
    # p2: flat through Jun; the Jul increase is after the 3 months following Mar -> no expansion.
    dict(customer_id="p2", month="2023-03-01", mrr=10),
    dict(customer_id="p2", month="2023-06-01", mrr=10),
    dict(customer_id="p2", month="2023-07-01", mrr=20),
    # p3: contraction only -> no expansion.
    dict(customer_id="p3", month="2023-02-01", mrr=20),
    dict(customer_id="p3", month="2023-03-01", mrr=15),
    # p4: no history -> excluded from the expansion split.
    dict(customer_id="p5", month="2023-07-01", mrr=10),
    dict(customer_id="p5", month="2023-08-01", mrr=20),
    dict(customer_id="p6", month="2023-05-01", mrr=10),
    dict(customer_id="p6", month="2023-06-01", mrr=20),
    dict(customer_id="p7", month="2023-04-01", mrr=10),
    dict(customer_id="p7", month="2023-05-01", mrr=12),
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("drivers"), CUSTOMERS, mrr=MRR)


def test_retention_by_products(con):
    expected = pd.DataFrame(
        [
            ("1", 2, 50.0, True, 1, 1),  # p1 lost, p2 retained: 1 of 2
            ("2", 1, 100.0, False, 1, 1),  # p3: 1 of 1
            ("3", 0, np.nan, False, 0, 1),  # p5 is excluded (incomplete): empty group
            ("4+", 2, 100.0, True, 2, 1),  # p4, p7: 2 of 2
            ("Unknown", 1, 0.0, False, 0, 1),  # p6: 0 of 1
        ],
        columns=["group", "customers", "retained_pct", "is_reliable", "retained",
                 "excluded_incomplete"],
    )
    got = retention_by_products(con, F, horizon_months=12, min_n=2)
    pd.testing.assert_frame_equal(got, expected)


def test_retention_by_products_no_complete_customers(con):
    # 24 months: nobody signed up by Jun 30 2022; no 'Unknown' row when nobody is unknown.
    got = retention_by_products(con, F, min_n=2)
    assert got["group"].tolist() == ["1", "2", "3", "4+"]
    assert got["customers"].tolist() == [0, 0, 0, 0]
    assert got["retained_pct"].isna().all()
    assert not got["is_reliable"].any()
    assert got["excluded_incomplete"].tolist() == [7] * 4


def test_early_expansion_retention(con):
    expected = pd.DataFrame(
        [
            # p1 (lost), p6 (lost), p7 (retained): 1 of 3.
            ("Expansion in first 3 months", 3, 100 / 3, True, 1, 1, 1),
            # p2, p3: 2 of 2.
            ("No expansion", 2, 100.0, False, 2, 1, 1),
        ],
        columns=["group", "customers", "retained_pct", "is_reliable", "retained",
                 "excluded_no_history", "excluded_incomplete"],
    )
    got = early_expansion_retention(con, F, horizon_months=12, min_n=3)
    pd.testing.assert_frame_equal(got, expected)


def test_drivers_empty_selection(con):
    f = Filters(as_of=AS_OF, plans=("No such plan",))
    got = early_expansion_retention(con, f, horizon_months=12)
    assert got["customers"].tolist() == [0, 0]
    assert got["excluded_no_history"].tolist() == [0, 0]
    assert retention_by_products(con, f, horizon_months=12)["customers"].sum() == 0


@pytest.mark.parametrize("horizon", [0, -3, 1.5, "24", True])
def test_bad_horizon_raises(con, horizon):
    with pytest.raises(ValueError, match="horizon_months"):
        retention_by_products(con, F, horizon_months=horizon)
    with pytest.raises(ValueError, match="horizon_months"):
        early_expansion_retention(con, F, horizon_months=horizon)
