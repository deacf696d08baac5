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
import contextlib
import fcntl
import json
import os
import pickle
import shutil
import statistics
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import sqlglot
from sqlglot import exp

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "portable_speed.json"
ENGINES = ("duckdb", "postgres", "spark")
SETS = ("default", "one plan")  # bench.pages.FILTER_SETS: the default view and one filter change
# Postgres as a DBA would set it for analytic reads on this shared 24 GB machine: a buffer cache
# that holds the hot facts, sorts and hashes in memory, and the planner told the OS caches files.
POSTGRES_SETTINGS = {"shared_buffers": "2GB", "work_mem": "256MB", "maintenance_work_mem": "1GB",
                     "effective_cache_size": "8GB", "max_parallel_workers_per_gather": "2",
                     "random_page_cost": "1.1"}
# table -> indexed columns (each entry one index; the first a primary key when marked so): the
# keys the statements join on and the shared filters' most used columns.
INDEXES = {
    "customer_facts": ["primary key (customer_key)", "customer_id", "plan", "signup_date"],
    "customers": ["primary key (customer_id)"],
    "churn_reason_categories": ["primary key (reason_key)"],
    "ticket_facts": ["customer_key", "created_at"],
    "mrr_facts": ["customer_key, month"],
    "nps_facts": ["customer_key"],
    "activity_facts": ["customer_key"],
    "outreach": ["customer_id"],
}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- which statements ------------------------------------------------------------------------------
def page_calls(con, page: str, set_name: str) -> list[tuple[str, str, dict, object]]:
    """The page's calls under a filter set as statements.collect takes them: (id, function,
    arguments, filters), compare charts expanded and picked arguments resolved on `con`."""
    from bench import pages

    f = pages.FILTER_SETS[set_name].resolve(con)
    return [(f"{set_name}: {pages.call_label(name, kwargs, overrides)}", name, kwargs,
             replace(f, **overrides) if overrides else f)
            for name, kwargs, overrides in pages.calls_of(page, con, f)]


def record(live: Path, sets=SETS, pages=None) -> dict:
    """Every distinct statement of each page's calls (default: every page) under each set,
    recorded on DuckDB: {"statements": [Statement], "pages": {set: {page: [statement index]}}}."""
    import duckdb

    from views import default_views
    from tests.portable.statements import collect, statement_key

    statements, index, chosen = [], {}, pages or list(default_views.PAGE_CALLS)
    pages = {}
    for set_name in sets:
        pages[set_name] = {}
        for page in chosen:
            con = duckdb.connect(str(live), read_only=True)
            try:
                calls = page_calls(con, page, set_name)
            finally:
                con.close()
            pages[set_name][page] = []
            for statement in collect(live, calls):
                key = statement_key(statement.sql, statement.params)
                if key not in index:
                    index[key] = len(statements)
                    statements.append(statement)
                pages[set_name][page].append(index[key])
    return {"statements": statements, "pages": pages}


def tables_read(sqls) -> list[str]:
    """The tables the statements read (CTE names aside), sorted: what another engine needs."""
    names = set()
    for sql in sqls:
        tree = sqlglot.parse_one(sql, read="duckdb")
        ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
        names |= {t.name for t in tree.find_all(exp.Table) if t.name not in ctes}
    return sorted(names)


# --- timing one engine -------------------------------------------------------------------------
class Limit:
    """Calls `stop` when a run passes `seconds` (an engine's own way to cancel a statement)."""

    def __init__(self, seconds: float, stop):
        self.seconds, self.stop, self.hit = seconds, stop, False

    @contextlib.contextmanager
    def running(self):
        def fire():
            self.hit = True
            self.stop()

        timer = threading.Timer(self.seconds, fire)
        timer.start()
        try:
            yield
        finally:
            timer.cancel()


def wanted(recorded: dict, sets, pages=None) -> list[int]:
    """The statements these pages (default: all) run under these filter sets, each once, in the
    order of the pages given: an engine short of time measures the first pages whole."""
    out: dict[int, None] = {}
    for page in pages or list(recorded["pages"][sets[0]]):
        for set_name in sets:
            out.update(dict.fromkeys(recorded["pages"][set_name][page]))
    return list(out)


