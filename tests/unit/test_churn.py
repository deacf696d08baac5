"""Churn reasons by category and owning team, and the raw reasons behind a category, on customers
whose histories are written out below; every expected number is worked out by hand."""

from datetime import date

import pandas as pd
import pytest

from queries import Filters, churn_reasons, raw_reasons
from tests.unit.fixtures import make_db

AS_OF = date(2024, 3, 20)
F = Filters(as_of=AS_OF)

CUSTOMERS = [
    # Odd casing and whitespace still map to Price ("too expensive").
    dict(customer_id="a", signup_date="2024-01-05", churn_date="2024-01-20",
         churn_reason="  TOO   Expensive ", mrr=100, plan="Starter"),
    # A null mrr counts as 0 lost.
    dict(customer_id="b", signup_date="2024-01-10", churn_date="2024-02-10",
         churn_reason="too expensive", mrr=None, plan="Starter"),
    # Unmapped reason -> Other, owner team '—'.
    dict(customer_id="c", signup_date="2024-01-10", churn_date="2024-02-15",
         churn_reason="Moon phase", mrr=50, plan="Starter"),
    dict(customer_id="d", signup_date="2024-01-12", churn_date="2024-03-05",
         churn_reason="Moved to a competitor", mrr=30, plan="Starter"),
    # Cancellation scheduled after as_of: still a customer, not lost.
    dict(customer_id="e", signup_date="2024-01-15", churn_date="2024-04-01",
         churn_reason="price increase", mrr=999, plan="Starter"),
    # Never churned.
    dict(customer_id="f", signup_date="2024-02-01", mrr=10, plan="Starter"),
    # Churned on the as-of day itself (counts), no reason given -> Other.
    dict(customer_id="g", signup_date="2024-01-20", churn_date="2024-03-20",
         churn_reason=None, mrr=5, plan="Growth"),
]

PRICE = "Pricing / Finance"
COMPETITOR = "Product & Marketing"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("churn"), CUSTOMERS)


def test_overall_by_category(con):
    # Lost by as_of: a, b (Price), c, g (Other), d (Competitor) = 5; e churns after as_of.
    expected = pd.DataFrame(
        {
            "category": ["Other", "Price", "Competitor"],
            "owner_team": ["—", PRICE, COMPETITOR],
            "customers_lost": [2, 2, 1],
            # Other: c 50 + g 5; Price: a 100 + b null (0); Competitor: d 30
            "mrr_lost": [55.0, 100.0, 30.0],
            # 2 of 5, 2 of 5, 1 of 5
            "share_pct": [40.0, 40.0, 20.0],
        }
    )
    pd.testing.assert_frame_equal(churn_reasons(con, F), expected)


def test_monthly_trend_fills_every_period_and_category(con):
    got = churn_reasons(con, F, grain="month")
    jan, feb, mar = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)
    expected = pd.DataFrame(
        [
            # Jan: only a (Price, 100) -> 1 of 1; the other categories appear with 0.
            (jan, "Price", PRICE, 1, 100.0, 100.0, True),
            (jan, "Competitor", COMPETITOR, 0, 0.0, 0.0, True),
            (jan, "Other", "—", 0, 0.0, 0.0, True),
            # Feb: c (Other, 50) and b (Price, null mrr -> 0): 1 of 2 each.
            (feb, "Other", "—", 1, 50.0, 50.0, True),
            (feb, "Price", PRICE, 1, 0.0, 50.0, True),
            (feb, "Competitor", COMPETITOR, 0, 0.0, 0.0, True),
            # Mar (the as-of month, Mar 31 > Mar 20: incomplete): d (Competitor, 30), g (Other, 5).
            (mar, "Competitor", COMPETITOR, 1, 30.0, 50.0, False),
            (mar, "Other", "—", 1, 5.0, 50.0, False),
            (mar, "Price", PRICE, 0, 0.0, 0.0, False),
        ],
        columns=["period", "category", "owner_team", "customers_lost", "mrr_lost", "share_pct",
                 "is_complete"],
    )
    pd.testing.assert_frame_equal(got, expected)


def test_quarter_grain_single_incomplete_period(con):
    got = churn_reasons(con, F, grain="quarter")
    # All five churns fall in Q1 2024, which ends Mar 31 > as_of.
    assert got["period"].unique().tolist() == [date(2024, 1, 1)]
    assert got["customers_lost"].tolist() == [2, 2, 1]
    assert not got["is_complete"].any()


