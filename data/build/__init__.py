"""Shared steps of every database build (demo generator and importer).

    with snapshots.building(out) as (tmp, snapshot_id):
        con = duckdb.connect(str(tmp))
        create_schema(con)
        ... insert customers, tickets, ...
        finalize(con, snapshot_id, "demo", {"seed": 42, ...})
        con.close()
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb

from data import capabilities

HERE = Path(__file__).resolve().parent
SCHEMA_SQL = HERE.parent / "schema.sql"
FACTS_SQL = HERE / "facts.sql"
DEFAULT_REASONS_CSV = HERE.parent / "churn_reasons.csv"

TABLES = ("customers", "tickets", "nps_responses", "mrr_history", "activity", "outreach",
          "churn_reason_categories")


def facts_version() -> str:
    """Fingerprint of the derived tables' SQL: a database whose facts were built by other SQL
    (an older version of the dashboard) has them rebuilt by data.build.upgrade before it is served."""
    return hashlib.sha256(FACTS_SQL.read_bytes()).hexdigest()[:16]


def build_facts(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the derived tables from the source tables and record their version."""
    add_missing_tables(con)
    con.execute(FACTS_SQL.read_text())
    con.execute("create or replace table facts_version as select $v as version",
                {"v": facts_version()})



class IntegrityError(ValueError):
    """The data breaks a rule of docs/definitions.md, Data model; `problems` lists each one in words."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@functools.cache
def schema_columns() -> dict[str, tuple[tuple[str, str, bool], ...]]:
    """{table: ((column, DuckDB type, nullable), ...)} of every table schema.sql creates, tables
    by name and columns in their order: what the importer and the Spark build read files as."""
    con = duckdb.connect()
    try:
        create_schema(con)
        rows = con.execute(
            "select table_name, column_name, data_type, is_nullable from duckdb_columns() "
            "order by table_name, column_index").fetchall()
    finally:
        con.close()
    columns: dict[str, tuple] = {}
    for table, column, data_type, nullable in rows:
        columns[table] = (*columns.get(table, ()), (column, data_type, nullable))
    return columns


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_SQL.read_text())
    con.execute(MAPPING_VERSIONS_SQL)


# Every version of the churn-reason mapping up to this snapshot's own (the last row): the first
# is the mapping the data was imported or generated with, each later one a re-mapping (data/remap.py)
# that wrote a new snapshot. "if not exists": a re-mapping adds it to a snapshot built before it.
MAPPING_VERSIONS_SQL = """
create table if not exists mapping_versions (
    version          integer not null,   -- 1, 2, ...
    snapshot_id      varchar not null,   -- the snapshot that was built with it
    saved_at         timestamp not null, -- UTC
    saved_by         varchar not null,   -- who: an editor, a command-line user, or the build
    how              varchar not null,   -- demo / import / app / command line
    reasons          integer not null,   -- rows of churn_reason_categories
    other_before_pct double,             -- share of lost customers in Other before; null for v1
    other_after_pct  double              -- ... and with this version
)
"""


# saved_by of a first mapping version: the build that made the snapshot.
BUILT_BY = {"demo": "demo data generator", "import": "data import"}


def other_share_pct(con: duckdb.DuckDBPyConnection) -> float | None:
    """% of the customers churned by the snapshot's default as-of date whose reason falls in
    Other (no reason, or one the mapping does not list), from customer_facts; None when nobody
    churned. The same share the Churn reasons page shows with no filters."""
    return con.execute(
        """
        select count(*) filter (where churn_category = 'Other') * 100.0 / nullif(count(*), 0)
        from customer_facts
        where churn_date <= (select default_as_of from meta)
        """
    ).fetchone()[0]


def record_mapping_version(con: duckdb.DuckDBPyConnection, snapshot_id: str, saved_at, saved_by: str,
                           how: str, other_before_pct: float | None) -> int:
    """Append this snapshot's mapping as the next version (after build_facts); its number."""
    version = con.execute("select coalesce(max(version), 0) + 1 from mapping_versions").fetchone()[0]
    con.execute(
        """
        insert into mapping_versions
        select $version, $id, $at, $by, $how, (select count(*) from churn_reason_categories),
               $before, $after
        """,
        {"version": version, "id": snapshot_id, "at": saved_at, "by": saved_by, "how": how,
         "before": other_before_pct, "after": other_share_pct(con)},
    )
    return version


