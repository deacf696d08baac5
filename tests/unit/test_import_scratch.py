"""The typed tables' scratch database (data/importer/scratch.py): in memory for a small import, a
file beside the snapshot for a large one, with the same problems named the same way, and no
scratch file left behind."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

import settings
from data import build, importer
from data.importer import scratch
from tests.unit.test_load import good_live, rejected, table_rows, write
from tests.unit.test_load_typed import GOOD_ROWS, HEADER, parquet


@pytest.fixture
def live(tmp_path):
    return good_live(tmp_path)


@pytest.fixture
def attached(monkeypatch):
    """The scratch files the imports attach, in order (None: in memory)."""
    found = []
    real = scratch.attach

    def spy(con, files, tmp):
        found.append(real(con, files, tmp))
        return found[-1]

    monkeypatch.setattr(scratch, "attach", spy)
    return found


@pytest.fixture
def on_disk(monkeypatch, attached):
    """Every import's typed tables in a scratch file."""
    monkeypatch.setattr(settings, "IMPORT_TYPED_IN_MEMORY_ROWS", 0)
    return attached


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*.typed*"))


def test_rows_are_estimated_from_a_parquet_footer_and_a_csv_size(tmp_path):
    con = duckdb.connect()
    pq = parquet(tmp_path / "c.parquet", "select range as id from range(7)")
    # Five lines of 11 bytes ("c00001,1,2" and its newline): 55 bytes / (55 bytes / 5 newlines)
    # = 5 rows (an estimate: a header line counts as a row).
    csv = write(tmp_path, "c.csv", "".join(f"c0000{i},1,2\n" for i in range(5)))
    assert scratch.estimated_rows(con, {"customers": pq}) == 7
    assert scratch.estimated_rows(con, {"customers": csv}) == 5
    assert scratch.estimated_rows(con, {"customers": pq, "tickets": csv}) == 12


def test_a_small_import_keeps_its_typed_tables_in_memory(tmp_path, attached):
    out = tmp_path / "db" / "retention.duckdb"
    importer.load(out, {"customers": write(tmp_path, "customers.csv", HEADER + GOOD_ROWS)})
    assert attached == [None]  # 3 lines, far below IMPORT_TYPED_IN_MEMORY_ROWS


def test_on_disk_a_bad_date_on_the_third_row_is_still_named_by_its_line(tmp_path, live, on_disk):
    # Header = line 1, so the third row is line 4; 2024-13-01 has no month 13.
    path = write(tmp_path, "customers.csv", HEADER + GOOD_ROWS + "c3,2024-13-01,0,1\n")
    assert rejected(live, {"customers": path}) == [
        "customers.csv:4: signup_date: expected an ISO date YYYY-MM-DD, found '2024-13-01'"]
    assert len(on_disk) == 1 and on_disk[0].name.endswith(".tmp.typed")
    assert leftovers(tmp_path) == []


def test_on_disk_a_parquet_files_third_row_is_named_by_its_row(tmp_path, live, on_disk):
    # A DATE column read in its own type; the third row's products_count 0 breaks >= 1.
    path = parquet(tmp_path / "customers.parquet",
                   "select * from (values ('c1', date '2024-01-05', 1), ('c2', date '2024-02-01', 2),"
                   " ('c3', date '2024-03-01', 0)) as t(customer_id, signup_date, products_count)")
    assert rejected(live, {"customers": path}) == [
        "customers.parquet:row 3: products_count: expected a whole number >= 1, found '0'"]
    assert leftovers(tmp_path) == []


def test_on_disk_the_snapshot_holds_the_values_and_no_typed_table(tmp_path, on_disk, monkeypatch):
    out = tmp_path / "db" / "retention.duckdb"
    during_facts = []
    real_facts = build.build_facts

    def facts(con):  # the scratch file is gone before the derived tables are built
        during_facts.append(leftovers(tmp_path))
        real_facts(con)

    monkeypatch.setattr(build, "build_facts", facts)
    tickets = write(tmp_path, "tickets.csv", "ticket_id,customer_id,created_at,csat\n"
                    "t1,c1,2024-01-06 10:00:00,5\nt2,c2,2024-02-02 09:30:00,\n")
    importer.load(out, {"customers": write(tmp_path, "customers.csv", HEADER + GOOD_ROWS),
                        "tickets": tickets})
    assert on_disk[0] is not None and during_facts == [[]]
    assert [row[:3] for row in table_rows(out, "customers")] == [
        ("c1", None, date(2024, 1, 5)),
        ("c2", None, date(2024, 2, 1))]
    assert [(r[0], r[1], r[9]) for r in table_rows(out, "tickets")] == [
        ("t1", "c1", 5), ("t2", "c2", None)]
    con = duckdb.connect(str(out), read_only=True)
    try:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()]
    finally:
        con.close()
    assert not [n for n in names if n.startswith("typed_")]
    assert leftovers(tmp_path) == []
