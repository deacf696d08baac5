"""`python -m data.build`: a snapshot from a folder (or URI) of raw tables, built by DuckDB or Spark.

    python -m data.build --source DIR --out data/retention.duckdb                 (DuckDB)
    python -m data.build --engine spark --source DIR_OR_URI --out PATH [--as-of YYYY-MM-DD]
    python -m data.build --engine sc://spark-master:15002 --source s3a://bucket/export \\
        --work /mnt/shared/retention-build --out PATH

The source holds one folder (or file) per schema table, named for it: customers (required),
tickets, nps_responses, mrr_history, activity, outreach; Parquet or CSV with a header, Hive-partitioned
folders allowed, columns named as in schema.sql. With `--engine duckdb` DuckDB reads them and
builds as every import does. With Spark (`spark`, `local[N]` or a Spark Connect URL), Spark reads
them, computes the derived tables (data/build/facts.sql transpiled to Spark SQL, data/build/spark.py)
and writes raw and derived tables as Parquet under the work folder; the snapshot is then made from
that Parquet without computing the derived tables again. Either way the snapshot goes through
build.finalize (key checks, meta, capabilities, the after-build hook) and is published atomically
(snapshots.building), so the app serves it exactly like any other.

This is not data.load: that command validates and converts the shapes of single export files
(churn flags, tenure, subscriptions, durations, date formats) inside DuckDB; a source here already
has the schema's tables, possibly too many rows for one machine's DuckDB to derive from.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Callable

import duckdb

import settings
from data import build, snapshots
from data.build import spark as spark_facts
from data.build.spark import RAW_TABLES, SourceError

# Derived tables of data/build/facts.sql, in the order it makes them.
FACT_TABLES = ("customer_facts", "ticket_facts", "mrr_facts", "nps_facts", "activity_facts",
               "outreach_facts")
# schema.sql types as DuckDB writes them in a cast.
DUCKDB_TYPES = {"VARCHAR": "varchar", "DATE": "date", "TIMESTAMP": "timestamp",
                "INTEGER": "integer", "SMALLINT": "smallint", "DECIMAL(12,2)": "decimal(12, 2)"}


def build_snapshot(out: Path, source: str, engine: str = "duckdb", as_of: date | None = None,
                   after_build: Callable | None = None, spark=None, work: str | None = None,
                   fmt: str | None = None, keep: int = settings.SNAPSHOTS_KEEP,
                   spark_conf: dict[str, str] | None = None) -> dict:
    """Build and publish a snapshot at `out` from the raw tables at `source`; build.finalize's meta
    with "engine" and "spark_seconds" added.

    `engine`: 'duckdb', 'spark', 'local[N]' or 'sc://host:port'; `spark`: an open SparkSession to
    use instead of starting one (tests share one), `spark_conf` settings of one it starts
    (spark.driver.memory=4g, spark.executor.memory=...). `work`: where Spark writes its Parquet, a folder
    both Spark and this machine reach (default: a temporary folder beside `out`, removed after;
    a cluster needs a shared one). Raises SourceError naming what does not fit; `out` is then
    untouched."""
    out = Path(out)
    source = str(source)
    info = {"source": spark_facts.redact(source),
            "engine": "duckdb" if engine == "duckdb" else "spark"}
    spark_seconds = 0.0
    own_work = None
    if engine != "duckdb":
        if work is None:
            out.parent.mkdir(parents=True, exist_ok=True)
            own_work = Path(tempfile.mkdtemp(prefix=f".{out.stem}-spark-", dir=out.parent))
            work = str(own_work)
    try:
        with snapshots.building(out, keep) as (tmp, snapshot_id):
            con = duckdb.connect(str(tmp))
            try:
                build.create_schema(con)
                build.load_reason_mapping(con)
                if engine == "duckdb":
                    _insert_raw_duckdb(con, source, fmt)
                    facts = build.build_facts
                else:
                    started = time.perf_counter()
                    _run_spark(con, engine, spark, spark_conf, source, fmt, work)
                    spark_seconds = time.perf_counter() - started
                    facts = _facts_from(work)
                meta = build.finalize(con, snapshot_id, "import", info, after_build, as_of,
                                      facts=facts)
            except build.IntegrityError as exc:
                raise SourceError(exc.problems) from None
            finally:
                con.close()
    finally:
        if own_work is not None:
            shutil.rmtree(own_work, ignore_errors=True)
    meta["engine"] = info["engine"]
    meta["spark_seconds"] = round(spark_seconds, 1)
    return meta


def _run_spark(con, engine: str, spark, conf: dict | None, source: str, fmt: str | None,
               work: str) -> None:
    """Spark reads the source and writes its raw tables; they go into the snapshot's tables
    (whose rules, schema.sql, reject a bad row before Spark spends time on the derived tables);
    then Spark computes the derived tables with the snapshot's reason mapping."""
    own = spark is None
    if own:
        spark = spark_facts.session(engine, conf)
    try:
        spark_facts.write_raw(spark, spark_facts.read_source(spark, source, fmt), work)
        _insert_raw_parquet(con, work)
        spark_facts.write_facts(spark, con.execute("select * from churn_reason_categories").df(),
                                work)
    finally:
        if own:
            spark.stop()