_CREATE_TABLE = re.compile(r"^create table (\w+) \(.*?^\);", re.MULTILINE | re.DOTALL)


def add_missing_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create, empty, the schema tables a database lacks, and add the optional columns its tables
    lack: one built before a table (activity) or a column (customers.churn_category) was added
    gets it, so today's derived tables and queries run on it unchanged."""
    existing = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
    for match in _CREATE_TABLE.finditer(SCHEMA_SQL.read_text()):
        if match.group(1) not in existing:
            con.execute(match.group(0))
    present = set(con.execute("select table_name, column_name from duckdb_columns()").fetchall())
    tables = {table for table, _ in present}
    for table, columns in schema_columns().items():
        for column, data_type, nullable in columns:
            if table in tables and nullable and (table, column) not in present:
                con.execute(f"alter table {table} add column {column} {data_type}")


def load_reason_mapping(con: duckdb.DuckDBPyConnection, csv_path: Path = DEFAULT_REASONS_CSV) -> None:
    """Fill churn_reason_categories from a reason,category,owner_team CSV (already validated)."""
    # The key normalises like facts.sql: lower-cased, trimmed, whitespace runs collapsed.
    con.execute(
        """
        insert into churn_reason_categories
        select reason, lower(trim(regexp_replace(reason, '\\s+', ' ', 'g'))), category, owner_team
        from read_csv($path, header = true, all_varchar = true)
        """,
        {"path": str(csv_path)},
    )


# Each check: (description, SQL returning the offending count and up to 5 example values).
INTEGRITY_CHECKS = (
    (
        "tickets.ticket_id must be unique",
        "select count(*), list(ticket_id)[1:5] from "
        "(select ticket_id from tickets group by ticket_id having count(*) > 1)",
    ),
    (
        "tickets.customer_id must exist in customers",
        "select count(*), list(distinct customer_id)[1:5] from tickets "
        "anti join customers using (customer_id)",
    ),
    (
        "nps_responses.customer_id must exist in customers",
        "select count(*), list(distinct customer_id)[1:5] from nps_responses "
        "anti join customers using (customer_id)",
    ),
    (
        "mrr_history.customer_id must exist in customers",
        "select count(*), list(distinct customer_id)[1:5] from mrr_history "
        "anti join customers using (customer_id)",
    ),
    (
        "activity.customer_id must exist in customers",
        "select count(*), list(distinct customer_id)[1:5] from activity "
        "anti join customers using (customer_id)",
    ),
    (
        "outreach.customer_id must exist in customers",
        "select count(*), list(distinct customer_id)[1:5] from outreach "
        "anti join customers using (customer_id)",
    ),
    (
        # A contact before the account existed is a wrong id or a wrong date: counted, it would
        # make a customer look contacted before its own signup.
        "outreach.contacted_at must be on or after the customer's signup_date",
        "select count(*), list(o.customer_id || ' contacted ' || strftime(o.contacted_at, '%Y-%m-%d %H:%M')"
        " || ' (signup ' || strftime(c.signup_date, '%Y-%m-%d') || ')' order by o.customer_id,"
        " o.contacted_at)[1:5] from outreach as o join customers as c using (customer_id)"
        " where o.contacted_at::date < c.signup_date",
    ),
    (
        "mrr_history must have one row per customer and month",
        "select count(*), list(customer_id || ' ' || month)[1:5] from "
        "(select customer_id, month from mrr_history group by all having count(*) > 1)",
    ),
)


def check_integrity(con: duckdb.DuckDBPyConnection) -> None:
    """Raise IntegrityError naming every broken key rule (those not enforced by the schema)."""
    problems = []
    for rule, sql in INTEGRITY_CHECKS:
        count, examples = con.execute(sql).fetchone()
        if count:
            problems.append(f"{rule}: {count} violation(s), e.g. {', '.join(map(str, examples))}")
    if problems:
        raise IntegrityError(problems)


