"""Where one machine ends: import, build and page timings as the customer count grows.

    python -m bench.scaling --customers 100000 1000000 10000000 [--steps STEP ...]
        [--formats parquet csv] [--folder DIR] [--chunk 1000000] [--timeout-min 45] [--repeat 3]
        [--duckdb-memory-mb N] [--spill-limit-gb 25] [--out bench/results/scaling.json]
    python -m bench.scaling table [bench/results/scaling.json]     (the README's Scaling table)

Per size:
- raw files: the demo's tables (data.generate, seed 42) written as one file per table, the way a
  user hands them to `python -m data.load`. Sizes above --chunk are generated in chunks of
  --chunk customers (chunk i: seed 42 + i, customer and ticket numbers offset so they stay
  unique), each in its own process, because one data.generate run holds all its rows in memory
  (about 3.8 GB at 1M customers). Chunk 0 of a chunked size is the --chunk size itself, so 1M is
  reused by 10M. Cached under --folder by (seed, chunk size, chunk), merged once per size and format.
- import: `python -m data.load` on those files (its own build.finalize included: the derived
  facts and capabilities, timed inside it), into a fresh live path;
- views: `python -m default_views --db PATH` (each page's default view, kept beside the snapshot);
- pages: bench.worker's DuckDB side (bench/pages.py) for the default view, answered from the kept
  views as the app answers it, and one filter change computed live ("one plan"), cold and warm.
These three are the default --steps. The paths beyond one machine, when asked:
- postgres: the same tables copied into the tests' throw-away Postgres, then `data.load --from`;
- duckdb-build, spark: `python -m data.build --engine duckdb | local[2]` on the Parquet folder.
Each step runs in a child process with a time limit: its wall time, peak RSS (wait4's rusage; and
sampled over its whole session, for Spark's JVM) and the load average at its start and end are
recorded. A step over its limit, or whose snapshot and spill pass --spill-limit-gb, is recorded
as not finished: a finding. Results accumulate in bench/results/scaling.json (one entry per size,
rewritten after every step), so sizes may be measured by separate runs.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "scaling.json"
FOLDER = Path(os.environ.get("RETENTION_SCALING_DIR", "/work/scratch/scaling"))
SEED = 42
CHUNK = 1_000_000
STEPS = ("import", "views", "pages", "postgres", "duckdb-build", "spark")
# The README table's steps; the others measure the paths beyond one machine, when asked.
DEFAULT_STEPS = ("import", "views", "pages")
# The spark step: Spark in local mode on this machine's two cores, with this much driver memory
# (local mode runs the executors inside the driver).
SPARK_MASTER, SPARK_MEMORY = "local[2]", os.environ.get("RETENTION_SCALING_SPARK_MEMORY", "6g")
# The throw-away Postgres of the postgres step listens here (this bench's port range).
POSTGRES_PORT = int(os.environ.get("RETENTION_SCALING_PG_PORT", "8661"))
FORMATS = ("parquet", "csv")
# The page timings: the default view (kept beside the snapshot) and one filter change (live).
PAGE_SETS = ("default", "one plan")
# Offsets keeping ids unique across chunks: chunk i's customer n is i * chunk + n, its ticket n
# is i * TICKETS_PER_CHUNK + n (no chunk comes near 10^9 tickets: 1M customers make 8.5M).
TICKETS_PER_CHUNK = 10**9
CUSTOMER_DIGITS, TICKET_DIGITS = 9, 12


# --- raw files -----------------------------------------------------------------------------------
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


def _file_tables() -> dict[str, str]:
    """Schema table -> its data.load option, for the tables a user's files fill."""
    from data.importer.cli import OPTIONS

    return {table: option for table, option in OPTIONS.items() if table != "churn_reason_categories"}


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
    from data import generate

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
            for table in _file_tables():
                if table not in present or not con.execute(f"select count(*) from {table}").fetchone()[0]:
                    continue
                columns = [r[0] for r in con.execute(f"describe {table}").fetchall()]
                replace = []
                if "customer_id" in columns:
                    replace.append(f"'C' || lpad(({start} + cast(substr(customer_id, 2) as bigint))"
                                   f"::varchar, {CUSTOMER_DIGITS}, '0') as customer_id")
                if "ticket_id" in columns:
                    replace.append(f"'T' || lpad(({index * TICKETS_PER_CHUNK} + cast(substr(ticket_id, 2) "
                                   f"as bigint))::varchar, {TICKET_DIGITS}, '0') as ticket_id")
                select = f"select * replace ({', '.join(replace)}) from {table}" if replace else \
                    f"select * from {table}"
                con.sql(select).write_parquet(str(out / f"{table}.parquet"))
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
    tables = [t for t in _file_tables() if all((p / f"{t}.parquet").exists() for p in parts)]
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


