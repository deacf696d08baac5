"""Faults: imports in a child process with memory and time limits; `kill -9` of the
importer and of the demo generator at random moments (the live database is always the old one or
the complete new one, and opens read-only); a disk that fills during an import; no file handles
left open. Trial counts: RETENTION_FAULT_TRIALS (default 20 importer kills) and
RETENTION_GENERATOR_TRIALS (default 4 generator kills). Every kill falls in the run's build (from
its first file to a little after its end): the runs are forked from a process that has imported
their modules, so no kill is spent in a Python start. About 18 of 20 land in the build, more than
of the 50 drawn over 0.2-1.1 of a whole `python -m` run before (about 17: the start was 70% of it).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from data import build, importer, snapshots, workspace
from data.isolated import _why_no_verdict, run_import_subprocess

ROOT = Path(__file__).resolve().parents[2]
TRIALS = int(os.environ.get("RETENTION_FAULT_TRIALS", "20"))
GENERATOR_TRIALS = int(os.environ.get("RETENTION_GENERATOR_TRIALS", "4"))


def write_customers(path: Path, n: int, start: int = 0) -> Path:
    with open(path, "w") as out:
        out.write("customer_id,name,signup_date,churn_date,plan,mrr,products_count\n")
        for i in range(start, start + n):
            churn = "2024-06-01" if i % 3 == 0 else ""
            out.write(f"c{i},Customer {i},2023-{1 + i % 12:02d}-{1 + i % 28:02d},{churn},"
                      f"{('Starter', 'Growth')[i % 2]},{i % 700}.25,{1 + i % 4}\n")
    return path


def write_tickets(path: Path, n: int, customers: int) -> Path:
    with open(path, "w") as out:
        out.write("ticket_id,customer_id,created_at,first_response_at,csat\n")
        for i in range(n):
            out.write(f"t{i},c{i % customers},2024-02-{1 + i % 28:02d} 10:00,"
                      f"2024-02-{1 + i % 28:02d} 11:30,{1 + i % 5}\n")
    return path


def live_state(live: Path) -> dict:
    """Open what the live path points at exactly as the dashboard does; return its identity."""
    from queries import connect

    real = snapshots.resolve(live)
    con = connect(live)
    try:
        assert con.execute("select current_setting('enable_external_access')").fetchone()[0] is False
        snapshot_id, tables = con.execute("select snapshot_id, tables from meta").fetchone()
        counts = json.loads(tables)
        for table, n in counts.items():  # the complete snapshot: every table as its meta says
            assert table in build.TABLES  # a known table name before it goes into the SQL text
            assert con.execute(f"select count(*) from {table}").fetchone()[0] == n
        assert con.execute("select count(*) from customer_facts").fetchone()[0] == counts["customers"]
        with pytest.raises(duckdb.Error):
            con.execute("create table x (i int)")
    finally:
        con.close()
    assert real.name == f"{live.stem}-{snapshot_id}{snapshots.SUFFIX}"
    return {"id": snapshot_id, "customers": counts["customers"], "tickets": counts["tickets"]}


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


# --- the child process and its limits ------------------------------------------------------------
@pytest.fixture
def live(tmp_path) -> Path:
    out = tmp_path / "db" / "retention.duckdb"
    importer.load(out, {"customers": write_customers(tmp_path / "first.csv", 50)})
    return out


@pytest.mark.slow
def test_subprocess_import_succeeds_and_reports_peak_memory(live, tmp_path):
    before = live_state(live)
    result = run_import_subprocess(live, {"customers": write_customers(tmp_path / "c.csv", 2000)})
    assert result.status == "ok", result
    assert result.meta["tables"]["customers"] == 2000 and result.peak_rss_mb > 0
    assert live_state(live)["id"] == result.meta["snapshot_id"] != before["id"]


def test_subprocess_import_rejected_names_file_line_column(live, tmp_path):
    before = live_state(live)
    bad = ROOT / "tests" / "data" / "bad" / "num_nan.csv"
    result = run_import_subprocess(live, {"customers": bad})
    assert result.status == "rejected" and result.total == 1
    assert result.problems[0] | {} == {"file": "num_nan.csv", "line": 3, "column": "mrr", "unit": "line",
                                       "message": "expected a number like 1234.50, found 'NaN'"}
    assert live_state(live) == before


def test_time_limit_kills_the_import_and_says_why(live, tmp_path):
    before = live_state(live)
    # 20,000 rows take over a second even on an idle machine (Python and DuckDB start-up alone
    # take about half of one): a 0.3 s limit always stops the child first.
    result = run_import_subprocess(live, {"customers": write_customers(tmp_path / "c.csv", 20000)},
                                   timeout_s=0.3)
    assert result.status == "error" and result.returncode == -9, result
    assert "longer than 0.3 s" in result.error and "nothing was changed" in result.error
    assert live_state(live) == before


def test_memory_limit_stops_the_import_and_says_why(live, tmp_path):
    before = live_state(live)
    result = run_import_subprocess(live, {"customers": write_customers(tmp_path / "c.csv", 20000)},
                                   memory_mb=220)
    assert result.status in ("error", "rejected"), result
    text = result.error or result.problems[0]["message"]
    assert "memory" in text.lower() or "Out of Memory" in text, text
    assert live_state(live) == before


@pytest.mark.parametrize("status, stderr, expected", [
    (127, "cannot allocate memory for thread-local data: ABORT", "ran out of its 300 MB memory limit"),
    (1, "Traceback ...\nMemoryError", "ran out of its 300 MB memory limit"),
    (-11, "", "crashed (signal 11), most likely at its 300 MB memory limit"),
    (-24, "", "used up its CPU-time limit"),
    (-15, "", "was stopped by signal 15"),
    (3, "ValueError: nope", "ended without a verdict (exit code 3)"),
])
def test_a_child_without_a_verdict_is_explained(status, stderr, expected):
    assert _why_no_verdict(status, stderr, 300) == expected


# --- kill -9 at random moments -------------------------------------------------------------------
def _entries(folder: Path) -> set[str]:
    return set(os.listdir(folder)) if folder.is_dir() else set()


class _Prewarmed:
    """`python -m MODULE ARGS` runs forked from one process that has imported what they need
    (tests/unit/prewarmed.py): each starts in milliseconds, so its kill falls in its build."""

    def __init__(self, module: str, imports: list[str], env: dict):
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.unit.prewarmed", module,
                                      *imports], cwd=ROOT, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.proc.stdout.readline().strip() == "ready"

    def start(self, args: list[str]) -> int:
        """Fork a run; its pid."""
        self.proc.stdin.write(json.dumps(args) + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def wait(self) -> int:
        """The exit status of the run started last (negative: the signal that killed it)."""
        return int(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _build_started(pid: int, folder: Path, before: set[str]) -> None:
    """Wait until the run has put its first file into the snapshot folder (a build's partial
    file and its lock) or has ended."""
    while _running(pid) and not _entries(folder) - before:
        time.sleep(0.005)


def _kill_trials(live: Path, command: list[str], imports: list[str], trials: int, seed: int,
                 env: dict) -> dict:
    """Run `command` (python -m MODULE ARGS, forked from a process that has imported `imports`)
    `trials` times, SIGKILL it at a random moment of its build; check the live database. The
    moment is the build's span (first file written to the end, measured on one full run first)
    times 0.0-1.1, counted from when the build's first file appears."""
    rng = random.Random(seed)
    folder = snapshots.snapshot_dir(live)
    module, args = command[2], command[3:]
    runs = _Prewarmed(module, imports, env)
    try:
        before = _entries(folder)
        pid = runs.start(args)
        _build_started(pid, folder, before)
        started = time.monotonic()
        assert runs.wait() == 0  # one full run: the length of its build
        build_s = time.monotonic() - started
        seen = {live_state(live)["id"]}
        outcomes = {"old": 0, "new": 0}
        for _ in range(trials):
            old = live_state(live)["id"]
            before = _entries(folder)
            pid = runs.start(args)
            _build_started(pid, folder, before)
            time.sleep(rng.uniform(0, 1.1) * build_s)
            with contextlib.suppress(ProcessLookupError):  # it may have ended already
                os.kill(pid, signal.SIGKILL)
            runs.wait()
            now = live_state(live)
            outcomes["old" if now["id"] == old else "new"] += 1
            seen.add(now["id"])
    finally:
        runs.close()
    partial = [p for p in snapshots.snapshot_dir(live).iterdir()
               if not p.name.endswith(snapshots.SUFFIX)]
    # The next build removes what killed builds left behind (snapshots.remove_abandoned).
    subprocess.run(command, env=env, check=True, capture_output=True)
    live_state(live)
    left = [p.name for p in snapshots.snapshot_dir(live).iterdir()
            if not p.name.endswith((snapshots.SUFFIX, workspace.SUFFIX))]
    assert left == []
    # Each copy of the workspace left is the one of a kept snapshot (killed builds' are removed).
    kept = {workspace.backup_path(p).name for p in snapshots.list_snapshots(live)}
    assert {p.name for p in snapshots.snapshot_dir(live).glob("*" + workspace.SUFFIX)} <= kept
    return {"trials": trials, "build_s": round(build_s, 2), **outcomes,
            "partial_files_before_next_build": len(partial)}


