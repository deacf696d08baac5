"""Cohort retention, the average curve and the drill-down, on customers whose histories are
written out below; every expected number is worked out by hand in the comments."""

from datetime import date

import pandas as pd
import pytest

from queries import Filters, average_retention, cohort_customers, cohort_retention
from tests.unit.fixtures import make_db

AS_OF = date(2024, 4, 15)
F = Filters(as_of=AS_OF)

CUSTOMERS = [
    # January cohort (5). a: Jan 31 + 1 month clamps to Feb 29, the churn day -> gone at age 1.
    dict(customer_id="a", signup_date="2024-01-31", churn_date="2024-02-29", mrr=100, plan="Starter"),
    # b churned on its signup day -> not retained even at age 0.
    dict(customer_id="b", signup_date="2024-01-10", churn_date="2024-01-10", mrr=50, plan="Starter"),
    # c churned exactly on its age-2 boundary (Jan 5 + 2 months = Mar 5) -> gone at age 2.
    dict(customer_id="c", signup_date="2024-01-05", churn_date="2024-03-05", mrr=200, plan="Starter"),
    # d's cancellation is scheduled after as_of -> still active.
    dict(customer_id="d", signup_date="2024-01-20", churn_date="2024-05-01", mrr=300, plan="Growth"),
    dict(customer_id="e", signup_date="2024-01-02", mrr=None, plan="Growth"),
    # February: nobody signed up.  March: a one-customer cohort.  April: the current month.
    dict(customer_id="f", signup_date="2024-03-15", mrr=80),
    dict(customer_id="g", signup_date="2024-04-10", mrr=20),
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("cohorts"), CUSTOMERS)


def test_monthly_triangle_logo(con):
    got = cohort_retention(con, F).drop(columns="customers")
    expected = pd.DataFrame(
        [
            # Jan: ages reached by Apr 15: a 2, b 3, c 3, d 2, e 3 -> ages 0..3
            (date(2024, 1, 1), 0, 5, 4, 80.0, True),   # b gone: 4 of 5
            (date(2024, 1, 1), 1, 5, 3, 60.0, True),   # a gone too: 3 of 5 (Jan 31 + 1 = Feb 29)
            (date(2024, 1, 1), 2, 5, 2, 40.0, True),   # c gone: 2 of 5 (Mar 31 <= Apr 15)
            (date(2024, 1, 1), 3, 5, 2, 40.0, False),  # Jan 31 + 3 months = Apr 30 > Apr 15
            (date(2024, 2, 1), 0, 0, 0, None, True),   # empty cohort kept, retention blank
            (date(2024, 3, 1), 0, 1, 1, 100.0, True),
            (date(2024, 3, 1), 1, 1, 1, 100.0, False),  # f reached age 1 on Apr 15; Mar 31 + 1 = Apr 30
            (date(2024, 4, 1), 0, 1, 1, 100.0, False),  # current month, not over
        ],
        columns=["cohort", "age", "cohort_size", "retained", "retention_pct", "is_complete"],
    )
    expected["retention_pct"] = expected["retention_pct"].astype(float)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_mrr_basis_weights_by_mrr(con):
    got = cohort_retention(con, F, basis="mrr")
    jan = got[got["cohort"] == date(2024, 1, 1)].set_index("age")
    # Jan MRR: 100 + 50 + 200 + 300 + 0 (e has no mrr) = 650
    assert jan["cohort_size"].tolist() == [650.0] * 4
    # age 0 loses b (50), age 1 loses a (100), age 2 loses c (200)
    assert jan["retained"].tolist() == [600.0, 500.0, 300.0, 300.0]
    assert jan.loc[2, "retention_pct"] == pytest.approx(300 / 650 * 100)
    # customers still counts people, not dollars
    assert jan["customers"].tolist() == [5] * 4


def test_quarter_grain_adds_three_months_per_age(con):
    got = cohort_retention(con, F, grain="quarter").set_index(["cohort", "age"])
    q1 = date(2024, 1, 1)
    # Q1 = a..f (6). Churn ages: b 0; a 1 (Jan 31 + 3 months = Apr 30 >= Feb 29); c 1 (Apr 5 >= Mar 5)
    assert got.loc[(q1, 0), "retained"] == 5
    assert got.loc[(q1, 1), "retained"] == 3  # 3 of 6: d, e, f
    assert got.loc[(q1, 0), "is_complete"]  # Mar 31 <= Apr 15
    assert not got.loc[(q1, 1), "is_complete"]  # Mar 31 + 3 months = Jun 30
    assert got.loc[(date(2024, 4, 1), 0), "cohort_size"] == 1


