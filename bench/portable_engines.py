"""bench.portable_speed's engines: one statement timed cold and warm against a limit and compared
with DuckDB's result, on DuckDB (the app's own path), Postgres (a throw-away server set up as a
DBA would) and Spark (local[2] over Parquet)."""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import threading
import time
from pathlib import Path

from bench.portable_statements import tables_read, wanted

ENGINES = ("duckdb", "postgres", "spark")
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
    "outreach_facts": ["customer_key"],
    "outreach": ["customer_id"],
}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


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
        rec = {"load_average": load_average()[0]}
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
