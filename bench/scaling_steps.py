"""bench.scaling's steps beyond the raw files: the import's child side (timing its build part),
the Postgres import (path 1) and `data.build --engine duckdb | spark` (the source builds)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

from bench.child_process import SpillGuard, python, run_child, size_bytes
from bench.scaling_files import file_tables

# The spark step: Spark in local mode on this machine's two cores, with this much driver memory
# (local mode runs the executors inside the driver).
SPARK_MASTER, SPARK_MEMORY = "local[2]", os.environ.get("RETENTION_SCALING_SPARK_MEMORY", "6g")
# The throw-away Postgres of the postgres step listens here (this bench's port range).
POSTGRES_PORT = int(os.environ.get("RETENTION_SCALING_PG_PORT", "8661"))


def child_import(timings: Path, load_args: list[str], duckdb_memory_mb: int | None = None) -> int:
    """`python -m data.load LOAD_ARGS`, timing its derived facts and capabilities (the build part
    of build.finalize) by wrapping the two functions; written to `timings` as JSON. Each phase's
    start is printed with the time since the start, so a run killed at its limit says how far it
    got. `duckdb_memory_mb`: DuckDB's memory_limit, as an import through the app sets it
    (data/isolated.py); DuckDB spills to disk beyond it."""
    if duckdb_memory_mb:
        from data.isolated import limit_duckdb

        limit_duckdb(duckdb_memory_mb)
    from data import build, capabilities
    from data.importer import cli

    spent = {"facts_seconds": 0.0, "capabilities_seconds": 0.0}
    begun = time.perf_counter()

    def timed(fn, key):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            print(f"[{started - begun:.0f} s] {key.removesuffix('_seconds')} started", flush=True)
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - started
        return wrapper

    build.build_facts = timed(build.build_facts, "facts_seconds")
    capabilities.compute = timed(capabilities.compute, "capabilities_seconds")
    code = cli.main(load_args)
    Path(timings).write_text(json.dumps({k: round(v, 1) for k, v in spent.items()}))
    return code


def source_build(engine: str, files: dict[str, Path], folder: Path, timeout_s: float,
                 args: argparse.Namespace, log=print) -> dict:
    """`python -m data.build --engine ENGINE` on the size's Parquet folder (one file per schema
    table, as data.build reads it), without data.load's checks of a user's files. Spark (path 3,
    local[2] here) computes the derived tables and DuckDB makes the snapshot of them; DuckDB
    computes them itself. Work and spill folders go under `folder`, removed after; DuckDB's
    snapshot is kept (measure() times the pages on it when data.load made none)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    source = {p.parent for p in files.values()}.pop()
    cmd = python("-m", "data.build", "--engine", engine, "--source", str(source),
                  "--out", str(folder / "retention.duckdb"))
    if engine != "duckdb":
        cmd += ["--work", str(folder / "work"),
                "--spark-conf", f"spark.driver.memory={SPARK_MEMORY}",
                "--spark-conf", f"spark.local.dir={folder / 'spill'}"]
    log(f"  {engine} build: " + " ".join(cmd[1:]))
    guard = SpillGuard(folder, args.spill_limit_gb)
    record = run_child(cmd, timeout_s, log, guard=guard)
    record["files_and_spill_peak_gb"] = round(guard.peak_bytes / 1e9, 1)
    if engine != "duckdb":
        record["spark_driver_memory"] = SPARK_MEMORY
    if record["finished"] and record["exit"] == 0:
        record["snapshot_mb"] = round(size_bytes((folder / "retention.duckdb").resolve()) / 1e6)
        if engine == "duckdb":
            return record  # kept: the pages are measured on it when data.load made none
    shutil.rmtree(folder, ignore_errors=True)
    return record


def postgres_import(files: dict[str, Path], live: Path, args: argparse.Namespace,
                    timeout_s: float, log=print) -> dict:
    """Path 1 of "beyond one machine": the same rows read from Postgres by `python -m data.load
    --from`. Starts the tests' throw-away server (tests/postgres_server.py) on POSTGRES_PORT with
    its data under --folder, copies each Parquet file into a table of the same name (ADBC's bulk
    COPY; timed, but not part of the import), runs the import as the import step does (the
    password through PGPASSWORD, so it is in no command line or record), and stops the server."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests import postgres_server

    pg_root = Path(args.folder) / "postgres"
    pg_root.mkdir(parents=True, exist_ok=True)
    server, pg = postgres_server.start(port=POSTGRES_PORT, parent=pg_root)
    try:
        started = time.perf_counter()
        load_start = [round(x, 2) for x in os.getloadavg()]
        for table, path in files.items():
            parquet = pq.ParquetFile(path)
            pg.ingest(table, pa.RecordBatchReader.from_batches(
                parquet.schema_arrow, parquet.iter_batches(batch_size=256_000)))
        copy = {"seconds": round(time.perf_counter() - started, 1), "load_average_start": load_start,
                "load_average_end": [round(x, 2) for x in os.getloadavg()]}
        log(f"    tables copied into Postgres in {copy['seconds']} s")
        shutil.rmtree(live.parent, ignore_errors=True)
        live.parent.mkdir(parents=True)
        options = file_tables()
        load_args = ["--out", str(live), "--from", pg.url_without_password]
        for table in files:
            load_args += [options[table], table]
        timings = live.parent / "import-timings.json"
        record = run_child(python("-m", "bench.scaling", "import", "--timings", str(timings),
                                   "--", *load_args), timeout_s, log, env={"PGPASSWORD": pg.password})
        if timings.exists():
            record.update(json.loads(timings.read_text()))
        record["copy_into_postgres"] = copy
        return record
    finally:
        server.stop()
        shutil.rmtree(live.parent, ignore_errors=True)  # the same snapshot as the import step's

