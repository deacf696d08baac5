"""Revenue retention (NRR / GRR) from mrr_history on histories written out below; every expected
number is worked out by hand in the comments."""

from datetime import date

import pandas as pd
import pytest

from queries import Filters, revenue_retention
from tests.unit.fixtures import make_db

AS_OF = date(2024, 5, 15)
F = Filters(as_of=AS_OF)

CUSTOMERS = [
    dict(customer_id="a", signup_date="2023-12-05", plan="Growth"),
    # b churns Feb 20; its February row is its last active month.
    dict(customer_id="b", signup_date="2023-12-10", churn_date="2024-02-20", plan="Starter"),
    # c has no March row (a gap), then comes back in April.
    dict(customer_id="c", signup_date="2024-01-15", plan="Starter"),
    # d's cancellation is after as_of: still present in May.
    dict(customer_id="d", signup_date="2023-12-01", churn_date="2024-06-10", plan="Starter"),
    # e has no mrr_history at all.
    dict(customer_id="e", signup_date="2024-02-01", plan="Starter"),
]


def _history(customer_id, months_mrr):
    return [dict(customer_id=customer_id, month=m, mrr=v) for m, v in months_mrr]


MRR = (
    _history("a", [("2023-12-01", 100), ("2024-01-01", 100), ("2024-02-01", 150),
                   ("2024-03-01", 150), ("2024-04-01", 120), ("2024-05-01", 120),
                   ("2024-06-01", 500)])  # June is after the as-of month: ignored
    + _history("b", [("2023-12-01", 50), ("2024-01-01", 50), ("2024-02-01", 50)])
    + _history("c", [("2024-01-01", 80), ("2024-02-01", 80), ("2024-04-01", 80),
                     ("2024-05-01", 90)])
    + _history("d", [("2023-12-01", 40), ("2024-01-01", 40), ("2024-02-01", 40),
                     ("2024-03-01", 40), ("2024-04-01", 40), ("2024-05-01", 40)])
)

COLUMNS = ["period", "start_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr", "nrr_pct",
           "grr_pct", "is_complete", "customers", "period_end"]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("revenue"), CUSTOMERS, mrr=MRR)


def test_monthly(con):
    expected = pd.DataFrame(
        [
            # Jan (history starts Dec): Dec rows a 100 + b 50 + d 40 = 190; nothing changes in Jan.
            (date(2024, 1, 1), 190.0, 0.0, 0.0, 0.0, 100.0, 100.0, True, 3, date(2024, 1, 31)),
            # Feb: Jan rows a 100 + b 50 + c 80 + d 40 = 270; a +50; b churned Feb 20 (50).
            # NRR (270 + 50 - 50) / 270 = 100; GRR (270 - 50) / 270.
            (date(2024, 2, 1), 270.0, 50.0, 0.0, 50.0, 100.0, 22000 / 270, True, 4,
             date(2024, 2, 29)),
            # Mar: Feb rows of customers active on Mar 1: a 150 + c 80 + d 40 = 270 (b churned
            # Feb 20 despite its Feb row); c has no March row -> churned 80.  (270 - 80) / 270.
            (date(2024, 3, 1), 270.0, 0.0, 0.0, 80.0, 19000 / 270, 19000 / 270, True, 3,
             date(2024, 3, 31)),
            # Apr: Mar rows a 150 + d 40 = 190 (c's return is not in the start set); a -30.
            # (190 - 30) / 190.
            (date(2024, 4, 1), 190.0, 0.0, 30.0, 0.0, 16000 / 190, 16000 / 190, True, 2,
             date(2024, 4, 30)),
            # May (as-of month, to May 15): Apr rows a 120 + c 80 + d 40 = 240; c +10; d's June
            # cancellation is after as_of.  NRR (240 + 10) / 240, GRR 240 / 240.
            (date(2024, 5, 1), 240.0, 10.0, 0.0, 0.0, 25000 / 240, 100.0, False, 3,
             date(2024, 5, 15)),
        ],
        columns=COLUMNS,
    )
    pd.testing.assert_frame_equal(revenue_retention(con, F), expected)