# --- one step in its own process -----------------------------------------------------------------
def run_child(cmd: list[str], timeout_s: float, log=print, env: dict | None = None,
              guard=None) -> dict:
    """Run `cmd` (from the repo root) in its own process group; kill it at `timeout_s`. Returns
    wall seconds, its peak RSS (MB; of the process itself, which is where DuckDB works), exit
    code, whether it finished, and the load average at start and end. `guard()`, asked about once
    a second, returns a reason to stop the step now (a spill filling the shared disk), or None."""
    env = dict(os.environ, **(env or {}),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    record = {"command": " ".join(cmd[2:] if cmd[:2] == [sys.executable, "-m"] else cmd),
              "load_average_start": [round(x, 2) for x in os.getloadavg()]}
    started = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    import threading

    reader = threading.Thread(target=lambda: output.extend(child.stdout), daemon=True)
    reader.start()
    finished = True
    tree_peak, polls = 0, 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if polls % 5 == 0:  # about once a second: every process of the step (Spark's JVM too)
            tree_peak = max(tree_peak, session_rss_kb(child.pid))
            stop = guard() if guard else None
            if stop:
                record["finding"] = f"stopped after {_seconds(time.perf_counter() - started)}: {stop}"
                os.killpg(child.pid, signal.SIGKILL)
                _, status, usage = os.wait4(child.pid, 0)
                break
        polls += 1
        if time.perf_counter() - started > timeout_s:
            finished = False
            os.killpg(child.pid, signal.SIGKILL)
            _, status, usage = os.wait4(child.pid, 0)
            break
        time.sleep(0.2)
    child.returncode = os.waitstatus_to_exitcode(status)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)  # anything the step started and left behind
    reader.join(timeout=5)
    record.update({
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        # Sampled each second over the step's whole session: more than peak_rss_mb when the step
        # starts processes of its own that it does not wait for (Spark's JVM).
        "peak_tree_rss_mb": round(max(tree_peak, usage.ru_maxrss) / 1024),
        "exit": child.returncode,
        "finished": finished,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "output_tail": "".join(output[-15:])[-3000:],
    })
    if "finding" in record:
        record["finished"] = False
    elif not finished:
        record["finding"] = f"did not finish in {_seconds(timeout_s)}"
    elif child.returncode != 0:
        record["finding"] = f"failed (exit {child.returncode})"
    tree = (f" ({record['peak_tree_rss_mb']:,} MB with its children)"
            if record["peak_tree_rss_mb"] > 1.2 * record["peak_rss_mb"] else "")
    log(f"    {record['seconds']:8.1f} s  peak RSS {record['peak_rss_mb']:6,} MB{tree}  "
        f"load {record['load_average_start'][0]:.1f} -> {record['load_average_end'][0]:.1f}"
        + (f"  {record['finding']}" if "finding" in record else ""))
    return record