def test_filters_restrict_customers_first(con):
    # Only g is on Growth: 1 of 1 lost, to Other, mrr 5.
    got = churn_reasons(con, Filters(as_of=AS_OF, plans=("Growth",)))
    expected = pd.DataFrame(
        {"category": ["Other"], "owner_team": ["—"], "customers_lost": [1], "mrr_lost": [5.0],
         "share_pct": [100.0]}
    )
    pd.testing.assert_frame_equal(got, expected)


def test_earlier_as_of_ignores_later_churns(con):
    # As of Feb 12: a (Jan 20) and b (Feb 10) are lost, both Price: 100 + 0.
    got = churn_reasons(con, Filters(as_of=date(2024, 2, 12)))
    assert got.to_dict("records") == [
        {"category": "Price", "owner_team": PRICE, "customers_lost": 2, "mrr_lost": 100.0,
         "share_pct": 100.0}
    ]


@pytest.mark.parametrize("grain", [None, "week", "month", "quarter"])
def test_empty_selection_has_columns_and_no_rows(con, grain):
    got = churn_reasons(con, Filters(as_of=AS_OF, plans=("No such plan",)), grain=grain)
    columns = ["category", "owner_team", "customers_lost", "mrr_lost", "share_pct"]
    if grain:
        columns = ["period", *columns, "is_complete"]
    assert list(got.columns) == columns
    assert got.empty


def test_week_grain_across_year_end(tmp_path):
    con = make_db(
        tmp_path,
        [
            # Sun Dec 29 -> week of Mon Dec 23; Mon Dec 30 and Sun Jan 5 -> week of Mon Dec 30.
            dict(customer_id="x", signup_date="2024-12-01", churn_date="2024-12-29",
                 churn_reason="too expensive"),
            dict(customer_id="y", signup_date="2024-12-01", churn_date="2024-12-30",
                 churn_reason="too expensive"),
            dict(customer_id="z", signup_date="2024-12-01", churn_date="2025-01-05",
                 churn_reason="too expensive", mrr=20),
            dict(customer_id="w", signup_date="2025-01-06"),  # as_of = Mon Jan 6 2025
        ],
    )
    got = churn_reasons(con, Filters(), grain="week")
    expected = pd.DataFrame(
        [
            (date(2024, 12, 23), 1, 0.0, 100.0, True),
            # y and z: 2 lost, mrr 0 + 20
            (date(2024, 12, 30), 2, 20.0, 100.0, True),
            # The as-of week (Jan 6-12) has no churn: 0 lost, share null, incomplete.
            (date(2025, 1, 6), 0, 0.0, None, False),
        ],
        columns=["period", "customers_lost", "mrr_lost", "share_pct", "is_complete"],
    )
    expected["share_pct"] = expected["share_pct"].astype(float)
    pd.testing.assert_frame_equal(
        got[["period", "customers_lost", "mrr_lost", "share_pct", "is_complete"]], expected
    )
    assert set(got["category"]) == {"Price"}


def test_unknown_grain_raises(con):
    with pytest.raises(ValueError, match="allowed: None, week, month, quarter"):
        churn_reasons(con, F, grain="day")


def test_raw_reasons_of_a_category(con):
    # Price: a "  TOO   Expensive " and b "too expensive" fold into one normalised reason;
    # e ("price increase") churns after as_of and is not there.
    expected = pd.DataFrame(
        {"reason": ["too expensive"], "customers_lost": [2], "mrr_lost": [100.0],
         "spellings": [2], "status": ["mapped"]}
    )
    pd.testing.assert_frame_equal(raw_reasons(con, F, "Price"), expected)


def test_raw_reasons_of_other_include_blank(con):
    expected = pd.DataFrame(
        {"reason": ["(no reason given)", "moon phase"], "customers_lost": [1, 1],
         "mrr_lost": [5.0, 50.0], "spellings": [0, 1], "status": ["no reason", "unmapped"]}
    )
    pd.testing.assert_frame_equal(raw_reasons(con, F, "Other"), expected)


def test_raw_reasons_binds_the_category(con):
    got = raw_reasons(con, F, "Price' or true --")
    assert list(got.columns) == ["reason", "customers_lost", "mrr_lost", "spellings", "status"]
    assert got.empty
