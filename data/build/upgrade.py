"""Rebuild the derived tables of databases built by an older version of the dashboard.

The derived tables (customer_facts, ticket_facts, ...) are computed from the source tables by
data/build/facts.sql at build time, and what the data can show is stored beside them
(data/capabilities.py). When that code changes, every kept snapshot is brought up to date: its
source tables are copied untouched, the derived tables rebuilt (only when facts.sql changed) and
what the data can show recomputed, and the file replaced with one atomic rename under the same
name, so links that pin a snapshot keep working and show the same numbers. A reader that has the
old file open keeps reading it (the rename leaves its inode alone).

    python -m data.build.upgrade [--db PATH]     # what the app also does on its first request
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import shutil
import sys
from pathlib import Path
from typing import Callable, Iterator

import duckdb

import settings
from data import build, capabilities, snapshots
from data.snapshots import connect

Progress = Callable[[float, str], None]


UNREADABLE = "unreadable"


def current_version(path: Path) -> tuple[str | None, str | None] | str:
    """(facts version, capabilities version) recorded in a database file, each None when it has
    none (built before they were recorded); UNREADABLE when the file cannot be opened (left alone:
    the app reports it when it opens the file)."""
    try:
        # Opened exactly as the app opens it: DuckDB refuses a second open of one file in one
        # process with another configuration.
        con = connect(path)
    except (duckdb.Error, OSError):
        return UNREADABLE
    try:
        try:
            facts = con.execute("select version from facts_version").fetchone()[0]
        except duckdb.Error:
            facts = None
        return facts, capabilities.stored_version(con)
    finally:
        con.close()


def wanted_version() -> tuple[str, str]:
    return build.facts_version(), capabilities.VERSION


def outdated(live: Path) -> list[Path]:
    """Database files of this live path (every kept snapshot, or the plain file of the old
    layout) whose derived tables or capabilities were built by other code than today's."""
    return list(_outdated_versions(live))


def _outdated_versions(live: Path) -> dict[Path, tuple[str | None, ...]]:
    """outdated(live), each file with its current_version."""
    live = Path(live)
    files = snapshots.list_snapshots(live)
    real = snapshots.resolve(live)
    if real.is_file() and real not in files:
        files.append(real)
    wanted = wanted_version()
    versions = {path: current_version(path) for path in files}
    return {path: v for path, v in versions.items() if v not in (wanted, UNREADABLE)}


@contextlib.contextmanager
def _upgrade_lock(live: Path) -> Iterator[None]:
    """One upgrade at a time across processes (two servers, or a server and the CLI)."""
    folder = Path(live).resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".retention-upgrade.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def refresh(live: Path, progress: Progress | None = None) -> list[Path]:
    """Bring every outdated file of `live` up to date; return the files rebuilt."""
    report = progress or (lambda fraction, message: None)
    with _upgrade_lock(live):
        todo = _outdated_versions(live)  # again under the lock: another process may have done it
        for i, (path, (facts, _)) in enumerate(todo.items()):
            report(i / max(len(todo), 1), f"updating {path.name} ({i + 1} of {len(todo)})")
            _rebuild(path, rebuild_facts=facts != build.facts_version())
        report(1.0, "done")
    return list(todo)


def _rebuild(path: Path, rebuild_facts: bool) -> None:
    tmp = path.with_name(f".{path.name}.upgrade")
    tmp.unlink(missing_ok=True)
    try:
        shutil.copyfile(path, tmp)
        con = duckdb.connect(str(tmp))
        try:
            # A table added to the schema since the file was built (outreach): created empty,
            # so today's queries run on it; build_facts does the same.
            build.add_missing_tables(con)
            if rebuild_facts:
                build.build_facts(con)
            # Cheap (a scan per table), so always: what the data can show, as today's code asks.
            capabilities.store(con, capabilities.compute(con))
            con.execute("checkpoint")
        finally:
            con.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.build.upgrade", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path(settings.DB_PATH),
                        help="the live database path (default: RETENTION_DB or data/retention.duckdb)")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"{args.db}: no database there", file=sys.stderr)
        return 1
    done = refresh(args.db, lambda f, m: print(f"{f:4.0%} {m}", file=sys.stderr))
    print(f"{args.db}: {len(done)} file(s) updated" if done else f"{args.db}: already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
