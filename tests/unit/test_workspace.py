"""The workspace database: seeded from targets.toml, short writes, and never lost when an import
builds a new snapshot or a prune deletes old ones; its copy goes with each snapshot."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from data import snapshots, workspace


def build(live: Path, keep: int, text: str) -> str:
    with snapshots.building(live, keep=keep) as (tmp, snapshot_id):
        tmp.write_text(text)
    return snapshot_id


def test_a_new_workspace_holds_the_support_targets_of_targets_toml(tmp_path):
    live = tmp_path / "retention.duckdb"
    with workspace.connect(live) as con:
        found = workspace.targets(con)
    assert workspace.path_for(live) == tmp_path / "retention.workspace.sqlite"
    frt = found[found["kpi"] == "frt_median_h"].set_index("priority")["value"].to_dict()
    resolution = found[found["kpi"] == "resolution_median_h"].set_index("priority")["value"]
    # targets.toml: first response urgent 1, high 4, normal 8, low 24; resolution 8/24/48/96.
    assert frt["urgent"] == 1 and frt["high"] == 4 and frt["normal"] == 8 and frt["low"] == 24
    assert resolution.to_dict() == {"high": 24, "low": 96, "normal": 48, "urgent": 8}
    assert set(found.loc[found["priority"] != "", "direction"]) == {"at_most"}
    assert set(found["updated_by"]) == {"targets.toml"}


def test_the_defaults_are_seeded_once_an_editor_s_change_stays(tmp_path):
    live = tmp_path / "retention.duckdb"
    with workspace.connect(live) as con:
        workspace.set_target(con, "frt_median_h", "at_most", 2.5, "lead@x", priority="urgent")
        workspace.delete_target(con, "resolution_median_h", priority="low")
    with workspace.connect(live) as con:  # opening again must not put the defaults back
        found = workspace.targets(con).set_index(["kpi", "priority"])
    assert found.loc[("frt_median_h", "urgent"), "value"] == 2.5
    assert found.loc[("frt_median_h", "urgent"), "updated_by"] == "lead@x"
    assert ("resolution_median_h", "low") not in found.index


def test_set_target_replaces_the_same_scope_and_keeps_others_apart(tmp_path):
    live = tmp_path / "retention.duckdb"
    with workspace.connect(live) as con:
        workspace.set_target(con, "churn_rate_pct", "at_most", 3.0, "a")
        workspace.set_target(con, "churn_rate_pct", "at_most", 2.0, "b", plan="Growth")
        workspace.set_target(con, "churn_rate_pct", "at_most", 2.5, "c")  # replaces the 3.0
        rows = workspace.targets(con)
        with pytest.raises(ValueError, match="direction: expected one of at_most, at_least"):
            workspace.set_target(con, "nps", "above", 30, "d")
    churn = rows[rows["kpi"] == "churn_rate_pct"][["plan", "value", "updated_by"]]
    assert churn.values.tolist() == [["", 2.5, "c"], ["Growth", 2.0, "b"]]


def test_annotations_are_listed_by_date_and_checked(tmp_path):
    live = tmp_path / "retention.duckdb"
    with workspace.connect(live) as con:
        second = workspace.add_annotation(con, date(2025, 3, 1), "  Price   increase ", "lead",
                                          plan="Growth")
        first = workspace.add_annotation(con, date(2025, 1, 15), "New onboarding flow", "lead")
        with pytest.raises(ValueError, match="text: expected a few words"):
            workspace.add_annotation(con, date(2025, 1, 1), "   ", "lead")
        with pytest.raises(ValueError, match="at most 500 characters, got 501"):
            workspace.add_annotation(con, date(2025, 1, 1), "x" * 501, "lead")
        notes = workspace.annotations(con)
        workspace.delete_annotation(con, first)
        left = workspace.annotations(con)
    assert notes[["id", "on_date", "text", "plan"]].values.tolist() == [
        [first, date(2025, 1, 15), "New onboarding flow", ""],
        [second, date(2025, 3, 1), "Price increase", "Growth"],  # whitespace collapsed
    ]
    assert left["id"].tolist() == [second]


def test_an_import_and_a_prune_leave_the_workspace_and_prune_old_copies(tmp_path):
    live = tmp_path / "retention.duckdb"
    first = build(live, keep=2, text="build 0")
    with workspace.connect(live) as con:
        workspace.add_annotation(con, date(2025, 3, 1), "Price increase", "lead")
        workspace.set_target(con, "nps", "at_least", 30, "lead")
    # Three more imports with keep=2: the first two snapshots are pruned.
    made = [build(live, keep=2, text=f"build {n}") for n in range(1, 4)]
    snapshots.prune(live, keep=1)
    assert live.read_text() == "build 3"
    with workspace.connect(live) as con:
        assert workspace.annotations(con)["text"].tolist() == ["Price increase"]
        assert workspace.targets(con).set_index("kpi").loc["nps", "value"] == 30
    # Each kept snapshot has the copy of the workspace taken when it was built; pruned ones don't.
    folder = snapshots.snapshot_dir(live)
    copies = sorted(p.name for p in folder.glob("*" + workspace.SUFFIX))
    assert copies == [f"retention-{made[-1]}{workspace.SUFFIX}"]
    assert not workspace.backup_path(snapshots.snapshot_path(live, first)).exists()
    copy = workspace.backup_path(snapshots.snapshot_path(live, made[-1]))
    restored = tmp_path / "restored" / "retention.duckdb"
    restored.parent.mkdir()
    copy.replace(workspace.path_for(restored))  # restoring is copying the file back
    with workspace.connect(restored) as con:
        assert workspace.annotations(con)["text"].tolist() == ["Price increase"]


def test_a_failed_import_leaves_no_copy_of_the_workspace(tmp_path):
    live = tmp_path / "retention.duckdb"
    build(live, keep=3, text="good")
    with pytest.raises(RuntimeError):
        with snapshots.building(live, keep=3) as (tmp, _):
            raise RuntimeError("disk full")
    assert len(list(snapshots.snapshot_dir(live).glob("*" + workspace.SUFFIX))) == 1


def test_the_next_build_removes_a_killed_build_s_half_made_copy_and_its_journal(tmp_path):
    live = tmp_path / "retention.duckdb"
    kept = build(live, keep=3, text="good")
    folder = snapshots.snapshot_dir(live)
    # What a build killed (kill -9) while copying the workspace leaves: its free lock file, the
    # half-made copy and SQLite's rollback journal of that copy.
    dead = snapshots.snapshot_path(live, "20260101T000000000000")
    copy = workspace.backup_path(dead)
    left = [dead.with_name(dead.name + ".tmp.lock"), copy.with_name(copy.name + ".tmp"),
            copy.with_name(copy.name + ".tmp-journal")]
    for path in left:
        path.write_text("partial")
    made = build(live, keep=3, text="next")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"retention-{kept}.duckdb", f"retention-{kept}{workspace.SUFFIX}",
         f"retention-{made}.duckdb", f"retention-{made}{workspace.SUFFIX}"])


def test_a_journal_of_a_pruned_snapshot_s_copy_goes_with_it(tmp_path):
    folder = tmp_path / "snapshots"
    folder.mkdir()
    kept, gone = folder / "retention-2.duckdb", folder / "retention-1.duckdb"
    names = [f"retention-1{workspace.SUFFIX}", f"retention-1{workspace.SUFFIX}-journal",
             f"retention-1{workspace.SUFFIX}.tmp-journal", f"retention-2{workspace.SUFFIX}"]
    for name in names:
        (folder / name).write_text("x")
    removed = workspace.remove_orphan_backups(folder, [kept])
    assert sorted(p.name for p in removed) == sorted(names[:3])
    assert [p.name for p in folder.iterdir()] == [f"retention-2{workspace.SUFFIX}"]
    assert not gone.exists()


def test_alerts_sent_are_remembered_per_rule_period_and_channel(tmp_path):
    live = tmp_path / "retention.duckdb"
    row = {"rule": "Churn above 3%", "period": date(2026, 10, 1), "kpi": "churn_rate_pct",
           "value": 3.4, "threshold": 3.0}
    with workspace.connect(live) as con:
        workspace.record_sent(con, [row], "email")
        workspace.record_sent(con, [row], "email")  # a second record of the same is ignored
        assert workspace.already_sent(con, "Churn above 3%", date(2026, 10, 1), "email")
        assert not workspace.already_sent(con, "Churn above 3%", date(2026, 10, 1), "webhook")
        assert not workspace.already_sent(con, "Churn above 3%", date(2026, 11, 1), "email")
        assert con.execute("select count(*) from alerts_sent").fetchone()[0] == 1
