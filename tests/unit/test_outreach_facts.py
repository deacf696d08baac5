"""What outreach_facts (data/build/facts.sql) stores beside each contact so that the Outreach
queries need no second join and no distinct count: the customer's plan, segment, signup and churn
dates, the first days of their later age bands, the age band on the contact's day, and the order
that lets a plan filter skip row groups. Worked out by hand; then the two shortcuts the queries
take with them, checked against the per-customer definitions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from queries import Filters, outreach_kpis, outreach_retention, outreach_totals
from queries.outreach import contacts_sql
from tests.unit.fixtures import make_db

AS_OF = date(2024, 9, 30)
CUSTOMERS = [
    # 30 Nov 2023 + 3 months = 29 Feb 2024 (clamped to the leap month's end), + 12 = 30 Nov 2024
    dict(customer_id="x", signup_date="2023-11-30", churn_date="2024-06-10", plan="Starter",
         segment="SMB"),
    # no plan: 'Unknown'. 31 Jan 2023 + 3 months = 30 Apr 2023, + 12 months = 31 Jan 2024
    dict(customer_id="y", signup_date="2023-01-31", segment="Enterprise"),
    # 15 Mar 2024 + 3 = 15 Jun 2024, + 12 = 15 Mar 2025; churns after the as-of date
    dict(customer_id="z", signup_date="2024-03-15", churn_date="2024-12-01", plan="Growth",
         segment="SMB"),
]


def contact(customer_id, at, channel, campaign=None):
    return dict(customer_id=customer_id, contacted_at=at, channel=channel, campaign=campaign)


OUTREACH = [
    contact("x", "2024-02-28 10:00", "email", "Save"),   # the day before band_3_at: 0-3
    contact("x", "2024-02-29 09:00", "phone", "Save"),   # on band_3_at itself: 3-12
    contact("x", "2024-07-01 09:00", "email", "Late"),   # after x churned on 10 Jun: 3-12
    contact("y", "2024-01-30 09:00", "email", "Save"),   # the day before band_12_at: 3-12
    contact("y", "2024-01-31 12:00", "phone"),            # on band_12_at: 12+, no campaign
    contact("z", "2024-03-15 08:00", "email", "Save"),   # on the signup day: 0-3
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = make_db(tmp_path_factory.mktemp("outreach-facts"),
                  [dict(c) for c in CUSTOMERS], outreach=OUTREACH, as_of=AS_OF)
    yield con
    con.close()


def test_each_contact_carries_its_customer_and_age_band(con):
    rows = con.execute(
        "select cf.customer_id, out.contacted_at::date, out.plan, out.segment, out.signup_date,"
        " out.churn_date, out.band_3_at, out.band_12_at, out.contact_age_band"
        " from outreach_facts as out join customer_facts as cf using (customer_key)"
        " order by out.rowid").fetchall()
    x = ("Starter", "SMB", date(2023, 11, 30), date(2024, 6, 10), date(2024, 2, 29),
         date(2024, 11, 30))
    y = ("Unknown", "Enterprise", date(2023, 1, 31), None, date(2023, 4, 30), date(2024, 1, 31))
    z = ("Growth", "SMB", date(2024, 3, 15), date(2024, 12, 1), date(2024, 6, 15),
         date(2025, 3, 15))
    # stored in plan order (Growth < Starter < Unknown), then segment, customer and time; the
    # churn date as in the file (z's is after the as-of date: the queries null it)
    assert rows == [
        ("z", date(2024, 3, 15), *z, "0-3 months"),
        ("x", date(2024, 2, 28), *x, "0-3 months"),
        ("x", date(2024, 2, 29), *x, "3-12 months"),
        ("x", date(2024, 7, 1), *x, "3-12 months"),
        ("y", date(2024, 1, 30), *y, "3-12 months"),
        ("y", date(2024, 1, 31), *y, "12+ months"),
    ]


@pytest.mark.parametrize("as_of, by, expected", [
    # by campaign on 30 Sep: Save = x twice, y, z (3 customers); Late = x; No campaign = y
    (AS_OF, "campaign", {"Save": (4, 3), "Late": (1, 1), "No campaign": (1, 1)}),
    # on 29 Feb: x's two Save contacts (the second at 09:00, before the day's end) and y's;
    # z has not signed up yet
    (date(2024, 2, 29), "campaign", {"Save": (3, 2), "No campaign": (1, 1)}),
    # on 28 Feb: x's first Save contact and y's
    (date(2024, 2, 28), "campaign", {"Save": (2, 2), "No campaign": (1, 1)}),
    # by channel on 30 Sep: email = x twice, y, z; phone = x, y
    (AS_OF, "channel", {"email": (4, 3), "phone": (2, 2)}),
    (AS_OF, "none", {"All": (6, 3)}),
])
def test_totals_count_each_customer_once_per_group(con, as_of, by, expected):
    df = outreach_totals(con, Filters(as_of=as_of), by=by)
    assert {row.group: (row.contacts, row.customers) for row in df.itertuples()} == expected
    # the per-customer definition: distinct customers among the contacts made by the as-of day
    label = {"none": "'All'", "channel": "channel_label", "campaign": "campaign_label"}[by]
    distinct = dict(con.execute(
        f"select {label}, count(distinct customer_key) from outreach_facts"
        " where contacted_at < $end group by 1",
        {"end": np.datetime64(as_of) + np.timedelta64(1, "D")}).fetchall())
    assert {group: n for group, (_, n) in expected.items()} == distinct


def test_a_split_whose_only_contact_came_after_the_churn_is_listed_with_nobody(con):
    df = outreach_retention(con, Filters(as_of=AS_OF), days=30, grain="month", by="campaign")
    # x's only Late contact (1 Jul) came after x churned (10 Jun): not active at the index, so
    # no subject, but Late had a contacted customer and keeps its two rows
    late = df[df["campaign"] == "Late"]
    assert late["group"].tolist() == ["Contacted", "Not contacted"]
    assert late[["customers", "retained", "strata", "too_recent", "unmatched"]].values.tolist() == [
        [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
    assert late["retention_pct"].isna().all() and late["p_value"].isna().all()
    assert sorted(df["campaign"].unique()) == ["Late", "No campaign", "Save"]


@pytest.mark.parametrize("call, kwargs", [
    (outreach_totals, {"by": "campaign"}),
    (outreach_kpis, {"grain": "month", "by": "channel"}),
    (outreach_retention, {"days": 30, "grain": "month", "by": "campaign"}),
])
def test_the_contacts_read_alone_equal_the_contacts_joined_to_the_selected(con, call, kwargs):
    # no filter, or only a plan: outreach_facts' own columns select the contacts; a region filter
    # (every customer here is in region 'Unknown') joins them to the selected customers
    for alone in (Filters(as_of=AS_OF), Filters(as_of=AS_OF, plans=("Starter", "Unknown"))):
        joined = replace(alone, regions=("Unknown",))
        assert "join selected" not in contacts_sql("/*selected_join*/", alone.params(con))
        assert "join selected" in contacts_sql("/*selected_join*/", joined.params(con))
        pd.testing.assert_frame_equal(call(con, alone, **kwargs), call(con, joined, **kwargs))
    # and the plan filter keeps x's and y's contacts only (z is on Growth)
    totals = outreach_totals(con, Filters(as_of=AS_OF, plans=("Starter", "Unknown")))
    assert totals[["contacts", "customers"]].values.tolist() == [[5, 2]]
