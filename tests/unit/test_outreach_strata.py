"""outreach_retention counts the customers it compares per stratum (period x plan x segment x age
band) without a row per customer and period: everyone active at a period's first day, counted from
the edges of each customer's age-band spans, minus those contacted that period, with the churned
placed on their day. Here every customer is listed with where the definition puts them, and the
counts, rates and log-rank test are worked out by hand from that list."""

from datetime import date

import pytest
from scipy.stats import chi2

from queries import Filters, outreach_retention
from tests.unit.fixtures import make_db

AS_OF = date(2024, 9, 30)
DAYS = 30


def growth(customer_id, signup_date, churn_date=None):
    return dict(customer_id=customer_id, signup_date=signup_date, churn_date=churn_date,
                plan="Growth", segment="SMB")


def contact(customer_id, day):
    return dict(customer_id=customer_id, contacted_at=f"{day} 09:00", channel="email",
                campaign="Save")


# By month, 30-day windows (complete when index + 30 <= 30 Sep). March's index for the not
# contacted is 1 Mar (window to 31 Mar), May's 1 May. Age band at the index: 0-3 months when
# index < signup + 3 months, 3-12 when < signup + 12 months.
CUSTOMERS = [
    # A = (Mar, Growth, SMB, 0-3): signed up 1 Jan (+3 months = 1 Apr)
    growth("a", "2024-01-01"),                  # contacted 5 Mar: stays; again 6 May (3-12)
    growth("b", "2024-01-01", "2024-03-25"),    # contacted 10 Mar: churns on day 15
    growth("m", "2024-03-10"),                  # contacted 12 Mar: stays (not active on 1 Mar,
                                                # so nothing to take out of A's not contacted)
    growth("n", "2024-01-01", "2024-04-05"),    # contacted 2 and 28 Mar: index 2 Mar, window to
                                                # 1 Apr: stays (from 28 Mar it would churn)
    growth("c", "2024-01-01"),                  # not contacted: stays
    growth("d", "2024-01-01", "2024-03-21"),    # not contacted: churns on day 20
    growth("r", "2024-01-01", "2024-03-31"),    # not contacted: churns on day 30, the last one
    growth("e", "2024-01-01", "2024-02-15"),    # churned before 1 Mar: in no stratum
    growth("q", "2024-01-01", "2024-03-01"),    # churned on 1 Mar itself: not active, none
    growth("f", "2024-03-15"),                  # signed up after 1 Mar: not in March
    # B = (Mar, Growth, SMB, 3-12)
    growth("g", "2023-06-01"),                  # contacted 20 Mar: stays
    growth("h", "2023-06-01"),                  # not contacted: stays
    growth("i", "2023-06-01", "2024-04-10"),    # not contacted: churns after 31 Mar, stays
    growth("l", "2023-12-01"),                  # 1 Dec + 3 months = 1 Mar, not after 1 Mar:
                                                # 3-12 on the very day; not contacted, stays
    # C = (Mar, Starter, SMB, 0-3): nobody contacted, so not compared
    dict(customer_id="j", signup_date="2024-01-01", plan="Starter", segment="SMB"),
    # D = (Mar, Enterprise, Enterprise, 0-3): contacted 3 Mar, nobody like it -> unmatched
    dict(customer_id="k", signup_date="2024-01-01", plan="Enterprise", segment="Enterprise"),
    # contacted 20 Sep: 20 Sep + 30 > 30 Sep -> too recent
    growth("o", "2024-08-01"),
]
OUTREACH = [contact("a", "2024-03-05"), contact("b", "2024-03-10"), contact("m", "2024-03-12"),
            contact("n", "2024-03-02"), contact("n", "2024-03-28"), contact("g", "2024-03-20"),
            contact("k", "2024-03-03"), contact("a", "2024-05-06"), contact("o", "2024-09-20")]

# The strata, customer by customer:
#   A (Mar, Growth, SMB, 0-3)   contacted a, b, m, n: 4, 3 retained; not contacted c, d, r: 3,
#                               1 retained
#   B (Mar, Growth, SMB, 3-12)  contacted g: 1, 1 retained; not contacted h, i, l: 3, 3 retained
#   C (Mar, Starter, SMB, 0-3)  not contacted j only: not compared
#   D (Mar, Enterprise, 0-3)    contacted k only: unmatched 1
#   E (May, Growth, SMB, 3-12)  contacted a (6 May): 1, retained; not contacted on 1 May: c, g, h
#                               and l (b, d, e, i, n, q, r have churned), 4, all retained
#   F (May, Growth, SMB, 0-3)   not contacted f and m (signed up in March) only: not compared
#   May's Starter j and Enterprise k (3-12 by then) only on the not-contacted side, too.
# Contacted: 4 + 1 + 1 = 6 customers, 3 + 1 + 1 = 5 retained: 83.3%.
# Not contacted: 3 + 3 + 4 = 10, 1 + 3 + 4 = 8 retained: 80% unweighted; weighted to the
# contacted customers' strata: (4 x 1/3 + 1 x 3/3 + 1 x 4/4) / 6 = (10/3) / 6 = 55.6%.


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = make_db(tmp_path_factory.mktemp("outreach-strata"), CUSTOMERS,
                         outreach=OUTREACH, as_of=AS_OF)
    yield connection
    connection.close()


