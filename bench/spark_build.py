"""A snapshot built by Spark against one built by DuckDB, from the same raw tables: time, peak
memory, and whether every table and every page's default view is equal.

    python -m bench.spark_build --customers 100000 --folder /work/scratch/x [--engine local[2]]
        [--spark-conf spark.driver.memory=4g ...]

Generates the demo (data/demo/generate.py) once per size in the folder, exports its raw tables as
Parquet folders (source/<table>/), then runs `python -m data.build` twice in child processes,
`--engine duckdb` and the Spark engine, each timed (wall) with its peak memory: the largest sum of
the resident sets of the build's process tree (Python and Spark's JVM), sampled every 0.2 s.
Each snapshot's default views are then kept (`python -m views.default_views`) and compared: every table
but meta, and every page's default view (default_views.PAGE_CALLS with default filters), numbers
within 1e-9 (relative, or absolute near 0: a sum of 1e7 in another order differs in its
last bits). Writes bench/results/spark_build.json (with the load average before and after).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "bench" / "results" / "spark_build.json"
RAW = ("customers", "tickets", "nps_responses", "mrr_history", "activity", "outreach")
# Every table of a snapshot but meta and mapping_versions (its id and build time differ by
# construction).
COMPARED = (*RAW, "churn_reason_categories", "customer_facts", "ticket_facts", "mrr_facts",
            "nps_facts", "activity_facts", "outreach_facts", "facts_version", "capabilities")
TOLERANCE = 1e-9


# --- comparing two snapshots (also used by tests/portable/test_spark_build.py) --------------------

def _frame(con, table: str) -> pd.DataFrame:
    frame = con.execute(f"select * from {table}").df()  # table names from COMPARED
    return frame.sort_values(list(frame.columns), na_position="last", kind="stable",
                             ignore_index=True)


def table_differences(a: Path, b: Path, tables=COMPARED) -> dict[str, str]:
    """table -> how it differs between two snapshots (column types, or the first values); only
    the tables that differ. Rows are compared as sets (sorted), numbers within 1e-9."""
    out = {}
    con_a = duckdb.connect(str(a), read_only=True)
    con_b = duckdb.connect(str(b), read_only=True)
    try:
        for table in tables:
            shape_a = con_a.execute(f"describe {table}").fetchall()
            shape_b = con_b.execute(f"describe {table}").fetchall()
            if shape_a != shape_b:
                out[table] = f"columns {shape_b} != {shape_a}"
                continue
            try:
                pd.testing.assert_frame_equal(_frame(con_b, table), _frame(con_a, table),
                                              check_exact=False, rtol=TOLERANCE, atol=TOLERANCE)
            except AssertionError as exc:
                out[table] = str(exc)[:1000]
    finally:
        con_a.close()
        con_b.close()
    return out


def default_views_of(live: Path) -> dict[str, object]:
    """call key -> every page's default view of a snapshot (default_views.PAGE_CALLS with default
    filters) as the app serves it: the result kept beside the snapshot (its after-build hook, or
    `python -m views.default_views`). A call that was not kept raises KeyError."""
    from views import default_views
    import queries
    from queries import Filters

    path = Path(os.path.realpath(live))
    con = queries.connect(path)
    try:
        facts = default_views.facts_version(con)
        default = Filters(as_of=queries.snapshot_as_of(con))
        views = {}
        for name, kwargs, overrides in default_views.all_calls(queries.filter_options(con)):
            if name in default_views.NOT_STORED:
                continue
            f = replace(default, **overrides)
            arguments = default_views.resolve(con, kwargs, f)
            key = default_views.call_key(name, arguments, f)
            kept = default_views.lookup(path, facts, name, f, arguments)
            if kept is default_views.MISS:
                raise KeyError(f"{key} was not kept beside {path.name}")
            views[key] = kept
        return views
    finally:
        con.close()


def view_differences(expected: dict, got: dict) -> dict[str, str]:
    """call key -> how that default view differs (frames within 1e-9); only those that differ."""
    out = {key: "missing" for key in expected if key not in got}
    out.update({key: "not expected" for key in got if key not in expected})
    for key, want in expected.items():
        if key not in got:
            continue
        try:
            if isinstance(want, pd.DataFrame):
                pd.testing.assert_frame_equal(got[key], want, check_exact=False, rtol=TOLERANCE,
                                              atol=TOLERANCE)
            elif json.dumps(got[key], sort_keys=True) != json.dumps(want, sort_keys=True):
                numbers = isinstance(want, (int, float)) and isinstance(got[key], (int, float))
                if not (numbers and abs(got[key] - want) <= TOLERANCE):
                    raise AssertionError(f"{got[key]!r} != {want!r}")
        except AssertionError as exc:
            out[key] = str(exc)[:500]
    return out


# --- the benchmark -------------------------------------------------------------------------------

def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, MB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def run_measured(command: list[str]) -> dict:
    """Run a command; its wall time, peak memory of its process tree and output."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    peak = 0.0
    while child.poll() is None:
        peak = max(peak, _tree_rss_mb(child.pid))
        time.sleep(0.2)
    out, err = child.communicate()
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{err[-3000:]}")
    return {"seconds": round(time.perf_counter() - started, 1), "peak_mb": round(peak),
            "output": out.strip().splitlines()[-1]}


def export(live: Path, folder: Path) -> Path:
    """The raw tables of a snapshot as Parquet folders, source/<table>/0.parquet."""
    con = duckdb.connect(str(live), read_only=True)
    try:
        for table in RAW:
            (folder / table).mkdir(parents=True, exist_ok=True)
            con.sql(f"select * from {table}").write_parquet(str(folder / table / "0.parquet"))
    finally:
        con.close()
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.spark_build", description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--folder", type=Path, required=True, help="scratch folder (not in git)")
    parser.add_argument("--engine", default="local[2]")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    from data.demo import generate

    folder = args.folder / f"spark-build-{args.customers}"
    demo = folder / "demo" / "retention.duckdb"
    source = folder / "source"
    if not (source / "customers").is_dir():
        generate.generate(demo, args.customers)
        export(demo, source)
    as_of = generate.DEFAULT_AS_OF.isoformat()
    load_before = os.getloadavg()
    results = {"customers": args.customers, "engine": args.engine}
    lives = {}
    for name, engine in (("duckdb", "duckdb"), ("spark", args.engine)):
        live = folder / name / "retention.duckdb"
        command = [sys.executable, "-m", "data.build", "--source", str(source), "--out",
                   str(live), "--engine", engine, "--as-of", as_of]
        for item in args.spark_conf if name == "spark" else ():
            command += ["--spark-conf", item]
        results[name] = run_measured(command)
        print(name, results[name], file=sys.stderr)
        views = run_measured([sys.executable, "-m", "views.default_views", "--db", str(live)])
        results[name]["default_views_seconds"] = views["seconds"]
        lives[name] = live
    results["load_average"] = {"before": [round(x, 1) for x in load_before],
                               "after": [round(x, 1) for x in os.getloadavg()]}
    tables = table_differences(lives["duckdb"], lives["spark"])
    views_duck = default_views_of(lives["duckdb"])
    views = view_differences(views_duck, default_views_of(lives["spark"]))
    results["tables_equal"] = not tables
    results["default_views_compared"] = len(views_duck)
    results["default_views_equal"] = not views
    results["differences"] = {"tables": tables, "views": views}
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0 if not tables and not views else 1


if __name__ == "__main__":
    sys.exit(main())
