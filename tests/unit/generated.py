"""The demo database the generator's tests read (tests/unit/test_generate*.py): one
20,000-customer database per session (seed 42, default as-of), built by the `generated_demo`
fixture (tests/unit/conftest.py), and the SQL helpers the tests share.

Two-year retention: customers with signup_date + 24 months <= as_of; retained = churn_date is
null, or > as_of, or > signup_date + 24 months.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from data import build
from data.demo import generate

N = 20_000
AS_OF = generate.DEFAULT_AS_OF

TWO_YEAR = """
with cohort as (
    select
        cust.*,
        (cust.churn_date is null or cust.churn_date > $as_of
         or cust.churn_date > cust.signup_date + interval 24 month) as retained
    from customers as cust
    where cust.signup_date + interval 24 month <= $as_of
)
"""

CATEGORY = """
with churned as (
    select cust.*, coalesce(map.category, 'Other') as category
    from customers as cust
    left join churn_reason_categories as map
        on map.reason_key = lower(trim(regexp_replace(cust.churn_reason, '\\s+', ' ', 'g')))
    where cust.churn_date is not null
)
"""


def build_demo(root: Path) -> dict:
    """Generate the N-customer demo database in `root`: its read-only connection, the meta the
    generator returned, the progress calls it made and the folder."""
    calls = []
    meta = generate.generate(root / "demo.duckdb", customers=N, seed=42,
                             progress=lambda fraction, step: calls.append((fraction, step)))
    con = duckdb.connect(str(root / "demo.duckdb"), read_only=True)
    return {"con": con, "meta": meta, "calls": calls, "root": root}


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql, {"as_of": AS_OF} if "$as_of" in sql else {}).fetchall()


def one(con, sql: str):
    return rows(con, sql)[0][0]


def outside_active_life(column: str) -> str:
    """A condition true for a row dated (by `column`) before its customer's signup date, after
    the end of the as-of day, or on or after a churn date that has come: none should exist."""
    return (f"{column} < signup_date or {column} >= $as_of + interval 1 day "
            f"or (churn_date <= $as_of and {column} >= churn_date)")


def checksums(path) -> dict:
    """Row count and an order-sensitive hash (rowid included) of every data table."""
    with duckdb.connect(str(path), read_only=True) as db:
        return {
            table: db.execute(f"select count(*), sum(hash(rowid, columns(*))) from {table}").fetchone()
            for table in build.TABLES
        }