def test_average_uses_complete_cells_only(con):
    got = average_retention(con, F)
    expected = pd.DataFrame(
        {
            "age": [0, 1, 2],
            # age 0: Jan 4/5 and Mar 1/1 (Feb empty, Apr incomplete) -> 5/6
            # age 1: only Jan is complete -> 3/5; age 2: Jan 2/5; age 3: nothing complete
            "retention_pct": [5 / 6 * 100, 60.0, 40.0],
            "cohorts": [2, 1, 1],
            "customers": [6, 5, 5],
        }
    )
    pd.testing.assert_frame_equal(got[expected.columns], expected, check_dtype=False)


def test_filters_restrict_customers_first(con):
    got = cohort_retention(con, Filters(as_of=AS_OF, plans=("Unknown",)))
    # f and g have no plan: shown as Unknown
    assert got.groupby("cohort")["cohort_size"].first().to_dict() == {
        date(2024, 3, 1): 1,
        date(2024, 4, 1): 1,
    }


def test_empty_selection_returns_columns_without_rows(con):
    got = cohort_retention(con, Filters(as_of=AS_OF, plans=("Nope",)))
    assert got.empty
    assert list(got.columns) == [
        "cohort", "age", "cohort_size", "retained", "retention_pct", "is_complete", "customers"
    ]
    assert average_retention(con, Filters(as_of=AS_OF, plans=("Nope",))).empty


def test_as_of_hides_the_future(con):
    # On Feb 15 nothing after it exists: a (churn Feb 29) and c (Mar 5) are still active.
    got = cohort_retention(con, Filters(as_of=date(2024, 2, 15)))
    assert got["cohort"].unique().tolist() == [date(2024, 1, 1)]
    assert got.set_index("age")["retained"].to_dict() == {0: 4, 1: 4}  # only b is gone


def test_drill_down_lists_the_customers_of_a_cell(con):
    got = cohort_customers(con, F, cohort=date(2024, 1, 1), age=1).set_index("customer_id")
    assert sorted(got.index) == ["a", "b", "c", "d", "e"]
    # retained at age 1: c (gone at 2), d (cancels after as_of), e
    assert got["is_retained"].to_dict() == {"a": False, "b": False, "c": True, "d": True, "e": True}
    at_three = cohort_customers(con, F, cohort=date(2024, 1, 1), age=3).set_index("customer_id")
    # signup + 3 months <= Apr 15 for b (Apr 10), c (Apr 5), e (Apr 2); not a (Apr 30), d (Apr 20)
    assert at_three["has_reached_age"].to_dict() == {
        "a": False, "b": True, "c": True, "d": False, "e": True
    }


def test_week_grain_across_a_year_end(tmp_path):
    con = make_db(
        tmp_path,
        [
            # Mon Dec 30 2024 and Wed Jan 1 2025 share the ISO week starting Dec 30.
            dict(customer_id="x", signup_date="2024-12-30", churn_date="2025-01-06"),
            dict(customer_id="y", signup_date="2025-01-01"),
            # Sun Dec 29 belongs to the week starting Mon Dec 23.
            dict(customer_id="z", signup_date="2024-12-29"),
        ],
    )
    got = cohort_retention(con, Filters(as_of=date(2025, 1, 14)), grain="week")
    week = got[got["cohort"] == date(2024, 12, 30)].set_index("age")
    # ages 0..2: x, the earliest, reached age 2 on Dec 30 + 14 days = Jan 13 <= Jan 14
    assert week.index.tolist() == [0, 1, 2]
    # x churned on Dec 30 + 7 days -> retained at age 0, gone from age 1
    assert week["retained"].tolist() == [2, 1, 1]
    # complete when Jan 5 (week end) + 7k <= Jan 14: ages 0 and 1
    assert week["is_complete"].tolist() == [True, True, False]
    assert got[got["cohort"] == date(2024, 12, 23)]["cohort_size"].iloc[0] == 1


def test_unknown_grain_and_basis_are_rejected(con):
    with pytest.raises(ValueError, match="allowed: week, month, quarter"):
        cohort_retention(con, F, grain="day")
    with pytest.raises(ValueError, match="allowed: logo, mrr"):
        cohort_retention(con, F, basis="revenue")
