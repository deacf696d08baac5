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


def test_empty_selection(con):
    got = period_movements(con, Filters(as_of=AS_OF, segments=("Nobody",)))
    assert got.empty and "crr_pct" in got.columns
