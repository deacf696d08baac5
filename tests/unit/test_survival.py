"""Kaplan-Meier, its band and the log-rank test: by hand on four customers, and against lifelines
(the reference implementation) on a few thousand random ones."""

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from queries import Filters, early_support_excluded, logrank_p, survival, survival_at
from tests.unit.fixtures import make_db

AS_OF = date(2024, 6, 30)
Z = 1.959963984540054


def band(s: float, greenwood: float) -> tuple[float, float]:
    """Greenwood's variance on the log(-log) scale (docs/definitions.md, Metrics), for the hand-computed rows."""
    v = math.log(s)
    return (
        math.exp(-math.exp(math.log(-v) - Z * math.sqrt(greenwood) / v)),
        math.exp(-math.exp(math.log(-v) + Z * math.sqrt(greenwood) / v)),
    )


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return make_db(
        tmp_path_factory.mktemp("km"),
        [
            dict(customer_id="p", signup_date="2024-06-01", churn_date="2024-06-01", plan="A"),  # day 0
            dict(customer_id="q", signup_date="2024-06-01", churn_date="2024-06-11", plan="A"),  # day 10
            dict(customer_id="r", signup_date="2024-06-10", churn_date="2024-06-20", plan="B"),  # day 10
            dict(customer_id="s", signup_date="2024-06-10", plan="B"),  # censored at day 20
            dict(customer_id="t", signup_date="2024-06-05", churn_date="2024-07-10", plan="B"),
            # t cancels after as_of: censored at day 25
        ],
    )


def test_kaplan_meier_by_hand(con):
    got = survival(con, Filters(as_of=AS_OF))
    # day 0: 5 at risk, p churns -> S = 4/5; day 10: 4 at risk, q and r churn -> S = 4/5 * 2/4
    assert got["day"].tolist() == [0, 10]
    assert got["at_risk"].tolist() == [5, 4]
    assert got["events"].tolist() == [1, 2]
    assert got["survival"].tolist() == pytest.approx([0.8, 0.4])
    lower0, upper0 = band(0.8, 1 / (5 * 4))
    lower10, upper10 = band(0.4, 1 / (5 * 4) + 2 / (4 * 2))
    assert got["ci_lower"].tolist() == pytest.approx([lower0, lower10])
    assert got["ci_upper"].tolist() == pytest.approx([upper0, upper10])


def test_day_zero_is_one_without_signup_day_churn(con):
    got = survival(con, Filters(as_of=AS_OF), by="plan")
    b = got[got["group"] == "B"]
    # B: r (day 10, churn), s (day 20), t (day 25, censored) -> day 0: 1.0; day 10: 2/3
    assert b["day"].tolist() == [0, 10]
    assert b["survival"].tolist() == pytest.approx([1.0, 2 / 3])
    assert b["ci_lower"].iloc[0] == 1.0 and b["ci_upper"].iloc[0] == 1.0
    a = got[got["group"] == "A"]
    # A: p churns day 0 (S = 1/2), q churns day 10 (S = 0: nobody left)
    assert a["survival"].tolist() == pytest.approx([0.5, 0.0])


def test_survival_at_a_day_and_reliability(con):
    got = survival_at(con, Filters(as_of=AS_OF), by="plan", day=15, min_n=2).set_index("group")
    assert got.loc["B", "survival"] == pytest.approx(2 / 3)
    assert got.loc["B", "survival_pct"] == pytest.approx(200 / 3)  # the same estimate in percent
    assert got.loc["B", "customers"] == 3
    assert got.loc["B", "at_risk"] == 2  # s and t are still observed on day 15
    assert got.loc["B", "is_reliable"]
    assert not got.loc["A", "is_reliable"]  # nobody of A is left on day 15


def test_unknown_dimension_names_the_allowed_ones(con):
    with pytest.raises(ValueError, match="allowed: plan, segment"):
        survival(con, Filters(as_of=AS_OF), by="name")


def test_early_support_groups_exclude_young_customers(tmp_path):
    con = make_db(
        tmp_path,
        [
            dict(customer_id="old", signup_date="2024-01-01"),
            dict(customer_id="old2", signup_date="2024-01-01", churn_date="2024-05-01"),
            dict(customer_id="young", signup_date="2024-05-01"),  # + 90 days > Jun 30
        ],
        tickets=[
            # first ticket exactly at signup + 90 days: not early
            dict(ticket_id="t1", customer_id="old", created_at="2024-03-31 00:00:00"),
            dict(ticket_id="t2", customer_id="old2", created_at="2024-01-02 09:00:00",
                 first_response_at="2024-01-02 15:00:00"),  # 6 h: breaches the 4 h target
        ],
    )
    f = Filters(as_of=AS_OF)
    got = survival(con, f, by="early_tickets")
    assert sorted(got["group"].unique()) == ["0 tickets", "1-2 tickets"]
    assert got.groupby("group")["at_risk"].first().to_dict() == {"0 tickets": 1, "1-2 tickets": 1}
    assert early_support_excluded(con, f) == 1
    sla = survival(con, f, by="early_frt_sla").groupby("group")["at_risk"].first().to_dict()
    assert sla == {"No tickets": 1, "Any breach": 1}
    # with an 8-hour target the 6-hour reply meets it
    sla8 = survival(con, f, by="early_frt_sla", sla_h=8)
    assert sorted(sla8["group"].unique()) == ["All within target", "No tickets"]


