"""Tiny hand-written databases for query tests.

    con = make_db(tmp_path, customers=[{"customer_id": "a", "signup_date": "2024-01-31"}],
                  tickets=[...], nps=[...], mrr=[...], activity=[...], outreach=[...])

Rows are dicts; missing optional columns are null. The database is built exactly like a real one
(schema, default churn-reason mapping, integrity checks, customer_facts, meta) and opened with
queries.connect, read-only.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from data import build, snapshots
from queries import connect

TABLE_OF = {
    "customers": "customers",
    "tickets": "tickets",
    "nps": "nps_responses",
    "mrr": "mrr_history",
    "activity": "activity",
    "outreach": "outreach",
}


def make_db(tmp_path: Path, customers: list[dict], tickets=(), nps=(), mrr=(), activity=(),
            after_build=None, as_of=None, outreach=()):
    """A snapshot of these rows (`after_build` as build.finalize's; `as_of` the snapshot's as-of
    date as `--as-of` gives it, default the rule in docs/definitions.md, Metrics on these rows); an open read-only
    connection to it."""
    live = Path(tmp_path) / "retention.duckdb"
    rows = {"customers": customers, "tickets": tickets, "nps": nps, "mrr": mrr,
            "activity": activity, "outreach": outreach}
    with snapshots.building(live) as (tmp, snapshot_id):
        con = duckdb.connect(str(tmp))
        build.create_schema(con)
        build.load_reason_mapping(con)
        for key, table in TABLE_OF.items():
            if rows[key]:
                _insert(con, table, rows[key])
        build.finalize(con, snapshot_id, "demo", {"fixture": True}, after_build, as_of)
        con.close()
    return connect(live)



def customers(*rows: tuple) -> list[dict]:
    """Customer rows written short: (customer_id, signup_date[, churn_date[, churn_reason]])."""
    keys = ("customer_id", "signup_date", "churn_date", "churn_reason")
    return [dict(zip(keys, row)) for row in rows]


def caps_of(tmp_path: Path, customers: list[dict], *tables, **kwargs):
    """The stored capabilities (data.capabilities.read) of make_db's snapshot of these rows."""
    from data import capabilities

    con = make_db(tmp_path, customers, *tables, **kwargs)
    try:
        return capabilities.read(con)
    finally:
        con.close()

def _insert(con, table: str, rows) -> None:
    frame = pd.DataFrame(list(rows))
    columns = ", ".join(frame.columns)  # test-authored column names, not user input
    con.register("fixture_rows", frame)
    con.execute("insert into " + table + " (" + columns + ") select " + columns + " from fixture_rows")
    con.unregister("fixture_rows")
