"""Where one machine ends: import, build and page timings as the customer count grows.

    python -m bench.scaling --customers 100000 1000000 10000000 [--steps STEP ...]
        [--formats parquet csv] [--folder DIR] [--chunk 1000000] [--timeout-min 45] [--repeat 3]
        [--duckdb-memory-mb N] [--spill-limit-gb 25] [--copies] [--out bench/results/scaling.json]
    python -m bench.scaling table [bench/results/scaling.json]     (the README's Scaling table)

Per size:
- raw files: the demo's tables (data.demo.generate, seed 42) written as one file per table, the way a
  user hands them to `python -m data.load`. Sizes above --chunk are generated in chunks of
  --chunk customers (chunk i: seed 42 + i, customer and ticket numbers offset so they stay
  unique), each in its own process, because one data.demo.generate run holds all its rows in memory
  (about 3.8 GB at 1M customers). Chunk 0 of a chunked size is the --chunk size itself, so 1M is
  reused by 10M. Cached under --folder by (seed, chunk size, chunk), merged once per size and format.
  With --copies, chunks after the first are chunk 0 with its ids renumbered, written straight
  into the merged files (minutes, not a generator run per chunk): recorded as "copies".
- import: `python -m data.load` on those files (its own build.finalize included: the derived
  facts and capabilities, timed inside it), into a fresh live path;
- views: `python -m views.default_views --db PATH` (each page's default view, kept beside the snapshot);
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
import fcntl
import json
import os
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import scaling_table
from bench.child_process import SpillGuard, python, run_child, size_bytes
from bench.scaling_files import (CHUNK, SEED, chunks, file_tables, merge, merge_copies, part_dir,
                                 write_chunk)
from bench.scaling_steps import SPARK_MASTER, child_import, postgres_import, source_build

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "scaling.json"
FOLDER = Path(os.environ.get("RETENTION_SCALING_DIR", "/work/scratch/scaling"))
STEPS = ("import", "views", "pages", "postgres", "duckdb-build", "spark")
# The README table's steps; the others measure the paths beyond one machine, when asked.
DEFAULT_STEPS = ("import", "views", "pages")
FORMATS = ("parquet", "csv")
# The page timings: the default view (kept beside the snapshot) and one filter change (live).
PAGE_SETS = ("default", "one plan")


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
              entry: dict, results: Results, log=print, copies: bool = False) -> dict[str, Path] | None:
    """The size's files in `fmt`, generating missing chunks (each in its own process);
    `copies`: chunks after the first are the first renumbered (scaling_files.copy_chunk)."""
    plan = chunks(customers, chunk)
    size = min(customers, chunk)
    generated = entry.setdefault("generate", {"chunks": {}})
    copies = copies and len(plan) > 1
    if copies:
        generated["copies"] = "chunks after the first: chunk 0 with its ids renumbered"
    parts = []
    for index, start, n in plan:
        part = part_dir(folder, n, size, index)
        parts.append(part)
        if (part / "done.json").exists() or (copies and index):
            continue
        log(f"  generating chunk {index + 1}/{len(plan)} ({n:,} customers, seed {SEED + index})")
        record = run_child(python("-m", "bench.scaling", "chunk", "--out", str(part),
                                   "--index", str(index), "--start", str(start),
                                   "--customers", str(n)), timeout_s, log)
        generated["chunks"][str(index)] = record
        results.save()
        if not (part / "done.json").exists():
            entry["generate"]["finding"] = f"chunk {index}: {record.get('finding', 'no output')}"
            results.save()
            return None
    rows: dict[str, int] = {}
    for part in parts[:1] if copies else parts:
        for table, count in json.loads((part / "done.json").read_text())["rows"].items():
            rows[table] = rows.get(table, 0) + count * (len(plan) if copies else 1)
    entry["rows"] = rows
    started = time.perf_counter()
    if copies:
        files = merge_copies(parts[0], plan, Path(folder) / "sizes" / f"{customers}-chunk{size}-copies", fmt)
    else:
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
    from views import default_views

    entry = results.size(customers)
    timeout_s = args.timeout_min * 60
    for fmt in args.formats:
        log(f"{customers:,} customers, {fmt}:")
        files = raw_files(customers, args.folder, args.chunk, fmt, timeout_s, entry, results, log,
                          args.copies)
        if files is None:
            return
        live = Path(args.folder) / "db" / f"{customers}-{fmt}" / "retention.duckdb"
        steps = entry.setdefault("steps", {})
        if "import" in args.steps:
            shutil.rmtree(live.parent, ignore_errors=True)
            live.parent.mkdir(parents=True)
            options = file_tables()
            load_args = ["--out", str(live)]
            for table, path in files.items():
                load_args += [options[table], str(path)]
            timings = live.parent / "import-timings.json"
            log("  import: python -m data.load " + " ".join(load_args))
            memory = ["--duckdb-memory-mb", str(args.duckdb_memory_mb)] if args.duckdb_memory_mb else []
            guard = SpillGuard(live.parent, args.spill_limit_gb)
            record = run_child(python("-m", "bench.scaling", "import", "--timings", str(timings),
                                       *memory, "--", *load_args), timeout_s, log, guard=guard)
            record["duckdb_memory_limit_mb"] = args.duckdb_memory_mb
            record["files_and_spill_peak_gb"] = round(guard.peak_bytes / 1e9, 1)
            if timings.exists():
                record.update(json.loads(timings.read_text()))
            steps[f"import_{fmt}"] = record
            if record["finished"] and record["exit"] == 0 and fmt == args.formats[0]:
                # The table's "Parquet -> snapshot": the first format's (a CSV's differs a little).
                entry["snapshot_mb"] = round(size_bytes(live.resolve()) / 1e6)
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
            log("  default views: python -m views.default_views --db " + str(live))
            record = run_child(python("-m", "views.default_views", "--db", str(live)), timeout_s, log)
            record["views_mb"] = round(size_bytes(default_views.views_dir(live.resolve())) / 1e6, 1)
            steps["views"] = record
            results.save()
        if "pages" in args.steps:
            out = live.parent / "pages.json"
            log("  pages: bench.worker duckdb (default view kept, one filter change live)")
            record = run_child(python("-m", "bench.worker", "duckdb", "--db", str(live),
                                       "--repeat", str(args.repeat), "--out", str(out),
                                       "--results", str(live.parent / "pages.pkl"),
                                       "--sets", *PAGE_SETS, "--no-reference"), timeout_s, log)
            if out.exists() and record["finished"]:
                record["pages"] = json.loads(out.read_text())
            steps["pages"] = record
            results.save()



def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["table"]:
        print(scaling_table.table(json.loads(Path(argv[1] if len(argv) > 1 else RESULTS).read_text())))
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
    parser.add_argument("--copies", action="store_true",
                        help="chunks after the first are the first with its ids renumbered "
                             "(seconds, not a generator run each)")
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
                          results, lambda m: print(m, file=sys.stderr), args.copies)
            continue
        measure(customers, args, results, lambda m: print(m, file=sys.stderr))
    return 0


if __name__ == "__main__":
    sys.exit(main())
