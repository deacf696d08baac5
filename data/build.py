"""Shared steps of every database build (demo generator and importer).

    with snapshots.building(out) as (tmp, snapshot_id):
        con = duckdb.connect(str(tmp))
        create_schema(con)
        ... insert customers, tickets, ...
        finalize(con, snapshot_id, "demo", {"seed": 42, ...})
        con.close()
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
SCHEMA_SQL = HERE / "schema.sql"
FACTS_SQL = HERE / "facts.sql"
DEFAULT_REASONS_CSV = HERE / "churn_reasons.csv"

TABLES = ("customers", "tickets", "nps_responses", "mrr_history", "churn_reason_categories")


def facts_version() -> str:
    """Fingerprint of the derived tables' SQL: a database whose facts were built by other SQL
    (an older version of the dashboard) has them rebuilt by data.upgrade before it is served."""
    return hashlib.sha256(FACTS_SQL.read_bytes()).hexdigest()[:16]


def build_facts(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the derived tables from the source tables and record their version."""
    con.execute(FACTS_SQL.read_text())
    con.execute("create or replace table facts_version as select $v as version",
                {"v": facts_version()})



class IntegrityError(ValueError):
    """The data breaks a rule of SPEC §2; `problems` lists each one in words."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_SQL.read_text())


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


def default_as_of(con: duckdb.DuckDBPyConnection):
    """Latest signup date, ticket creation date or NPS response date (SPEC §3 as-of date)."""
    return con.execute(
        """
        select greatest(
            (select max(signup_date) from customers),
            (select max(created_at)::date from tickets),
            (select max(responded_at)::date from nps_responses)
        )
        """
    ).fetchone()[0]


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = con.execute(
        "select " + ", ".join(f"(select count(*) from {table})" for table in TABLES)
    ).fetchone()
    return dict(zip(TABLES, counts))


def finalize(con: duckdb.DuckDBPyConnection, snapshot_id: str, source_kind: str, source: dict,
             store_default_views: bool = True) -> dict:
    """Check keys, build the derived tables, write the meta row and store each page's default
    view (queries/stored.py; tests of the SQL itself build without). Returns meta."""
    check_integrity(con)
    facts_started = time.perf_counter()
    build_facts(con)
    facts_seconds = time.perf_counter() - facts_started
    as_of = default_as_of(con)
    if as_of is None:
        raise IntegrityError(["customers has no rows: at least one customer is required"])
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
    results_seconds = store_results(con) if store_default_views else 0.0
    con.execute("checkpoint")
    return {"snapshot_id": snapshot_id, "built_at": built_at, "default_as_of": as_of, "tables": counts,
            "facts_seconds": round(facts_seconds, 1), "results_seconds": round(results_seconds, 1)}


def store_results(con: duckdb.DuckDBPyConnection) -> float:
    """Store every page's default-view results in the snapshot (queries/stored.py); seconds."""
    from queries import store_default_views  # queries reads what this module builds

    return store_default_views(con)