def session_rss_kb(sid: int) -> int:
    """Resident memory (KiB) of every process in session `sid` now (from /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) != sid:  # after the command name: state, ppid, pgrp, session
                continue
            for line in (stat.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return total


def _python(*args: str) -> list[str]:
    return [sys.executable, *args]


def child_import(timings: Path, load_args: list[str], duckdb_memory_mb: int | None = None) -> int:
    """`python -m data.load LOAD_ARGS`, timing its derived facts and capabilities (the build part
    of build.finalize) by wrapping the two functions; written to `timings` as JSON. Each phase's
    start is printed with the time since the start, so a run killed at its limit says how far it
    got. `duckdb_memory_mb`: DuckDB's memory_limit, as an import through the app sets it
    (data/isolated.py); DuckDB spills to disk beyond it."""
    if duckdb_memory_mb:
        from data.isolated import _limit_duckdb

        _limit_duckdb(duckdb_memory_mb)
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


# --- the measurement -----------------------------------------------------------------------------
def _size_bytes(path: Path) -> int:
    path = Path(path)
    if path.is_dir():
        total = 0
        for p in path.rglob("*"):
            with contextlib.suppress(OSError):  # a spill file removed meanwhile
                total += p.stat().st_size if p.is_file() else 0
        return total
    return path.stat().st_size if path.exists() else 0


class SpillGuard:
    """A run_child guard: stop when the files under `folder` (the snapshot being built and DuckDB's
    spill beside it) pass `limit_gb`, or the disk has less than `min_free_gb` left. The machine's
    disk is shared: a spill that fills it stops everyone's work. `peak_bytes`: the most it saw."""

    def __init__(self, folder: Path, limit_gb: float, min_free_gb: float = 10.0):
        self.folder, self.limit_gb, self.min_free_gb = Path(folder), limit_gb, min_free_gb
        self.peak_bytes = 0

    def __call__(self) -> str | None:
        size = _size_bytes(self.folder)
        self.peak_bytes = max(self.peak_bytes, size)
        if size > self.limit_gb * 1e9:
            return f"its files and DuckDB's spill passed {self.limit_gb:g} GB"
        free = shutil.disk_usage(self.folder).free
        if free < self.min_free_gb * 1e9:
            return f"the disk had {free / 1e9:.0f} GB left (its files and spill: {size / 1e9:.0f} GB)"
        return None


class Results:
    """bench/results/scaling.json: one entry per size, rewritten after every step."""

    def __init__(self, path: Path, meta: dict):
        self.path = Path(path)
        self.meta = meta
        self.sizes: dict[str, dict] = {}  # the sizes this run measures; others are kept as found

    def size(self, customers: int) -> dict:
        if str(customers) not in self.sizes:
            found = self._read().get("sizes", {}).get(str(customers), {})
            self.sizes[str(customers)] = {**found, "customers": customers}
        return self.sizes[str(customers)]

    def _read(self) -> dict:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def save(self) -> None:
        """Rewrite the file with this run's sizes, re-reading it first: another run (a second size
        measured at the same time) may have saved its own since."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = {**self._read(), **self.meta}
            sizes = {**data.get("sizes", {}), **self.sizes}
            data["sizes"] = dict(sorted(sizes.items(), key=lambda kv: int(kv[0])))
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(json.dumps(data, indent=1, default=str) + "\n")
            tmp.replace(self.path)


def raw_files(customers: int, folder: Path, chunk: int, fmt: str, timeout_s: float,
              entry: dict, results: Results, log=print) -> dict[str, Path] | None:
    """The size's files in `fmt`, generating missing chunks (each in its own process)."""
    plan = chunks(customers, chunk)
    size = min(customers, chunk)
    generated = entry.setdefault("generate", {"chunks": {}})
    parts = []
    for index, start, n in plan:
        part = part_dir(folder, n, size, index)
        parts.append(part)
        if (part / "done.json").exists():
            continue
        log(f"  generating chunk {index + 1}/{len(plan)} ({n:,} customers, seed {SEED + index})")
        record = run_child(_python("-m", "bench.scaling", "chunk", "--out", str(part),
                                   "--index", str(index), "--start", str(start),
                                   "--customers", str(n)), timeout_s, log)
        generated["chunks"][str(index)] = record
        results.save()
        if not (part / "done.json").exists():
            entry["generate"]["finding"] = f"chunk {index}: {record.get('finding', 'no output')}"
            results.save()
            return None
    rows: dict[str, int] = {}
    for part in parts:
        for table, count in json.loads((part / "done.json").read_text())["rows"].items():
            rows[table] = rows.get(table, 0) + count
    entry["rows"] = rows
    started = time.perf_counter()
    files = merge(parts, Path(folder) / "sizes" / f"{customers}-chunk{size}", fmt)
    entry.setdefault("files", {})[fmt] = {
        "bytes": {t: p.stat().st_size for t, p in files.items()},
        "total_mb": round(sum(p.stat().st_size for p in files.values()) / 1e6),
    }
    if time.perf_counter() - started > 1:
        generated[f"merge_{fmt}_seconds"] = round(time.perf_counter() - started, 1)
    results.save()
    return files


