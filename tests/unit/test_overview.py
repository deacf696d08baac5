"""The Overview tiles on the cohort fixture plus a few tickets, NPS responses and MRR history."""

from datetime import date

import pandas as pd
import pytest

from queries import (
    Filters,
    kpi_summary,
    kpi_tiles,
    nps,
    period_movements,
    revenue_retention,
    support_kpis,
    table_profile,
)
from tests.unit.fixtures import make_db
from tests.unit.test_cohorts import AS_OF, CUSTOMERS

TICKETS = [
    dict(ticket_id="t1", customer_id="d", created_at="2024-03-02 10:00:00",
         first_response_at="2024-03-02 12:00:00", csat=5),  # 2 h, good
    dict(ticket_id="t2", customer_id="e", created_at="2024-03-10 08:00:00",
         first_response_at="2024-03-10 14:00:00", csat=2),  # 6 h, bad
    dict(ticket_id="t3", customer_id="e", created_at="2024-03-20 08:00:00"),  # unanswered, unrated
    dict(ticket_id="t4", customer_id="d", created_at="2024-02-05 09:00:00",
         first_response_at="2024-02-05 10:00:00", csat=4),  # 1 h, good
    # Unanswered and unrated (in no time or CSAT): the ticket table starts on Feb 1, so it covers
    # both months the tiles compare.
    dict(ticket_id="t5", customer_id="c", created_at="2024-02-01 09:00:00"),
]
NPS = [
    dict(customer_id="d", responded_at="2024-01-20 10:00:00", score=10),
    dict(customer_id="e", responded_at="2024-02-20 10:00:00", score=3),
    dict(customer_id="d", responded_at="2024-03-20 10:00:00", score=9),
    dict(customer_id="e", responded_at="2024-03-21 10:00:00", score=8),
]
MRR = [
    dict(customer_id=c, month=m, mrr=v)
    for c, m, v in [
        ("c", "2024-01-01", 200), ("c", "2024-02-01", 200), ("c", "2024-03-01", 200),
        ("d", "2024-01-01", 300), ("d", "2024-02-01", 300), ("d", "2024-03-01", 350),
    ]
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("overview"), CUSTOMERS, TICKETS, NPS, MRR)


@pytest.fixture(scope="module")
def tiles(con):
    return kpi_summary(con, Filters(as_of=AS_OF), min_n=2).set_index("kpi")


def test_compares_the_last_complete_month_with_the_one_before(tiles):
    # as of Apr 15 the last complete month is March
    assert set(tiles["period"]) == {date(2024, 3, 1)}
    assert set(tiles["previous_period"]) == {date(2024, 2, 1)}


def test_customer_tiles(tiles):
    # end of March: d, e, f; end of February: c, d, e
    assert tiles.loc["active_customers", ["value", "previous"]].tolist() == [3, 3]
    # March: 1 of 3 churned; February: 1 of 4
    assert tiles.loc["churn_rate_pct", "value"] == pytest.approx(100 / 3)
    assert tiles.loc["churn_rate_pct", "previous"] == pytest.approx(25.0)
    assert tiles.loc["churn_rate_pct", "delta"] == pytest.approx(100 / 3 - 25)
    assert tiles.loc["churn_rate_pct", "n"] == 3
    assert tiles.loc["crr_pct", "value"] == pytest.approx(200 / 3)  # (3 - 1) / 3
    # The MRR history's month of the customers active at each month's end: March d 350 (e, f
    # have no rows: 0); February c 200 + d 300. (customers.mrr would say 380 and 500.)
    assert tiles.loc["mrr", ["value", "previous"]].tolist() == [350.0, 500.0]
    assert tiles["note"].isna()["mrr"]


def test_revenue_retention_tile(tiles):
    # March starts with Feb rows c 200 + d 300 = 500; c churned (200 lost), d grew by 50
    assert tiles.loc["nrr_pct", "value"] == pytest.approx((500 + 50 - 200) / 500 * 100)
    assert tiles.loc["nrr_pct", "previous"] == pytest.approx(100.0)  # February: nothing moved
    assert tiles.loc["nrr_pct", "n"] == 2


def test_support_tiles(tiles):
    # March: 2 rated, 1 >= 4 -> 50 %; February: 1 of 1
    assert tiles.loc["csat_pct", ["value", "previous", "n"]].tolist() == [50.0, 100.0, 2]
    # March answered: 2 h and 6 h -> median 4 h; February 1 h
    assert tiles.loc["frt_median_h", ["value", "previous", "n"]].tolist() == [4.0, 1.0, 2]
    assert not tiles.loc["frt_median_h", "higher_is_better"]


def test_nps_over_trailing_three_months(tiles):
    # Jan-Mar: 10, 3, 9, 8 -> 2 promoters, 1 detractor of 4 -> 50 - 25 = 25
    assert tiles.loc["nps", "value"] == pytest.approx(25.0)
    assert tiles.loc["nps", "n"] == 4
    # The windows compared run Jan-Mar and Dec-Feb, but the responses start on Jan 20: no change
    # is shown, and the tile says which days the responses cover.
    assert tiles.loc["nps", "previous"] is None or pd.isna(tiles.loc["nps", "previous"])
    assert tiles.loc["nps", "note"] == "NPS responses cover 20 Jan – 31 Mar only"


