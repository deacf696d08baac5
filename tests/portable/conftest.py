"""Engines for the portable-SQL tests: one local Spark session per test session (and the
snapshot every statement runs on, with its tables copied into each engine).

A test that needs an engine that is absent skips with one reason; CI installs both (pyspark from
requirements-dev.txt, Java 17 by .ci/run), so nothing skips there.
"""

from __future__ import annotations

import importlib.util
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

SPARK_MISSING = "Spark is not installed here (needs `pip install pyspark` and Java 17 on PATH)"


def spark_available() -> bool:
    return importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None


@pytest.fixture(scope="session")
def spark():
    """A local Spark session for tests: 2 cores, 1 GB driver, no UI, bound to 127.0.0.1, session
    time zone UTC (timestamps read as written)."""
    if not spark_available():
        pytest.skip(SPARK_MISSING)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("retention-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", "1g")
        # Tiny data: one shuffle partition, no adaptive re-planning and no generated code, each
        # of which costs more than it saves on a few hundred rows.
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        # Nor per-expression generated code: Janino compiles a class for each new projection
        # and predicate, which costs far more than evaluating them on a few hundred rows.
        # Spark's interpreted expressions are its reference (generated code must match them).
        .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
        # Nor constraint propagation: inferring every filter a join's constraints imply is
        # repeated over the whole plan, and the app's longest statements (outreach retention,
        # about 700 plan nodes once their CTEs are inlined) spent about a third of their
        # optimisation there. It only adds inferred filters, so results cannot change.
        .config("spark.sql.constraintPropagation.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def table_selects(con) -> dict[str, str]:
    """Each table of an open snapshot -> the select that reads it for another engine (JSON
    columns as text; names from the snapshot's own catalogue, quoted)."""
    selects = {}
    names = con.execute("select table_name from information_schema.tables "
                        "where table_schema = 'main' order by table_name").fetchall()
    for (name,) in names:
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'main' and table_name = ? order by ordinal_position",
            [name]).fetchall()
        select = ", ".join(f'"{c}"::varchar as "{c}"' if t == "JSON" else f'"{c}"'
                           for c, t in columns)
        selects[name] = f'select {select} from "{name}"'
    return selects


def snapshot_tables(live: Path) -> dict[str, pa.Table]:
    """Every table of a snapshot as Arrow (JSON columns as text): raw and derived, as DuckDB
    computed them."""
    con = duckdb.connect(str(live), read_only=True)
    try:
        return {name: con.sql(select).to_arrow_table()
                for name, select in table_selects(con).items()}
    finally:
        con.close()


def spark_views(spark, tables: dict[str, pa.Table]) -> None:
    """Each table as a Spark temporary view of the same name."""
    for name, table in tables.items():
        spark.createDataFrame(table).createOrReplaceTempView(name)


def postgres_tables(database, tables: dict[str, pa.Table]) -> None:
    """Each table created in a Postgres database (tests/postgres_server.py) from its Arrow copy."""
    for name, table in tables.items():
        database.ingest(name, table)


def postgres_result(cursor) -> tuple[list[str], list[tuple]]:
    """Column names and rows of an executed ADBC cursor; numeric columns, which the driver hands
    over as text, as Decimal."""
    columns = [d[0] for d in cursor.description]
    numeric = [n for n, d in enumerate(cursor.description) if "numeric" in str(d[1])]
    rows = cursor.fetchall()
    if numeric:
        rows = [tuple(Decimal(v) if n in numeric and v is not None else v
                      for n, v in enumerate(row)) for row in rows]
    return columns, rows