def measure(customers: int, args: argparse.Namespace, results: Results, log=print) -> None:
    import default_views

    entry = results.size(customers)
    timeout_s = args.timeout_min * 60
    for fmt in args.formats:
        log(f"{customers:,} customers, {fmt}:")
        files = raw_files(customers, args.folder, args.chunk, fmt, timeout_s, entry, results, log)
        if files is None:
            return
        live = Path(args.folder) / "db" / f"{customers}-{fmt}" / "retention.duckdb"
        steps = entry.setdefault("steps", {})
        if "import" in args.steps:
            shutil.rmtree(live.parent, ignore_errors=True)
            live.parent.mkdir(parents=True)
            options = _file_tables()
            load_args = ["--out", str(live)]
            for table, path in files.items():
                load_args += [options[table], str(path)]
            timings = live.parent / "import-timings.json"
            log("  import: python -m data.load " + " ".join(load_args))
            memory = ["--duckdb-memory-mb", str(args.duckdb_memory_mb)] if args.duckdb_memory_mb else []
            guard = SpillGuard(live.parent, args.spill_limit_gb)
            record = run_child(_python("-m", "bench.scaling", "import", "--timings", str(timings),
                                       *memory, "--", *load_args), timeout_s, log, guard=guard)
            record["duckdb_memory_limit_mb"] = args.duckdb_memory_mb
            record["files_and_spill_peak_gb"] = round(guard.peak_bytes / 1e9, 1)
            if timings.exists():
                record.update(json.loads(timings.read_text()))
            steps[f"import_{fmt}"] = record
            if record["finished"] and record["exit"] == 0:
                entry["snapshot_mb"] = round(_size_bytes(live.resolve()) / 1e6)
            results.save()
        if "postgres" in args.steps and fmt == "parquet":
            log("  postgres: the same tables in a throw-away Postgres, then python -m data.load --from")
            steps["import_postgres"] = postgres_import(files, live.parent.with_name(
                f"{customers}-postgres") / "retention.duckdb", args, timeout_s, log)
            results.save()
        for step, engine, key in (("duckdb-build", "duckdb", "build_duckdb"),
                                  ("spark", SPARK_MASTER, "build_spark")):
            if step in args.steps and fmt == "parquet":
                steps[key] = source_build(
                    engine, files, live.parent.with_name(f"{customers}-{step}"), timeout_s, args, log)
                results.save()
        if fmt != args.formats[0]:
            continue  # the snapshot is the same whatever the files' format: measured once
        if not live.exists():
            # No snapshot from data.load (it did not fit): the pages are measured on the one
            # data.build --engine duckdb made of the same files, when there is one.
            live = live.parent.with_name(f"{customers}-duckdb-build") / "retention.duckdb"
            if not live.exists():
                continue
            entry["pages_snapshot_from"] = "python -m data.build --engine duckdb"
        if "views" in args.steps:
            log("  default views: python -m default_views --db " + str(live))
            record = run_child(_python("-m", "default_views", "--db", str(live)), timeout_s, log)
            record["views_mb"] = round(_size_bytes(default_views.views_dir(live.resolve())) / 1e6, 1)
            steps["views"] = record
            results.save()
        if "pages" in args.steps:
            out = live.parent / "pages.json"
            log("  pages: bench.worker duckdb (default view kept, one filter change live)")
            record = run_child(_python("-m", "bench.worker", "duckdb", "--db", str(live),
                                       "--repeat", str(args.repeat), "--out", str(out),
                                       "--results", str(live.parent / "pages.pkl"),
                                       "--sets", *PAGE_SETS, "--no-reference"), timeout_s, log)
            if out.exists() and record["finished"]:
                record["pages"] = json.loads(out.read_text())
            steps["pages"] = record
            results.save()