def test_lifetime_value(tiles):
    # Jan-Mar: 2 churned of 0 + 4 + 3 at the starts -> monthly churn 2/7;
    # average MRR at the end of March 350 / 3 -> CLV = (350 / 3) / (2 / 7)
    assert tiles.loc["clv", "value"] == pytest.approx(350 / 3 / (2 / 7))
    assert tiles.loc["clv", "previous"] is None or tiles["previous"].isna()["clv"]


def test_tiles_from_the_whole_series_equal_the_summary(con, tiles):
    # The Overview page reads its tiles off the full monthly series it plots; kpi_summary reads
    # only the last months. Same numbers either way.
    f = Filters(as_of=AS_OF)
    whole = kpi_tiles(
        period_movements(con, f, grain="month"), revenue_retention(con, f, grain="month"),
        support_kpis(con, f, grain="month"), nps(con, f, grain="month"), min_n=2,
        spans=table_profile(con),
    ).set_index("kpi")
    pd.testing.assert_frame_equal(whole, tiles)
    assert whole.loc["frt_median_h", "value"] == 4.0  # as in test_support_tiles


def test_reliability_flag_uses_min_n(con):
    flags = kpi_summary(con, Filters(as_of=AS_OF), min_n=3).set_index("kpi")["is_reliable"]
    assert flags["active_customers"]  # 3 customers >= 3
    assert not flags["csat_pct"]  # 2 rated tickets < 3
    assert flags["nps"]  # 4 responses


def test_too_little_history_gives_no_tiles(tmp_path):
    con = make_db(tmp_path, [dict(customer_id="x", signup_date="2024-04-01")])
    assert kpi_summary(con, Filters(as_of=date(2024, 4, 15))).empty


def test_the_tiles_are_the_kpis_rules_and_targets_can_name(tiles):
    from queries.overview import TILE_KPIS

    assert tuple(tiles.index) == TILE_KPIS


def _spans(con, **firsts):
    """table_profile with some tables' first (and last) dates replaced: {table: (first, last)}."""
    spans = table_profile(con)
    for table, (first, last) in firsts.items():
        spans.loc[spans["table_name"] == table, ["first_date", "last_date"]] = [first, last]
    return spans


def _whole(con, spans):
    f = Filters(as_of=AS_OF)
    return kpi_tiles(
        period_movements(con, f, grain="month"), revenue_retention(con, f, grain="month"),
        support_kpis(con, f, grain="month"), nps(con, f, grain="month"), min_n=2, spans=spans,
    ).set_index("kpi")


def test_a_tile_whose_table_covers_a_sliver_of_its_months_shows_no_change(con):
    # Tickets that start on Mar 30: March's CSAT and response time come from two days of it, and
    # February from none. The value stays (March's rated tickets, N = 2), the change goes, and the
    # note names the days covered: Mar 30 to the end of March (the table runs to the as-of date).
    tiles = _whole(con, _spans(con, tickets=(date(2024, 3, 30), date(2024, 3, 31))))
    for kpi in ("csat_pct", "frt_median_h"):
        assert tiles.loc[kpi, "note"] == "tickets cover 30–31 Mar only"
        assert pd.isna(tiles.loc[kpi, "previous"]) and pd.isna(tiles.loc[kpi, "delta"])
    assert tiles.loc["csat_pct", ["value", "n"]].tolist() == [50.0, 2]
    # Tiles of other tables keep their comparison.
    assert tiles.loc["churn_rate_pct", "delta"] == pytest.approx(100 / 3 - 25)
    assert tiles["note"].isna()["churn_rate_pct"]
    # Tickets from Feb 20 on: February is not whole, so no change either ("20 Feb – 31 Mar").
    tiles = _whole(con, _spans(con, tickets=(date(2024, 2, 20), date(2024, 3, 31))))
    assert tiles.loc["csat_pct", "note"] == "tickets cover 20 Feb – 31 Mar only"
    # From Feb 1 on (the fixture's own): both months whole, the change is shown.
    assert _whole(con, table_profile(con)).loc["csat_pct", "delta"] == pytest.approx(-50.0)


def test_an_mrr_history_that_starts_in_the_later_month_gives_no_change(con):
    tiles = _whole(con, _spans(con, mrr_history=(date(2024, 3, 1), date(2024, 3, 1))))
    assert tiles.loc["mrr", "note"] == "the MRR history covers Mar 2024 only"
    assert tiles.loc["mrr", "value"] == 350.0 and pd.isna(tiles.loc["mrr", "delta"])


def test_without_an_mrr_history_the_mrr_tile_says_it_is_todays_mrr(tmp_path):
    con = make_db(tmp_path, CUSTOMERS, TICKETS)
    tiles = kpi_summary(con, Filters(as_of=AS_OF), min_n=2).set_index("kpi")
    # customers.mrr of the customers active at each month's end: March d 300 + e 0 + f 80 = 380;
    # February c 200 + d 300 + e 0 = 500
    assert tiles.loc["mrr", ["value", "previous"]].tolist() == [380.0, 500.0]
    assert tiles.loc["mrr", "note"] == "today's MRR of the customers active then, not what they paid"


def test_day_spans_read_briefly_and_unambiguously():
    from queries.overview import day_span

    assert day_span(date(2024, 5, 31), date(2024, 5, 31)) == "31 May"
    assert day_span(date(2024, 5, 30), date(2024, 5, 31)) == "30–31 May"
    assert day_span(date(2024, 4, 28), date(2024, 5, 2)) == "28 Apr – 2 May"
    assert day_span(date(2024, 12, 30), date(2025, 1, 2)) == "30 Dec 2024 – 2 Jan 2025"
