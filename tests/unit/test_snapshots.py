"""Snapshots: ids sort in the order they were made, even within one second; pruning keeps the
newest `keep` and never the live one; a failed build leaves the live path untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from data import snapshots, workspace


def build(live: Path, keep: int, text: str) -> str:
    with snapshots.building(live, keep=keep) as (tmp, snapshot_id):
        tmp.write_text(text)
    return snapshot_id


def test_ids_made_in_one_second_sort_in_the_order_they_were_made():
    ids = [snapshots.new_snapshot_id() for _ in range(200)]
    assert len(set(ids)) == 200
    # Several of them share a second: the fraction after it, not the random byte, orders them.
    assert len({i.split("-")[0] for i in ids}) < 200
    assert sorted(ids) == ids


def test_prune_keeps_the_newest_and_the_live_one(tmp_path):
    live = tmp_path / "retention.duckdb"
    made = [build(live, keep=3, text=f"build {n}") for n in range(5)]
    left = [p.name for p in snapshots.list_snapshots(live)]
    assert left == [snapshots.snapshot_path(live, i).name for i in made[-3:]]
    assert live.read_text() == "build 4"

    # An older snapshot pinned live (a rollback) survives pruning although it is not among the newest.
    snapshots.publish(snapshots.snapshot_path(live, made[2]), live)
    snapshots.prune(live, keep=1)
    assert {p.name for p in snapshots.list_snapshots(live)} == {
        snapshots.snapshot_path(live, made[2]).name, snapshots.snapshot_path(live, made[4]).name}
    assert live.read_text() == "build 2"


def test_a_failed_build_leaves_the_live_path_and_no_partial_files(tmp_path):
    live = tmp_path / "retention.duckdb"
    build(live, keep=3, text="good")
    with pytest.raises(RuntimeError):
        with snapshots.building(live, keep=3) as (tmp, _):
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert live.read_text() == "good"
    # The good snapshot and the copy of the workspace taken with it; nothing of the failed build.
    assert sorted(p.name for p in snapshots.snapshot_dir(live).iterdir()) == sorted([
        snapshots.resolve(live).name, workspace.backup_path(snapshots.resolve(live)).name])
