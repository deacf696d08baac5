"""The Spark half of a Spark build (data/build/source.py): read the raw tables, compute the derived
tables with data/build/facts.sql transpiled to Spark SQL, write both as Parquet.

    spark = session("local[2]")                      # or "sc://host:15002" (Spark Connect)
    tables = read_source(spark, "s3a://bucket/export", mapping)
    write(spark, tables, "/shared/work/build-1")     # raw/<table>/ and facts/<table>/ as Parquet

The DuckDB snapshot is then made from those Parquet folders (data/build/source.py), so the app
reads it exactly as a DuckDB-built one. Each raw table is one folder (Hive-partitioned folders
allowed) or one file named for the table, Parquet or CSV with a header; columns are matched by
name and cast to the schema's types, extra columns are dropped.

Spark timestamps are read and written without a time zone (TIMESTAMP_NTZ), like DuckDB's
TIMESTAMP, and the session's time zone is UTC, so no value moves by the machine's zone.
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlglot

from data import build

from data.build import portable

# The raw tables a source may hold, in build order; only customers is required.
RAW_TABLES = ("customers", "tickets", "nps_responses", "mrr_history", "activity", "outreach")
# schema.sql type -> Spark SQL type (TIMESTAMP: DuckDB's has no time zone, Spark's plain one has).
SPARK_TYPES = {"VARCHAR": "string", "DATE": "date", "TIMESTAMP": "timestamp_ntz",
               "INTEGER": "int", "SMALLINT": "smallint", "DECIMAL(12,2)": "decimal(12,2)"}
# What a value of each type looks like, for a problem's words.
EXPECTED = {"VARCHAR": "text", "DATE": "a date YYYY-MM-DD",
            "TIMESTAMP": "a date-time YYYY-MM-DD HH:MM:SS", "INTEGER": "a whole number",
            "SMALLINT": "a whole number", "DECIMAL(12,2)": "a number"}
FORMATS = ("parquet", "csv")

# Settings of a local session (a cluster's own settings are the cluster's): no web UI, loopback
# only, and UTC so that dates and timestamps are read as written.
LOCAL_CONF = {f"spark.{key}": value for key, value in (
    ("ui.enabled", "false"), ("driver.host", "127.0.0.1"), ("driver.bindAddress", "127.0.0.1"),
    ("sql.session.timeZone", "UTC"), ("sql.shuffle.partitions", "8"))}


class SourceError(ValueError):
    """The source cannot be built from; `problems` names each table, column and value."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def session(engine: str, conf: dict[str, str] | None = None):
    """A SparkSession for `engine`: 'spark' (local, every core), 'local[N]', or a Spark Connect
    URL 'sc://host:port' of a cluster."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("retention-build")
    if engine.startswith("sc://"):
        builder = builder.remote(engine)
        spark = builder.getOrCreate()
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        for key, value in (conf or {}).items():
            spark.conf.set(key, value)
        return spark
    master = "local[*]" if engine == "spark" else engine
    if not re.fullmatch(r"local\[(\d+|\*)\]", master):
        raise ValueError(f"--engine {engine!r}: expected duckdb, spark, local[N] or sc://HOST:PORT")
    builder = builder.master(master)
    for key, value in {**LOCAL_CONF, **(conf or {})}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def redact(uri: str) -> str:
    """A URI as it may be shown or stored: a user and password in it (s3a://KEY:SECRET@bucket)
    replaced by ***."""
    return re.sub(r"^([a-zA-Z][\w+.-]*://)[^/@]*@", r"\1***@", uri)


def is_local(source: str) -> bool:
    """A path on this machine (no scheme, or file:), as opposed to s3a://, hdfs://, abfss://..."""
    return "://" not in source or source.startswith("file:")


def _local_path(source: str) -> Path:
    return Path(source.removeprefix("file://").removeprefix("file:"))


def locate(source: str, table: str, fmt: str | None = None) -> tuple[str, str] | None:
    """(path, format) of `table` in a local source: a folder `table/` (Hive partitions allowed)
    or a file `table.parquet` / `table.csv`; None when the source has no such table. The format
    of a folder is that of its files (`fmt` when given)."""
    root = _local_path(source)
    folder = root / table
    if folder.is_dir():
        kinds = {p.suffix.lstrip(".").lower() for p in folder.rglob("*")
                 if p.is_file() and not p.name.startswith((".", "_"))}
        found = sorted(kinds & set(FORMATS))
        if fmt:
            return str(folder), fmt
        if len(found) != 1:
            raise SourceError([f"{table}: expected a folder of .parquet or of .csv files, found "
                               f"{', '.join(sorted(kinds)) or 'no files'} in {folder}"])
        return str(folder), found[0]
    for kind in FORMATS:
        path = root / f"{table}.{kind}"
        if path.is_file():
            return str(path), kind
    return None


def tables_of(source: str, fmt: str | None = None) -> dict[str, tuple[str, str]]:
    """table -> (path, format) for each raw table the source holds. A local source is looked at;
    a remote one (a URI) is taken as one folder per table in `fmt` (default Parquet), and a table
    whose folder is absent is left out when Spark reads it."""
    if is_local(source):
        root = _local_path(source)
        if not root.is_dir():
            raise SourceError([f"{source}: expected a folder holding the tables, found none"])
        if locate(source, "customers", fmt) is None:
            raise SourceError([f"customers: expected a folder or a file customers.parquet / "
                               f"customers.csv in {source}, found none"])
        return {t: where for t in RAW_TABLES if (where := locate(source, t, fmt))}
    return {t: (f"{source.rstrip('/')}/{t}", fmt or "parquet") for t in RAW_TABLES}


def _schema() -> tuple[dict[str, dict[str, str]], dict[str, tuple[str, ...]]]:
    """({table: {column: type}}, {table: its not-null columns}) of the raw tables, from schema.sql
    itself: a source must have the not-null columns, may lack the others."""
    columns = build.schema_columns()
    types = {t: {c: kind for c, kind, _ in columns[t]} for t in RAW_TABLES}
    required = {t: tuple(c for c, _, nullable in columns[t] if not nullable) for t in RAW_TABLES}
    return types, required


def raw_columns(table: str) -> dict[str, str]:
    """column -> schema.sql type of a raw table."""
    return _schema()[0][table]


def typed_select(table: str, present: list[str], quote: str = "`",
                 types: dict[str, str] | None = None) -> str:
    """A select list casting each schema column of `table` to its type (a column the source
    lacks is null): the same projection on Spark (backquotes) and DuckDB (double quotes)."""
    types = types or SPARK_TYPES
    out = []
    for column, kind in raw_columns(table).items():
        if column not in present:
            out.append(f"cast(null as {types[kind]}) as {column}")
        else:
            out.append(f"cast({quote}{column}{quote} as {types[kind]}) as {column}")
    return ", ".join(out)


def problems_sql(table: str, view: str, present: list[str], text: list[str], quote: str = "`",
                 types: dict[str, str] | None = None) -> str | None:
    """One query listing, per typed schema column the source holds as text (`text`: a CSV's
    columns, a Parquet string column), up to one value that does not convert to its type: rows
    (column, value). None when there is no such column (a typed Parquet column converts)."""
    types = types or SPARK_TYPES
    parts = []
    for column, kind in raw_columns(table).items():
        if column in present and kind != "VARCHAR" and column in text:
            ref = f"{quote}{column}{quote}"
            parts.append(
                f"(select '{column}' as col, cast({ref} as string) as found from {view} "
                f"where {ref} is not null and try_cast({ref} as {types[kind]}) is null limit 1)")
    return " union all ".join(parts) or None


def missing_required(table: str, present: list[str]) -> list[str]:
    return [f"{table}: expected a column {column}, found none (columns: {', '.join(present)})"
            for column in _schema()[1].get(table, ()) if column not in present]


def read_source(spark, source: str, fmt: str | None = None):
    """table -> Spark DataFrame of each raw table, typed as schema.sql says (empty where the source
    has no such table). Raises SourceError naming each table, column and value that does not fit."""
    frames, problems = {}, []
    for table, (path, kind) in tables_of(source, fmt).items():
        reader = spark.read.format(kind)
        if kind == "csv":
            # Text as written: each column is cast (and checked) below.
            reader = reader.option("header", "true").option("inferSchema", "false")
        try:
            raw = reader.load(path)
        except Exception as exc:  # noqa: BLE001 - a missing path, an unknown file system or an
            # unreadable file, on a local session or over Spark Connect: named with its table
            if "PATH_NOT_FOUND" in str(exc) and table != "customers":
                continue
            # Spark's message names the path as given: shown without its credentials.
            found = str(exc).splitlines()[0].replace(path, redact(path))
            raise SourceError([f"{table}: expected {kind} at {redact(path)}, found: {found}"]) \
                from None
        present = list(raw.columns)
        missing = missing_required(table, present)
        if missing:
            problems += missing
            continue
        view = f"raw_{table}"
        raw.createOrReplaceTempView(view)
        text = [f.name for f in raw.schema.fields if f.dataType.typeName() == "string"]
        check = problems_sql(table, view, present, text)
        for col, found in (spark.sql(check).collect() if check else []):
            kind_of = raw_columns(table)[col]
            problems.append(f"{table}: column {col}: expected {EXPECTED[kind_of]}, found {found!r}")
        frames[table] = spark.sql(f"select {typed_select(table, present)} from {view}")
    if problems:
        raise SourceError(problems)
    for table in RAW_TABLES:
        if table not in frames:
            frames[table] = spark.sql(f"select {typed_select(table, [])} where false")
    return frames


def facts_statements(dialect: str = "spark") -> list[tuple[str, str]]:
    """(table, select) of each derived table in data/build/facts.sql, in order, as `dialect` SQL:
    "duckdb" as written, "spark" or "postgres" through data/build/portable.py."""
    out = []
    for statement in sqlglot.parse(build.FACTS_SQL.read_text(), read="duckdb"):
        select = statement.expression.sql(dialect="duckdb")
        out.append((statement.this.name,
                    select if dialect == "duckdb" else portable.to_dialect(select, dialect)))
    return out


def write_raw(spark, frames: dict, work: str) -> None:
    """Write the raw tables as Parquet, work/raw/<table>/, and read them back as the views the
    derived tables are computed from (the source is read once)."""
    base = work.rstrip("/")
    for table, frame in frames.items():
        frame.write.mode("overwrite").parquet(f"{base}/raw/{table}")
        spark.read.parquet(f"{base}/raw/{table}").createOrReplaceTempView(table)


def write_facts(spark, mapping, work: str) -> None:
    """Compute the derived tables (data/build/facts.sql on Spark) from the raw tables write_raw left,
    and write each as Parquet, work/facts/<table>/. `mapping` is the snapshot's churn-reason
    mapping as a pandas frame (reason, reason_key, category, owner_team).

    Each derived table is written, then read back for the statements after it, so that no step
    is computed twice (customer_facts feeds all the others)."""
    base = work.rstrip("/")
    reasons = spark.createDataFrame(
        mapping, schema="reason string, reason_key string, category string, owner_team string")
    reasons.createOrReplaceTempView("churn_reason_categories")
    for table, select in facts_statements():
        spark.sql(select).write.mode("overwrite").parquet(f"{base}/facts/{table}")
        spark.read.parquet(f"{base}/facts/{table}").createOrReplaceTempView(table)
