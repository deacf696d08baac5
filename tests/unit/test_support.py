"""Support KPIs and NPS on tickets and responses written out below; every expected number is
worked out by hand in the comments."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from queries import Filters, nps, support_kpis
from tests.unit.fixtures import make_db

AS_OF = date(2024, 3, 15)
F = Filters(as_of=AS_OF)
JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)
NAN = np.nan

CUSTOMERS = [
    # a churns Mar 1 (before as_of): "Churned" outcome.
    dict(customer_id="a", signup_date="2023-12-01", churn_date="2024-03-01", plan="Starter"),
    dict(customer_id="b", signup_date="2024-01-10", plan="Growth"),
    # c has no tickets at all.
    dict(customer_id="c", signup_date="2024-01-01", plan="Growth"),
    dict(customer_id="d", signup_date="2022-01-01", plan="Starter"),
]

TICKETS = [
    # Jan: FRT 2 h, resolved after 24 h with one reply, CSAT 5, CES 4.
    dict(ticket_id="t1", customer_id="a", created_at="2024-01-05 10:00",
         first_response_at="2024-01-05 12:00", resolved_at="2024-01-06 10:00", channel="email",
         category="billing", priority="high", agent_replies=1, csat=5, ces=4),
    # Jan: FRT 4 h, resolved Feb 3 (336 h) with three replies, CSAT 2, CES 2, no priority.
    dict(ticket_id="t2", customer_id="b", created_at="2024-01-20 09:00",
         first_response_at="2024-01-20 13:00", resolved_at="2024-02-03 09:00", channel="chat",
         category="bug", priority=None, agent_replies=3, csat=2, ces=2),
    # Jan: FRT 1 h, never resolved, unrated.
    dict(ticket_id="t3", customer_id="d", created_at="2024-01-25 08:00",
         first_response_at="2024-01-25 09:00", resolved_at=None, channel="email",
         category="how-to", priority="low", agent_replies=0, csat=None, ces=None),
    # Feb: no tickets.
    # Mar: answered only after as_of (Mar 16) -> unanswered; rated 4 although not resolved.
    dict(ticket_id="t4", customer_id="b", created_at="2024-03-14 10:00",
         first_response_at="2024-03-16 10:00", resolved_at=None, channel="chat",
         category="bug", priority="normal", agent_replies=0, csat=4, ces=5),
    # Mar: FRT 0.5 h on the as-of day; resolved after the end of the as-of day -> not resolved.
    dict(ticket_id="t5", customer_id="d", created_at="2024-03-15 23:00",
         first_response_at="2024-03-15 23:30", resolved_at="2024-03-16 01:00", channel="email",
         category="billing", priority="high", agent_replies=1, csat=None, ces=None),
    # Created after as_of: ignored entirely.
    dict(ticket_id="t6", customer_id="d", created_at="2024-03-16 09:00",
         first_response_at="2024-03-16 09:10", resolved_at="2024-03-16 10:00", channel="email",
         category="billing", priority="high", agent_replies=1, csat=1, ces=1),
]

COLUMNS = [
    "period", "tickets", "frt_median_h", "frt_p90_h", "unanswered_pct", "resolution_median_h",
    "resolution_p90_h", "csat_pct", "csat_n", "ces_mean", "ces_n", "one_touch_pct", "backlog_end",
    "frt_n", "resolved_n", "one_touch_n", "is_complete",
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return make_db(
        tmp_path_factory.mktemp("support"),
        CUSTOMERS,
        tickets=TICKETS,
        nps=[
            dict(customer_id="c", responded_at="2023-12-15 10:00", score=7),  # passive
            dict(customer_id="a", responded_at="2024-01-10 10:00", score=10),  # promoter
            dict(customer_id="b", responded_at="2024-02-01 10:00", score=9),  # promoter
            dict(customer_id="d", responded_at="2024-02-20 10:00", score=5),  # detractor
            dict(customer_id="b", responded_at="2024-03-16 10:00", score=0),  # after as_of
        ],
    )


def test_monthly_kpis(con):
    expected = pd.DataFrame(
        [
            # Jan: t1, t2, t3.  FRT [1, 2, 4]: median 2, p90 at 0.9 * 2 = 1.8 -> 2 + 0.8 * 2 = 3.6.
            # 0 of 3 unanswered.  Resolved t1 24 h, t2 336 h: median 180, p90 24 + 0.9 * 312.
            # CSAT: 1 of 2 rated >= 4.  CES (4 + 2) / 2.  One-touch: 1 of 2 resolved (t1).
            # Backlog Jan 31: 3 created - 1 resolved (t1) = 2.
            (JAN, 3, 2.0, 3.6, 0.0, 180.0, 304.8, 50.0, 2, 3.0, 2, 50.0, 2, 3, 2, 2, True),
            # Feb: no tickets -> counts 0, rates null; t2 resolved Feb 3 -> backlog 3 - 2 = 1 (t3).
            (FEB, 0, NAN, NAN, NAN, NAN, NAN, NAN, 0, NAN, 0, NAN, 1, 0, 0, 0, True),
            # Mar (to as_of, incomplete): t4, t5.  FRT only t5 0.5 h (t4 answered after as_of):
            # 1 of 2 unanswered.  Nothing resolved by as_of (t5 resolved Mar 16).  CSAT: t4 rated 4,
            # 1 of 1.  CES 5 of 1.  Backlog Mar 15: 5 created - 2 resolved = 3 (t3, t4, t5).
            (MAR, 2, 0.5, 0.5, 50.0, NAN, NAN, 100.0, 1, 5.0, 1, NAN, 3, 1, 0, 0, False),
        ],
        columns=COLUMNS,
    )
    pd.testing.assert_frame_equal(support_kpis(con, F), expected)


def test_without_resolution_quantiles_the_rest_is_unchanged(con):
    got = support_kpis(con, F, resolution=False)
    assert "resolution_median_h" not in got and "resolution_p90_h" not in got
    expected = support_kpis(con, F).drop(columns=["resolution_median_h", "resolution_p90_h"])
    pd.testing.assert_frame_equal(got, expected)
    # still the hand-computed January values of test_monthly_kpis
    assert got.loc[0, ["tickets", "frt_median_h", "frt_p90_h", "csat_pct"]].tolist() == [
        3, 2.0, 3.6, 50.0]


def test_by_channel(con):
    got = support_kpis(con, F, by="channel")
    expected = pd.DataFrame(
        [
            # chat Jan: t2. FRT 4, resolution 336, CSAT 0 of 1, CES 2, one-touch 0 of 1,
            # backlog 1 (t2 open on Jan 31).
            ("chat", JAN, 1, 4.0, 0.0, 336.0, 0.0, 2.0, 0.0, 1),
            # chat Feb: t2 resolved Feb 3 -> backlog 0.
            ("chat", FEB, 0, NAN, NAN, NAN, NAN, NAN, NAN, 0),
            # chat Mar: t4 unanswered by as_of (1 of 1), CSAT 1 of 1, CES 5, backlog 1.
            ("chat", MAR, 1, NAN, 100.0, NAN, 100.0, 5.0, NAN, 1),
            # email Jan: t1, t3. FRT [1, 2] median 1.5; resolved t1 24 h; CSAT 1 of 1 (t3
            # unrated); one-touch 1 of 1; backlog 1 (t3).
            ("email", JAN, 2, 1.5, 0.0, 24.0, 100.0, 4.0, 100.0, 1),
            ("email", FEB, 0, NAN, NAN, NAN, NAN, NAN, NAN, 1),
            # email Mar: t5 FRT 0.5, not resolved by as_of -> backlog 2 (t3, t5).
            ("email", MAR, 1, 0.5, 0.0, NAN, NAN, NAN, NAN, 2),
        ],
        columns=["group", "period", "tickets", "frt_median_h", "unanswered_pct",
                 "resolution_median_h", "csat_pct", "ces_mean", "one_touch_pct", "backlog_end"],
    )
    pd.testing.assert_frame_equal(got[expected.columns], expected)


def test_by_priority_null_is_unknown(con):
    got = support_kpis(con, F, by="priority")
    # high: t1 (Jan), t5 (Mar); low: t3; normal: t4; Unknown: t2.
    totals = got.groupby("group")["tickets"].sum().to_dict()
    assert totals == {"Unknown": 1, "high": 2, "low": 1, "normal": 1}
    # Every group has every period Jan..Mar.
    assert got.groupby("group")["period"].apply(list).map(len).unique().tolist() == [3]


def test_by_customer_dimension(con):
    got = support_kpis(con, F, by="plan")
    # Starter: a (t1) and d (t3, t5); Growth: b (t2, t4); c has no tickets.
    assert got.groupby("group")["tickets"].sum().to_dict() == {"Growth": 2, "Starter": 3}


def test_by_outcome(con):
    got = support_kpis(con, F, by="outcome")
    # a churned Mar 1 (<= as_of): t1.  b and d are still customers: t2, t3, t4, t5.
    assert got.groupby("group")["tickets"].sum().to_dict() == {"Churned": 1, "Retained": 4}
    # As of Feb 15, a's churn has not happened yet: every ticket is a retained customer's
    # (t1, t2, t3; March tickets do not exist yet).
    early = support_kpis(con, Filters(as_of=date(2024, 2, 15)), by="outcome")
    assert early.groupby("group")["tickets"].sum().to_dict() == {"Retained": 3}


def test_quarter_grain(con):
    got = support_kpis(con, F, grain="quarter")
    # Q1 2024: all 5 tickets, quarter ends Mar 31 > as_of.
    assert got[["period", "tickets", "backlog_end", "is_complete"]].to_dict("records") == [
        {"period": JAN, "tickets": 5, "backlog_end": 3, "is_complete": False}
    ]
    # CSAT 2 of 3 rated (t1 5, t2 2, t4 4) >= 4.
    assert got["csat_pct"].iloc[0] == pytest.approx(200 / 3)


def test_empty_selection(con):
    got = support_kpis(con, Filters(as_of=AS_OF, plans=("No such plan",)), by="channel")
    assert list(got.columns) == ["group", *COLUMNS]
    assert got.empty
    # Customers without any ticket: no periods to show either.
    only_c = Filters(as_of=AS_OF, signup_from=date(2024, 1, 1), signup_to=date(2024, 1, 1))
    got = support_kpis(con, only_c)
    assert list(got.columns) == COLUMNS
    assert got.empty


def test_unknown_by_and_grain_raise(con):
    with pytest.raises(ValueError, match=r"unknown by 'ticket_id'; allowed: channel, category, "
                                         r"priority, plan, .*outcome, age_band"):
        support_kpis(con, F, by="ticket_id")
    with pytest.raises(ValueError, match="allowed: week, month, quarter"):
        support_kpis(con, F, grain="year")


def test_week_grain_across_year_end(tmp_path):
    con = make_db(
        tmp_path,
        [dict(customer_id="a", signup_date="2024-06-01")],
        tickets=[
            # Sun Dec 29 -> week of Mon Dec 23; resolved Tue Dec 31 (week of Dec 30).
            dict(ticket_id="t1", customer_id="a", created_at="2024-12-29 10:00",
                 first_response_at="2024-12-29 11:00", resolved_at="2024-12-31 10:00"),
            # Mon Dec 30 and Thu Jan 2 -> week of Mon Dec 30; t3 never answered.
            dict(ticket_id="t2", customer_id="a", created_at="2024-12-30 10:00",
                 first_response_at="2024-12-30 13:00", resolved_at="2024-12-30 14:00"),
            dict(ticket_id="t3", customer_id="a", created_at="2025-01-02 10:00"),
            # Mon Jan 6 = the default as_of (latest ticket date): the current, incomplete week.
            dict(ticket_id="t4", customer_id="a", created_at="2025-01-06 10:00"),
        ],
    )
    got = support_kpis(con, Filters(), grain="week")
    expected = pd.DataFrame(
        [
            # t1 open at the end of Sun Dec 29: backlog 1.
            (date(2024, 12, 23), 1, 1.0, 0.0, 1, True),
            # t2 (3 h) and t3 (unanswered): FRT median 3, 1 of 2 unanswered;
            # backlog: 3 created - 2 resolved (t1, t2) = 1.
            (date(2024, 12, 30), 2, 3.0, 50.0, 1, True),
            (date(2025, 1, 6), 1, NAN, 100.0, 2, False),
        ],
        columns=["period", "tickets", "frt_median_h", "unanswered_pct", "backlog_end",
                 "is_complete"],
    )
    pd.testing.assert_frame_equal(got[expected.columns], expected)


def test_age_band_boundaries(tmp_path):
    con = make_db(
        tmp_path,
        [dict(customer_id="a", signup_date="2023-01-31")],
        tickets=[
            # Jan 31 + 3 months clamps to Apr 30: a ticket at Apr 29 23:59 is 0-3 months ...
            dict(ticket_id="t1", customer_id="a", created_at="2023-04-29 23:59"),
            # ... one at Apr 30 00:00 is 3-12 months.
            dict(ticket_id="t2", customer_id="a", created_at="2023-04-30 00:00"),
            # Jan 31 + 12 months = Jan 31 2024: 12+ months.
            dict(ticket_id="t3", customer_id="a", created_at="2024-01-31 00:00"),
            dict(ticket_id="t4", customer_id="a", created_at="2024-01-30 12:00"),
        ],
    )
    got = support_kpis(con, Filters(), grain="quarter", by="age_band")
    assert got.groupby("group")["tickets"].sum().to_dict() == {
        "0-3 months": 1, "3-12 months": 2, "12+ months": 1
    }


def test_early_support_groups(tmp_path):
    con = make_db(
        tmp_path,
        [
            dict(customer_id="p", signup_date="2024-01-01"),
            dict(customer_id="q", signup_date="2024-01-01"),
            # Younger than 90 days at as_of (Jun 1): left out of the early groups.
            dict(customer_id="r", signup_date="2024-05-01"),
        ],
        tickets=[
            # p's first ticket is exactly at signup + 90 days (Mar 31 00:00): not early.
            dict(ticket_id="t1", customer_id="p", created_at="2024-03-31 00:00",
                 first_response_at="2024-03-31 01:00"),
            # q's is one minute earlier: early, first response after 5 h.
            dict(ticket_id="t2", customer_id="q", created_at="2024-03-30 23:59",
                 first_response_at="2024-03-31 04:59"),
            dict(ticket_id="t3", customer_id="r", created_at="2024-05-02 10:00"),
            dict(ticket_id="t4", customer_id="r", created_at="2024-06-01 10:00"),  # as_of Jun 1
        ],
    )
    got = support_kpis(con, Filters(), grain="quarter", by="early_tickets")
    assert got.groupby("group")["tickets"].sum().to_dict() == {"0 tickets": 1, "1-2 tickets": 1}
    # The SLA target is a parameter: q's 5 h first response breaches 4 h but meets 6 h.
    sla4 = support_kpis(con, Filters(), grain="quarter", by="early_frt_sla", sla_h=4)
    assert sla4.groupby("group")["tickets"].sum().to_dict() == {"Any breach": 1, "No tickets": 1}
    sla6 = support_kpis(con, Filters(), grain="quarter", by="early_frt_sla", sla_h=6)
    assert sla6.groupby("group")["tickets"].sum().to_dict() == {
        "All within target": 1, "No tickets": 1
    }


def test_nps_by_quarter(con):
    expected = pd.DataFrame(
        [
            # Q4 2023: one passive (7): 0% promoters, 0% detractors, NPS 0.
            (date(2023, 10, 1), 1, 0.0, 0.0, 0.0, True),
            # Q1 2024: 10, 9, 5 (the Mar 16 response is after as_of): 2 of 3 promoters,
            # 1 of 3 detractors, NPS 66.67 - 33.33 = 33.33; quarter not over.
            (JAN, 3, 200 / 3, 100 / 3, 100 / 3, False),
        ],
        columns=["period", "responses", "promoters_pct", "detractors_pct", "nps", "is_complete"],
    )
    pd.testing.assert_frame_equal(nps(con, F), expected)


def test_nps_by_month_fills_empty_periods(con):
    got = nps(con, F, grain="month")
    # Dec: 7 -> 0; Jan: 10 -> 100; Feb: 9 and 5 -> 50 - 50 = 0; Mar: none by as_of -> null.
    assert got["period"].tolist() == [date(2023, 12, 1), JAN, FEB, MAR]
    assert got["responses"].tolist() == [1, 1, 2, 0]
    assert got["nps"].tolist()[:3] == [0.0, 100.0, 0.0]
    assert np.isnan(got["nps"].iloc[3])
    assert got["is_complete"].tolist() == [True, True, True, False]


def test_nps_filtered_and_empty(con):
    # Growth: b (9 in Feb) and c (7 in Dec): Dec 0, Jan none, Feb 100.
    got = nps(con, Filters(as_of=AS_OF, plans=("Growth",)), grain="month")
    assert got["responses"].tolist() == [1, 0, 1, 0]
    assert got["promoters_pct"].tolist()[2] == 100.0
    empty = nps(con, Filters(as_of=AS_OF, plans=("No such plan",)))
    assert list(empty.columns) == ["period", "responses", "promoters_pct", "detractors_pct", "nps",
                                   "is_complete"]
    assert empty.empty
    with pytest.raises(ValueError):
        nps(con, F, grain="day")


def _random_tickets(seed: int):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-01")
    customers = [
        dict(customer_id=f"c{i}", signup_date=(start + pd.Timedelta(days=int(d))).date(),
             plan=str(rng.choice(["Starter", "Growth"])))
        for i, d in enumerate(rng.integers(0, 200, 25))
    ]
    tickets = []
    for i in range(150):
        cust = customers[int(rng.integers(0, len(customers)))]
        def minutes(low, high):
            return pd.Timedelta(minutes=int(rng.integers(low, high)))

        created = pd.Timestamp(cust["signup_date"]) + minutes(0, 400 * 1440)
        frt = None if rng.random() < 0.2 else created + minutes(1, 5000)
        resolved = None if rng.random() < 0.3 else created + minutes(1, 60000)
        tickets.append(dict(
            ticket_id=f"t{i}", customer_id=cust["customer_id"], created_at=created,
            first_response_at=frt, resolved_at=resolved, agent_replies=int(rng.integers(0, 4)),
            csat=None if rng.random() < 0.5 else int(rng.integers(1, 6)),
        ))
    return customers, tickets


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_a_pandas_reference(tmp_path, seed):
    customers, tickets = _random_tickets(seed)
    con = make_db(tmp_path, customers, tickets=tickets)
    as_of = date(2023, 11, 20)
    end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    got = support_kpis(con, Filters(as_of=as_of, plans=("Growth",))).set_index("period")

    growth = {c["customer_id"] for c in customers if c["plan"] == "Growth"}
    t = pd.DataFrame(tickets)
    t = t[t["customer_id"].isin(growth) & (t["created_at"] < end)].copy()
    for col in ("first_response_at", "resolved_at"):
        t[col] = pd.to_datetime(t[col])
        t.loc[t[col] >= end, col] = pd.NaT
    t["period"] = t["created_at"].dt.to_period("M").dt.start_time.dt.date
    t["frt_h"] = (t["first_response_at"] - t["created_at"]).dt.total_seconds() / 3600
    t["res_h"] = (t["resolved_at"] - t["created_at"]).dt.total_seconds() / 3600
    assert got.index[0] == t["period"].min() and got.index[-1] == date(2023, 11, 1)
    for period, row in got.iterrows():
        p = t[t["period"] == period]
        assert row["tickets"] == len(p)
        frt, res = p["frt_h"].dropna(), p["res_h"].dropna()
        rated, resolved = p["csat"].dropna(), p[p["res_h"].notna()]
        ref = {
            "frt_median_h": frt.quantile(0.5) if len(frt) else np.nan,
            "frt_p90_h": frt.quantile(0.9) if len(frt) else np.nan,
            "resolution_p90_h": res.quantile(0.9) if len(res) else np.nan,
            "unanswered_pct": p["frt_h"].isna().mean() * 100 if len(p) else np.nan,
            "csat_pct": (rated >= 4).mean() * 100 if len(rated) else np.nan,
            "one_touch_pct": (
                (resolved["agent_replies"] <= 1).mean() * 100 if len(resolved) else np.nan
            ),
        }
        for key, value in ref.items():
            assert row[key] == pytest.approx(value, nan_ok=True), (period, key)
        # Backlog at the end of the period (as_of for the last): created before it, not resolved.
        cut = min(pd.Timestamp(period) + pd.offsets.MonthBegin(1), end)
        open_at = (t["created_at"] < cut) & ~(t["resolved_at"] < cut)
        assert row["backlog_end"] == open_at.sum(), period