def _insert(con, table: str, select: str, params: dict | None = None) -> None:
    """Insert into a schema table, naming the table when one of its rules (schema.sql) fails."""
    try:
        con.execute(f"insert into {table} by name {select}", params or {})
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0]
        raise SourceError([f"{table}: expected the rows to keep schema.sql's rules, found: "
                           f"{message}"]) from None


def _insert_raw_duckdb(con, source: str, fmt: str | None) -> None:
    """Each raw table of a local source read by DuckDB, checked (columns present, values that
    convert) and inserted into the schema's table."""
    if not spark_facts.is_local(source):
        raise SourceError([f"{source}: the duckdb engine reads local folders only; use --engine "
                           "spark (or a Spark Connect URL) for a remote source"])
    problems = []
    for table, (path, kind) in spark_facts.tables_of(source, fmt).items():
        pattern = f"{path}/**/*.{kind}" if Path(path).is_dir() else path
        # Relations, not SQL text: the path is the user's and is never written into SQL.
        if kind == "csv":
            relation = con.read_csv(pattern, header=True, all_varchar=True,
                                    hive_partitioning=True)
        else:
            relation = con.read_parquet(pattern, hive_partitioning=True, union_by_name=True)
        view = f"raw_{table}"
        relation.create_view(view)
        try:
            problems += _insert_checked(con, table, view, relation)
        finally:
            # A view over the source files must not stay in the snapshot.
            con.execute(f"drop view {view}")
    if problems:
        raise SourceError(problems)


def _insert_checked(con, table: str, view: str, relation) -> list[str]:
    """Insert a raw table read by DuckDB into the schema's table, or the problems that stop it
    (a required column missing, a value that does not convert)."""
    present = list(relation.columns)
    missing = spark_facts.missing_required(table, present)
    if missing:
        return missing
    text = [name for name, kind in zip(relation.columns, relation.types) if str(kind) == "VARCHAR"]
    check = spark_facts.problems_sql(table, view, present, text, quote='"', types=DUCKDB_TYPES)
    problems = []
    for col, found in (con.execute(check).fetchall() if check else []):
        expected = spark_facts.EXPECTED[spark_facts.raw_columns(table)[col]]
        problems.append(f"{table}: column {col}: expected {expected}, found {found!r}")
    if not problems:
        select = spark_facts.typed_select(table, present, quote='"', types=DUCKDB_TYPES)
        _insert(con, table, f"select {select} from {view}")
    return problems