@pytest.fixture(scope="module")
def random_db(tmp_path_factory):
    rng = np.random.default_rng(7)
    n = 2500
    signup = [date(2023, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 600, n)]
    life = rng.exponential(300, n).astype(int)
    churned = rng.random(n) < 0.85
    rows = [
        dict(
            customer_id=f"c{i}",
            signup_date=signup[i],
            churn_date=signup[i] + timedelta(days=int(life[i])) if churned[i] else None,
            plan=str(rng.choice(["Starter", "Growth", "Enterprise"], p=[0.5, 0.3, 0.2])),
        )
        for i in range(n)
    ]
    return make_db(tmp_path_factory.mktemp("km_random"), rows), pd.DataFrame(rows)


RANDOM_AS_OF = date(2024, 9, 30)


def _lifelines_inputs(rows: pd.DataFrame, as_of: date = RANDOM_AS_OF):
    """The customers signed up by as_of, with their durations in days and churn events as of
    then: what lifelines is given."""
    rows = rows[pd.to_datetime(rows["signup_date"]) <= pd.Timestamp(as_of)]
    churn = pd.to_datetime(rows["churn_date"])
    event = churn <= pd.Timestamp(as_of)
    end = churn.where(event, pd.Timestamp(as_of))
    return rows, (end - pd.to_datetime(rows["signup_date"])).dt.days, event


def test_matches_lifelines(random_db):
    lifelines = pytest.importorskip("lifelines")
    con, rows = random_db
    f = Filters(as_of=RANDOM_AS_OF)
    rows, durations, events = _lifelines_inputs(rows)
    ref = lifelines.KaplanMeierFitter().fit(durations, events)
    expected = ref.survival_function_.join(ref.confidence_interval_)
    expected.columns = ["survival", "ci_lower", "ci_upper"]
    got = survival(con, f).set_index("day")
    compared = got.join(expected, rsuffix="_ref", how="left")
    for column in ("survival", "ci_lower", "ci_upper"):
        assert np.abs(compared[column] - compared[column + "_ref"]).max() < 1e-9
    assert len(got) > 100


def test_logrank_matches_lifelines(random_db):
    statistics = pytest.importorskip("lifelines.statistics")
    con, rows = random_db
    f = Filters(as_of=RANDOM_AS_OF)
    rows, durations, events = _lifelines_inputs(rows)
    expected = statistics.multivariate_logrank_test(durations, rows["plan"], events).p_value
    assert logrank_p(con, f, "plan") == pytest.approx(expected, abs=1e-9)
    two = rows["plan"] != "Enterprise"
    expected_two = statistics.logrank_test(
        durations[two & (rows["plan"] == "Starter")], durations[two & (rows["plan"] == "Growth")],
        events[two & (rows["plan"] == "Starter")], events[two & (rows["plan"] == "Growth")],
    ).p_value
    got_two = logrank_p(con, Filters(as_of=f.as_of, plans=("Starter", "Growth")), "plan")
    assert got_two == pytest.approx(expected_two, abs=1e-9)


def test_filter_by_early_support_experience(tmp_path):
    con = make_db(
        tmp_path,
        [
            dict(customer_id="quiet", signup_date="2024-01-01"),
            dict(customer_id="busy", signup_date="2024-01-01", churn_date="2024-05-01"),
            dict(customer_id="young", signup_date="2024-06-01"),
        ],
        tickets=[
            dict(ticket_id=f"b{i}", customer_id="busy", created_at=f"2024-01-0{i + 2} 09:00:00", csat=2)
            for i in range(3)
        ],
    )
    busy = Filters(as_of=AS_OF, early_tickets=("3+ tickets",))
    assert survival(con, busy)["at_risk"].iloc[0] == 1
    # unrated customers, among those past their first 90 days: "quiet" only, not "young"
    unrated = Filters(as_of=AS_OF, early_csat=("None rated",))
    assert survival(con, unrated)["at_risk"].iloc[0] == 1
    assert survival(con, Filters(as_of=AS_OF, early_csat=("Any rated < 4",)))["events"].sum() == 1
