"""The outreach table in every snapshot: fixtures and builds fill it, its keys are checked, what it
can show is stored, and snapshots built before it get it empty on upgrade."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from data import build, snapshots

from views import needs

from data.build import upgrade
from data import capabilities as cap
from tests.unit.fixtures import caps_of, make_db

CUSTOMERS = [
    {"customer_id": "a", "signup_date": "2024-01-10", "churn_date": "2024-05-01"},
    {"customer_id": "b", "signup_date": "2024-02-01"},
]
OUTREACH = [
    # a: a save call answered two hours later with one action; contacted again by e-mail,
    # never answered. b: an e-mail on its signup day (allowed: not before it), no campaign.
    {"customer_id": "a", "contacted_at": "2024-03-01 09:00", "channel": "phone",
     "campaign": "Save Q1", "responded_at": "2024-03-01 11:00", "actions": 1},
    {"customer_id": "a", "contacted_at": "2024-03-20 09:00", "channel": "email",
     "campaign": "Save Q1"},
    {"customer_id": "b", "contacted_at": "2024-02-01 08:00", "channel": "email"},
]


@pytest.fixture(scope="module")
def caps(tmp_path_factory):
    con = make_db(tmp_path_factory.mktemp("outreach"), CUSTOMERS, outreach=OUTREACH,
                  as_of=date(2024, 4, 1))
    try:
        assert con.execute("select count(*), count(responded_at), sum(actions) from outreach"
                           ).fetchone() == (3, 1, 1)
        return cap.read(con)
    finally:
        con.close()


def test_capabilities_count_contacts_and_optional_columns(caps):
    assert caps.rows("outreach") == 3
    assert caps.filled("outreach", "campaign") == 2      # b's e-mail has none
    assert caps.filled("outreach", "responded_at") == 1  # only a's call was answered
    assert caps.filled("outreach", "actions") == 1
    assert caps.groups("outreach_channel") == 2          # phone, email
    # Save Q1 + b's contact without a campaign as 'Unknown'
    assert caps.groups("outreach_campaign") == 2


def test_the_page_can_show_everything_it_needs(caps):
    for key in ("outreach.contacts", "outreach.tile.contacts", "outreach.tile.response_rate_pct",
                "outreach.tile.actions_per_response", "outreach.response_rate",
                "outreach.by.channel", "outreach.campaigns", "outreach.retention"):
        assert needs.line(caps, key) is None, key


def test_without_outreach_the_line_names_the_file_and_its_columns(tmp_path):
    caps = caps_of(tmp_path, CUSTOMERS)
    assert caps.rows("outreach") == 0
    assert needs.line(caps, "outreach.contacts") == (
        "Add an outreach file (`--outreach FILE`: customer_id, contacted_at, channel, "
        "responded_at, optionally campaign and actions) to see outreach: response rates, actions "
        "and retention of contacted customers — README, Your data")
    assert needs.line(caps, "outreach.campaigns").startswith("Add an outreach file (`--outreach FILE`")


def test_contacts_without_responses_or_campaigns_say_which_column(tmp_path):
    caps = caps_of(tmp_path, CUSTOMERS, outreach=[
        {"customer_id": "b", "contacted_at": "2024-02-03 10:00", "channel": "email"}])
    assert needs.line(caps, "outreach.tile.contacts") is None
    assert needs.line(caps, "outreach.tile.response_rate_pct") == (
        "Add `responded_at` to your outreach file to see response rate — README, Your data")
    assert needs.line(caps, "outreach.campaigns") == (
        "Add `campaign` to your outreach file to see the campaigns table — README, Your data")
    assert needs.line(caps, "outreach.by.channel").startswith("Add `responded_at`")


def test_unknown_customer_and_contact_before_signup_are_rejected(tmp_path):
    live = tmp_path / "retention.duckdb"
    rows = OUTREACH + [
        {"customer_id": "zz", "contacted_at": "2024-03-01 09:00", "channel": "email"},
        # b signed up on 1 Feb: a contact on 31 Jan is before the account existed.
        {"customer_id": "b", "contacted_at": "2024-01-31 23:30", "channel": "phone"},
    ]
    with pytest.raises(build.IntegrityError) as caught:
        make_db(tmp_path, CUSTOMERS, outreach=rows)
    assert caught.value.problems == [
        "outreach.customer_id must exist in customers: 1 violation(s), e.g. zz",
        "outreach.contacted_at must be on or after the customer's signup_date: 1 violation(s), "
        "e.g. b contacted 2024-01-31 23:30 (signup 2024-02-01)",
    ]
    assert not live.exists() and snapshots.list_snapshots(live) == []


def test_the_default_as_of_date_counts_contacts_and_responses(tmp_path):
    con = duckdb.connect()
    build.create_schema(con)
    con.execute("insert into customers (customer_id, signup_date) values ('a', date '2024-01-10')")
    assert build.data_as_of(con, date(2024, 12, 31)) == date(2024, 1, 10)
    con.execute("insert into outreach values ('a', timestamp '2024-03-01 09:00', 'email', null, "
                "timestamp '2024-03-04 10:00', 0)")
    # The response on 4 Mar is the latest date; a build day before it caps it at the contact.
    assert build.data_as_of(con, date(2024, 12, 31)) == date(2024, 3, 4)
    assert build.data_as_of(con, date(2024, 3, 2)) == date(2024, 3, 1)
    con.close()


def test_a_snapshot_built_before_outreach_gets_it_empty_on_upgrade(tmp_path):
    make_db(tmp_path, CUSTOMERS).close()
    live = tmp_path / "retention.duckdb"
    path = snapshots.resolve(live)
    con = duckdb.connect(str(path))
    con.execute("drop table outreach")
    con.execute("update capabilities set version = '2'")  # as the build before outreach stored
    con.close()
    assert upgrade.outdated(live) == [path]
    assert upgrade.refresh(live) == [path]
    ro = duckdb.connect(str(path), read_only=True)
    try:
        assert ro.execute("select count(*) from outreach").fetchone()[0] == 0
        assert cap.read(ro).tables["outreach"] == 0
    finally:
        ro.close()