def _insert_raw_parquet(con, work: str) -> None:
    """The raw tables Spark wrote (already typed as the schema's), into the schema's tables."""
    for table in RAW_TABLES:
        _insert(con, table, "select * from read_parquet($path)",
                {"path": f"{work}/raw/{table}/*.parquet"})


def _facts_from(work: str) -> Callable:
    """build.finalize's `facts` step for a Spark build: the derived tables Spark computed, loaded
    into tables of exactly the types DuckDB's own build gives them (each facts.sql statement with
    `limit 0`: its columns, no rows computed, 0.1 s at 100k), in the order Spark sorted them; and
    the facts version, which is facts.sql's: the same SQL computed them."""

    def load(con) -> None:
        build.add_missing_tables(con)
        for table in FACT_TABLES:
            path = f"{work}/facts/{table}/*.parquet"
            columns = list(con.read_parquet(path).columns)
            # The shapes: facts.sql's statement for this table, on no rows.
            con.execute(f"create or replace table {table} as "
                        f"select * from ({_statement(table)}) limit 0")
            expected = [row[0] for row in con.execute(f"describe {table}").fetchall()]
            if columns != expected:
                raise SourceError([f"{table}: Spark wrote columns {columns}, expected {expected}"])
            con.execute(f"insert into {table} select * from read_parquet($path)", {"path": path})
        con.execute("create or replace table facts_version as select $v as version",
                    {"v": build.facts_version()})

    return load


def _statement(table: str) -> str:
    for name, select in spark_facts.facts_statements("duckdb"):
        if name == table:
            return select
    raise KeyError(table)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m data.build",
        description="Build a snapshot from a folder (or URI) of raw tables, with DuckDB or Spark.",
        epilog=__doc__.split("\n\n")[2], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True,
                        help="folder or URI holding customers/, tickets/, nps_responses/, "
                        "mrr_history/, activity/, outreach/ (or customers.parquet, tickets.csv, "
                        "...)")
    parser.add_argument("--out", type=Path, default=settings.DB_PATH, help="the live database path")
    parser.add_argument("--engine", default="duckdb",
                        help="duckdb (default), spark (local, every core), local[N], or a Spark "
                        "Connect URL sc://HOST:PORT")
    parser.add_argument("--work", help="with Spark: folder for its Parquet output that Spark and "
                        "this machine both reach, kept after the build (default: a temporary "
                        "folder beside --out, removed after; required with a Spark Connect URL)")
    parser.add_argument("--format", choices=spark_facts.FORMATS, dest="fmt",
                        help="the tables' format (default: from the files; Parquet for a URI)")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                        help="a Spark setting, e.g. spark.driver.memory=4g (repeatable)")
    parser.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="the data's date (default: the latest date in the data up to today)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    conf = dict(item.partition("=")[::2] for item in args.spark_conf)
    if any(not key or not value for key, value in conf.items()):
        parser.error("--spark-conf: expected KEY=VALUE")
    if args.engine.startswith("sc://") and not args.work:
        # A cluster writes to its own file system: a local default folder would stay empty here.
        parser.error("--work is required with a Spark Connect URL: a folder the cluster writes "
                     "and this machine reads")
    started = time.perf_counter()
    try:
        meta = build_snapshot(args.out, args.source, args.engine, args.as_of, work=args.work,
                              fmt=args.fmt, spark_conf=conf)
    except (SourceError, ValueError) as exc:
        for problem in getattr(exc, "problems", [str(exc)]):
            print(problem, file=sys.stderr)
        print(f"{args.out} was not changed.", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"build failed: {exc}; {args.out} was not changed.", file=sys.stderr)
        return 1
    counts = ", ".join(f"{table} {count:,}" for table, count in meta["tables"].items())
    print(f"Built snapshot {meta['snapshot_id']} into {args.out} with {meta['engine']} "
          f"in {time.perf_counter() - started:.1f} s: {counts} (as-of {meta['default_as_of']}). "
          "The app keeps each page's default view the first time it opens it "
          "(or ahead: python -m views.default_views).")
    return 0