def time_statements(recorded: dict, run, entry: dict, save, args, log=print, fresh=None) -> None:
    """Each statement of args.sets cold, then args.repeat times warm, through `run(statement) ->
    (columns, rows)` (it raises TimeoutError past args.limit_min); `fresh()` before a cold run
    (DuckDB's new connection). Fills entry["statements"] {index: record}, saved after each."""
    from tests.portable.compare import differences

    repeat, limit_s, budget_s = args.repeat, args.limit_min * 60, args.budget_min * 60
    entry.update(repeat=repeat, sets=list(args.sets), budget_min=args.budget_min,
                 pages=args.pages or list(recorded["pages"][args.sets[0]]))
    begun = time.perf_counter()
    out = entry.setdefault("statements", {})
    for n in wanted(recorded, args.sets, args.pages):
        statement = recorded["statements"][n]
        rec = {"load_average": _load()[0]}
        out[str(n)] = rec
        if time.perf_counter() - begun > budget_s:
            rec["not_measured"] = f"the engine's budget ({budget_s / 60:g} min) was spent"
            continue
        if fresh:
            fresh()
        runs = []
        try:
            for _ in range(1 + repeat):
                started = time.perf_counter()
                columns, rows = run(statement)
                runs.append((time.perf_counter() - started) * 1000)
                if len(runs) == 1:
                    found = differences(statement.columns, statement.rows, columns, rows,
                                        statement.ordered)
                    rec["matched"] = not found
                    if found:
                        rec["differences"] = found[:3]
        except TimeoutError:
            rec["over_limit"] = f"over the limit ({limit_s / 60:g} min)"
        except Exception as exc:  # noqa: BLE001 - an engine's failure is a finding, recorded
            rec["error"] = f"{type(exc).__name__}: {exc}"[:400]
        if runs:
            rec["cold_ms"] = round(runs[0], 1)
        if len(runs) > 1:
            rec["warm_ms"] = round(statistics.median(runs[1:]), 1)
            rec["warm_runs_ms"] = [round(r, 1) for r in runs[1:]]
        what = rec.get("over_limit") or rec.get("error") or (
            f"{rec.get('cold_ms', 0):9.0f} / {rec.get('warm_ms', 0):9.0f} ms"
            f"{'' if rec.get('matched') else '  DIFFERS'}")
        log(f"    {n:3d} {statement.id[:70]:70s} {what}  load {rec['load_average']:.1f}")
        save()


def run_duckdb(live: Path, recorded: dict, entry: dict, save, args, log=print) -> None:
    import settings
    from data import snapshots

    holder = {}

    def fresh():
        if "con" in holder:
            holder["con"].close()
        holder["con"] = snapshots.connect(live)

    def run(statement):
        con = holder["con"]
        limit = Limit(args.limit_min * 60, con.interrupt)
        try:
            with limit.running():
                cur = con.cursor().execute(statement.sql, statement.params)
                columns = [d[0] for d in cur.description]
                return columns, cur.fetchall()
        except Exception:
            if limit.hit:
                raise TimeoutError from None
            raise

    try:
        time_statements(recorded, run, entry, save, args, log, fresh=fresh)
    finally:
        if "con" in holder:
            holder["con"].close()
    entry["setup"] = {"connect": "data.snapshots.connect (read-only, memory_limit "
                      f"{settings.DUCKDB_MEMORY_LIMIT})"}


def _copy_postgres(live: Path, tables: list[str], pg, log=print) -> dict:
    import duckdb

    from tests.portable.conftest import table_selects

    con = duckdb.connect(str(live), read_only=True)
    rows, started = {}, time.perf_counter()
    try:
        selects = table_selects(con)
        for table in tables:
            reader = con.sql(selects[table]).to_arrow_reader(256_000)
            rows[table] = pg.ingest(table, reader)
    finally:
        con.close()
    copy_s = time.perf_counter() - started
    log(f"    copied {sum(rows.values()):,} rows into Postgres in {copy_s:.0f} s")
    started, made = time.perf_counter(), []
    for table, indexes in INDEXES.items():
        if table not in tables:
            continue
        for n, spec in enumerate(indexes):
            if spec.startswith("primary key"):
                sql = f"alter table {table} add {spec}"  # names from INDEXES
            else:
                sql = f"create index {table}_i{n} on {table} ({spec})"
            pg.execute(sql)
            made.append(sql)
    index_s = time.perf_counter() - started
    started = time.perf_counter()
    pg.execute("vacuum analyze")
    analyze_s = time.perf_counter() - started
    log(f"    indexes {index_s:.0f} s, vacuum analyze {analyze_s:.0f} s")
    return {"rows": rows, "copy_seconds": round(copy_s, 1), "indexes": made,
            "index_seconds": round(index_s, 1), "vacuum_analyze_seconds": round(analyze_s, 1),
            "settings": POSTGRES_SETTINGS}


