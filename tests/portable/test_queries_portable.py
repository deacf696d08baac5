"""Every statement the app runs (tests/portable/statements.py: each query function with each
grain, basis, breakdown, mode and the shared filters set) transpiled by data.build.portable and executed
on Spark and on Postgres over the same snapshot's tables gives DuckDB's result: same columns, same
rows (in order where the statement orders them), numbers within 1e-9."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest

import queries
from queries.base import Filters, load_sql, run
from data.build import portable
from views.default_views import FRAME_CALLS, PAGE_CALLS
from tests.portable.compare import differences
from tests.portable.conftest import postgres_result, postgres_tables, snapshot_tables, spark_views
from tests.portable.statements import AS_OF, CALLS, build_snapshot, collect

# The statements are collected when the module is (their ids name the tests): a snapshot of about
# 70 customers in a temporary folder, each query function run once on DuckDB.
_FOLDER = Path(tempfile.mkdtemp(prefix="portable-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)
LIVE = build_snapshot(_FOLDER)
STATEMENTS = collect(LIVE)


@pytest.fixture(scope="module")
def tables():
    return snapshot_tables(LIVE)


@pytest.fixture(scope="module")
def spark_db(spark, tables):
    spark_views(spark, tables)
    return spark


@pytest.fixture(scope="module")
def postgres_db(postgres, tables):
    database = postgres.database("portable_queries")
    postgres_tables(database, tables)
    con = database.connect()
    yield con
    con.close()


def test_calls_cover_every_query_function():
    """Each function of the metrics API that runs SQL, and each the pages call, is called."""
    # Filters() makes the first call read the snapshot's as-of date (snapshot_as_of).
    called = {name for _, name, _, _ in CALLS} | {"snapshot_as_of"}
    paged = {call[0] for calls in [FRAME_CALLS, *PAGE_CALLS.values()] for call in calls}
    not_sql = {"Filters", "DIMENSIONS", "GRAINS", "connect", "pre_churn_long", "kpi_tiles",
               "outreach_tiles", "risk_totals", "activity_tiles", "ACTIVITY_TILES",
               "activity_months"}
    assert paged - called == set()
    assert set(queries.__all__) - not_sql - called == set()


def test_selected_customers_lists_every_customer_facts_column():
    """selected_customers.sql names customer_facts' columns one by one (Postgres and Spark have
    no `* replace`): a column data/build/facts.sql adds must be added there too."""
    con = duckdb.connect(str(LIVE), read_only=True)
    try:
        facts = list(run(con, "select * from customer_facts limit 0", {}).columns)
        selected = run(con, load_sql("selected_customers"), Filters(as_of=AS_OF).params(con))
    finally:
        con.close()
    assert list(selected.columns) == [*facts, "is_churned"]


@pytest.mark.parametrize("statement", STATEMENTS, ids=lambda s: s.id)
def test_spark(statement, spark_db):
    text, args = portable.bind(statement.sql, statement.params, "spark")
    frame = spark_db.sql(text, args=args)
    rows = [tuple(row) for row in frame.collect()]
    assert differences(statement.columns, statement.rows, frame.columns, rows,
                       statement.ordered) == []


@pytest.mark.parametrize("statement", STATEMENTS, ids=lambda s: s.id)
def test_postgres(statement, postgres_db):
    text, args = portable.bind(statement.sql, statement.params, "postgres")
    with postgres_db.cursor() as cursor:
        cursor.execute(text, args)
        columns, rows = postgres_result(cursor)
    assert differences(statement.columns, statement.rows, columns, rows, statement.ordered) == []
