"""`python -m bench`: the performance benchmark. See bench/__init__.py."""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import dataset, report
from bench.pages import FILTER_SETS
from bench.worker import REFERENCE_PAGE

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "latest.json"
TARGET_WARM_MS = 100.0
TARGET_RATIO = 20.0


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem_gb = round(kb / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    import duckdb
    import pandas

    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem_gb,
        "python": platform.python_version(), "duckdb": duckdb.__version__,
        "pandas": pandas.__version__, "os": platform.platform(),
    }


def run_side(side: str, db: Path, repeat: int, workdir: Path, pages=None) -> tuple[dict, dict, int]:
    """Run one side in a child process; return (timings, saved results, peak RSS in MB)."""
    out, results = workdir / f"{side}.json", workdir / f"{side}.pkl"
    cmd = [sys.executable, "-m", "bench.worker", side, "--db", str(db), "--repeat", str(repeat),
           "--out", str(out), "--results", str(results)]
    if pages:
        cmd += ["--pages", *pages]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    child = subprocess.Popen(cmd, cwd=ROOT, env=env)
    # wait4 gives this child's own rusage: ru_maxrss is its peak resident set, in KiB on Linux.
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"bench: the {side} side failed (exit {child.returncode})")
    with results.open("rb") as handle:
        saved = pickle.load(handle)
    return json.loads(out.read_text()), saved, round(usage.ru_maxrss / 1024)


def ratios(duck: dict, pandas_side: dict) -> dict:
    """pandas end to end (load + compute) / DuckDB cold (connect + the same calls); and warm."""
    out = {}
    load = pandas_side["load_ms"]
    for set_name in FILTER_SETS:
        compute = pandas_side["sets"][set_name]["compute"]["median_ms"]
        ref = duck[REFERENCE_PAGE][set_name]
        out[set_name] = {
            "pandas_load_ms": load,
            "pandas_compute_ms": compute,
            "pandas_end_to_end_ms": round(load + compute, 2),
            "duckdb_cold_ms": ref["cold"]["median_ms"],
            "duckdb_warm_ms": ref["warm"]["median_ms"],
            "ratio_end_to_end": round((load + compute) / ref["cold"]["median_ms"], 1),
            "ratio_warm": round(compute / ref["warm"]["median_ms"], 1),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measurement")
    parser.add_argument("--browser", action="store_true", help="also measure in headless Chromium")
    parser.add_argument("--pages", nargs="*", default=None, help="only these pages (default all)")
    parser.add_argument("--data-dir", type=Path, default=dataset.DATA_DIR)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas reference")
    parser.add_argument("--network", action="store_true",
                        help="with --browser: only the first chart over a shaped 20 Mbit/s "
                             "network, direct and through deploy/nginx.conf (bench/network.py); "
                             "writes bench/results/network.json")
    args = parser.parse_args(argv)
    if args.customers < 1 or args.repeat < 1:
        parser.error("--customers and --repeat must be at least 1")
    if args.network:
        if not args.browser:
            parser.error("--network measures in the browser: give --browser too")
        from bench import network

        db, _ = dataset.ensure_database(args.customers, args.data_dir,
                                        log=lambda m: print(m, file=sys.stderr))
        network.run(db, args.repeat, args.out if args.out != RESULTS else network.RESULTS)
        return 0

    started = time.perf_counter()
    db, generation = dataset.ensure_database(args.customers, args.data_dir,
                                             log=lambda m: print(m, file=sys.stderr))
    result = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_start": os.getloadavg(),
        "arguments": {"customers": args.customers, "repeat": args.repeat, "browser": args.browser},
        "database": {"path": str(db.relative_to(ROOT) if db.is_relative_to(ROOT) else db),
                     **generation, **_tables(db)},
        "targets": {"warm_median_ms": TARGET_WARM_MS, "pandas_ratio": TARGET_RATIO},
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        print("DuckDB side (queries API):", file=sys.stderr)
        duck, duck_saved, duck_rss = run_side("duckdb", db, args.repeat, Path(tmp), args.pages)
        result["pages"] = {page: sets for page, sets in duck.items() if page != REFERENCE_PAGE}
        result["reference_set"] = duck[REFERENCE_PAGE]
        result["peak_rss_mb"] = {"duckdb": duck_rss}
        if not args.no_pandas:
            print("pandas side (reference notebook):", file=sys.stderr)
            pandas_side, pandas_saved, pandas_rss = run_side("pandas", db, args.repeat, Path(tmp))
            from bench.reference import compare_all

            result["pandas"] = pandas_side
            result["peak_rss_mb"]["pandas"] = pandas_rss
            result["ratios"] = ratios(duck, pandas_side)
            result["equality"] = compare_all(duck_saved, pandas_saved)
    if args.browser:
        from bench import browser

        print("Browser (Streamlit + headless Chromium):", file=sys.stderr)
        result["browser"] = browser.measure(db, repeat=args.repeat)
    result["load_average_end"] = os.getloadavg()
    result["seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, default=str) + "\n")
    print(report.markdown(result))
    failed = [row for row in result.get("equality", []) if not row["ok"]]
    if failed:
        print(f"bench: {len(failed)} pandas/DuckDB comparison(s) differ", file=sys.stderr)
        return 1
    return 0


def _tables(db: Path) -> dict:
    from queries import connect, meta

    con = connect(db)
    try:
        info = meta(con)
    finally:
        con.close()
    tables = info["tables"]
    return {"tables": json.loads(tables) if isinstance(tables, str) else tables,
            "as_of": str(info["default_as_of"])}
