"""What a snapshot can show: the facts computed at build time, each item's line, and the upgrade
that gives older snapshots their facts."""

from __future__ import annotations

from datetime import date

import duckdb

from data import capabilities as cap
from data import snapshots
from views import needs
from data.build import upgrade
from tests.unit.fixtures import caps_of, make_db

CUSTOMERS = [
    # a: churned with a mapped reason; b: churned with an unmapped one; c: churned after the
    # as-of date (2024-04-01, b's ticket) so it does not count; d: active, blank plan.
    {"customer_id": "a", "signup_date": "2024-01-10", "churn_date": "2024-03-05",
     "churn_reason": "Too  Expensive", "plan": "Growth", "segment": "SMB"},
    {"customer_id": "b", "signup_date": "2024-01-20", "churn_date": "2024-03-20",
     "churn_reason": "the moon was wrong", "plan": "Starter", "segment": "SMB"},
    {"customer_id": "c", "signup_date": "2024-02-01", "churn_date": "2024-06-01",
     "plan": "Growth", "segment": "SMB"},
    {"customer_id": "d", "signup_date": "2024-02-15", "plan": " "},
]
TICKETS = [
    {"ticket_id": "t1", "customer_id": "a", "created_at": "2024-01-11 09:00", "csat": 5,
     "channel": "email"},
    {"ticket_id": "t2", "customer_id": "b", "created_at": "2024-04-01 09:00", "channel": "email"},
]


def test_facts_computed_at_build_and_stored(tmp_path):
    # As of b's ticket (the default would take c's churn on 1 Jun, the latest date)
    con = make_db(tmp_path, CUSTOMERS, TICKETS, as_of=date(2024, 4, 1))
    try:
        caps = cap.read(con)
        assert con.execute("select version from capabilities").fetchone()[0] == cap.VERSION
    finally:
        con.close()
    assert caps.default_as_of == date(2024, 4, 1)
    assert caps.tables == {"customers": 4, "tickets": 2, "nps_responses": 0, "mrr_history": 0,
                           "activity": 0, "outreach": 0,
                           "churn_reason_categories": caps.tables["churn_reason_categories"]}
    assert caps.filled("customers", "churn_date") == 3
    assert caps.filled("customers", "plan") == 3          # d's blank plan is no value
    assert caps.filled("customers", "mrr") == 0
    assert caps.filled("tickets", "csat") == 1 and caps.filled("tickets", "ces") == 0
    assert caps.filled("nps_responses", "score") == 0     # no table rows: nothing filled
    # plan: Growth, Starter (2 values) + Unknown for d = 3 groups; segment: SMB + Unknown = 2;
    # region: nobody has one, so nothing to split by (no lone 'Unknown' group).
    assert caps.values["plan"] == 2 and caps.groups("plan") == 3
    assert caps.groups("segment") == 2
    assert caps.values["region"] == 0 and caps.groups("region") == 0
    assert caps.groups("ticket_channel") == 1             # both tickets by email
    assert caps.first_churn_date == date(2024, 3, 5)
    # a and b churned by 1 Apr (c on 1 Jun does not count); both gave a reason; only a's
    # ('too expensive' after folding case and spaces) is in the default mapping.
    assert (caps.churned, caps.churned_with_reason, caps.churned_reason_mapped) == (2, 2, 1)
    assert caps.churn_by(date(2024, 3, 5)) and not caps.churn_by(date(2024, 3, 4))
    assert cap.Capabilities.from_json(caps.to_json()) == caps


def test_lines_name_the_file_or_column(tmp_path):
    caps = caps_of(tmp_path, CUSTOMERS, TICKETS)
    assert needs.line(caps, "support.csat") is None
    assert needs.line(caps, "support.ces") == (
        "Add `ces` to your tickets file to see customer effort — README, Your data")
    assert needs.line(caps, "support.nps") == (
        "Add an NPS file (`--nps`) to see the net promoter score — README, Your data")
    assert needs.line(caps, "support_x.products") == (
        "Add `products_count` to your customers file to see two-year retention by products held"
        " — README, Your data")
    assert needs.line(caps, "support.by.channel") == (
        "Every row of your tickets file has the same `channel`: add more values to see a "
        "breakdown by channel — README, Your data")
    assert needs.line(caps, "support.by.category").startswith("Add `category` to your tickets file")
    assert needs.shows(caps, "cohorts.compare")  # plan and segment both split
    assert needs.shows(caps, "filter.plan") and not needs.shows(caps, "filter.region")
    # Tiles that one file would fill share one line.
    assert needs.lines(caps, ["overview.tile.csat_pct", "overview.tile.nps", "overview.tile.mrr",
                            "overview.tile.clv"]) == [
        "Add an NPS file (`--nps`) to see NPS — README, Your data",
        "Add `mrr` to your customers file to see MRR and lifetime value — README, Your data",
    ]


def test_customers_only(tmp_path):
    caps = caps_of(tmp_path, [{"customer_id": "a", "signup_date": "2024-01-10"}])
    assert needs.line(caps, "support.ces") == (
        "Add a tickets file (`--tickets`) to see customer effort — README, Your data")
    # The first need missing is named: without churn dates there is no retention to compare.
    assert needs.line(caps, "cohorts.heatmap") == (
        "Add `churn_date` to your customers file to see the retention triangle — README, Your data")
    assert needs.line(caps, "cohorts.compare").startswith("Add `churn_date`")
    caps = caps_of(tmp_path / "churn", [{"customer_id": "a", "signup_date": "2024-01-10",
                                         "churn_date": "2024-02-01"}])
    assert needs.line(caps, "cohorts.compare").startswith(
        "Add `plan`, `segment`, `region`, `industry`, `acquisition_channel` or `products_count` "
        "with more than one value to your customers file")
    assert needs.line(caps, "support.by.channel") == (
        "Add a tickets file (`--tickets`) to see a breakdown by channel — README, Your data")
    assert not any(needs.shows(caps, k) for k in needs.ITEMS if k.startswith("filter."))
    assert needs.shows(caps, "cohorts.customers")


