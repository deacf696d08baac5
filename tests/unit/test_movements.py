"""Period movements on the cohort fixture's customers, each number worked out by hand."""

from datetime import date

import pandas as pd
import pytest

from queries import Filters, period_movements
from tests.unit.fixtures import make_db
from tests.unit.test_cohorts import AS_OF, CUSTOMERS


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("movements"), CUSTOMERS)


def test_monthly_movements_by_hand(con):
    got = period_movements(con, Filters(as_of=AS_OF))
    expected = pd.DataFrame(
        {
            "period": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)],
            # Jan: a..e sign up, b churns the same day -> end 4
            # Feb: S = a, c, d, e; a churns Feb 29 -> end 3, churned 1 of 4
            # Mar: S = c, d, e; f signs up; c churns Mar 5 -> end 3 (d, e, f), churned 1 of 3
            # Apr (to Apr 15): S = d, e, f; g signs up; d's churn is after as_of -> end 4
            "start_customers": [0, 4, 3, 3],
            "new_customers": [5, 0, 1, 1],
            "end_customers": [4, 3, 3, 4],
            "churned": [0, 1, 1, 0],
            # CRR = (E - N) / S: Feb (3 - 0) / 4, Mar (3 - 1) / 3, Apr (4 - 1) / 3
            "crr_pct": [None, 75.0, 200 / 3, 100.0],
            "churn_rate_pct": [None, 25.0, 100 / 3, 0.0],
            "is_complete": [True, True, True, False],
            "period_end": [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), AS_OF],
            # MRR: Feb start a 100 + c 200 + d 300 + e 0 = 600; end without a = 500;
            # Mar end 500 - c 200 + f 80 = 380; Apr end 380 + g 20 = 400
            "start_mrr": [0.0, 600.0, 500.0, 380.0],
            "end_mrr": [600.0, 500.0, 380.0, 400.0],
            # no MRR history: customers.mrr of the customers active then (today's MRR)
            "is_mrr_history": [False] * 4,
        }
    )
    expected[["crr_pct", "churn_rate_pct"]] = expected[["crr_pct", "churn_rate_pct"]].astype(float)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_quarter_and_week_grain(con):
    quarters = period_movements(con, Filters(as_of=AS_OF), grain="quarter")
    # Q1: 6 sign up, b a c churn -> 3 at the end; Q2 starts with d, e, f and adds g
    assert quarters["end_customers"].tolist() == [3, 4]
    assert quarters["is_complete"].tolist() == [True, False]
    weeks = period_movements(con, Filters(as_of=AS_OF), grain="week")
    # Monday Jan 1 2024 .. the week of Apr 15 (a Monday): 16 weeks, none missing
    assert len(weeks) == 16
    assert weeks["period"].iloc[0] == date(2024, 1, 1)
    assert weeks["end_customers"].iloc[-1] == 4


# What the same customers paid each month, as an MRR history would say it (b, e: no rows; d also
# has a row after the as-of month, which no period reads).
HISTORY = [
    dict(customer_id="a", month="2024-01-01", mrr=100), dict(customer_id="a", month="2024-02-01", mrr=120),
    dict(customer_id="b", month="2024-01-01", mrr=50),
    dict(customer_id="c", month="2024-01-01", mrr=150), dict(customer_id="c", month="2024-02-01", mrr=200),
    dict(customer_id="c", month="2024-03-01", mrr=200),
    dict(customer_id="d", month="2024-01-01", mrr=300), dict(customer_id="d", month="2024-02-01", mrr=310),
    dict(customer_id="d", month="2024-03-01", mrr=320), dict(customer_id="d", month="2024-04-01", mrr=330),
    dict(customer_id="d", month="2024-05-01", mrr=340),
    dict(customer_id="f", month="2024-03-01", mrr=80), dict(customer_id="f", month="2024-04-01", mrr=90),
    dict(customer_id="g", month="2024-04-01", mrr=20),
]


@pytest.fixture(scope="module")
def con_history(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("movements_history"), CUSTOMERS, mrr=HISTORY)


def test_mrr_of_a_period_comes_from_the_history(con, con_history):
    got = period_movements(con_history, Filters(as_of=AS_OF))
    # Each month's end: the history's mrr in that month of the customers active on its last day
    # (the as-of day for April); a customer without a row that month (e) counts 0.
    #   Jan 31: a 100 + c 150 + d 300 + e 0 = 550 (b churned Jan 10)
    #   Feb 29: c 200 + d 310 = 510 (a churned on Feb 29: not active at its end; its 120 is not counted)
    #   Mar 31: d 320 + f 80 = 400 (c churned Mar 5)
    #   Apr 15: d 330 + f 90 + g 20 = 440 (d's May row is after the as-of month)
    assert got["end_mrr"].tolist() == [550.0, 510.0, 400.0, 440.0]
    # A period starts with what the previous one ended on: the customers active on p_start - 1 day.
    assert got["start_mrr"].tolist() == [0.0, 550.0, 510.0, 400.0]
    assert got["is_mrr_history"].tolist() == [True] * 4
    # Every number that is not MRR is the one without a history.
    plain = period_movements(con, Filters(as_of=AS_OF))
    counts = [c for c in plain.columns if c not in ("start_mrr", "end_mrr", "is_mrr_history")]
    pd.testing.assert_frame_equal(got[counts], plain[counts])


def test_mrr_of_a_period_from_the_history_follows_filters_and_grain(con_history):
    growth = period_movements(con_history, Filters(as_of=AS_OF, plans=("Growth",)))
    # d and e only: d's rows, e has none
    assert growth["end_mrr"].tolist() == [300.0, 310.0, 320.0, 330.0]
    quarters = period_movements(con_history, Filters(as_of=AS_OF), grain="quarter")
    # Q1 ends Mar 31 (March's rows: 400), Q2 so far ends Apr 15 (April's rows: 440)
    assert quarters["end_mrr"].tolist() == [400.0, 440.0]
    assert quarters["start_mrr"].tolist() == [0.0, 400.0]
    weeks = period_movements(con_history, Filters(as_of=AS_OF), grain="week")
    by_week = weeks.set_index("period")["end_mrr"]
    # The week of Mon Feb 26 ends Sun Mar 3: March's rows of c (churns Mar 5), d, e: 200 + 320 + 0;
    # the week before ends Sun Feb 25: February's rows of a, c, d: 120 + 200 + 310
    assert by_week[date(2024, 2, 26)] == 520.0
    assert by_week[date(2024, 2, 19)] == 630.0


def test_empty_selection(con):
    got = period_movements(con, Filters(as_of=AS_OF, segments=("Nobody",)))
    assert got.empty and "crr_pct" in got.columns