def test_quarterly(con):
    expected = pd.DataFrame(
        [
            # Q1: Dec rows a 100 + b 50 + d 40 = 190; end month Mar: a 150 (+50), b churned (50),
            # d 40.  NRR (190 + 50 - 50) / 190 = 100; GRR (190 - 50) / 190.
            (date(2024, 1, 1), 190.0, 50.0, 0.0, 50.0, 100.0, 14000 / 190, True, 3,
             date(2024, 3, 31)),
            # Q2 (incomplete): Mar rows a 150 + d 40 = 190; end month capped at May: a 120 (-30).
            (date(2024, 4, 1), 190.0, 0.0, 30.0, 0.0, 16000 / 190, 16000 / 190, False, 2,
             date(2024, 5, 15)),
        ],
        columns=COLUMNS,
    )
    pd.testing.assert_frame_equal(revenue_retention(con, F, grain="quarter"), expected)


def test_earlier_as_of(con):
    got = revenue_retention(con, Filters(as_of=date(2024, 2, 15)))
    # Feb as of Feb 15: b's churn (Feb 20) has not happened; a +50 already in the Feb row.
    # NRR (270 + 50) / 270, GRR 100; later months ignored.
    assert got["period"].tolist() == [date(2024, 1, 1), date(2024, 2, 1)]
    feb = got.iloc[1]
    assert (feb["start_mrr"], feb["expansion_mrr"], feb["churned_mrr"]) == (270.0, 50.0, 0.0)
    assert feb["nrr_pct"] == pytest.approx(32000 / 270)
    assert feb["grr_pct"] == 100.0
    assert not feb["is_complete"]


def test_filters_restrict_customers(con):
    # Growth is only a: Feb 100 -> 150 (NRR 150), Apr 150 -> 120 (NRR 80).
    got = revenue_retention(con, Filters(as_of=AS_OF, plans=("Growth",)))
    assert got["nrr_pct"].tolist() == [100.0, 150.0, 100.0, 80.0, 100.0]
    assert got["customers"].tolist() == [1, 1, 1, 1, 1]


def test_empty_selection_and_no_history(con, tmp_path):
    # e is the only customer signed up in Feb and has no history.
    got = revenue_retention(con, Filters(as_of=AS_OF, signup_from=date(2024, 2, 1)))
    assert list(got.columns) == COLUMNS
    assert got.empty
    bare = make_db(tmp_path, [dict(customer_id="x", signup_date="2024-01-01")])
    got = revenue_retention(bare, Filters())
    assert list(got.columns) == COLUMNS
    assert got.empty


def test_week_and_unknown_grain_raise(con):
    with pytest.raises(ValueError, match="mrr_history is monthly"):
        revenue_retention(con, F, grain="week")
    with pytest.raises(ValueError, match="allowed: month, quarter"):
        revenue_retention(con, F, grain="year")


def test_series_starts_at_the_selections_first_month(con):
    """The periods start after the selection's own first month of history (not the snapshot's),
    and a period whose start set is empty is still shown, with zeros and no rates."""
    got = revenue_retention(con, Filters(as_of=AS_OF, signup_from=date(2024, 1, 1)))
    # c and e signed up from Jan; only c has history: Jan 80, Feb 80, (no Mar), Apr 80, May 90.
    assert got["period"].tolist() == [date(2024, m, 1) for m in (2, 3, 4, 5)]
    assert got["customers"].tolist() == [1, 1, 0, 1]  # Apr: c has no March row to start from
    assert got["start_mrr"].tolist() == [80.0, 80.0, 0.0, 80.0]
    # Feb 80 -> 80: 100; Mar 80 -> no row: churned, 0; Apr: no start, no rate; May 80 -> 90.
    assert got["nrr_pct"].tolist()[:2] == [100.0, 0.0] and pd.isna(got["nrr_pct"][2])
    assert (got["expansion_mrr"][3], got["nrr_pct"][3], got["grr_pct"][3]) == (10.0, 112.5, 100.0)
    quarterly = revenue_retention(con, Filters(as_of=AS_OF, signup_from=date(2024, 1, 1)),
                                  grain="quarter")
    # first month Jan (mid-Q1): the series starts at Q2, whose start month (Mar) c lacks
    assert quarterly["period"].tolist() == [date(2024, 4, 1)]
    assert (quarterly["customers"][0], quarterly["start_mrr"][0]) == (0, 0.0)
