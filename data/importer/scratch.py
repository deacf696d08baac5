"""Where the typed_<key> tables live while an import checks them: in memory, or in a scratch
database file beside the snapshot being built when the files are too large for memory.

In memory they cost least (no compression, no writes): a 1M-customer import (42.5M rows) holds
them in about 4 GB. Ten times that would spill DuckDB's temporary tables to its spill folder
uncompressed (17.5 GB and still growing at 10M customers), so a large import writes them into
`<snapshot>.tmp.typed`, a DuckDB file (compressed, read back through the buffer pool, memory
bounded by the import's memory limit), removed when the import ends, succeeded or not.

Either way the tables are attached as the database `scratch`, on the search path, so every
check names them `typed_<key>` as before.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

import settings

SCHEMA = "scratch"
# Bytes of a CSV line when its first lines cannot tell (an empty or one-line file).
LINE_BYTES = 100
SAMPLE_BYTES = 1 << 20
# Compression methods a scratch file does without (see attach).
SCRATCH_SKIPS = "fsst,dict_fsst"


def path_for(tmp: Path) -> Path:
    """The scratch file of the snapshot being built at `tmp` (snapshots.building's temporary file)."""
    return tmp.with_name(tmp.name + ".typed")


def estimated_rows(con, files: dict) -> int:
    """The rows the inputs hold, about: a Parquet file's from its footer, a text file's from its
    size over the length of its first lines; a database's tables are not counted (0)."""
    rows = 0
    for path in files.values():
        if not isinstance(path, Path) or not path.is_file():
            continue
        with open(path, "rb") as handle:
            head = handle.read(SAMPLE_BYTES)
        if head.startswith(b"PAR1"):
            try:
                rows += con.execute("select sum(num_rows) from parquet_file_metadata($path)",
                                    {"path": str(path)}).fetchone()[0] or 0
            except duckdb.Error:
                pass  # not readable: the reader reports it, naming the file
            continue
        lines = head.count(b"\n")
        per_line = len(head) / lines if lines > 1 else LINE_BYTES
        rows += int(os.path.getsize(path) / per_line)
    return rows


def attach(con, files: dict, tmp: Path | None) -> Path | None:
    """Attach `scratch` for the typed tables: a file beside `tmp` when the inputs hold more than
    settings.IMPORT_TYPED_IN_MEMORY_ROWS rows, else in memory. Returns the file (None: memory)."""
    on_disk = tmp is not None and estimated_rows(con, files) > settings.IMPORT_TYPED_IN_MEMORY_ROWS
    where = path_for(tmp) if on_disk else None
    if where is not None:
        remove(where)
        # Tables read a few times and dropped: DuckDB's dictionary encodings of text took half
        # the CPU of writing them (10.5 -> 5.3 s for 8.5M tickets; 243 -> 644 MB). Set back
        # before the snapshot's own tables are written (final_writes).
        con.execute(f"set disabled_compression_methods = '{SCRATCH_SKIPS}'")
    con.execute(f"attach $path as {SCHEMA}", {"path": str(where) if where else ":memory:"})
    # Unqualified names resolve here after the snapshot's own: `typed_tickets` is scratch's.
    con.execute(f"set search_path = 'main,{SCHEMA}'")
    return where


def ensure(con) -> None:
    """An in-memory `scratch` when the connection has none yet (a reader used on its own)."""
    attached = con.execute("select count(*) from duckdb_databases() where database_name = $name",
                           {"name": SCHEMA}).fetchone()[0]
    if not attached:
        attach(con, {}, None)


def final_writes(con) -> None:
    """Every compression method again, for the snapshot's tables (after the typed tables are
    written and checked)."""
    con.execute("reset disabled_compression_methods")


def release(con) -> None:
    """Detach the scratch database once its tables are inserted, and delete its file: the build
    of the derived tables that follows has the memory and the disk to itself."""
    where = con.execute("select path from duckdb_databases() where database_name = $name",
                        {"name": SCHEMA}).fetchone()[0]
    con.execute("reset search_path")
    con.execute(f"detach {SCHEMA}")
    remove(Path(where) if where else None)


def remove(where: Path | None) -> None:
    """Delete a scratch file and its WAL (nothing for an in-memory scratch)."""
    if where is not None:
        for leftover in (where, where.with_name(where.name + ".wal")):
            leftover.unlink(missing_ok=True)
