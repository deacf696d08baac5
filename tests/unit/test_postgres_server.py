"""The test Postgres server (tests/postgres_server.py) really runs and takes a password."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timezone
from decimal import Decimal

import adbc_driver_manager
import adbc_driver_postgresql.dbapi
import pyarrow as pa
import pytest


def test_create_insert_select(postgres):
    postgres.execute("drop table if exists helper_check")
    postgres.execute("create table helper_check (id integer, day date, amount numeric(12, 2), "
                     "at timestamptz)")
    postgres.execute("insert into helper_check values ($1, $2, $3, $4)",
                     (7, date(2026, 1, 31), Decimal("12.50"),
                      datetime(2026, 1, 31, 23, 30, tzinfo=timezone.utc)))
    assert postgres.query("select id, day, amount, at from helper_check") == [
        (7, date(2026, 1, 31), "12.50", datetime(2026, 1, 31, 23, 30, tzinfo=timezone.utc))]
    # (ADBC hands numeric over as its exact text, '12.50', not a float.)


def test_ingest_arrow_and_dsn(postgres):
    table = pa.table({"customer_id": ["C1", "C2", "C3"], "mrr": [10.0, 20.5, None]})
    assert postgres.ingest("helper_ingest", table, mode="replace") == 3
    # 10 + 20.5 (the null is not summed) = 30.5; read back through the key=value DSN form,
    # which libpq takes wherever it takes a URL.
    with contextlib.closing(adbc_driver_postgresql.dbapi.connect(postgres.dsn)) as con, \
            con.cursor() as cur:
        cur.execute("select count(*), sum(mrr) from helper_ingest")
        assert cur.fetchall() == [(3, 30.5)]


def test_own_database(postgres):
    other = postgres.database("helper_other")
    other.execute("create table only_here (x integer)")
    assert other.query("select count(*) from only_here") == [(0,)]
    assert postgres.query("select to_regclass('only_here') is null") == [(True,)]


def test_wrong_password_is_refused(postgres):
    from dataclasses import replace

    wrong = replace(postgres, password="not-the-password")
    with pytest.raises(adbc_driver_manager.Error, match="password authentication failed"):
        wrong.query("select 1")