@pytest.mark.slow
def test_kill_9_of_the_importer_never_breaks_the_live_database(live, tmp_path):
    customers = write_customers(tmp_path / "big.csv", 8_000)
    tickets = write_tickets(tmp_path / "tickets.csv", 8_000, 8_000)
    command = [sys.executable, "-m", "data.load", "--out", str(live), "--customers", str(customers),
               "--tickets", str(tickets)]
    env = {**os.environ, "RETENTION_SNAPSHOTS_KEEP": "3"}
    summary = _kill_trials(live, command, ["data.load"], TRIALS, seed=10, env=env)
    print("kill -9 importer:", summary)
    assert summary["old"] + summary["new"] == TRIALS
    final = live_state(live)
    assert (final["customers"], final["tickets"]) in ((50, 0), (8_000, 8_000))


@pytest.mark.slow
def test_kill_9_of_the_generator_never_breaks_the_live_database(tmp_path):
    live = tmp_path / "db" / "retention.duckdb"
    command = [sys.executable, "-m", "data.demo", "--out", str(live), "--customers", "300"]
    env = {**os.environ, "RETENTION_SNAPSHOTS_KEEP": "3"}
    summary = _kill_trials(live, command, ["data.demo.generate"], GENERATOR_TRIALS, seed=11,
                           env=env)
    print("kill -9 generator:", summary)
    assert summary["old"] + summary["new"] == GENERATOR_TRIALS


