"""Immutable database snapshots behind one live path.

The live path (e.g. data/retention.duckdb) is a symlink to a file in the `snapshots/` folder
beside it. A build writes `snapshots/<stem>-<id>.duckdb.tmp`, renames it to its final name when
complete and then swaps the symlink with an atomic rename, so a reader resolving the live path
sees either the old snapshot or the complete new one, never a half-written file. Each snapshot
keeps its own path because DuckDB caches one database per path within a process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import duckdb

import settings
from data import workspace

SUFFIX = ".duckdb"


def connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open a snapshot read-only, with DuckDB's file and network access switched off and its
    memory bounded (settings.DUCKDB_MEMORY_LIMIT): how the app, the board pack and the upgrade
    read one (DuckDB refuses a second open of a file in one process with another configuration).

    The live path is resolved first: it is a symlink to an immutable snapshot, and DuckDB caches
    one database per path within a process, so each snapshot must be opened by its own path.
    """
    real = Path(path).resolve()
    if not real.is_file():
        raise FileNotFoundError(f"no database at {path}")
    return duckdb.connect(str(real), read_only=True, config={
        "enable_external_access": False,
        "memory_limit": settings.DUCKDB_MEMORY_LIMIT,
    })


def snapshot_dir(live: Path) -> Path:
    return Path(live).parent / "snapshots"


def new_snapshot_id() -> str:
    """UTC second, then its microseconds (fixed width: ids sort in the order they were made, also
    within one second), then a random byte against collisions between processes."""
    global _last_stamp
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    if _last_stamp is not None and now <= _last_stamp:  # same microsecond, or the clock stepped back
        now = _last_stamp + timedelta(microseconds=1)
    _last_stamp = now
    return f"{now:%Y%m%dT%H%M%S}-{now.microsecond:06d}{secrets.token_hex(1)}"


_last_stamp: datetime | None = None


def snapshot_path(live: Path, snapshot_id: str) -> Path:
    return snapshot_dir(live) / f"{Path(live).stem}-{snapshot_id}{SUFFIX}"


def resolve(live: Path) -> Path:
    """The file the live path points at now (the path itself when it is a plain file)."""
    return Path(os.path.realpath(live))


def list_snapshots(live: Path) -> list[Path]:
    """Complete snapshots of this live path, oldest first."""
    folder = snapshot_dir(live)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{Path(live).stem}-*{SUFFIX}"))


def find_snapshot(live: Path, snapshot_id: str) -> Path | None:
    """The snapshot with this id, or None when it does not exist (pruned, or a bad id)."""
    if not snapshot_id or any(c not in "0123456789abcdefT-" for c in snapshot_id):
        return None
    path = snapshot_path(live, snapshot_id)
    return path if path.is_file() else None


@contextlib.contextmanager
def building(live: Path, keep: int = 10) -> Iterator[tuple[Path, str]]:
    """Yield (temporary file, snapshot id) to build into; publish it when the block succeeds.

    On any exception the temporary file is removed and the live path is left untouched.
    """
    live = Path(live)
    snapshot_id = new_snapshot_id()
    final = snapshot_path(live, snapshot_id)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(final.name + ".tmp")
    remove_abandoned(live)
    # Held while building: a build whose process died (kill -9) leaves it free, see remove_abandoned.
    lock = open(_lock_path(tmp), "w")
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    published = False
    try:
        # The workspace (targets, notes) is backed up with every snapshot, as it is at the build.
        workspace.back_up(live, final)
        yield tmp, snapshot_id
        _fsync(tmp)
        os.replace(tmp, final)
        publish(final, live)
        published = True
    finally:
        _remove_partial(tmp)
        if not published:
            workspace.remove_backup(final)
        lock.close()
    prune(live, keep)


def remove_abandoned(live: Path) -> list[Path]:
    """Delete the partial files of builds whose process died (their lock is free):
    50 kill -9 trials left 164 MB of .tmp / .wal files behind before this."""
    removed = []
    for lock_file in snapshot_dir(live).glob(f"{Path(live).stem}-*{SUFFIX}.tmp.lock"):
        with open(lock_file, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a build in progress
            tmp = lock_file.with_name(lock_file.name.removesuffix(".lock"))
            _remove_partial(tmp)
            workspace.remove_backup(tmp.with_name(tmp.name.removesuffix(".tmp")))
            removed.append(tmp)
    return removed


def _lock_path(tmp: Path) -> Path:
    return tmp.with_name(tmp.name + ".lock")


def _remove_partial(tmp: Path) -> None:
    """The temporary database, its WAL, DuckDB's spill folder, the importer's scratch file
    (data/importer/scratch.py) and the build's lock file."""
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal"), tmp.with_name(tmp.name + ".typed"),
                     tmp.with_name(tmp.name + ".typed.wal"), _lock_path(tmp)):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(tmp.with_name(tmp.name + ".tmp"), ignore_errors=True)


def publish(snapshot: Path, live: Path) -> None:
    """Point the live path at `snapshot` with one atomic rename."""
    live = Path(live)
    if live.exists() and not live.is_symlink():
        # A plain database file from an older layout: keep it as a snapshot, then link.
        os.replace(live, snapshot_path(live, new_snapshot_id()))
    link_tmp = live.with_name(f".{live.name}.{secrets.token_hex(4)}.link")
    os.symlink(os.path.relpath(snapshot, live.parent), link_tmp)
    os.replace(link_tmp, live)
    _fsync_dir(live.parent)


def prune(live: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` snapshots (never the live one); return what was deleted."""
    current = resolve(live)
    removed = []
    for old in list_snapshots(live)[: max(0, len(list_snapshots(live)) - keep)]:
        if old != current:
            old.unlink(missing_ok=True)
            # What the app keeps beside a snapshot (its default views) goes with it.
            shutil.rmtree(old.with_suffix(".views"), ignore_errors=True)
            removed.append(old)
    # A snapshot's copy of the workspace goes with it (a build in progress keeps the copy it has
    # made); the workspace itself is never touched.
    building_now = [lock.with_name(lock.name.removesuffix(".tmp.lock")) for lock in
                    snapshot_dir(live).glob(f"{Path(live).stem}-*{SUFFIX}.tmp.lock")]
    workspace.remove_orphan_backups(snapshot_dir(live), list_snapshots(live) + building_now)
    return removed


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
