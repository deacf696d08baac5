"""One side of the benchmark, run in its own process so that its peak RSS is its own.

    python -m bench.worker duckdb --db PATH --repeat R --out timings.json --results results.pkl
    python -m bench.worker pandas --db PATH --repeat R --out timings.json --results results.pkl

duckdb: for every page (bench/pages.py) and filter set, R cold runs (each on a fresh
queries.connect, so DuckDB starts with an empty buffer pool; the file itself stays in the OS page
cache) and R warm runs after one warm-up on one connection. The pandas reference set is timed the
same way as a pseudo-page. pandas: bench/reference.py, loading the tables once (timed) and
computing each filter set R times. Both save the reference numbers for the comparison.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import pickle
import statistics
import sys
import time
from pathlib import Path

REFERENCE_PAGE = "pandas reference set"


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank
    return {"median_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2),
            "runs": len(ordered)}


def run_duckdb(db: Path, repeat: int, pages: list[str] | None, set_names: list[str] | None = None,
               reference: bool = True) -> tuple[dict, dict]:
    """`set_names`: only these filter sets (default all, and LIVE_SET); `reference`: also the
    pandas reference set (bench.scaling times the pages alone)."""
    from bench.pages import (FILTER_SETS, LIVE_SET, PAGE_QUERIES, REFERENCE_QUERIES, calls_of,
                             run_calls)
    from queries import connect

    out, saved = {}, {}
    probe = connect(db)
    sets = {**FILTER_SETS, LIVE_SET: FILTER_SETS["default"]}
    sets = {name: f for name, f in sets.items() if set_names is None or name in set_names}
    plan = {(page, set_name): calls_of(page, probe, f) for page in (pages or PAGE_QUERIES)
            for set_name, f in sets.items()}
    # The pandas comparison is between two computations: DuckDB's side is always computed live.
    for set_name in FILTER_SETS if reference else ():
        plan[(REFERENCE_PAGE, set_name)] = [(c[0], c[1], {}) for c in REFERENCE_QUERIES]
    probe.close()
    for (page, set_name), calls in plan.items():
        f = sets[set_name]
        live = set_name == LIVE_SET or page == REFERENCE_PAGE
        cold = []
        for _ in range(repeat):
            gc.collect()
            started = time.perf_counter()
            con = connect(db)
            run_calls(con, calls, f, live, db)
            con.close()
            cold.append((time.perf_counter() - started) * 1000)
        con = connect(db)
        results, timings = run_calls(con, calls, f, live, db)  # warm-up
        warm, per_call = [], [[] for _ in calls]
        for _ in range(repeat):
            gc.collect()
            started = time.perf_counter()
            _, timings = run_calls(con, calls, f, live, db)
            warm.append((time.perf_counter() - started) * 1000)
            for i, row in enumerate(timings):
                per_call[i].append(row["ms"])
        con.close()
        out.setdefault(page, {})[set_name] = {
            "cold": summary(cold),
            "warm": summary(warm),
            "calls": [
                {"call": row["call"], "warm_median_ms": round(statistics.median(ms), 2),
                 **({"error": row["error"]} if row["error"] else {})}
                for row, ms in zip(timings, per_call)
            ],
        }
        if page == REFERENCE_PAGE:
            saved[set_name] = dict(zip([c[0] for c in calls], results))
        print(f"  {page:<22} {set_name:<17} cold {out[page][set_name]['cold']['median_ms']:9.1f}"
              f"  warm {out[page][set_name]['warm']['median_ms']:9.1f} ms", file=sys.stderr)
    return out, saved


def run_pandas(db: Path, repeat: int) -> tuple[dict, dict]:
    from bench import reference
    from bench.pages import FILTER_SETS

    gc.collect()
    started = time.perf_counter()
    tables = reference.load(db)
    load_ms = (time.perf_counter() - started) * 1000
    print(f"  pandas load {load_ms:9.1f} ms", file=sys.stderr)
    out, saved = {"load_ms": round(load_ms, 2), "sets": {}}, {}
    for set_name, f in FILTER_SETS.items():
        runs = []
        for _ in range(repeat):
            gc.collect()
            started = time.perf_counter()
            result = reference.compute(tables, f)
            runs.append((time.perf_counter() - started) * 1000)
        out["sets"][set_name] = {"compute": summary(runs)}
        saved[set_name] = result
        print(f"  pandas {set_name:<17} compute {out['sets'][set_name]['compute']['median_ms']:9.1f} ms",
              file=sys.stderr)
    return out, saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("side", choices=("duckdb", "pandas"))
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--pages", nargs="*", default=None)
    parser.add_argument("--sets", nargs="*", default=None, help="duckdb: only these filter sets")
    parser.add_argument("--no-reference", action="store_true",
                        help="duckdb: leave out the pandas reference set")
    args = parser.parse_args(argv)
    if args.side == "duckdb":
        timings, saved = run_duckdb(args.db, args.repeat, args.pages, args.sets,
                                    not args.no_reference)
    else:
        timings, saved = run_pandas(args.db, args.repeat)
    args.out.write_text(json.dumps(timings, indent=1, default=str))
    with args.results.open("wb") as handle:
        pickle.dump(saved, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
