"""The workspace: what people write beside the data (KPI targets, dated annotations) and what the
alerts have already sent, in one small SQLite file next to the live database.

Snapshots are immutable DuckDB files replaced by every import, so nothing a user writes can live
in them. The workspace sits beside the live path (`data/retention.duckdb` ->
`data/retention.workspace.sqlite`), outside the `snapshots/` folder that imports and prunes
rewrite, so an import or a prune never touches it. Each snapshot build copies it (SQLite's online
backup, consistent while others write) to `snapshots/<stem>-<id>.workspace.sqlite`; the copy is
pruned with its snapshot. Restoring one is copying it back over the workspace file.

SQLite rather than DuckDB: several processes (the app, `python -m outputs.alerts` from cron) write it, and
SQLite lets each wait for the other's short transaction (busy timeout) where a DuckDB writer locks
the file out. Every write is one short `BEGIN IMMEDIATE` transaction. No Streamlit here.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

SUFFIX = ".workspace.sqlite"
DEFAULTS_FILE = Path(__file__).resolve().parents[1] / "targets.toml"
BUSY_TIMEOUT_S = 10.0

SCHEMA = """
create table if not exists targets (
    kpi text not null,
    plan text not null default '',      -- '' = every plan
    segment text not null default '',   -- '' = every segment
    priority text not null default '',  -- ticket priority (support KPIs), '' = all tickets
    direction text not null check (direction in ('at_most', 'at_least')),
    value real not null,
    updated_at text not null,
    updated_by text not null,
    primary key (kpi, plan, segment, priority)
);
create table if not exists annotations (
    id integer primary key,
    on_date text not null,              -- ISO date the note is about
    text text not null,
    plan text not null default '',
    segment text not null default '',
    created_at text not null,
    created_by text not null
);
create table if not exists alerts_sent (
    rule text not null,
    period text not null,               -- ISO first day of the month the rule was checked on
    channel text not null,              -- 'email' or 'webhook'
    kpi text not null,
    value real,
    threshold real not null,
    sent_at text not null,
    primary key (rule, period, channel)
);
create table if not exists workspace_meta (key text primary key, value text not null);
"""

# targets.toml's support sections -> the KPI they set a target for (median hours per priority).
SUPPORT_SECTIONS = {"first_response_h": "frt_median_h", "resolution_h": "resolution_median_h"}
DIRECTIONS = ("at_most", "at_least")
MAX_TEXT = 500


def path_for(live: Path) -> Path:
    """The workspace file of a live database path: `<stem>.workspace.sqlite` beside it."""
    live = Path(live)
    return live.with_name(live.stem + SUFFIX)


def backup_path(snapshot: Path) -> Path:
    """Where the workspace is copied when `snapshot` is built: beside it, same stem."""
    snapshot = Path(snapshot)
    return snapshot.with_name(snapshot.stem + SUFFIX)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@contextlib.contextmanager
def connect(live: Path) -> Iterator[sqlite3.Connection]:
    """An open workspace (created and seeded from targets.toml on first use); closed on exit."""
    path = path_for(live)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        con.execute("pragma journal_mode=wal")
        con.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        with write(con):
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)
            seeded = con.execute("select value from workspace_meta where key = 'seeded_at'")
            if seeded.fetchone() is None:
                _seed(con, read_defaults())
                con.execute("insert into workspace_meta values ('seeded_at', ?)", (_now(),))
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def write(con: sqlite3.Connection) -> Iterator[None]:
    """One short write transaction: taken at once (BEGIN IMMEDIATE), so a second writer waits."""
    con.execute("begin immediate")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def read_defaults(path: Path = DEFAULTS_FILE) -> list[dict]:
    """The default targets of targets.toml as rows (kpi, priority, direction, value)."""
    with open(path, "rb") as handle:
        config = tomllib.load(handle)
    rows = []
    for section, kpi in SUPPORT_SECTIONS.items():
        for priority, hours in config.get(section, {}).items():
            rows.append({"kpi": kpi, "priority": str(priority), "direction": "at_most",
                         "value": float(hours)})
    for kpi, rule in config.get("kpi", {}).items():
        (direction, value), = rule.items()
        if direction not in DIRECTIONS:
            raise ValueError(f"{path}: [kpi] {kpi}: expected at_most or at_least, got {direction}")
        rows.append({"kpi": kpi, "priority": "", "direction": direction, "value": float(value)})
    return rows


def _seed(con: sqlite3.Connection, rows: list[dict]) -> None:
    for row in rows:
        con.execute(
            "insert or ignore into targets (kpi, priority, direction, value, updated_at, updated_by)"
            " values (?, ?, ?, ?, ?, 'targets.toml')",
            (row["kpi"], row["priority"], row["direction"], row["value"], _now()))


def back_up(live: Path, snapshot: Path) -> Path:
    """Copy the workspace beside a snapshot (a consistent copy even while someone writes)."""
    target = backup_path(snapshot)
    tmp = target.with_name(target.name + ".tmp")
    with connect(live) as con:
        copy = sqlite3.connect(tmp)
        try:
            # The copy is thrown away whole if the build dies, so it needs no rollback journal:
            # with SQLite's default one a kill -9 mid-copy left a `.tmp-journal` behind.
            copy.execute("pragma journal_mode=memory")
            con.backup(copy)
        finally:
            copy.close()
    tmp.replace(target)
    return target


# SQLite's side files of a database file (rollback journal, WAL and its index).
_SIDE_FILES = ("-journal", "-wal", "-shm")


def _with_side_files(path: Path) -> list[Path]:
    return [path, *(path.with_name(path.name + side) for side in _SIDE_FILES)]


def remove_backup(snapshot: Path) -> None:
    """Delete the copy made for `snapshot` (and a half-made one, with SQLite's side files)."""
    target = backup_path(snapshot)
    half_made = target.with_name(target.name + ".tmp")
    for path in [*_with_side_files(target), *_with_side_files(half_made)]:
        path.unlink(missing_ok=True)


def remove_orphan_backups(folder: Path, kept: list[Path]) -> list[Path]:
    """Delete workspace copies whose snapshot is gone (pruned), half-made ones and SQLite's side
    files of either; return what was deleted."""
    keep = {backup_path(p).name for p in kept}
    removed = []
    patterns = [f"*{SUFFIX}{tmp}{side}" for tmp in ("", ".tmp") for side in ("", *_SIDE_FILES)]
    for copy in [path for pattern in patterns for path in Path(folder).glob(pattern)]:
        base = copy.name
        for side in _SIDE_FILES:
            base = base.removesuffix(side)
        if base.removesuffix(".tmp") not in keep:
            copy.unlink(missing_ok=True)
            removed.append(copy)
    return removed


# --- targets -----------------------------------------------------------------------------------

TARGET_COLUMNS = ["kpi", "plan", "segment", "priority", "direction", "value", "updated_at",
                  "updated_by"]


def targets(con: sqlite3.Connection) -> pd.DataFrame:
    """Every target: kpi, plan, segment, priority ('' = all), direction, value, updated_at/_by."""
    rows = con.execute(f"select {', '.join(TARGET_COLUMNS)} from targets "
                       "order by kpi, plan, segment, priority").fetchall()
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def set_target(con: sqlite3.Connection, kpi: str, direction: str, value: float, by: str,
               plan: str = "", segment: str = "", priority: str = "") -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction: expected one of {', '.join(DIRECTIONS)}, got {direction!r}")
    with write(con):
        con.execute(
            "insert into targets values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (kpi, plan, segment,"
            " priority) do update set direction = excluded.direction, value = excluded.value,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (kpi, plan or "", segment or "", priority or "", direction, float(value), _now(), by))


def delete_target(con: sqlite3.Connection, kpi: str, plan: str = "", segment: str = "",
                  priority: str = "") -> None:
    with write(con):
        con.execute("delete from targets where kpi = ? and plan = ? and segment = ? and "
                    "priority = ?", (kpi, plan or "", segment or "", priority or ""))


# --- annotations -------------------------------------------------------------------------------

ANNOTATION_COLUMNS = ["id", "on_date", "text", "plan", "segment", "created_at", "created_by"]


@dataclass(frozen=True)
class Note:
    on_date: date
    text: str
    plan: str = ""
    segment: str = ""

    def label(self) -> str:
        scope = " · ".join(v for v in (self.plan, self.segment) if v)
        return f"{self.on_date:%d %b %Y}: {self.text}" + (f" ({scope})" if scope else "")


def annotations(con: sqlite3.Connection) -> pd.DataFrame:
    """Every annotation, oldest date first: id, on_date (date), text, plan, segment, created_*."""
    rows = con.execute(f"select {', '.join(ANNOTATION_COLUMNS)} from annotations "
                       "order by on_date, id").fetchall()
    df = pd.DataFrame(rows, columns=ANNOTATION_COLUMNS)
    df["on_date"] = [date.fromisoformat(d) for d in df["on_date"]]
    return df


def add_annotation(con: sqlite3.Connection, on_date: date, text: str, by: str, plan: str = "",
                   segment: str = "") -> int:
    text = " ".join(str(text).split())
    if not text:
        raise ValueError("text: expected a few words, got nothing")
    if len(text) > MAX_TEXT:
        raise ValueError(f"text: expected at most {MAX_TEXT} characters, got {len(text)}")
    if not isinstance(on_date, date):
        raise TypeError(f"date: expected a date, got {on_date!r}")
    with write(con):
        cur = con.execute(
            "insert into annotations (on_date, text, plan, segment, created_at, created_by) "
            "values (?, ?, ?, ?, ?, ?)",
            (on_date.isoformat(), text, plan or "", segment or "", _now(), by))
    return int(cur.lastrowid)


def notes_for(notes: pd.DataFrame, plans: tuple = (), segments: tuple = ()) -> list[tuple[date, str]]:
    """(date, text) of the notes that concern a view of these plans and segments: a note for a
    plan (segment) shows when the view includes it (no plan filter, or that plan among those
    picked); its text then names the plan (segment)."""
    out = []
    for row in notes.itertuples(index=False):
        if row.plan and plans and row.plan not in plans:
            continue
        if row.segment and segments and row.segment not in segments:
            continue
        scope = ", ".join(v for v in (row.plan, row.segment) if v)
        out.append((row.on_date, row.text + (f" ({scope})" if scope else "")))
    return out


def delete_annotation(con: sqlite3.Connection, note_id: int) -> None:
    with write(con):
        con.execute("delete from annotations where id = ?", (int(note_id),))


# --- alerts ------------------------------------------------------------------------------------

def already_sent(con: sqlite3.Connection, rule: str, period: date, channel: str) -> bool:
    found = con.execute("select 1 from alerts_sent where rule = ? and period = ? and channel = ?",
                        (rule, period.isoformat(), channel))
    return found.fetchone() is not None


def record_sent(con: sqlite3.Connection, rows: list[dict], channel: str) -> None:
    """Remember breaches delivered on `channel` (rows: rule, period, kpi, value, threshold)."""
    with write(con):
        con.executemany(
            "insert or ignore into alerts_sent values (?, ?, ?, ?, ?, ?, ?)",
            [(r["rule"], r["period"].isoformat(), channel, r["kpi"], r["value"], r["threshold"],
              _now()) for r in rows])