def build_day() -> date:
    """The day a snapshot is built (UTC): no data date after it moves the default as-of."""
    return datetime.now(timezone.utc).date()


def data_as_of(con: duckdb.DuckDBPyConnection, day: date | None = None,
                  extra: tuple[date | None, ...] = ()) -> date | None:
    """docs/definitions.md, Metrics as-of date: the latest signup date, churn date, ticket creation date, NPS response
    date, activity date (a transactions export describes the day of its last transaction) or
    outreach contact or response date, and
    any `extra` date (a subscription's start or end), not after `day`, the build day. A
    cancellation scheduled for a later date does not move it. None when no such date exists."""
    day = day or build_day()
    found = con.execute(
        """
        select greatest(
            (select max(signup_date) from customers where signup_date <= $day),
            (select max(churn_date) from customers where churn_date <= $day),
            (select max(created_at)::date from tickets where created_at::date <= $day),
            (select max(responded_at)::date from nps_responses where responded_at::date <= $day),
            (select max(occurred_at)::date from activity where occurred_at::date <= $day),
            (select max(contacted_at)::date from outreach where contacted_at::date <= $day),
            (select max(responded_at)::date from outreach where responded_at::date <= $day)
        )
        """,
        {"day": day},
    ).fetchone()[0]
    candidates = [d for d in (found, *extra) if d is not None and d <= day]
    return max(candidates) if candidates else None


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = con.execute(
        "select " + ", ".join(f"(select count(*) from {table})" for table in TABLES)
    ).fetchone()
    return dict(zip(TABLES, counts))


def finalize(con: duckdb.DuckDBPyConnection, snapshot_id: str, source_kind: str, source: dict,
             after_build: Callable[[duckdb.DuckDBPyConnection, dict], None] | None = None,
             as_of: date | None = None,
             facts: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
             checked: bool = False) -> dict:
    """Check keys, build the derived tables, write the meta row and store what the data can show
    (data/capabilities.py). Returns meta; meta["capabilities"] feeds needs.describe.

    `after_build(con, meta)` runs last, on the finished snapshot before it is published: the app
    passes one that keeps each page's default view (default_views.after_build). `as_of` is the
    snapshot's as-of date when the caller knows it (`--as-of`); without it, the docs/definitions.md, Metrics default,
    or the build day when the data holds no date up to it. `facts(con)` makes the derived tables:
    build_facts computes them here; a Spark build (data/build/source.py) loads the ones Spark
    computed instead. `checked`: the caller checked the key rules itself, row by row (the
    importer's checks, data/importer/checks.py), so check_integrity's scans are not repeated."""
    if not checked:
        check_integrity(con)
    facts_started = time.perf_counter()
    # build_facts looked up when called (not bound as a default): bench.scaling times it.
    (facts or build_facts)(con)
    facts_seconds = time.perf_counter() - facts_started
    if not con.execute("select count(*) from customers").fetchone()[0]:
        raise IntegrityError(["customers has no rows: at least one customer is required"])
    as_of = as_of or data_as_of(con) or build_day()
    counts = row_counts(con)
    built_at = datetime.now(timezone.utc).replace(tzinfo=None)
    con.execute(
        "insert into meta values ($id, $built_at, $kind, $source, $as_of, $tables)",
        {
            "id": snapshot_id,
            "built_at": built_at,
            "kind": source_kind,
            "source": json.dumps(source, sort_keys=True, default=str),
            "as_of": as_of,
            "tables": json.dumps(counts),
        },
    )
    record_mapping_version(con, snapshot_id, built_at, BUILT_BY[source_kind], source_kind, None)
    # What the data can show (data/capabilities.py): pages, board pack and import summary ask it.
    caps = capabilities.compute(con, as_of)
    capabilities.store(con, caps)
    meta = {"snapshot_id": snapshot_id, "built_at": built_at, "default_as_of": as_of,
            "tables": counts, "facts_seconds": round(facts_seconds, 1), "results_seconds": 0.0,
            "capabilities": caps}
    if after_build is not None:
        started = time.perf_counter()
        after_build(con, meta)
        meta["results_seconds"] = round(time.perf_counter() - started, 1)
    con.execute("checkpoint")
    return meta

