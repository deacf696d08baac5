"""bench.scaling's raw files: the demo's tables generated in chunks of customers (each chunk's
ids renumbered so they stay unique) and merged into one file per table, as a user hands them to
`python -m data.load`."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

SEED = 42
CHUNK = 1_000_000
# Offsets keeping ids unique across chunks: chunk i's customer n is i * chunk + n, its ticket n
# is i * TICKETS_PER_CHUNK + n (no chunk comes near 10^9 tickets: 1M customers make 8.5M).
TICKETS_PER_CHUNK = 10**9
CUSTOMER_DIGITS, TICKET_DIGITS = 9, 12


def chunks(customers: int, chunk: int = CHUNK) -> list[tuple[int, int, int]]:
    """(index, first customer number - 1, customers) of each generator run making `customers`;
    one run when it fits in a chunk. Chunks are `chunk` customers, the last one what is left."""
    if customers < 1 or chunk < 1:
        raise ValueError("customers and chunk must be at least 1")
    size = min(customers, chunk)
    return [(i, start, min(size, customers - start))
            for i, start in enumerate(range(0, customers, size))]


def part_dir(folder: Path, customers_in_chunk: int, chunk_size: int, index: int) -> Path:
    return Path(folder) / "raw" / f"seed{SEED}-chunk{chunk_size}" / f"part{index:03d}-{customers_in_chunk}"


def file_tables() -> dict[str, str]:
    """Schema table -> its data.load option, for the tables a user's files fill."""
    from data.importer.cli import OPTIONS

    return {table: option for table, option in OPTIONS.items() if table != "churn_reason_categories"}


def _renumbering(columns: list[str], index: int, start: int) -> tuple[list[str], dict]:
    """The `select * replace (...)` items giving chunk `index`'s ids (customer number n -> start +
    n, ticket number n -> index * 10^9 + n) for a table with `columns`, and the values they bind
    (named by the chunk, so several chunks' copies can share one statement)."""
    replace, params = [], {}
    if "customer_id" in columns:
        replace.append(f"'C' || lpad(($start_{index} + cast(substr(customer_id, 2) as bigint))"
                       f"::varchar, {CUSTOMER_DIGITS}, '0') as customer_id")
        params[f"start_{index}"] = start
    if "ticket_id" in columns:
        replace.append(f"'T' || lpad(($tickets_{index} + cast(substr(ticket_id, 2) as bigint))"
                       f"::varchar, {TICKET_DIGITS}, '0') as ticket_id")
        params[f"tickets_{index}"] = index * TICKETS_PER_CHUNK
    return replace, params


def merge_copies(first: Path, plan: list[tuple[int, int, int]], out: Path, fmt: str) -> dict[str, Path]:
    """merge() for a size made of copies: one file per table holding chunk 0 (`first`) once per
    chunk of `plan`, each copy's ids renumbered like a generated chunk's (customer n -> start + n,
    ticket n -> index * 10^9 + n; a last, smaller chunk keeps its first customers and their
    rows). Minutes instead of a generator run per chunk, for a size whose measure is the
    machine's, not new customers'. Returns {table: path}."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    # The copies in any order (kept in order, DuckDB buffers and spills every copy after the
    # first until the first is written): the importer reads a table's rows in any order.
    con = duckdb.connect(config={"memory_limit": "2GB", "preserve_insertion_order": False,
                                 "temp_directory": str(out / ".tmp")})
    try:
        for table in file_tables():
            source = Path(first) / f"{table}.parquet"
            if not source.exists():
                continue
            target = files[table] = out / f"{table}.{fmt}"
            if target.exists():
                continue
            columns = [r[0] for r in con.execute("describe select * from read_parquet($p)",
                                                 {"p": str(source)}).fetchall()]
            copies, params = [], {"source": str(source)}
            for index, start, n in plan:
                replace, bound = _renumbering(columns, index, start)
                copies.append(f"select * replace ({', '.join(replace)}) from read_parquet($source) "
                              f"where cast(substr(customer_id, 2) as bigint) <= $n_{index}")
                params |= bound | {f"n_{index}": n}
            partial = target.with_name(target.name + ".partial")
            relation = con.sql(" union all ".join(copies), params=params)
            if fmt == "parquet":
                relation.write_parquet(str(partial))
            else:
                relation.write_csv(str(partial), header=True)
            partial.rename(target)
    finally:
        con.close()
    return files


def write_chunk(out: Path, index: int, start: int, customers: int) -> dict:
    """Generate one chunk (seed SEED + index) and write each non-empty table as out/TABLE.parquet
    with customer number n renumbered start + n and ticket number n index * 10^9 + n; returns
    {table: rows} (also written to out/done.json, which marks the chunk complete)."""
    out = Path(out)
    done = out / "done.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    # Two runs (say 1M and 10M, which shares 1M's chunk) may ask for a chunk at once: one makes it.
    with open(out.with_name(out.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            return json.loads(done.read_text())["rows"]
        return _write_chunk(out, index, start, customers)


def _write_chunk(out: Path, index: int, start: int, customers: int) -> dict:
    from data.demo import generate

    done = out / "done.json"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=out, prefix="gen-") as tmp:
        live = Path(tmp) / "chunk.duckdb"
        generate.generate(live, customers=customers, seed=SEED + index)
        con = duckdb.connect(str(live), read_only=True)
        try:
            rows = {}
            present = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
            for table in file_tables():
                if table not in present or not con.execute(f"select count(*) from {table}").fetchone()[0]:
                    continue
                columns = [r[0] for r in con.execute(f"describe {table}").fetchall()]
                replace, params = _renumbering(columns, index, start)
                select = f"select * replace ({', '.join(replace)}) from {table}" if replace else \
                    f"select * from {table}"
                con.sql(select, params=params).write_parquet(str(out / f"{table}.parquet"))
                rows[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
        finally:
            con.close()
    done.write_text(json.dumps({"rows": rows, "seed": SEED + index, "start": start,
                                "customers": customers,
                                "seconds": round(time.perf_counter() - started, 1)}))
    return rows


def merge(parts: list[Path], out: Path, fmt: str) -> dict[str, Path]:
    """One file per table in `fmt` under `out`, the parts' rows in part order; a single Parquet
    part is linked, not copied. Returns {table: path}."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = [t for t in file_tables() if all((p / f"{t}.parquet").exists() for p in parts)]
    files = {}
    con = duckdb.connect(config={"memory_limit": "2GB", "preserve_insertion_order": True})
    try:
        for table in tables:
            target = out / f"{table}.{fmt}"
            files[table] = target
            if target.exists():
                continue
            sources = [str(p / f"{table}.parquet") for p in parts]
            partial = target.with_name(target.name + ".partial")
            if fmt == "parquet" and len(sources) == 1:
                os.link(sources[0], partial)
            elif fmt == "parquet":
                con.read_parquet(sources).write_parquet(str(partial))
            else:
                con.read_parquet(sources).write_csv(str(partial), header=True)
            partial.rename(target)
    finally:
        con.close()
    return files