def run_postgres(live: Path, recorded: dict, entry: dict, save, args, log=print) -> None:
    from data.build import portable
    from tests import postgres_server
    from tests.portable.conftest import postgres_result

    root = Path(args.work) / "postgres"
    root.mkdir(parents=True, exist_ok=True)
    server, pg = postgres_server.start(port=args.port, parent=root, settings=POSTGRES_SETTINGS)
    try:
        tables = tables_read(s.sql for s in recorded["statements"])
        entry["setup"] = _copy_postgres(live, tables, pg, log)
        save()
        with contextlib.closing(pg.connect()) as con:
            with con.cursor() as cur:
                cur.execute(f"set statement_timeout = {int(args.limit_min * 60_000)}")

            def run(statement):
                text, values = portable.bind(statement.sql, statement.params, "postgres")
                with con.cursor() as cur:
                    try:
                        cur.execute(text, values)
                        return postgres_result(cur)
                    except Exception as exc:
                        if "statement timeout" in str(exc):
                            raise TimeoutError from None
                        raise

            time_statements(recorded, run, entry, save, args, log)
    finally:
        server.stop()


def _write_parquet(live: Path, tables: list[str], folder: Path, log=print) -> dict:
    import duckdb

    from tests.portable.conftest import table_selects

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    con = duckdb.connect(str(live), read_only=True)
    started = time.perf_counter()
    try:
        selects = table_selects(con)
        for table in tables:
            con.sql(selects[table]).write_parquet(str(folder / f"{table}.parquet"))
    finally:
        con.close()
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in folder.iterdir())
    log(f"    {len(tables)} tables written as Parquet ({size / 1e6:,.0f} MB) in {seconds:.0f} s")
    return {"parquet_seconds": round(seconds, 1), "parquet_mb": round(size / 1e6)}


def run_spark(live: Path, recorded: dict, entry: dict, save, args, log=print) -> None:
    from data.build import portable
    from data.build import spark as spark_facts

    work = Path(args.work)
    tables = tables_read(s.sql for s in recorded["statements"])
    setup = _write_parquet(live, tables, work / "parquet", log)
    conf = {"spark.driver.memory": args.spark_memory, "spark.local.dir": str(work / "spark-local"),
            "spark.driver.port": str(args.port + 1), "spark.blockManager.port": str(args.port + 2),
            "spark.ui.showConsoleProgress": "false"}
    started = time.perf_counter()
    spark = spark_facts.session("local[2]", conf)
    try:
        spark.sparkContext.setLogLevel("ERROR")
        for table in tables:
            spark.read.parquet(str(work / "parquet" / f"{table}.parquet")) \
                .createOrReplaceTempView(table)
        spark.sql("select count(*) from customer_facts").collect()  # the JVM warmed, not timed
        setup.update(session_seconds=round(time.perf_counter() - started, 1), master="local[2]",
                     conf={**spark_facts.LOCAL_CONF, **conf})
        entry["setup"] = setup
        save()

        def run(statement):
            text, values = portable.bind(statement.sql, statement.params, "spark")
            limit = Limit(args.limit_min * 60, spark.sparkContext.cancelAllJobs)
            try:
                with limit.running():
                    frame = spark.sql(text, args=values)
                    return frame.columns, [tuple(row) for row in frame.collect()]
            except Exception:
                if limit.hit:
                    raise TimeoutError from None
                raise

        time_statements(recorded, run, entry, save, args, log)
    finally:
        spark.stop()
        shutil.rmtree(work / "parquet", ignore_errors=True)
        shutil.rmtree(work / "spark-local", ignore_errors=True)


RUNNERS = {"duckdb": run_duckdb, "postgres": run_postgres, "spark": run_spark}


# --- results -------------------------------------------------------------------------------------
class Results:
    """bench/results/portable_speed.json: per size, the statements and each engine's record.
    Saved under a lock, re-read first and merged per engine: engines may be run by separate
    processes."""

    def __init__(self, path: Path, customers: int):
        self.path, self.key = Path(path), str(customers)
        self.entry: dict = {"customers": customers}
        self.engines: set[str] = set()

    def _read(self) -> dict:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            sizes = data.setdefault("sizes", {})
            found = sizes.get(self.key, {})
            engines = {**found.get("engines", {}),
                       **{e: self.entry["engines"][e] for e in self.engines}}
            sizes[self.key] = {**found, **self.entry, "engines": engines}
            data["sizes"] = dict(sorted(sizes.items(), key=lambda kv: int(kv[0])))
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(json.dumps(data, indent=1, default=str) + "\n")
            tmp.replace(self.path)


def statement_records(recorded: dict) -> list[dict]:
    """The JSON shape of each recorded statement: its id (the first call that ran it), the
    pages (and sets) that run it, whether it is ordered, and DuckDB's row count."""
    where: dict[int, list[str]] = {}
    for set_name, pages in recorded["pages"].items():
        for page, indexes in pages.items():
            for n in indexes:
                where.setdefault(n, []).append(f"{page} ({set_name})")
    return [{"id": s.id, "pages": where.get(n, []), "ordered": s.ordered, "rows": len(s.rows)}
            for n, s in enumerate(recorded["statements"])]


