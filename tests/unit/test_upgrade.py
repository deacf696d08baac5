"""Databases built by an older version of the dashboard get their derived tables rebuilt in place:
same snapshot ids, same source rows, the derived tables of today's SQL, nothing else touched."""

from __future__ import annotations

from pathlib import Path

import duckdb

from data import build, snapshots

from data.build import upgrade
from queries import Filters, connect, support_kpis
from tests.unit.fixtures import make_db

CUSTOMERS = [
    {"customer_id": "a", "signup_date": "2024-01-10", "churn_date": "2024-03-05"},
    {"customer_id": "b", "signup_date": "2024-01-20"},
]
TICKETS = [
    {"ticket_id": "t1", "customer_id": "a", "created_at": "2024-01-11 09:00",
     "first_response_at": "2024-01-11 11:00", "csat": 5},
    {"ticket_id": "t2", "customer_id": "b", "created_at": "2024-02-01 09:00",
     "first_response_at": "2024-02-01 10:00", "csat": 2},
]


def age(path: Path, how: str) -> None:
    """Make a snapshot look as an older version built it."""
    con = duckdb.connect(str(path))
    if how == "other SQL":
        con.execute("update facts_version set version = 'an older version'")
        con.execute("drop table ticket_facts")
    else:  # built before versions were recorded
        con.execute("drop table facts_version")
    con.close()


def source_rows(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in build.TABLES}
    finally:
        con.close()


def test_a_fresh_build_is_current(tmp_path):
    make_db(tmp_path, CUSTOMERS, TICKETS).close()
    live = tmp_path / "retention.duckdb"
    assert upgrade.current_version(snapshots.resolve(live)) == upgrade.wanted_version()
    assert upgrade.outdated(live) == []
    assert upgrade.refresh(live) == []


def test_outdated_snapshots_are_rebuilt_in_place_with_the_same_numbers(tmp_path):
    make_db(tmp_path, CUSTOMERS, TICKETS).close()
    live = tmp_path / "retention.duckdb"
    con = connect(live)
    expected = support_kpis(con, Filters(), grain="month")
    con.close()
    first = snapshots.resolve(live)
    # A second snapshot, as a later import would make; both then aged two different ways.
    make_db(tmp_path, CUSTOMERS[:1], TICKETS[:1]).close()
    second = snapshots.resolve(live)
    before = {p: source_rows(p) for p in (first, second)}
    age(first, "other SQL")
    age(second, "no version")

    assert sorted(upgrade.outdated(live)) == sorted([first, second])
    progress = []
    assert sorted(upgrade.refresh(live, lambda f, m: progress.append(f))) == sorted([first, second])
    assert progress[-1] == 1.0

    assert upgrade.outdated(live) == []
    assert [p.name for p in snapshots.list_snapshots(live)] == sorted([first.name, second.name])
    assert snapshots.resolve(live) == second  # the live pointer did not move
    for path in (first, second):
        assert upgrade.current_version(path) == upgrade.wanted_version()
        assert source_rows(path) == before[path]
    con = connect(first)  # the pinned old snapshot: its numbers as before
    assert support_kpis(con, Filters(), grain="month").equals(expected)
    con.close()
    assert not [p for p in tmp_path.rglob("*.upgrade*")]


def test_an_unreadable_file_is_left_alone(tmp_path):
    live = tmp_path / "retention.duckdb"
    live.write_bytes(b"not a database")
    assert upgrade.outdated(live) == []


def test_cli(tmp_path, capsys):
    make_db(tmp_path, CUSTOMERS, TICKETS).close()
    live = tmp_path / "retention.duckdb"
    age(snapshots.resolve(live), "no version")
    assert upgrade.main(["--db", str(live)]) == 0
    assert "1 file(s) updated" in capsys.readouterr().out
    assert upgrade.main(["--db", str(live)]) == 0
    assert "already up to date" in capsys.readouterr().out
    assert upgrade.main(["--db", str(tmp_path / "nothing.duckdb")]) == 1