def test_churn_not_yet_and_unmapped_reasons(tmp_path):
    # Churn only after the as-of date (the ticket's day): data present, no event yet.
    caps = caps_of(tmp_path, [
        {"customer_id": "a", "signup_date": "2024-01-10", "churn_date": "2024-09-01",
         "churn_reason": "zzz"},
    ], [{"ticket_id": "t", "customer_id": "a", "created_at": "2024-02-01 10:00"}],
        as_of=date(2024, 2, 1))
    assert caps.churned == 0 and caps.first_churn_date == date(2024, 9, 1)
    assert needs.line(caps, "churn.by_category") is None   # no churned customer, nothing unmapped
    assert needs.status(caps, "churn.by_category") == (needs.NOT_YET, "No churn up to 01 Feb 2024")
    assert needs.status(caps, "churn.by_category", date(2024, 9, 1)) == (needs.OK, "")
    assert needs.no_churn(date(2024, 9, 30), filtered=True) == (
        "No churn among these customers up to 30 Sep 2024")

    # Everyone churned with a reason the mapping does not list.
    caps = caps_of(tmp_path / "unmapped", [
        {"customer_id": "a", "signup_date": "2024-01-10", "churn_date": "2024-02-01",
         "churn_reason": "zzz"},
    ], [{"ticket_id": "t", "customer_id": "a", "created_at": "2024-03-01 10:00"}])
    assert needs.line(caps, "churn.by_category").startswith(
        "None of the churn reasons matches the reason mapping: map them (Reason mapping page, "
        "or a reasons file `--reasons`) to see customers lost by reason")
    assert needs.line(caps, "churn.raw") is None  # the raw reasons are there to map


def test_describe_lists_every_item_once(tmp_path):
    caps = caps_of(tmp_path, CUSTOMERS, TICKETS)
    described = needs.describe(caps)
    # Dated churn (a, b and c by the default as-of date, c's churn on 1 Jun being the latest
    # date): the shape's line first, then every item but what only churn without dates (churn
    # share, retention by tenure) or without churn (activity tiles) draws in its place.
    assert described[0] == ("Dated churn: 3 churned customers with a churn date — monthly churn, "
                            "retention and their history.")
    replacements = {"overview.tile.churn_share", "overview.tenure_retention",
                    "cohorts.tenure_retention", "cohorts.tenure_compare", "overview.activity"}
    shown = [k for k, item in needs.ITEMS.items()
             if item.kind in ("chart", "tile", "choice") and k not in replacements]
    assert len(described) == 1 + len(shown)
    assert "✓ Support KPIs: CSAT" in described
    assert "✗ Support KPIs: Customer effort — add `ces` to your tickets file" in described
    assert "✓ Churn reasons: Customers lost" in described
    assert "✗ Overview: MRR — add `mrr` to your customers file" in described
    # Before the first churn: the churn items are there, with nothing to show yet.
    early = needs.describe(caps, date(2024, 3, 1))
    assert "– Churn reasons: Customers lost — no churn up to 01 Mar 2024" in early


def test_older_snapshots_get_their_facts_on_upgrade(tmp_path):
    make_db(tmp_path, CUSTOMERS, TICKETS, as_of=date(2024, 4, 1)).close()
    live = tmp_path / "retention.duckdb"
    path = snapshots.resolve(live)
    con = duckdb.connect(str(path))
    con.execute("drop table capabilities")  # as a build before capabilities were stored
    con.close()
    assert upgrade.current_version(path)[1] is None
    # Until the upgrade runs, read() computes them on the spot from the read-only file.
    ro = duckdb.connect(str(path), read_only=True)
    try:
        assert cap.read(ro).churned == 2
    finally:
        ro.close()
    assert upgrade.outdated(live) == [path]
    assert upgrade.refresh(live) == [path]
    assert upgrade.current_version(path) == upgrade.wanted_version()
    ro = duckdb.connect(str(path), read_only=True)
    try:
        assert ro.execute("select count(*) from capabilities").fetchone()[0] == 1
        assert cap.read(ro).groups("plan") == 3
    finally:
        ro.close()


def test_a_new_reason_mapping_updates_what_is_mapped(tmp_path):
    from data import remap

    make_db(tmp_path, CUSTOMERS, TICKETS).close()
    live = tmp_path / "retention.duckdb"
    csv = tmp_path / "reasons.csv"
    csv.write_text("reason,category\nthe moon was wrong,Other\ntoo expensive,Price\n")
    remap.remap_file(live, csv, saved_by="test")
    ro = duckdb.connect(str(snapshots.resolve(live)), read_only=True)
    try:
        caps = cap.read(ro)
    finally:
        ro.close()
    # a's and b's reasons are both in the new mapping (b's was unmapped before: 1 of 2).
    assert (caps.churned_with_reason, caps.churned_reason_mapped) == (2, 2)


def test_by_page_groups_what_describe_lists(tmp_path):
    caps = caps_of(tmp_path, CUSTOMERS, TICKETS)
    pages = needs.by_page(caps)
    shown, not_shown = pages["Support KPIs"]
    assert "CSAT" in shown and "Customer effort" not in shown
    assert "✗ Customer effort — add `ces` to your tickets file" in not_shown
    # the same items as describe(), one each (describe opens with the shape of churn's line)
    assert sum(len(a) + len(b) for a, b in pages.values()) == len(needs.describe(caps)) - 1