# --- a disk that fills ---------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    """An 8 MB tmpfs (needs root and mount permission; skipped with the reason otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_disk_full_during_import_keeps_the_old_snapshot_and_says_why(small_disk, tmp_path):
    live = small_disk / "db" / "retention.duckdb"
    importer.load(live, {"customers": write_customers(tmp_path / "first.csv", 50)})
    before = live_state(live)
    files = {"customers": write_customers(tmp_path / "big.csv", 100_000),
             "tickets": write_tickets(tmp_path / "tickets.csv", 100_000, 100_000)}
    result = run_import_subprocess(live, files)
    assert result.status in ("rejected", "error"), result
    text = result.error or " ".join(p["message"] for p in result.problems)
    assert "No space left on device" in text or "disk" in text.lower(), text
    assert live_state(live) == before
    # Nothing half-written is left to fill the disk further.
    assert sorted(p.name for p in snapshots.snapshot_dir(live).iterdir()) == sorted([
        snapshots.resolve(live).name, workspace.backup_path(snapshots.resolve(live)).name])
    print("disk full:", text)


# --- file handles --------------------------------------------------------------------------------
@pytest.mark.slow
def test_imports_leave_no_file_handles_open(live, tmp_path):
    good = write_customers(tmp_path / "c.csv", 500)
    bad = ROOT / "tests" / "data" / "bad" / "date_year_9999.csv"
    importer.load(live, {"customers": good})  # warm up: imports, caches
    before = fd_count()
    for _ in range(5):
        importer.load(live, {"customers": good}, keep=3)
        with pytest.raises(importer.ImportRejected):
            importer.load(live, {"customers": bad}, keep=3)
        assert run_import_subprocess(live, {"customers": good}, keep=3).status == "ok"
        live_state(live)
    assert fd_count() == before
