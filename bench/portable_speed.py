"""Path 2's cost: the app's own statements run on Postgres and on Spark instead of DuckDB, timed.

    python -m bench.scaling --customers 1000000 --steps import      (the snapshot, once per size)
    python -m bench.portable_speed --customers 1000000 [--engines duckdb postgres spark]
        [--sets default "one plan"] [--pages PAGE ...] [--folder DIR] [--db PATH] [--repeat 3] [--limit-min 10]
        [--budget-min 60]
        [--spark-memory 4g] [--port 8721] [--out bench/results/portable_speed.json]
    python -m bench.portable_speed table [bench/results/portable_speed.json]   (docs' tables)

The statements are the ones a person waits for: each page's default view (default_views'
FRAME_CALLS + PAGE_CALLS, a compare chart once per plan or segment, the category the page picks
from the data, as bench.pages expands them) and the same calls with one filter change (bench.pages'
"one plan" set). They are recorded as tests/portable/statements.py records every statement of the
portable tests (`collect`: the real query functions on a recording connection), on the snapshot
bench.scaling's import step made under --folder (RETENTION_SCALING_DIR), or --db. The recording
(texts, parameters, DuckDB's rows) is kept in --work so that one engine can be re-run alone.

Then each engine runs every distinct statement of --sets once cold (its first run) and --repeat
times warm (the median is reported), and its result is compared with DuckDB's (tests/portable/compare.py's
`differences`: same columns, same rows, numbers within 1e-9):
- duckdb: the app's own path, data.snapshots.connect (read-only, the app's memory limit); cold is
  a fresh connection. The app serves a default view from the views kept beside the snapshot
  (bench.scaling's pages step times that); here every statement is computed, as a filter change is.
- postgres: data.build.portable.bind(..., "postgres") over ADBC, on the tables the statements read
  copied into the tests' throw-away server (tests/postgres_server.py, 127.0.0.1:--port, data
  under --work) set up as a DBA would for this read-only workload: POSTGRES_SETTINGS, the
  INDEXES below (keys and join columns, the shared filters' plan and signup date), then VACUUM
  ANALYZE. Each statement has statement_timeout = --limit-min.
- spark: data.build.portable.bind(..., "spark") through spark.sql on a local[2] session (data.build.spark
  .session; --spark-memory driver), each table a temporary view over Parquet files DuckDB wrote
  (not an in-memory DataFrame). A statement past --limit-min is cancelled (cancelAllJobs).
A statement over the limit is recorded as such and not run warm: a finding, not an error. An
engine that has spent --budget-min leaves its remaining statements "not measured". Engines may
run in separate processes at once (--engines one each; the file is merged per engine): on a shared
machine that keeps them under the same load.

Per size, bench/results/portable_speed.json holds each statement (its call, pages, rows) and per
engine its cold and warm ms, whether it matched DuckDB's result, the load average when its cold
run started, the engine's set-up (copy, indexes, Parquet) and the load average at the start and
end of each step. Each page's time is the sum of its distinct statements (the app runs them one
after another). No time is asserted: the machine is shared, so read the load averages with them.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.portable_engines import ENGINES, RUNNERS, load_average
from bench.portable_results import Results, statement_records, table
from bench.portable_statements import SETS, record

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "portable_speed.json"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["table"]:
        print(table(json.loads(Path(argv[1] if len(argv) > 1 else RESULTS).read_text())))
        return 0
    from views import default_views
    from bench import scaling

    parser = argparse.ArgumentParser(prog="python -m bench.portable_speed",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--folder", type=Path, default=scaling.FOLDER,
                        help="bench.scaling's folder (RETENTION_SCALING_DIR)")
    parser.add_argument("--db", type=Path, help="the snapshot (default: bench.scaling's import)")
    parser.add_argument("--work", type=Path, help="recording, Postgres data, Parquet "
                        "(default: FOLDER/portable-speed/CUSTOMERS)")
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS),
                        help="the filter sets whose statements are timed")
    parser.add_argument("--pages", nargs="+", choices=list(default_views.PAGE_CALLS),
                        help="the pages timed, first first (default: all, in the app's order)")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs (the median is kept)")
    parser.add_argument("--limit-min", type=float, default=10.0, help="one statement's limit")
    parser.add_argument("--budget-min", type=float, default=60.0, help="one engine's time")
    parser.add_argument("--spark-memory", default="4g", help="Spark's driver memory")
    parser.add_argument("--port", type=int, default=8721,
                        help="Postgres; Spark's driver and block manager take the next two")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    live = args.db or args.folder / "db" / f"{args.customers}-parquet" / "retention.duckdb"
    if not live.exists():
        parser.error(f"no snapshot at {live}: run python -m bench.scaling --customers "
                     f"{args.customers} --steps import (or give --db)")
    args.work = args.work or args.folder / "portable-speed" / str(args.customers)
    args.work.mkdir(parents=True, exist_ok=True)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    results = Results(args.out, args.customers)
    from bench.run import machine

    stamp = Path(live).resolve()
    cache = args.work / "recorded.pkl"
    recorded = None
    if cache.exists():
        kept = pickle.loads(cache.read_bytes())
        if kept["snapshot"] == str(stamp):
            recorded = kept
    if recorded is None:
        log(f"recording each page's statements on {stamp}")
        started, load = time.perf_counter(), load_average()
        recorded = {**record(live), "snapshot": str(stamp),
                    "record": {"seconds": round(time.perf_counter() - started, 1),
                               "load_average_start": load, "load_average_end": load_average()}}
        cache.write_bytes(pickle.dumps(recorded))
    results.entry.update({
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(), "snapshot_mb": round(stamp.stat().st_size / 1e6),
        "limit_min": args.limit_min, "record": recorded["record"],
        "statements": statement_records(recorded), "pages": recorded["pages"], "engines": {},
    })
    log(f"{len(recorded['statements'])} distinct statements")
    for engine in args.engines:
        entry = {"load_average_start": load_average()}
        results.entry["engines"][engine] = entry
        results.engines.add(engine)
        log(f"{engine}:")
        started = time.perf_counter()
        try:
            RUNNERS[engine](live, recorded, entry, results.save, args, log)
        except Exception as exc:  # noqa: BLE001 - an engine that cannot start is a finding
            entry["error"] = f"{type(exc).__name__}: {exc}"[:400]
            log(f"    {entry['error']}")
        entry.update(seconds=round(time.perf_counter() - started, 1), load_average_end=load_average())
        results.save()
    print(table({"sizes": {results.key: json.loads(args.out.read_text())["sizes"][results.key]}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
