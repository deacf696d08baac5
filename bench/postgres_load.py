"""Import speed from Postgres (`data.load --from`) against the same rows from CSV files.

    python -m bench.postgres_load [--customers 1000000] [--folder DIR] [--port 8630] [--repeat 1]

Generates a demo database (data.demo.generate, seed 42) once into DIR, writes its customers and
tickets as CSV (the schema's columns), starts a throw-away Postgres server (tests/postgres_server.py,
data in DIR, 127.0.0.1:PORT) and puts the same two tables into it with their types (ADBC bulk
ingest: date, timestamp, numeric, integer, text). Then imports each source into a fresh live path,
alternating, each import in a child process of its own (so its peak memory is its own):
- "postgres": data.importer.load(..., database=URL) with the two tables' names;
- "csv": data.importer.load(...) with the two files.
Reported per import: the whole import's seconds and rows/s (customers + tickets rows), the seconds
spent reading the rows into the staging tables (Postgres: the Arrow stream through DuckDB; CSV:
DuckDB's reader) and that part's rows/s, and the child's peak RSS. One JSON object goes to stdout
and to bench/results/postgres_load.json, with the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import shutil
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from data import importer
from data.demo import generate
from data.importer import flow

TABLES = ("customers", "tickets")
RESULTS = Path(__file__).resolve().parent / "results" / "postgres_load.json"


def write_csv(db: Path, folder: Path) -> dict[str, Path]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        files = {}
        for table in TABLES:
            path = folder / f"{table}.csv"
            if not path.exists():
                con.table(table).write_csv(str(path), header=True)
            files[table] = path
        return files
    finally:
        con.close()


def fill_postgres(db: Path, pg) -> dict[str, float]:
    """The demo's tables into Postgres with their own types, streamed as Arrow; seconds each."""
    con = duckdb.connect(str(db), read_only=True)
    seconds = {}
    try:
        for table in TABLES:
            started = time.perf_counter()
            reader = con.table(table).to_arrow_reader(1_000_000)
            pg.ingest(table, reader, mode="replace")
            pg.execute(f"analyze {table}")
            seconds[table] = round(time.perf_counter() - started, 1)
    finally:
        con.close()
    return seconds


def _child(source: str, sources: dict, out: str, queue) -> None:
    """One import in this process: timings of the staging of each table, then of the whole."""
    staging: dict[str, float] = {}
    real_stage = flow.stage

    def timed_stage(con, key, path, *args, **kwargs):
        started = time.perf_counter()
        try:
            return real_stage(con, key, path, *args, **kwargs)
        finally:
            staging[key] = time.perf_counter() - started

    flow.stage = timed_stage
    started = time.perf_counter()
    meta = importer.load(Path(out), sources["files"], as_of=generate.DEFAULT_AS_OF,
                         database=sources["database"])
    total = time.perf_counter() - started
    queue.put({"source": source, "seconds": total, "staging_seconds": staging,
               "tables": {t: meta["tables"][t] for t in TABLES},
               "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024})


def run_one(source: str, sources: dict, out: Path) -> dict:
    shutil.rmtree(out.parent, ignore_errors=True)
    queue = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(
        target=_child, args=(source, sources, str(out), queue))
    child.start()
    result = queue.get()
    child.join()
    shutil.rmtree(out.parent, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.postgres_load")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--folder", type=Path, default=Path("bench/data/postgres_load"))
    parser.add_argument("--port", type=int, default=None,
                        help="the Postgres server's port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    from tests import postgres_server

    folder = args.folder / str(args.customers)
    folder.mkdir(parents=True, exist_ok=True)
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    load_before = [round(x, 1) for x in os.getloadavg()]
    db = folder / "source.duckdb"
    if not db.exists():
        generate.generate(db, customers=args.customers, seed=42)
    files = write_csv(db, folder)
    server, pg = postgres_server.start(port=args.port, parent=folder)
    try:
        ingest_s = fill_postgres(db, pg)
        sources = {"postgres": {"files": {t: t for t in TABLES},
                                "database": pg.url},
                   "csv": {"files": files, "database": None}}
        runs: dict[str, list[dict]] = {name: [] for name in sources}
        for _ in range(args.repeat):
            for name, spec in sources.items():
                runs[name].append(run_one(name, spec, folder / f"out-{name}" / "retention.duckdb"))
    finally:
        server.stop()
    load_after = [round(x, 1) for x in os.getloadavg()]

    def summary(results: list[dict]) -> dict:
        rows = sum(results[0]["tables"].values())
        total = statistics.median(r["seconds"] for r in results)
        staging = statistics.median(sum(r["staging_seconds"].values()) for r in results)
        return {"rows": rows, "tables": results[0]["tables"],
                "seconds": [round(r["seconds"], 1) for r in results],
                "median_s": round(total, 1), "rows_per_s": round(rows / total),
                "staging_median_s": round(staging, 1), "staging_rows_per_s": round(rows / staging),
                "staging_s_by_table": {t: round(statistics.median(r["staging_seconds"][t]
                                                                  for r in results), 1)
                                       for t in TABLES},
                "peak_rss_mb": max(r["peak_rss_mb"] for r in results)}

    report = {
        "bench": "postgres_load", "started_at": started_at,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "customers": args.customers, "repeat": args.repeat,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "duckdb": duckdb.__version__},
        "load_average_before": load_before, "load_average_after": load_after,
        "postgres_ingest_s": ingest_s,
        "csv_mb": {t: round(p.stat().st_size / 1e6) for t, p in files.items()},
        "results": {name: summary(r) for name, r in runs.items()},
    }
    report["postgres_vs_csv"] = round(report["results"]["postgres"]["median_s"]
                                      / report["results"]["csv"]["median_s"], 2)
    print(json.dumps(report))
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