def page_totals(entry: dict, engine: str, set_name: str, kind: str) -> dict[str, float | str]:
    """page -> the sum of its statements' `kind` ("cold_ms" / "warm_ms") on `engine`, or why
    there is none (over the limit, failed, not measured)."""
    records = entry["engines"].get(engine, {}).get("statements", {})
    out = {}
    for page, indexes in entry["pages"][set_name].items():
        total, why = 0.0, None
        for n in indexes:
            rec = records.get(str(n), {})
            if kind in rec:
                total += rec[kind]
            elif why is None:
                why = rec.get("over_limit") or ("failed" if "error" in rec else "not measured")
        out[page] = why if why else round(total, 1)
    return out


def _ms(value) -> str:
    if isinstance(value, str):
        return value
    return f"{value / 1000:,.1f} s" if value >= 1000 else f"{value:,.0f} ms"


def table(data: dict) -> str:
    """Per size and filter set, each page's time (sum of its statements, cold / warm median) on
    each engine measured, and how many of the engine's statements matched DuckDB's result."""
    lines = []
    for entry in data["sizes"].values():
        engines = [e for e in ENGINES if e in entry.get("engines", {})]
        loads = {e: entry["engines"][e].get("load_average_start", [0])[0] for e in engines}
        ends = {e: entry["engines"][e].get("load_average_end", [0])[0] for e in engines}
        lines.append(f"\n{entry['customers']:,} customers ("
                     + ", ".join(f"{e} load {loads[e]:.0f} -> {ends[e]:.0f}" for e in engines)
                     + ")\n")
        for set_name in SETS:
            lines.append(f"| page ({set_name}) | "
                         + " | ".join(f"{e} cold | warm" for e in engines) + " |")
            lines.append("|---|" + "---:|---:|" * len(engines))
            cells = {(e, k): page_totals(entry, e, set_name, k)
                     for e in engines for k in ("cold_ms", "warm_ms")}
            for page in entry["pages"][set_name]:
                lines.append(f"| {page} | " + " | ".join(
                    f"{_ms(cells[e, 'cold_ms'][page])} | {_ms(cells[e, 'warm_ms'][page])}"
                    for e in engines) + " |")
            lines.append("")
        for e in engines:
            recs = list(entry["engines"][e].get("statements", {}).values())
            ran = [r for r in recs if "cold_ms" in r]
            matched = sum(1 for r in ran if r.get("matched"))
            over = sum(1 for r in recs if "over_limit" in r)
            failed = sum(1 for r in recs if "error" in r)
            sets = entry["engines"][e].get("sets", list(SETS))
            asked = len(wanted(entry, sets, entry["engines"][e].get("pages")))
            repeat = entry["engines"][e].get("repeat", 0)
            lines.append(f"- {e} ({', '.join(sets)}): {len(ran)} of {asked} statements run, "
                         f"{matched} of them equal to DuckDB's result; {over} over the limit, "
                         f"{failed} failed; warm: "
                         + (f"median of {repeat} runs" if repeat > 1 else "one run"))
    return "\n".join(lines)


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
        started, load = time.perf_counter(), _load()
        recorded = {**record(live), "snapshot": str(stamp),
                    "record": {"seconds": round(time.perf_counter() - started, 1),
                               "load_average_start": load, "load_average_end": _load()}}
        cache.write_bytes(pickle.dumps(recorded))
    results.entry.update({
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(), "snapshot_mb": round(stamp.stat().st_size / 1e6),
        "limit_min": args.limit_min, "record": recorded["record"],
        "statements": statement_records(recorded), "pages": recorded["pages"], "engines": {},
    })
    log(f"{len(recorded['statements'])} distinct statements")
    for engine in args.engines:
        entry = {"load_average_start": _load()}
        results.entry["engines"][engine] = entry
        results.engines.add(engine)
        log(f"{engine}:")
        started = time.perf_counter()
        try:
            RUNNERS[engine](live, recorded, entry, results.save, args, log)
        except Exception as exc:  # noqa: BLE001 - an engine that cannot start is a finding
            entry["error"] = f"{type(exc).__name__}: {exc}"[:400]
            log(f"    {entry['error']}")
        entry.update(seconds=round(time.perf_counter() - started, 1), load_average_end=_load())
        results.save()
    print(table({"sizes": {results.key: json.loads(args.out.read_text())["sizes"][results.key]}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
