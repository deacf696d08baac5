"""A re-mapping rebuilds only what the reason mapping reaches (data/remap.py): the per-customer
facts, and the kept default views of the functions that read a category; the tickets, histories
and contacts keyed by customer, and every other kept result, are the parent's.

The fixture (test_remap's customers; the default taxonomy maps 'too expensive' to Price):
    a  churned 2024-03-01  'Too  EXPENSIVE '  -> Price
    b  churned 2024-03-10  'Budget freeze'    -> unmapped -> Other; mapped to Price below
    c  churned 2024-04-01  'budget  freeze'   -> the same key as b
    d  churned 2024-04-05  no reason          -> Other, whatever the mapping
    e  active, signed up 2024-05-01
with a ticket, an MRR month, an NPS answer, an activity and an outreach contact for a and e.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import queries
from data import build, remap, snapshots
from queries import connect
from tests.unit.fixtures import make_db
from tests.unit.test_remap import CUSTOMERS
from views import default_views, fingerprint

TICKETS = [dict(ticket_id=f"t{c}", customer_id=c, created_at=day, first_response_at=day,
                resolved_at=day, csat=4) for c, day in (("a", "2024-02-01 10:00"),
                                                         ("e", "2024-05-02 10:00"))]
MRR = [dict(customer_id=c, month=m, mrr=10) for c, m in (("a", "2024-01-01"), ("e", "2024-05-01"))]
NPS = [dict(customer_id=c, responded_at=day, score=7) for c, day in (("a", "2024-02-01 09:00"),
                                                                     ("e", "2024-05-01 09:00"))]
ACTIVITY = [dict(customer_id=c, occurred_at=day) for c, day in (("a", "2024-01-05 09:00"),
                                                                 ("e", "2024-05-01 12:00"))]
OUTREACH = [dict(customer_id="a", contacted_at="2024-02-15 09:00", channel="email")]
UNTOUCHED = ("ticket_facts", "mrr_facts", "nps_facts", "activity_facts", "outreach_facts")
BUDGET = [{"reason": "budget freeze", "category": "Price", "owner_team": None}]


@pytest.fixture
def live(tmp_path: Path) -> Path:
    hook = default_views.after_build(tmp_path / "retention.duckdb")
    make_db(tmp_path, CUSTOMERS, tickets=TICKETS, nps=NPS, mrr=MRR, activity=ACTIVITY,
            outreach=OUTREACH, after_build=hook).close()
    return tmp_path / "retention.duckdb"


def rows(path: Path, table: str) -> pd.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"select * from {table} order by all").df()  # table from a fixed list
    finally:
        con.close()


def derived_tables() -> list[str]:
    return remap.CREATE_TABLE.findall(build.FACTS_SQL.read_text())


def test_only_the_customer_facts_read_the_mapping():
    assert [table for table, _ in remap.mapping_statements(build.FACTS_SQL.read_text())] == [
        "customer_facts"]
    assert set(UNTOUCHED) | {"customer_facts"} == set(derived_tables())


def test_a_remap_rebuilds_the_customer_facts_and_keeps_the_rest(live):
    parent = snapshots.resolve(live)
    result = remap.add_reasons(live, BUDGET, saved_by="ana")
    child = snapshots.resolve(live)
    assert child != parent and result.parent_id in parent.name
    mapped = rows(child, "customer_facts").set_index("customer_id")["churn_category"]
    # b and c now in Price with a; d has no reason: still Other; e is active: no category.
    assert mapped.to_dict() == {"a": "Price", "b": "Price", "c": "Price", "d": "Other", "e": None}
    # 3 of the 4 lost customers were in Other before, 1 of 4 after
    assert (result.other_before_pct, result.other_after_pct) == (75.0, 25.0)
    for table in UNTOUCHED:
        pd.testing.assert_frame_equal(rows(child, table), rows(parent, table), obj=table)
    assert len(rows(child, "ticket_facts")) == 2 and len(rows(child, "outreach_facts")) == 1
    # ... and every derived table equals what a full rebuild of the re-mapped data gives.
    full = child.with_name("full.duckdb")
    shutil.copyfile(child, full)
    con = duckdb.connect(str(full))
    try:
        build.build_facts(con)
    finally:
        con.close()
    for table in derived_tables():
        pd.testing.assert_frame_equal(rows(child, table), rows(full, table), obj=table)


def test_older_derived_tables_are_all_rebuilt(live):
    con = duckdb.connect(str(snapshots.resolve(live)))
    con.execute("update facts_version set version = 'older'")
    con.close()
    con = duckdb.connect(str(snapshots.resolve(live)))
    try:
        assert remap.rebuild_mapped_facts(con) == derived_tables()
        assert con.execute("select version from facts_version").fetchone()[0] == \
            build.facts_version()
    finally:
        con.close()


def test_kept_views_the_mapping_does_not_reach_are_the_parents(live):
    parent = snapshots.resolve(live)
    remap.add_reasons(live, BUDGET, saved_by="ana", after_build=default_views.after_remap(live))
    child = snapshots.resolve(live)
    old, new = default_views.views_dir(parent), default_views.views_dir(child)
    con = connect(child)
    try:
        facts = default_views.facts_version(con)
        assert default_views.is_complete(child, facts)
        linked = computed = 0
        for name, kwargs, overrides in default_views.all_calls(queries.filter_options(con)):
            f = default_views.replace(queries.Filters(as_of=queries.snapshot_as_of(con)),
                                      **overrides)
            arguments = default_views.resolve(con, kwargs, f)
            stem = default_views._stem(name, f, arguments, facts)
            if stem is None:
                continue
            kept = default_views.lookup(child, facts, name, f, arguments)
            # whatever was kept is what this snapshot gives: no result of the parent's mapping
            fresh = getattr(queries, name)(con, f, **arguments)
            if isinstance(fresh, pd.DataFrame):
                pd.testing.assert_frame_equal(kept, fresh, check_dtype=False, obj=name)
            else:
                assert kept == pytest.approx(fresh, nan_ok=True), name
            (file,) = [p for p in new.glob(f"{stem}.*")]
            same = (old / file.name).exists() and os.path.samefile(file, old / file.name)
            assert same != fingerprint.reads_mapping(name), name
            linked, computed = linked + same, computed + (not same)
    finally:
        con.close()
    assert linked > 10 and computed >= 3  # churn_reasons, raw_reasons, data_quality, ...


def test_a_failure_leaves_the_live_snapshot_and_nothing_half_made(live):
    parent, before = snapshots.resolve(live), sorted(p.name for p in live.parent.rglob("*"))

    def broken(con, meta):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        remap.add_reasons(live, BUDGET, saved_by="ana", after_build=broken)
    assert snapshots.resolve(live) == parent
    assert sorted(p.name for p in live.parent.rglob("*")) == before  # no file, views or lock left


def test_the_churn_score_fit_is_kept_with_the_views_of_the_snapshot_and_its_remap(live):
    """A build keeps the fit beside the published file (not beside the '.duckdb.tmp' it was
    built as), and a re-mapping takes it (the score reads no category) instead of refitting."""
    parent = snapshots.resolve(live)
    fits = sorted(p.name for p in default_views.views_dir(parent).glob("riskfit-*"))
    assert [name.split("-", 2)[2] for name in fits] == [
        "cutoff.parquet", "summary.json", "today.parquet"]
    remap.add_reasons(live, BUDGET, saved_by="ana", after_build=default_views.after_remap(live))
    child = default_views.views_dir(snapshots.resolve(live))
    carried = sorted(child.glob("riskfit-*"))
    assert len(carried) == 3 and carried[0].name not in fits  # the new snapshot's own key
    assert all(p.stat().st_nlink == 2 for p in carried)  # the parent's bytes, linked
    assert not list(live.parent.rglob("*.duckdb.views"))
