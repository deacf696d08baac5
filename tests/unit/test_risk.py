"""The churn score: its signals on a few customers written out below (every value worked out by
hand in the comments), a history where one signal decides churn (the model must find it and the
drivers must name it), no leakage from after the cutoff, determinism, and the cases without a
score."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from words import narrative
import settings
from data import build, snapshots
from queries import Filters, churn_risk, churn_risk_totals, connect, risk_backtest
from queries import risk_fit as risk
from queries.risk import calibration, risk_totals
from queries.risk_signals import risk_features, signal_words
from tests.unit.fixtures import TABLE_OF, _insert, make_db

# --- the signals, by hand --------------------------------------------------------------------------

CUTOFF = date(2024, 6, 30)      # cutoff_end = 1 Jul 2024 00:00
LABEL_END = date(2024, 9, 28)   # the 90 days after it
# Windows: 90 days back from 1 Jul = 2 Apr 2024 00:00; 30 days back = 1 Jun 2024 00:00.
# First-response target 4 h (settings.SLA_HOURS): unanswered by cutoff_end and created before
# 30 Jun 20:00 is a breach already. MRR: the last complete month before June is May 2024; three
# months before it, Feb 2024.
SIGNAL_CUSTOMERS = [
    # a: 1 Jan -> 30 Jun 2024 = 31+29+31+30+31+29 = 181 days; churns 15 Aug (in the horizon).
    dict(customer_id="a", signup_date="2024-01-01", churn_date="2024-08-15", plan="Starter",
         mrr=100),
    # b: 1 Mar -> 30 Jun = 31+30+31+29 = 121 days; never churns.
    dict(customer_id="b", signup_date="2024-03-01", plan="Growth", mrr=50),
    # c churned on the cutoff day: not active at it, not scored.
    dict(customer_id="c", signup_date="2024-02-01", churn_date="2024-06-30", plan="Growth"),
    # d signed up after the cutoff: not scored.
    dict(customer_id="d", signup_date="2024-07-10", plan="Growth"),
    # e: 1 Jun 2023 -> 1 Jun 2024 = 366 days (29 Feb) + 29 = 395; churns after the horizon.
    dict(customer_id="e", signup_date="2023-06-01", churn_date="2024-10-15", plan="Starter"),
]
SIGNAL_TICKETS = [
    # a1: answered after 6 h (> 4 h: a breach), resolved, CSAT 2 known by the cutoff: low.
    dict(ticket_id="a1", customer_id="a", created_at="2024-06-01 10:00",
         first_response_at="2024-06-01 16:00", resolved_at="2024-06-02 10:00", csat=2),
    # a2: answered only after the cutoff and created 12 h before its end: a breach; unresolved by
    # then, so open, and its CSAT 1 is not known yet.
    dict(ticket_id="a2", customer_id="a", created_at="2024-06-30 08:00",
         first_response_at="2024-07-01 09:00", resolved_at="2024-07-02 09:00", csat=1),
    # a3: before the 90 days; a4: after the cutoff day. Neither counts.
    dict(ticket_id="a3", customer_id="a", created_at="2024-03-15 10:00",
         first_response_at="2024-03-15 11:00", resolved_at="2024-03-16 10:00"),
    dict(ticket_id="a4", customer_id="a", created_at="2024-07-01 00:00"),
    # b1: created 30 Jun 21:00, unanswered: not 4 h old by the cutoff's end, no breach yet; open.
    dict(ticket_id="b1", customer_id="b", created_at="2024-06-30 21:00"),
]
SIGNAL_NPS = [
    dict(customer_id="a", responded_at="2024-05-01 09:00", score=9),
    dict(customer_id="a", responded_at="2024-06-20 09:00", score=3),   # the latest by the cutoff
    dict(customer_id="a", responded_at="2024-07-05 09:00", score=10),  # after it
]
SIGNAL_MRR = [
    dict(customer_id="a", month="2024-02-01", mrr=100),
    dict(customer_id="a", month="2024-05-01", mrr=80),   # (80 - 100) / 100 = -20%
    dict(customer_id="a", month="2024-06-01", mrr=999),  # the cutoff's own month: not complete
    dict(customer_id="b", month="2024-05-01", mrr=50),   # no Feb row: no change
]
# a: one in the last 30 days (25 Jun), two in the 60 before (10 Apr, 1 May):
#    (2 x 1 - 2) / 2 = 0%; last on 25 Jun -> 5 days before 30 Jun. 2 Jul is after it.
# b: none in 30 days, one in the 60 before (5 Apr): (0 - 1) / 1 = -100%; last 5 Apr ->
#    25 (Apr) + 31 + 30 = 86 days. 20 Feb is before b's signup: no signal counts it.
SIGNAL_ACTIVITY = [dict(customer_id=who, occurred_at=f"{day} 12:00") for who, day in (
    ("a", "2024-04-10"), ("a", "2024-05-01"), ("a", "2024-06-25"), ("a", "2024-07-02"),
    ("b", "2024-02-20"), ("b", "2024-04-05"))]
SIGNAL_OUTREACH = [
    # a: two contacts in 90 days; the second answered only after the cutoff -> 1 response.
    dict(customer_id="a", contacted_at="2024-06-10 10:00", channel="email",
         responded_at="2024-06-12 10:00"),
    dict(customer_id="a", contacted_at="2024-06-28 10:00", channel="phone",
         responded_at="2024-07-03 10:00"),
]


@pytest.fixture(scope="module")
def signal_con(tmp_path_factory):
    con = make_db(tmp_path_factory.mktemp("risk-signals"), SIGNAL_CUSTOMERS,
                  tickets=SIGNAL_TICKETS, nps=SIGNAL_NPS, mrr=SIGNAL_MRR,
                  activity=SIGNAL_ACTIVITY, outreach=SIGNAL_OUTREACH, as_of=date(2024, 12, 31))
    yield con
    con.close()


def test_signals_as_known_at_the_cutoff(signal_con):
    assert settings.SLA_HOURS == 4
    got = risk_features(signal_con, CUTOFF, LABEL_END).set_index("customer_id")
    nan = np.nan
    expected = pd.DataFrame({
        "customer_id": ["a", "b", "e"],
        "tenure_days": [181, 121, 395],
        "mrr_latest": [80.0, 50.0, nan],
        "mrr_change_pct": [-20.0, nan, nan],
        "tickets_90d": [2, 1, 0],
        "frt_breaches_90d": [2, 0, 0],
        "low_csat_90d": [1, 0, 0],
        "open_tickets_90d": [1, 1, 0],
        "latest_nps": [3.0, nan, nan],
        "activity_30d": [1, 0, 0],
        "activity_prior_60d": [2, 1, 0],
        "activity_change_pct": [0.0, -100.0, nan],
        "days_since_activity": [5.0, 86.0, nan],
        "contacts_90d": [2, 0, 0],
        "responses_90d": [1, 0, 0],
        "is_churned_in_horizon": [True, False, False],
    }).set_index("customer_id")
    pd.testing.assert_frame_equal(got[expected.columns].astype(float), expected.astype(float))
    assert list(got["plan"]) == ["Starter", "Growth", "Starter"]


def test_signal_words():
    row = {"frt_breaches_90d": 2, "latest_nps": np.nan, "activity_change_pct": -75.0,
           "tenure_days": 40, "mrr_change_pct": -20.0, "acquisition_channel": "Partner"}
    assert signal_words("frt_breaches_90d", row) == "2 first responses over 4 h in 90 days"
    assert signal_words("latest_nps", row) == "no NPS answer"
    assert signal_words("activity_change_pct", row) == (
        "activity down 75% (last 30 days against the 60 before)")
    assert signal_words("tenure_days", row) == "new: 40 days as a customer"
    assert signal_words("mrr_change_pct", row) == "MRR down 20% in 3 months"
    assert signal_words("acquisition_channel", row) == "acquired via Partner"


def test_calibration_deciles_by_hand():
    # 20 customers, risks 0.05 .. 1.00 by 0.05; the two highest churned. Deciles of 2 by rank:
    # decile 1 = 0.05, 0.10 -> predicted 7.5%; decile 10 = 0.95, 1.00 -> 97.5%, both churned.
    risk_values = np.arange(1, 21) * 0.05
    churned = np.array([0.0] * 18 + [1.0, 1.0])
    rows = calibration(risk_values, churned)
    assert len(rows) == 10 and all(r["customers"] == 2 for r in rows)
    assert rows[0]["predicted_pct"] == pytest.approx(7.5)
    assert rows[0]["observed_pct"] == 0.0
    assert rows[9]["predicted_pct"] == pytest.approx(97.5)
    assert rows[9]["observed_pct"] == 100.0


# --- one signal decides churn ------------------------------------------------------------------

AS_OF = date(2024, 12, 31)
START = date(2022, 1, 1)


def nps_history(n: int = 900):
    """n customers, one signing up each day from 1 Jan 2022. Each answers NPS every 60 days from
    day 30 of its life, with scores 6-10 that say nothing about churn; one in five (drawn at
    random) once answers 2 (at a random one of its first 12 answers), answers nothing after that
    and churns 100 days later: at any cutoff, a customer whose latest answer is 2 leaves within
    the 90 days after it, unless that answer came in the last 10 days. Plans and tickets are
    dealt out with no tie to churn."""
    customers, nps, tickets = [], [], []
    # Who answers 2, and at which answer, drawn at random: tied to neither tenure nor plan.
    draws = np.random.default_rng(11)
    for i in range(n):
        signup = START + timedelta(days=i)
        low_at = int(draws.integers(0, 12)) if draws.random() < 0.2 else None
        churn = None
        for k in range(40):
            day = signup + timedelta(days=30 + 60 * k)
            if day > AS_OF or churn is not None:
                break
            score = 2 if k == low_at else 6 + (i + k) % 5
            nps.append(dict(customer_id=f"c{i:04d}", responded_at=f"{day} 10:00", score=score))
            if k == low_at:
                churn = day + timedelta(days=100)
        customers.append(dict(customer_id=f"c{i:04d}", signup_date=str(signup),
                              churn_date=str(churn) if churn else None,
                              plan=("Starter", "Growth", "Enterprise")[i % 3], mrr=100 + i % 7))
        if i % 4 == 0:
            day = signup + timedelta(days=20)
            tickets.append(dict(ticket_id=f"t{i}", customer_id=f"c{i:04d}",
                                created_at=f"{day} 09:00", first_response_at=f"{day} 10:00",
                                resolved_at=f"{day} 15:00", csat=4 + i % 2))
    return customers, nps, tickets


@pytest.fixture(scope="module")
def nps_db(tmp_path_factory):
    customers, nps, tickets = nps_history()
    folder = tmp_path_factory.mktemp("risk-nps")
    make_db(folder, customers, nps=nps, tickets=tickets, as_of=AS_OF).close()
    return folder / "retention.duckdb"


def test_the_model_finds_the_signal_that_decides_churn(nps_db):
    con = connect(nps_db)
    try:
        record = risk_backtest(con, Filters(as_of=AS_OF))
        scores = churn_risk(con, Filters(as_of=AS_OF))
    finally:
        con.close()
    assert record["status"] == "ok"
    assert record["cutoff"] == "2024-10-02"  # 31 Dec - 90 days
    assert record["training_churned"] >= risk.MIN_CHURNERS
    assert record["churned"] > 0
    assert record["auc"] > 0.95
    assert record["auc"] >= record["baseline_auc"] + 0.2
    assert record["top_decile_capture_pct"] > 80
    # Today: the customers whose latest answer is the 2 (not churned yet) lead the list, and the
    # first driver named is that answer.
    low = scores[scores["latest_nps"] == 2]
    assert len(low) > 0
    assert set(scores.head(len(low))["customer_id"]) == set(low["customer_id"])
    assert all(d.startswith("latest NPS 2") for d in low["drivers"]), list(low["drivers"])
    assert (scores["risk"].between(0, 1)).all()
    assert (scores["mrr_at_risk"] == scores["risk"] * scores["mrr"]).all()


def test_filters_pick_rows_of_one_fit(nps_db):
    con = connect(nps_db)
    try:
        everyone = churn_risk(con, Filters(as_of=AS_OF))
        growth = churn_risk(con, Filters(as_of=AS_OF, plans=("Growth",)))
        record = risk_backtest(con, Filters(as_of=AS_OF, plans=("Growth",)))
        record_all = risk_backtest(con, Filters(as_of=AS_OF))
    finally:
        con.close()
    # every third customer is on Growth; the same scores, filtered
    assert set(growth["plan"]) == {"Growth"}
    expected = everyone[everyone["plan"] == "Growth"].reset_index(drop=True)
    pd.testing.assert_frame_equal(growth, expected)
    # the track record read on Growth's customers at the cutoff: about a third of them
    assert 0.25 < record["customers"] / record_all["customers"] < 0.4


def test_the_overview_tile_keeps_the_lists_totals(nps_db):
    """churn_risk_totals (the Overview's tile, kept as four numbers) counts the customers and MRR
    the fixture makes active on Growth at the as-of date, and sums the list's risk."""
    customers, _, _ = nps_history()
    growth = Filters(as_of=AS_OF, plans=("Growth",))
    con = connect(nps_db)
    try:
        totals = churn_risk_totals(con, growth)
        scores = churn_risk(con, growth)
    finally:
        con.close()
    # Active on Growth at AS_OF, straight from the fixture: signed up by then, not churned by then.
    active = [c for c in customers if c["plan"] == "Growth" and date.fromisoformat(c["signup_date"])
              <= AS_OF and (c["churn_date"] is None or date.fromisoformat(c["churn_date"]) > AS_OF)]
    assert totals["customers"] == len(active) > 0
    assert totals["mrr"] == sum(c["mrr"] for c in active)
    # summed without building the list, to the last bit what the list's own sums give
    assert totals == risk_totals(scores) and totals["expected_churners"] > 0


def test_deterministic(nps_db):
    con = connect(nps_db)
    try:
        first = risk._compute(con, AS_OF, 90)
        second = risk._compute(con, AS_OF, 90)
    finally:
        con.close()
    pd.testing.assert_frame_equal(first.today, second.today)
    pd.testing.assert_frame_equal(first.at_cutoff, second.at_cutoff)


def test_the_fit_is_kept_beside_the_snapshot(nps_db):
    con = connect(nps_db)
    try:
        risk._FITS.clear()
        churn_risk(con, Filters(as_of=AS_OF))
        kept = sorted(p.name for p in Path(snapshots.list_snapshots(nps_db)[0]).with_suffix(
            ".views").iterdir() if p.name.startswith(risk.KEPT_PREFIX))
    finally:
        con.close()
    assert len(kept) >= 3 and any(k.endswith("-today.parquet") for k in kept)


# --- no leakage from after the cutoff ------------------------------------------------------------------

def _after(value, end) -> bool:
    return value is not None and pd.Timestamp(value) >= pd.Timestamp(end)


@pytest.mark.slow
def test_deleting_every_event_after_the_cutoff_changes_nothing(tmp_path):
    customers, nps, tickets = nps_history()
    activity = [dict(customer_id=c["customer_id"], occurred_at=f"{day} 08:00")
                for n, c in enumerate(customers[::7])
                for day in (date.fromisoformat(c["signup_date"]) + timedelta(days=d)
                            for d in range(15, 1100, 45 + n % 20))
                if day <= AS_OF and (not c["churn_date"] or str(day) < c["churn_date"])]
    mrr = [dict(customer_id=c["customer_id"], month=f"{m.year}-{m.month:02d}-01", mrr=100)
           for c in customers[::3]
           for m in pd.date_range(c["signup_date"], AS_OF, freq="MS").date]
    outreach = [dict(customer_id=t["customer_id"], contacted_at=t["created_at"], channel="email",
                     responded_at=t["resolved_at"]) for t in tickets[::2]]
    # Tickets on both sides of the cutoff (2 Oct 2024); those of 28 Sep answered on 3 Oct.
    for n, c in enumerate(customers[::5]):
        for day, answered in (("2024-09-28", "2024-10-03 12:00"), ("2024-11-15", None)):
            if not c["churn_date"] or c["churn_date"] > day:
                tickets.append(dict(ticket_id=f"x{n}-{day}", customer_id=c["customer_id"],
                                    created_at=f"{day} 09:00", first_response_at=answered,
                                    resolved_at=answered, csat=1 + n % 5 if answered else None))
    # Tickets 20 days before each churn: a signal a score would seize on if it saw past its
    # cutoff.
    for c in customers:
        if c["churn_date"]:
            day = date.fromisoformat(c["churn_date"]) - timedelta(days=20)
            tickets.append(dict(ticket_id=f"p{c['customer_id']}", customer_id=c["customer_id"],
                                created_at=f"{day} 09:00", first_response_at=f"{day} 20:00",
                                resolved_at=f"{day} 20:00", csat=1))
    for ticket in tickets[::3]:  # some answered and resolved late, so late they cross the cutoff
        created = pd.Timestamp(ticket["created_at"])
        ticket.update(first_response_at=str(created + pd.Timedelta(days=30)),
                      resolved_at=str(created + pd.Timedelta(days=60)), csat=1)
    full = make_db(tmp_path / "full", customers, nps=nps, tickets=tickets, activity=activity,
                   mrr=mrr, outreach=outreach, as_of=AS_OF)
    try:
        record = risk_backtest(full, Filters(as_of=AS_OF))
    finally:
        full.close()
    cutoff_end = date.fromisoformat(record["cutoff"]) + timedelta(days=1)
    month = pd.Timestamp(cutoff_end).replace(day=1)
    cut_tickets = []
    for t in tickets:
        if _after(t["created_at"], cutoff_end):
            continue
        t = dict(t)
        for column in ("first_response_at", "resolved_at"):
            if _after(t[column], cutoff_end):
                t[column] = None
        cut_tickets.append(t)
    cut_outreach = [dict(o, responded_at=None if _after(o["responded_at"], cutoff_end)
                         else o["responded_at"])
                    for o in outreach if not _after(o["contacted_at"], cutoff_end)]
    cut = make_db(
        tmp_path / "cut", customers,
        nps=[r for r in nps if not _after(r["responded_at"], cutoff_end)],
        tickets=cut_tickets,
        activity=[r for r in activity if not _after(r["occurred_at"], cutoff_end)],
        mrr=[r for r in mrr if pd.Timestamp(r["month"]) < month],
        outreach=cut_outreach, as_of=AS_OF)
    try:
        assert len(cut_tickets) < len(tickets)
        again = risk_backtest(cut, Filters(as_of=AS_OF))
    finally:
        cut.close()
    assert record["status"] == "ok" and record["auc"] is not None
    assert again == record


# --- no score ------------------------------------------------------------------------------------

def test_too_little_history_says_why(tmp_path):
    customers = [dict(customer_id=f"c{i}", signup_date="2024-01-01",
                      churn_date="2024-05-01" if i < 5 else None, plan="Starter")
                 for i in range(50)]
    con = make_db(tmp_path, customers, as_of=date(2024, 12, 31))
    try:
        record = risk_backtest(con, Filters())
        scores = churn_risk(con, Filters())
    finally:
        con.close()
    # 5 churned in May, inside the four 90-day windows before 2 Oct: fewer than 30.
    assert record["status"] == "too_little_history"
    assert record["training_churned"] == 5
    assert "at least 30" in record["reason"]
    assert record["auc"] is None and scores.empty
    assert narrative.risk_track_record(record).startswith("No churn score: Only 5 customers")


def test_undated_churn_gives_no_score(tmp_path):
    """A snapshot whose import counted customers churned without a date (data/shapes.py's
    assumption in meta.source): their churn date is the import's as-of date, not when they left."""
    live = tmp_path / "retention.duckdb"
    customers, nps, _ = nps_history(300)
    with snapshots.building(live) as (tmp, snapshot_id):
        con = duckdb.connect(str(tmp))
        build.create_schema(con)
        build.load_reason_mapping(con)
        _insert(con, TABLE_OF["customers"], customers)
        build.finalize(con, snapshot_id, "import", {"assumed": {"churned_without_date": {
            "customers": 12, "date": AS_OF.isoformat()}}}, None, AS_OF)
        con.close()
    con = connect(live)
    try:
        record = risk_backtest(con, Filters())
    finally:
        con.close()
    assert record["status"] == "undated"
    assert record["reason"].startswith("12 customers were marked churned without a churn date")


def test_track_record_sentence():
    record = {"status": "ok", "horizon_days": 90, "customers": 11133, "churned": 739, "auc": 0.8,
              "baseline_auc": 0.62, "top_decile_capture_pct": 40.46}
    assert narrative.risk_track_record(record) == (
        "On the last 90 days, the 10% highest-risk customers held 40% of the 739 customers who "
        "left; AUC 0.80 against 0.62 for tenure and plan alone.")