def test_counts_and_rates_per_stratum(con):
    got = outreach_retention(con, Filters(as_of=AS_OF), days=DAYS)
    assert got.drop(columns="p_value").to_dict("records") == [
        dict(group="Contacted", days=30, customers=6, retained=5,
             retention_pct=pytest.approx(500 / 6), unweighted_retention_pct=pytest.approx(500 / 6),
             strata=3, too_recent=1, unmatched=1),
        dict(group="Not contacted", days=30, customers=10, retained=8,
             retention_pct=pytest.approx(1000 / 18), unweighted_retention_pct=80.0, strata=3,
             too_recent=0, unmatched=0),
    ]


def test_the_log_rank_test_over_the_strata(con):
    # Only A has churns. Per churn day: at risk contacted c and not contacted o, n = c + o,
    # E = c x 1 / n for the contacted side, V = 1 x (n - 1) / (n^2 (n - 1)) x c x o = c o / n^2:
    #   day 15 (b): c 4, o 3 (c, d, r): O 1, E 4/7, V 12/49
    #   day 20 (d): c 3, o 3:           O 0, E 3/6, V 9/36
    #   day 30 (r): c 3 (a, m, n), o 2 (c, r), n 5: O 0, E 3/5, V 6/25
    # O - E = 1 - 4/7 - 1/2 - 3/5 = -47/70; chi-square = (47/70)^2 / (12/49 + 1/4 + 6/25).
    got = outreach_retention(con, Filters(as_of=AS_OF), days=DAYS)
    stat = (47 / 70) ** 2 / (12 / 49 + 1 / 4 + 6 / 25)
    assert got["p_value"].tolist() == pytest.approx([chi2.sf(stat, 1)] * 2)
    assert 0.43 < chi2.sf(stat, 1) < 0.44


def test_a_filter_leaves_out_a_stratum_with_no_one_to_compare(con):
    # Growth only: k (D) and j (C) are not selected; nothing is unmatched, the rest holds.
    got = outreach_retention(con, Filters(as_of=AS_OF, plans=("Growth",)), days=DAYS)
    assert got[["customers", "retained", "strata", "unmatched", "too_recent"]].values.tolist() == [
        [6, 5, 3, 0, 1], [10, 8, 3, 0, 0]]


def test_by_quarter_a_customer_counts_once_and_bands_move(con):
    # Q1 (index 1 Jan for the not contacted, window to 31 Jan): those active on 1 Jan are a, b, c,
    # d, e, n, q, r (signed up that day, 0-3), g, h, i (3-12), l (signed up 1 Dec: 0-3), j, k.
    # Contacted in Q1 (first contact): a 5 Mar, b 10 Mar (churns 25 Mar, within 4 Apr: day 15),
    # m 12 Mar, n 2 Mar (stays to 1 Apr), k 3 Mar (unmatched), g 20 Mar (3-12).
    #   (Q1, Growth, SMB, 0-3): contacted a, b, m, n: 4, 3 retained; not contacted c, d, e, l,
    #     q, r: all still there on 31 Jan: 6 of 6
    #   (Q1, Growth, SMB, 3-12): contacted g: 1 of 1; not contacted h, i: 2 of 2
    # Q2 (1 Apr, window to 1 May): a (6 May; signed up 1 Jan, 3-12) against the Growth SMB 3-12
    # customers active on 1 Apr and not contacted in Q2: c, g, h, l stay; n (5 Apr) and i (10 Apr)
    # churn: 4 of 6. Q3: o is too recent.
    # Contacted 6, 5 retained; not contacted 6 + 2 + 6 = 14, 12 retained; weighted:
    # (4 x 6/6 + 1 x 2/2 + 1 x 4/6) / 6 = (17/3) / 6 = 17/18.
    got = outreach_retention(con, Filters(as_of=AS_OF), days=DAYS, grain="quarter")
    assert got[["customers", "retained", "strata", "unmatched", "too_recent"]].values.tolist() == [
        [6, 5, 3, 1, 1], [14, 12, 3, 0, 0]]
    assert got["retention_pct"].tolist() == pytest.approx([500 / 6, 1700 / 18])
