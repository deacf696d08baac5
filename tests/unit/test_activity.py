"""Activity retention (returned in period k, bounded and unbounded), its average curve, revenue
from activity and activity before churn, on customers whose histories are written out below;
every expected number is worked out by hand in the comments."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from queries import (
    Filters, activity_retention, activity_revenue, average_activity_retention,
    average_activity_revenue, cohort_customers, pre_churn_activity,
)
from tests.unit.fixtures import make_db
from tests.unit.test_drivers import PRE_AS_OF, PRE_CUSTOMERS, PRE_TICKETS, pre_churn_expected

AS_OF = date(2024, 4, 15)
F = Filters(as_of=AS_OF)

CUSTOMERS = [
    # January cohort (4): a, b, c, d.
    dict(customer_id="a", signup_date="2024-01-10", plan="Starter"),
    dict(customer_id="b", signup_date="2024-01-31", plan="Starter"),
    # c's only activity is on its signup day.
    dict(customer_id="c", signup_date="2024-01-05", plan="Growth"),
    # d never comes back (its one activity predates the signup month and is ignored).
    dict(customer_id="d", signup_date="2024-01-20", plan="Growth"),
    # February: nobody signed up.  March: f.  April (the as-of month): g.
    dict(customer_id="f", signup_date="2024-03-15"),
    dict(customer_id="g", signup_date="2024-04-10"),
]

ACTIVITY = [
    dict(customer_id="a", occurred_at="2024-01-10 09:00", amount=10, kind="purchase"),  # age 0
    dict(customer_id="a", occurred_at="2024-03-05 09:00", amount=20, kind="purchase"),  # age 2
    dict(customer_id="a", occurred_at="2024-03-20 09:00", amount=30, kind="purchase"),  # age 2 again
    dict(customer_id="b", occurred_at="2024-02-01 00:00", amount=5.5, kind="purchase"),  # age 1
    # On the as-of day: exists.  The next midnight: does not (after the end of the as-of day).
    dict(customer_id="b", occurred_at="2024-04-15 23:00", amount=4.5, kind="purchase"),  # age 3
    dict(customer_id="b", occurred_at="2024-04-16 00:00", amount=100, kind="purchase"),
    dict(customer_id="c", occurred_at="2024-01-05 12:00", amount=7, kind="purchase"),  # age 0
    dict(customer_id="d", occurred_at="2023-12-28 12:00", amount=50, kind="purchase"),  # before
    dict(customer_id="f", occurred_at="2024-04-02 12:00", amount=None, kind="login"),  # age 1
    dict(customer_id="g", occurred_at="2024-04-10 12:00", amount=12, kind="purchase"),  # age 0
]
COLUMNS = ["cohort", "age", "cohort_size", "returned", "retention_pct", "is_complete"]
JAN, FEB, MAR, APR = (date(2024, m, 1) for m in (1, 2, 3, 4))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("activity"), CUSTOMERS, activity=ACTIVITY)


def frame(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["retention_pct"] = df["retention_pct"].astype(float)
    return df


def test_returned_in_month_k_bounded(con):
    got = activity_retention(con, F).drop(columns="customers")
    expected = frame([
        # Jan cohort: ages 0..3 (Jan .. the as-of month Apr).
        (JAN, 0, 4, 2, 50.0, True),   # a (Jan 10) and c (Jan 5, its signup day): 2 of 4
        (JAN, 1, 4, 1, 25.0, True),   # b (Feb 1)
        (JAN, 2, 4, 1, 25.0, True),   # a, twice in March, counts once
        (JAN, 3, 4, 1, 25.0, False),  # b on the as-of day (its Apr 16 does not exist); Apr not over
        (FEB, 0, 0, 0, None, True),   # empty cohort kept, retention blank
        (FEB, 1, 0, 0, None, True),
        (FEB, 2, 0, 0, None, False),
        (MAR, 0, 1, 0, 0.0, True),    # f signed up Mar 15 but came first in April
        (MAR, 1, 1, 1, 100.0, False),
        (APR, 0, 1, 1, 100.0, False),
    ])
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_returned_in_month_k_or_later_unbounded(con):
    got = activity_retention(con, F, mode="unbounded").drop(columns="customers")
    # Last month with activity: a Mar (age 2), b Apr (3), c Jan (0), d none; f Apr (1); g Apr (0).
    expected = frame([
        (JAN, 0, 4, 3, 75.0, True),   # a, b, c: d never came
        (JAN, 1, 4, 2, 50.0, True),   # a, b (c's only activity was at age 0)
        (JAN, 2, 4, 2, 50.0, True),   # a, b: b skipped March but came back in April
        (JAN, 3, 4, 1, 25.0, False),  # b
        (FEB, 0, 0, 0, None, True),
        (FEB, 1, 0, 0, None, True),
        (FEB, 2, 0, 0, None, False),
        (MAR, 0, 1, 1, 100.0, True),  # f came in April, which is on or after March
        (MAR, 1, 1, 1, 100.0, False),
        (APR, 0, 1, 1, 100.0, False),
    ])
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_average_curves_use_complete_cells_size_weighted(con):
    bounded = average_activity_retention(con, F).set_index("age")
    # age 0: Jan 2 of 4 + Mar 0 of 1 = 2 / 5 = 40%; ages 1, 2: only Jan is complete (1 of 4).
    # age 3: no complete cell, no point.
    assert bounded.index.tolist() == [0, 1, 2]
    assert bounded["retention_pct"].tolist() == pytest.approx([40.0, 25.0, 25.0])
    assert bounded["cohorts"].tolist() == [2, 1, 1]
    assert bounded["customers"].tolist() == [5, 4, 4]
    unbounded = average_activity_retention(con, F, mode="unbounded").set_index("age")
    # age 0: (3 + 1) / (4 + 1) = 80%; ages 1, 2: 2 of 4.
    assert unbounded["retention_pct"].tolist() == pytest.approx([80.0, 50.0, 50.0])


def test_customer_whose_only_activity_is_on_its_signup_day(con):
    # c alone (plan Growth with d): counted at age 0 in both modes, never after.
    growth = Filters(as_of=AS_OF, plans=("Growth",))
    for mode in ("bounded", "unbounded"):
        got = activity_retention(con, growth, mode=mode)
        assert got["returned"].tolist() == [1, 0, 0, 0], mode  # c of c and d
        assert got["retention_pct"].tolist() == [50.0, 0.0, 0.0, 0.0], mode


def test_customers_behind_a_cell_say_who_came_back(con):
    got = cohort_customers(con, F, cohort=JAN, age=2).set_index("customer_id")
    # Month 2 = March: a came back then; b not in March but in April (later); c and d never.
    assert got.loc[["a", "b", "c", "d"], "came_back"].tolist() == [True, False, False, False]
    assert got.loc[["a", "b", "c", "d"], "came_back_later"].tolist() == [True, True, False, False]


def test_quarter_and_week_grains(con):
    quarter = activity_retention(con, F, grain="quarter").set_index(["cohort", "age"])
    # Q1 = a, b, c, d, f.  Q1 activity: a, b, c (f's first came in April) -> 3 of 5.
    assert quarter.loc[(JAN, 0), ["cohort_size", "returned"]].tolist() == [5, 3]
    assert quarter.loc[(JAN, 0), "is_complete"]  # Mar 31 <= Apr 15
    # Q2 up to the as-of day: b (Apr 15) and f (Apr 2); Q2 ends Jun 30 -> incomplete.
    assert quarter.loc[(JAN, 1), "returned"] == 2
    assert not quarter.loc[(JAN, 1), "is_complete"]
    week = activity_retention(con, F, grain="week").set_index(["cohort", "age"])
    monday = date(2024, 1, 29)  # b's signup week; b came Feb 1 (same week) and Apr 15
    assert week.loc[(monday, 0), "returned"] == 1
    # Apr 15 is a Monday, 77 days = 11 weeks after Jan 29; that week ends Apr 21 > as-of.
    assert week.loc[(monday, 11), "returned"] == 1
    assert not week.loc[(monday, 11), "is_complete"]
    assert week.loc[(monday, 10), "is_complete"]  # Apr 8 + 6 = Apr 14 <= Apr 15
    assert week.xs(monday).index.max() == 11  # ages stop at the as-of week


def test_unknown_mode_is_rejected(con):
    with pytest.raises(ValueError, match="unknown mode 'later'"):
        activity_retention(con, F, mode="later")


def test_earlier_as_of_hides_later_activity(con):
    # As of Feb 29: b's Feb 1 counts, a's March purchases do not exist yet.
    got = activity_retention(con, Filters(as_of=date(2024, 2, 29)), mode="unbounded")
    jan = got[got["cohort"] == JAN].set_index("age")
    assert jan["returned"].tolist() == [3, 1]  # a, b, c at age 0; only b at age 1
    assert jan["is_complete"].tolist() == [True, True]


def test_revenue_per_cohort_and_cumulative_per_customer(con):
    got = activity_revenue(con, F).set_index(["cohort", "age"])
    jan = got.xs(JAN)
    # Jan: age 0 a 10 + c 7 = 17; age 1 b 5.50; age 2 a 20 + 30 = 50; age 3 b 4.50 (its 100 on
    # Apr 16 does not exist; d's 50 predates the signup month).
    assert jan["revenue"].tolist() == pytest.approx([17.0, 5.5, 50.0, 4.5])
    assert jan["cumulative_revenue"].tolist() == pytest.approx([17.0, 22.5, 72.5, 77.0])
    assert jan["revenue_per_customer"].tolist() == pytest.approx([4.25, 5.625, 18.125, 19.25])
    assert got.loc[(MAR, 1), "revenue"] == 0.0  # f's login has no amount: counts 0
    assert np.isnan(got.loc[(FEB, 0), "revenue_per_customer"])  # empty cohort
    assert got.loc[(APR, 0), "revenue"] == 12.0

    average = average_activity_revenue(con, F).set_index("age")
    # age 0: (17 + 0) / (4 + 1) = 3.40; ages 1, 2: Jan only, 22.5 / 4, 72.5 / 4.
    assert average["revenue_per_customer"].tolist() == pytest.approx([3.4, 5.625, 18.125])
    assert average["cohorts"].tolist() == [2, 1, 1]


def test_no_activity_at_all_returns_nobody(tmp_path):
    con = make_db(tmp_path, CUSTOMERS[:2])
    got = activity_retention(con, F)
    assert got["returned"].sum() == 0
    assert got["cohort_size"].iloc[0] == 2


# --- activity before churn: the tickets fixture of test_drivers, each ticket as an activity ---
@pytest.fixture(scope="module")
def pre_con(tmp_path_factory):
    activity = [dict(customer_id=t["customer_id"], occurred_at=t["created_at"],
                     kind=t["category"]) for t in PRE_TICKETS]
    return make_db(tmp_path_factory.mktemp("pre_churn_activity"), PRE_CUSTOMERS, activity=activity)


def test_activity_before_churn_against_tenure_matched_baseline(pre_con):
    # The rows of test_drivers.test_pre_churn_tickets (worked out there), as the events are the
    # same: Price 4 events / 2 customers against 1.5; Competitor d's one activity, no kind, no
    # baseline; Other c, no activity, against 1.0.
    expected = pre_churn_expected("activity", "top_kinds", "activities")
    pd.testing.assert_frame_equal(pre_churn_activity(pre_con, Filters(as_of=PRE_AS_OF)), expected)


def test_database_built_before_activity_gets_an_empty_table(tmp_path):
    """data.build.upgrade rebuilds the derived tables of older snapshots with build_facts: one without
    an activity table gets it, empty, and the activity queries then run on it."""
    import duckdb

    from data import build
    from queries import connect

    path = tmp_path / "old.duckdb"
    db = duckdb.connect(str(path))
    build.create_schema(db)
    db.execute("drop table activity")
    db.execute("insert into customers (customer_id, signup_date) values ('a', date '2024-01-10')")
    db.execute("insert into meta values ('old', now()::timestamp, 'demo', '{}', date '2024-04-15', '{}')")
    build.build_facts(db)
    assert db.execute("select count(*) from activity_facts").fetchone() == (0,)
    db.close()
    got = activity_retention(connect(path), F)
    assert got["cohort_size"].tolist() == [1] * 4 and got["returned"].sum() == 0