# --- the README table ----------------------------------------------------------------------------
def _seconds(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 60:
        return f"{s:.1f} s" if s < 10 else f"{s:.0f} s"
    if round(s) % 60 == 0:
        return f"{round(s) // 60} min"
    return f"{int(s // 60)} min {round(s % 60):02d} s"


def _step_cell(record: dict | None, seconds: float | None = None) -> str:
    if record is None:
        return "not run"
    if "finding" in record:
        return record["finding"].split(":")[0]  # its details are in the JSON
    return _seconds(record["seconds"] if seconds is None else seconds)


def _pages(record: dict | None, set_name: str, kind: str) -> str:
    """'a-b ms' over the pages (median of each page's runs), or why there is none."""
    if record is None:
        return "not run"
    if "finding" in record:
        return record["finding"]
    values = [sets[set_name][kind]["median_ms"] for sets in record["pages"].values()
              if set_name in sets]
    low, high = min(values), max(values)
    fmt = (lambda v: f"{v:,.0f}") if high >= 100 else (lambda v: f"{v:.0f}")
    return f"{fmt(low)}-{fmt(high)} ms"


def _count(n: int) -> str:
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.0f}k"


def table(data: dict) -> str:
    """The README's Scaling table from scaling.json: per size, the Parquet import (without its
    build part), the build (derived facts + capabilities inside the import, then the default
    views), the pages' default view cold and the filter change warm (range over the six pages),
    the peak RSS of import / views / pages, and raw files -> snapshot size. A step that did not
    finish shows why (the first words of its finding) and its peak RSS until it stopped. Marked *:
    measured on the snapshot data.build --engine duckdb made when data.load made none."""
    lines = ["| customers | rows (tickets; all tables) | import | build | default view, cold "
             "| filter change, warm | peak RSS import / views / pages | Parquet -> snapshot "
             "| load average |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for entry in data["sizes"].values():
        steps = entry.get("steps", {})
        imp, views, pages = steps.get("import_parquet"), steps.get("views"), steps.get("pages")
        rows = entry.get("rows", {})
        build_part = None
        if imp and "finding" not in imp:
            build_part = imp.get("facts_seconds", 0) + imp.get("capabilities_seconds", 0)
        import_cell = _step_cell(imp, imp["seconds"] - build_part if build_part is not None else None)
        if views is None or "finding" in views or build_part is None:
            build_cell = _step_cell(views) if build_part is not None else "-"
        else:
            build_cell = _seconds(build_part + views["seconds"])
        # *: data.load made no snapshot; data.build --engine duckdb did, from the same files (its
        # whole run and the default views), and the pages were measured on it.
        star = " *" if entry.get("pages_snapshot_from") else ""
        built = steps.get("build_duckdb")
        if star and built and "finding" not in built and views and "finding" not in views:
            build_cell = _seconds(built["seconds"] + views["seconds"]) + star
        # A step stopped early shows its peak until then.
        rss = " / ".join(f"{r['peak_rss_mb']:,}" if r else "-" for r in (imp, views, pages))
        files = entry.get("files", {}).get("parquet", {}).get("total_mb")
        size = f"{files:,} MB -> {entry['snapshot_mb']:,} MB" if files and entry.get("snapshot_mb") \
            else (f"{files:,} MB -> -" if files else "-")
        loads = [x for r in (imp, views, pages) if r
                 for x in (r["load_average_start"][0], r["load_average_end"][0])]
        load = f"{min(loads):.0f}-{max(loads):.0f}" if loads else "-"
        lines.append(
            f"| {_count(entry['customers'])} | {_count(rows.get('tickets', 0))}; "
            f"{_count(sum(rows.values()))} | {import_cell} | {build_cell} "
            f"| {_pages(pages, 'default', 'cold')}{star if pages else ''} "
            f"| {_pages(pages, 'one plan', 'warm')}{star if pages else ''} "
            f"| {rss} MB | {size} | {load} |")
    return "\n".join(lines)


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
    cmd = _python("-m", "data.build", "--engine", engine, "--source", str(source),
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
        record["snapshot_mb"] = round(_size_bytes((folder / "retention.duckdb").resolve()) / 1e6)
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
        options = _file_tables()
        load_args = ["--out", str(live), "--from", pg.url_without_password]
        for table in files:
            load_args += [options[table], table]
        timings = live.parent / "import-timings.json"
        record = run_child(_python("-m", "bench.scaling", "import", "--timings", str(timings),
                                   "--", *load_args), timeout_s, log, env={"PGPASSWORD": pg.password})
        if timings.exists():
            record.update(json.loads(timings.read_text()))
        record["copy_into_postgres"] = copy
        return record
    finally:
        server.stop()
        shutil.rmtree(live.parent, ignore_errors=True)  # the same snapshot as the import step's


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["table"]:
        print(table(json.loads(Path(argv[1] if len(argv) > 1 else RESULTS).read_text())))
        return 0
    if argv[:1] == ["chunk"]:
        parser = argparse.ArgumentParser(prog="python -m bench.scaling chunk")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--index", type=int, required=True)
        parser.add_argument("--start", type=int, required=True)
        parser.add_argument("--customers", type=int, required=True)
        a = parser.parse_args(argv[1:])
        write_chunk(a.out, a.index, a.start, a.customers)
        return 0
    if argv[:1] == ["import"]:
        split = argv.index("--")
        parser = argparse.ArgumentParser(prog="python -m bench.scaling import")
        parser.add_argument("--timings", type=Path, required=True)
        parser.add_argument("--duckdb-memory-mb", type=int)
        a = parser.parse_args(argv[1:split])
        return child_import(a.timings, argv[split + 1:], a.duckdb_memory_mb)
    parser = argparse.ArgumentParser(prog="python -m bench.scaling", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(DEFAULT_STEPS))
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=["parquet"])
    parser.add_argument("--folder", type=Path, default=FOLDER, help="raw files and databases")
    parser.add_argument("--chunk", type=int, default=CHUNK, help="customers per generator run")
    parser.add_argument("--timeout-min", type=float, default=45.0, help="time limit of each step")
    parser.add_argument("--repeat", type=int, default=3, help="timed page runs, cold and warm")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--generate-only", action="store_true", help="only make the raw files")
    parser.add_argument("--spill-limit-gb", type=float, default=25.0,
                        help="stop an import whose snapshot and spill files pass this size")
    parser.add_argument("--duckdb-memory-mb", type=int,
                        help="the import's DuckDB memory_limit (default DuckDB's: 80%% of RAM)")
    args = parser.parse_args(argv)
    from bench.run import machine

    results = Results(args.out, {"machine": machine(), "chunk": args.chunk, "seed": SEED})
    for customers in args.customers:
        entry = results.size(customers)
        entry["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if args.generate_only:
            for fmt in args.formats:
                raw_files(customers, args.folder, args.chunk, fmt, args.timeout_min * 60, entry,
                          results, lambda m: print(m, file=sys.stderr))
            continue
        measure(customers, args, results, lambda m: print(m, file=sys.stderr))
    return 0


if __name__ == "__main__":
    sys.exit(main())
