"""Outreach metrics on contacts written out below: response rate, time to response, actions per
engagement, and retention of contacted customers against comparable customers who were not
contacted. Every expected number is worked out by hand in the comments."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from words import narrative
from data import build, snapshots
from queries import Filters, outreach_kpis, outreach_retention, outreach_tiles, outreach_totals
from tests.unit.fixtures import make_db

AS_OF = date(2024, 6, 30)
F = Filters(as_of=AS_OF)
FEB, MAR, APR, MAY, JUN = (date(2024, m, 1) for m in (2, 3, 4, 5, 6))
NAN = np.nan

# Everyone signed up on 1 Jan 2024 except i, so every index date in Feb or Mar is in the
# '0-3 months' age band (index < 1 Apr) and i (signed up 1 Jun 2023) is in '3-12 months'.
CUSTOMERS = [
    dict(customer_id="a", signup_date="2024-01-01", plan="Growth", segment="SMB"),
    dict(customer_id="b", signup_date="2024-01-01", plan="Growth", segment="SMB",
         churn_date="2024-05-20"),
    dict(customer_id="c", signup_date="2024-01-01", plan="Growth", segment="SMB"),
    dict(customer_id="d", signup_date="2024-01-01", plan="Growth", segment="SMB",
         churn_date="2024-02-10"),
    dict(customer_id="e", signup_date="2024-01-01", plan="Starter", segment="SMB"),
    dict(customer_id="f", signup_date="2024-01-01", plan="Growth", segment="SMB"),
    dict(customer_id="h", signup_date="2024-01-01", plan="Enterprise", segment="Enterprise"),
    dict(customer_id="i", signup_date="2023-06-01", plan="Growth", segment="SMB"),
    dict(customer_id="j", signup_date="2024-01-01", plan="Growth", segment="SMB",
         churn_date="2024-05-15"),
]

OUTREACH = [
    # 1. a, Feb: answered after 4 h, 2 actions.
    dict(customer_id="a", contacted_at="2024-02-05 09:00", channel="email", campaign="Save",
         responded_at="2024-02-05 13:00", actions=2),
    # 2. a again in Feb (contacted twice): never answered.
    dict(customer_id="a", contacted_at="2024-02-20 09:00", channel="phone", campaign="Save"),
    # 3. b, Feb, no campaign: answered after 24 h, actions empty (= 0).
    dict(customer_id="b", contacted_at="2024-02-07 09:00", channel="email",
         responded_at="2024-02-08 09:00"),
    # 4. h, Feb: answered after 2 h, 3 actions.
    dict(customer_id="h", contacted_at="2024-02-12 10:00", channel="meeting", campaign="Check-in",
         responded_at="2024-02-12 12:00", actions=3),
    # 5. a, Mar: answered after 1 h, 0 actions.
    dict(customer_id="a", contacted_at="2024-03-04 09:00", channel="email", campaign="Save",
         responded_at="2024-03-04 10:00", actions=0),
    # 6. f, Jun: answered on 2 Jul, after the as-of date: not a response (its action neither).
    dict(customer_id="f", contacted_at="2024-06-10 09:00", channel="phone", campaign="Check-in",
         responded_at="2024-07-02 09:00", actions=1),
    # 7. c, Jul: made after the as-of date: does not exist.
    dict(customer_id="c", contacted_at="2024-07-05 09:00", channel="email", campaign="Save",
         responded_at="2024-07-05 10:00", actions=5),
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = make_db(tmp_path_factory.mktemp("outreach"), CUSTOMERS, outreach=OUTREACH,
                         as_of=AS_OF)
    yield connection
    connection.close()


def test_a_contact_before_signup_is_rejected_and_nothing_is_built(tmp_path):
    # i signed up on 1 Jun 2023: a contact on 31 May 2023 would count i as contacted before the
    # account existed, so the build refuses the whole file and publishes no snapshot.
    early = dict(customer_id="i", contacted_at="2023-05-31 16:00", channel="phone")
    with pytest.raises(build.IntegrityError, match="contacted_at must be on or after"):
        make_db(tmp_path, CUSTOMERS, outreach=[*OUTREACH, early], as_of=AS_OF)
    assert snapshots.list_snapshots(tmp_path / "retention.duckdb") == []


KPI_COLUMNS = ["period", "group", "contacts", "responses", "response_rate_pct",
               "median_response_h", "actions", "actions_per_response", "is_complete"]


def kpis(rows):
    df = pd.DataFrame(rows, columns=KPI_COLUMNS)
    return df.astype({"contacts": "int64", "responses": "int64", "actions": "int64",
                      "response_rate_pct": float, "median_response_h": float,
                      "actions_per_response": float})


def test_monthly_kpis(con):
    got = outreach_kpis(con, F, grain="month")
    expected = kpis([
        # Feb: contacts 1-4 = 4 (a twice); answered 1, 3, 4 = 3 -> 3/4 = 75%;
        # median of 4, 24, 2 h = 4 h; actions 2 + 0 + 3 = 5 over 3 responses = 1.667.
        [FEB, "All", 4, 3, 75.0, 4.0, 5, 5 / 3, True],
        # Mar: contact 5, answered after 1 h with 0 actions.
        [MAR, "All", 1, 1, 100.0, 1.0, 0, 0.0, True],
        # Apr, May: no contacts: counts 0, rates empty (the series has no gap).
        [APR, "All", 0, 0, NAN, NAN, 0, NAN, True],
        [MAY, "All", 0, 0, NAN, NAN, 0, NAN, True],
        # Jun: contact 6 is answered only after the as-of date: 0 of 1, its action not counted;
        # Jun 30 is the as-of date, so the month is complete. Contact 7 (Jul) does not exist.
        [JUN, "All", 1, 0, 0.0, NAN, 0, NAN, True],
    ])
    pd.testing.assert_frame_equal(got, expected)


def test_kpis_by_channel(con):
    got = outreach_kpis(con, F, grain="quarter", by="channel")
    Q1, Q2 = date(2024, 1, 1), date(2024, 4, 1)
    expected = kpis([
        # e-mail: contacts 1, 3, 5 in Q1, all answered: 4, 24 and 1 h -> median 4 h;
        # actions 2 + 0 + 0 = 2 over 3 responses.
        [Q1, "email", 3, 3, 100.0, 4.0, 2, 2 / 3, True],
        [Q2, "email", 0, 0, NAN, NAN, 0, NAN, True],
        # meeting: contact 4, answered after 2 h with 3 actions.
        [Q1, "meeting", 1, 1, 100.0, 2.0, 3, 3.0, True],
        [Q2, "meeting", 0, 0, NAN, NAN, 0, NAN, True],
        # phone: contact 2 (Q1, never answered) and 6 (Q2, answered after as_of).
        [Q1, "phone", 1, 0, 0.0, NAN, 0, NAN, True],
        [Q2, "phone", 1, 0, 0.0, NAN, 0, NAN, True],
    ])
    pd.testing.assert_frame_equal(got, expected)


def test_totals_by_campaign(con):
    got = outreach_totals(con, F, by="campaign")
    expected = pd.DataFrame({
        # Save: contacts 1, 2, 5 of one customer (a); answered 1 (4 h) and 5 (1 h): 2 of 3,
        # median 2.5 h, actions 2 + 0 over 2. Contact 7 (after as_of) is not counted.
        # Check-in: contacts 4 (h, 2 h, 3 actions) and 6 (f, answered after as_of): 1 of 2.
        # No campaign: contact 3 (b), answered after 24 h, actions empty = 0.
        "group": ["Save", "Check-in", "No campaign"],
        "channels": ["email, phone", "meeting, phone", "email"],
        "first_contact_date": [date(2024, 2, 5), date(2024, 2, 12), date(2024, 2, 7)],
        "last_contact_date": [date(2024, 3, 4), date(2024, 6, 10), date(2024, 2, 7)],
        "customers": [1, 2, 1],
        "contacts": [3, 2, 1],
        "responses": [2, 1, 1],
        "response_rate_pct": [200 / 3, 50.0, 100.0],
        "median_response_h": [2.5, 2.0, 24.0],
        "actions": [2, 3, 0],
        "actions_per_response": [1.0, 3.0, 0.0],
    })
    got["first_contact_date"] = pd.to_datetime(got["first_contact_date"]).dt.date
    got["last_contact_date"] = pd.to_datetime(got["last_contact_date"]).dt.date
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_totals_and_the_shared_filters(con):
    every = outreach_totals(con, F).iloc[0]
    # 6 contacts up to as_of of 4 customers (a, b, f, h); answered 1, 3, 4, 5 = 4 of 6;
    # median of 4, 24, 2, 1 h = (2 + 4) / 2 = 3 h; actions 2 + 0 + 3 + 0 = 5 over 4 = 1.25.
    assert (every["contacts"], every["customers"], every["responses"]) == (6, 4, 4)
    assert every["response_rate_pct"] == pytest.approx(400 / 6)
    assert (every["median_response_h"], every["actions"]) == (3.0, 5)
    assert every["actions_per_response"] == pytest.approx(1.25)
    # plan Enterprise: h's contact 4 only.
    one = outreach_totals(con, Filters(as_of=AS_OF, plans=("Enterprise",)))
    assert one[["contacts", "responses", "median_response_h", "actions"]].iloc[0].tolist() == [
        1, 1, 2.0, 3]
    # plan Starter: e was never contacted: no rows, and a series without periods.
    assert outreach_totals(con, Filters(as_of=AS_OF, plans=("Starter",))).empty
    assert outreach_kpis(con, Filters(as_of=AS_OF, plans=("Starter",))).empty


def test_an_earlier_as_of_date_sees_fewer_contacts_and_responses(con):
    # As of 7 Feb: contacts 1 (5 Feb) and 3 (7 Feb 09:00) exist; 3 is answered on 8 Feb 09:00,
    # after the end of the as-of day: 1 response of 2.
    got = outreach_kpis(con, Filters(as_of=date(2024, 2, 7)))
    assert got[["period", "contacts", "responses", "response_rate_pct", "is_complete"]
               ].values.tolist() == [[FEB, 2, 1, 50.0, False]]


@pytest.mark.parametrize("kwargs", [{"by": "region"}, {"by": "channel; drop table outreach"},
                                    {"grain": "year"}])
def test_an_unknown_breakdown_or_grain_is_refused(con, kwargs):
    with pytest.raises(ValueError, match="unknown"):
        outreach_kpis(con, F, **kwargs)


def test_totals_refuse_an_unknown_breakdown(con):
    with pytest.raises(ValueError, match="unknown by 'plan'"):
        outreach_totals(con, F, by="plan")


# Retention, by month. Index dates: a contacted customer's first contact in the month; a
# customer not contacted that month is indexed on its first day. Complete: index + 90 <= 30 Jun.
#   Feb, Growth SMB 0-3: contacted a (5 Feb, stays), b (7 Feb; churns 20 May > 7 May: stays);
#     not contacted, from 1 Feb to 1 May: c stays, d churns 10 Feb (day 9), f stays, j stays
#     (churns 15 May > 1 May) -> 3 of 4.
#   Mar, Growth SMB 0-3: contacted a (4 Mar, stays; counted once in Feb and once in Mar);
#     not contacted, from 1 Mar to 30 May: b churns 20 May (day 80), c stays, f stays,
#     j churns 15 May (day 75) -> 2 of 4. d churned before 1 Mar: not active, not counted.
#   Left out: h (Feb, Enterprise) has no comparable customer -> unmatched 1; f's contact of
#     10 Jun has no 90 days behind it -> too_recent 1; e (Starter) and i (3-12 months) were
#     compared with no contacted customer; June's not-contacted customers are too recent.
# Contacted: 3 customers once per month of contact, 3 retained = 100%.
# Not contacted: 8, 5 retained (62.5% unweighted); weighted by the contacted customers in each
#   stratum: (2 x 3/4 + 1 x 2/4) / 3 = 2/3 = 66.7%.
def test_retention_of_contacted_and_comparable_customers(con):
    got = outreach_retention(con, F, days=90)
    assert got.drop(columns="p_value").to_dict("records") == [
        dict(group="Contacted", days=90, customers=3, retained=3, retention_pct=100.0,
             unweighted_retention_pct=100.0, strata=2, too_recent=1, unmatched=1),
        dict(group="Not contacted", days=90, customers=8, retained=5,
             retention_pct=pytest.approx(200 / 3), unweighted_retention_pct=62.5, strata=2,
             too_recent=0, unmatched=0),
    ]
    # Stratified log-rank, contacted side, observed - expected and variance per churn day
    # (E = at risk contacted x churned / at risk; V = churned x (n - churned) / (n^2 (n - 1)) x
    # contacted at risk x not contacted at risk):
    #   Feb day 9:  2 contacted + 4 not at risk, d churns: O - E = 0 - 2/6, V = 5/180 x 8 = 2/9
    #   Mar day 75: 1 + 4 at risk, j churns:  O - E = 0 - 1/5, V = 4/100 x 4 = 0.16
    #   Mar day 80: 1 + 3 at risk, b churns:  O - E = 0 - 1/4, V = 3/48 x 3 = 0.1875
    # chi-square = (1/3 + 0.2 + 0.25)^2 / (2/9 + 0.16 + 0.1875) with 1 degree of freedom.
    stat = (1 / 3 + 0.2 + 0.25) ** 2 / (2 / 9 + 0.16 + 0.1875)
    assert got["p_value"].tolist() == pytest.approx([chi2.sf(stat, 1)] * 2)
    assert 0.29 < chi2.sf(stat, 1) < 0.31


def test_retention_within_the_filters_and_windows(con):
    # Growth only: h (Enterprise) is no longer selected, so nothing is unmatched; the rest holds.
    growth = outreach_retention(con, Filters(as_of=AS_OF, plans=("Growth",)))
    assert growth[["customers", "retained", "unmatched", "too_recent"]].values.tolist() == [
        [3, 3, 0, 1], [8, 5, 0, 0]]
    # A 30-day window: complete when index + 30 <= 30 Jun, so June is still out (10 Jun + 30).
    #   Feb: contacted a, b stay; not contacted c, f, j stay, d churns (10 Feb <= 2 Mar) -> 3/4.
    #   Mar: contacted a stays; b (20 May), c, f, j (15 May) all stay past 31 Mar -> 4/4.
    # Weighted: (2 x 3/4 + 1 x 4/4) / 3 = 2.5 / 3 = 83.3%.
    month = outreach_retention(con, F, days=30)
    assert month["retention_pct"].tolist() == pytest.approx([100.0, 250 / 3])
    # As of 30 Apr no window of 90 days has passed: both sides empty; every first contact of a
    # customer in a month up to then (a, b, h in Feb; a in Mar) is too recent.
    early = outreach_retention(con, Filters(as_of=date(2024, 4, 30)))
    assert early[["customers", "retained", "too_recent"]].values.tolist() == [[0, 0, 4], [0, 0, 0]]
    assert early["retention_pct"].isna().all() and early["p_value"].isna().all()


def test_retention_by_quarter_counts_a_customer_once_per_quarter(con):
    # a (contacted 5 Feb, 20 Feb and 4 Mar) counts once in the quarter, indexed on 5 Feb. The
    # customers not contacted in Q1 are indexed on 1 Jan, window to 31 Mar. Growth SMB 0-3:
    # contacted a and b stay (b churns 20 May > 7 May); not contacted c, f and j stay (j churns
    # 15 May > 31 Mar), d churns 10 Feb -> 3 of 4. e (Starter) and i (3-12 months) have no
    # contacted customer beside them; Q2's only contact (f, 10 Jun) is too recent.
    got = outreach_retention(con, F, grain="quarter")
    assert got[["customers", "retained"]].values.tolist() == [[2, 2], [4, 3]]
    assert got["unmatched"].iloc[0] == 1  # h


# By campaign, by month: each campaign's contacted customers against the same not-contacted
# customers (contacted by no campaign that month; the strata of the test above), weighted to the
# campaign's own mix. Rows in the campaigns' order, Contacted first.
#   Check-in: h (Feb, Enterprise) has no comparable customer -> unmatched 1; f (10 Jun) is too
#     recent -> too_recent 1; nothing compared: 0 customers, no rate, no p.
#   No campaign: b (7 Feb, churns 20 May > 7 May: stays) -> 1 of 1; Feb not contacted c, d, f, j
#     -> 3 of 4 = 75% (one stratum, so weighted = unweighted).
#   Save: a in Feb (5 Feb) and in Mar (4 Mar), both stay -> 2 of 2; not contacted Feb 3 of 4 and
#     Mar 2 of 4 -> 5 of 8 = 62.5%, weighted (1 x 3/4 + 1 x 2/4) / 2 = 62.5%.
# Log-rank, contacted side (as above):
#   No campaign: Feb day 9: 1 + 4 at risk, d churns: O - E = -1/5, V = 4/100 x 4 = 0.16
#   Save: Feb day 9 as for No campaign; Mar day 75: 1 + 4 at risk, O - E = -1/5, V = 0.16;
#     Mar day 80: 1 + 3 at risk, O - E = -1/4, V = 3/48 x 3 = 0.1875
def test_retention_by_campaign(con):
    got = outreach_retention(con, F, by="campaign")
    p_none = chi2.sf(0.2 ** 2 / 0.16, 1)
    p_save = chi2.sf((0.2 + 0.2 + 0.25) ** 2 / (0.16 + 0.16 + 0.1875), 1)
    expected = pd.DataFrame(
        [
            ("Check-in", "Contacted", 0, 0, NAN, NAN, 0, 1, 1, NAN),
            ("Check-in", "Not contacted", 0, 0, NAN, NAN, 0, 0, 0, NAN),
            ("No campaign", "Contacted", 1, 1, 100.0, 100.0, 1, 0, 0, p_none),
            ("No campaign", "Not contacted", 4, 3, 75.0, 75.0, 1, 0, 0, p_none),
            ("Save", "Contacted", 2, 2, 100.0, 100.0, 2, 0, 0, p_save),
            ("Save", "Not contacted", 8, 5, 62.5, 62.5, 2, 0, 0, p_save),
        ],
        columns=["campaign", "group", "customers", "retained", "retention_pct",
                 "unweighted_retention_pct", "strata", "too_recent", "unmatched", "p_value"],
    )
    assert (got["days"] == 90).all()
    pd.testing.assert_frame_equal(got.drop(columns="days"), expected, check_dtype=False)
    assert 0.61 < p_none < 0.62 and 0.36 < p_save < 0.37


def test_retention_by_channel_and_without_contacts(con):
    # By channel: e-mail holds a (5 Feb, 4 Mar) and b (7 Feb), the whole comparison of the test
    # above (3 of 3 against 66.7%); a's phone call of 20 Feb is a second, phone, index in Feb
    # (stays) against Feb's 3 of 4; f's call (10 Jun) is too recent; h's meeting is unmatched.
    got = outreach_retention(con, F, by="channel")
    assert got[["channel", "group", "customers", "retained", "too_recent", "unmatched"]
               ].values.tolist() == [
        ["email", "Contacted", 3, 3, 0, 0], ["email", "Not contacted", 8, 5, 0, 0],
        ["meeting", "Contacted", 0, 0, 0, 1], ["meeting", "Not contacted", 0, 0, 0, 0],
        ["phone", "Contacted", 1, 1, 1, 0], ["phone", "Not contacted", 4, 3, 0, 0]]
    assert got["retention_pct"].tolist()[:2] == pytest.approx([100.0, 200 / 3])
    # Nobody contacted (e, the one Starter customer): no campaign rows; all contacts together
    # still the two rows, empty.
    starter = Filters(as_of=AS_OF, plans=("Starter",))
    assert outreach_retention(con, starter, by="campaign").empty
    assert outreach_retention(con, starter)[["group", "customers"]].values.tolist() == [
        ["Contacted", 0], ["Not contacted", 0]]


def test_retention_refuses_an_unknown_grain_or_a_window_of_no_days(con):
    with pytest.raises(ValueError, match="unknown grain"):
        outreach_retention(con, F, grain="year")
    with pytest.raises(ValueError, match="at least 1"):
        outreach_retention(con, F, days=0)


def test_tiles_and_reading(con):
    tiles = outreach_tiles(outreach_totals(con, F), outreach_retention(con, F), min_n=4)
    assert tiles[["kpi", "unit", "n", "n_unit", "is_reliable"]].values.tolist() == [
        ["contacts", "", 6, "contacts", True],
        ["response_rate_pct", "%", 6, "contacts", True],
        ["actions_per_response", "x", 4, "responses", True],
        # 3 contacted customers (once per month) against 8: the smaller side is under min_n = 4.
        ["retention_gap_pct", "pp", 3, "contacted", False],
    ]
    # 100% - 66.7% = 33.3 points
    assert tiles["value"].tolist() == pytest.approx([6, 400 / 6, 1.25, 100 - 200 / 3])
    assert tiles["label"].iloc[3] == "90-day retention gap" and tiles["n_other"].iloc[3] == 8
    reading = narrative.outreach_reading(outreach_retention(con, F), "month", min_n=4)
    assert reading.startswith(
        "100% of contacted customers were still customers 90 days after their first contact in "
        "the month (N = 3, a customer counted once per month contacted), against 67% of "
        "comparable customers not contacted "
        "in that month (N = 8, weighted to the same plan, segment and age mix): 33 points "
        "higher for the contacted. The difference may well be chance (log-rank p = 0.299). "
        "Fewer than 4 customers on one side")
    assert ("Not counted yet: 1 first contact of a customer in a month made less than 90 days "
            "before the as-of date. ") in reading
    assert ("Left out: 1 first contact of a customer in a month without a comparable customer "
            "who was not contacted. ") in reading
    assert "customer-month" not in reading
    assert reading.endswith("This is an association, not proof that the contact kept anyone: "
                            "the team chooses whom to contact, often customers already at risk.")


def test_no_tiles_without_contacts(con):
    none = outreach_totals(con, Filters(as_of=AS_OF, plans=("Starter",)))
    assert outreach_tiles(none, None).empty
