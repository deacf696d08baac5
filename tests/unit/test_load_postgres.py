"""`python -m data.load --from postgresql://...`: tables and selects of a real Postgres server
(the session's `postgres` fixture, tests/postgres_server.py) load into the same snapshot as the
same rows from CSV, with the same problems, and no password is ever shown."""

from __future__ import annotations

import csv
import logging
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from data import importer
from data.importer import cli
from tests import matrix
from tests.unit.test_load import state, table_rows

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


# --- putting CSV rows into Postgres with typed columns --------------------------------------------
def put_csv(db, table: str, path: Path, types: dict[str, str]) -> None:
    """Create `table` from a CSV file with real column types: every cell goes in as text (ADBC
    ingest into raw_<table>), then Postgres casts it to the type given (text when not listed).
    An empty cell is NULL, as the importer reads an empty CSV field. `types` values are SQL
    SQL types; a "timestamptz" column holds the instant of the CSV's wall clock read as UTC."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        header = list(reader.fieldnames)
    raw = pa.table({c: pa.array([r[c] or None for r in rows], pa.string()) for c in header})
    staging = "raw_" + table.replace(".", "_")
    db.execute(f"drop table if exists {table}; drop table if exists {staging}")
    db.ingest(staging, raw)

    def cast(column: str) -> str:
        kind = types.get(column, "text")
        if kind == "timestamptz":
            return f'("{column}"::timestamp at time zone \'UTC\') as "{column}"'
        return f'"{column}"::{kind} as "{column}"'

    db.execute(f"create table {table} as select {', '.join(cast(c) for c in header)} "
               f"from {staging}")
    db.execute(f"drop table {staging}")


# Columns that name the build (its id, its time, where it came from), not the data.
BUILD_COLUMNS = {"meta": ("snapshot_id", "built_at", "source"),
                 "mapping_versions": ("snapshot_id", "saved_at")}


def snapshot_tables(db: Path) -> dict[str, list[tuple]]:
    """Every table of a snapshot, every row, sorted, without the columns that name the build."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' order by 1"
        ).fetchall()]
        return {name: con.execute(
            f"select * exclude ({', '.join(BUILD_COLUMNS[name])}) from {name} order by all"
            if name in BUILD_COLUMNS else f"select * from {name} order by all").fetchall()
            for name in names}
    finally:
        con.close()


def meta_source(db: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select source from meta").fetchone()[0]
    finally:
        con.close()


# --- fixtures: one database on the session's server for this module ------------------------------
# tests/matrix.py's "everything" snapshot (72 customers, tickets, NPS, MRR history).
EVERYTHING_TYPES = {
    "customers": {"signup_date": "date", "churn_date": "date", "mrr": "numeric(12,2)",
                  "products_count": "integer"},
    # created_at a plain timestamp, first_response_at a timestamptz (read as UTC wall clock),
    # the counts as integers of three sizes.
    "tickets": {"created_at": "timestamp", "first_response_at": "timestamptz",
                "resolved_at": "timestamp", "agent_replies": "smallint", "csat": "integer",
                "ces": "bigint"},
    "nps": {"responded_at": "timestamptz", "score": "integer"},
    "mrr": {"month": "date", "mrr": "numeric"},
}
# RavenStack's real export (tests/data/real): booleans, dates, numerics, integers, nulls.
RAVENSTACK = {
    "accounts": ("ravenstack_accounts.csv",
                 {"signup_date": "date", "seats": "integer", "is_trial": "boolean",
                  "churn_flag": "boolean"}),
    "churn_events": ("ravenstack_churn_events.csv",
                     {"churn_date": "date", "refund_amount_usd": "numeric",
                      "preceding_upgrade_flag": "boolean", "preceding_downgrade_flag": "boolean",
                      "is_reactivation": "boolean"}),
    "subscriptions": ("ravenstack_subscriptions.csv",
                      {"start_date": "date", "end_date": "date", "seats": "integer",
                       "mrr_amount": "numeric", "arr_amount": "numeric", "is_trial": "boolean",
                       "upgrade_flag": "boolean", "downgrade_flag": "boolean",
                       "churn_flag": "boolean", "auto_renew_flag": "boolean"}),
    "support_tickets": ("ravenstack_support_tickets.csv",
                        {"submitted_at": "date", "closed_at": "date",
                         "resolution_time_hours": "numeric",
                         "first_response_time_minutes": "integer",
                         "satisfaction_score": "integer", "escalation_flag": "boolean"}),
}
RAVENSTACK_MAP = ["customers.customer_id=account_id", "customers.churned=churn_flag",
                  "customers.plan=plan_tier", "churn_events.customer_id=account_id",
                  "churn_events.churn_reason=reason_code", "subscriptions.customer_id=account_id",
                  "subscriptions.mrr=mrr_amount", "tickets.customer_id=account_id",
                  "tickets.created_at=submitted_at",
                  "tickets.first_response_minutes=first_response_time_minutes",
                  "tickets.resolution_hours=resolution_time_hours",
                  "tickets.csat=satisfaction_score"]


@pytest.fixture(scope="module")
def everything(tmp_path_factory) -> Path:
    """The folder of the "everything" CSVs and the snapshot imported from them (retention.duckdb)."""
    folder = tmp_path_factory.mktemp("everything")
    matrix.build(folder, "everything")
    return folder / "everything"


@pytest.fixture(scope="module")
def pg(postgres, everything):
    """A database of this module's own with the "everything" CSVs in schema `crm` and
    RavenStack's in `raven`, all typed."""
    db = postgres.database("load_from_postgres")
    db.execute("create schema crm; create schema raven")
    for name, types in EVERYTHING_TYPES.items():
        put_csv(db, f"crm.{name}", everything / f"{name}.csv", types)
    for table, (file, types) in RAVENSTACK.items():
        put_csv(db, f"raven.{table}", REAL / file, types)
    return db


def main(*argv: str, out: Path) -> int:
    return cli.main(["--out", str(out), *argv])


# --- the same snapshot as from CSV ---------------------------------------------------------------
def test_everything_from_postgres_equals_the_csv_import(pg, everything, tmp_path, capsys):
    out = tmp_path / "pg.duckdb"
    assert main("--from", pg.url, "--customers", "crm.customers", "--tickets", "crm.tickets",
                "--nps", "crm.nps", "--mrr", "CRM.MRR", "--as-of", str(matrix.AS_OF),
                out=out) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert f"from postgresql://tester:***@127.0.0.1:{pg.port}/load_from_postgres." in printed
    assert "(from 72 rows of crm.customers)" in printed
    from_csv = snapshot_tables(everything / "retention.duckdb")
    from_pg = snapshot_tables(out)
    assert set(from_pg) == set(from_csv)
    assert len(from_pg["customers"]) == 72 and len(from_pg["tickets"]) > 100
    for table in from_csv:
        assert from_pg[table] == from_csv[table], table


def test_timestamptz_reads_as_its_utc_wall_clock(pg, tmp_path):
    # 2024-03-31 23:30 at -05:00 is 2024-04-01 04:30 UTC: the ticket is created on April 1st,
    # whatever the session's time zone (PGTZ sets it for libpq).
    pg.execute("drop table if exists crm.tz_tickets")
    pg.execute("create table crm.tz_tickets as select 't1' as ticket_id, 'c000' as customer_id, "
               "timestamptz '2024-03-31 23:30:00-05' as created_at")
    out = tmp_path / "tz.duckdb"
    os.environ["PGTZ"] = "America/New_York"
    try:
        importer.load(out, {"customers": "crm.customers", "tickets": "crm.tz_tickets"},
                  database=pg.url, as_of=matrix.AS_OF)
    finally:
        del os.environ["PGTZ"]
    assert table_rows(out, "tickets")[0][:3] == ("t1", "c000", datetime(2024, 4, 1, 4, 30))


def test_ravenstack_typed_tables_with_map_equal_the_csv_import(pg, tmp_path):
    files = {"customers": "accounts", "churn_events": "churn_events",
             "subscriptions": "subscriptions", "tickets": "support_tickets"}
    mapping = {}
    for item in RAVENSTACK_MAP:
        target, _, header = item.partition("=")
        table, _, column = target.partition(".")
        mapping.setdefault(table, {})[column] = header
    from_csv = tmp_path / "csv.duckdb"
    importer.load(from_csv, {k: REAL / RAVENSTACK[v][0] for k, v in files.items()}, mapping)
    from_pg = tmp_path / "pg.duckdb"
    importer.load(from_pg, {k: f"raven.{v}" for k, v in files.items()}, mapping, database=pg.url)
    expected, got = snapshot_tables(from_csv), snapshot_tables(from_pg)
    assert set(got) == set(expected)
    # Extra columns keep the database's text of a value: a boolean reads true/false where the
    # CSV had TRUE/FALSE (data/db_input.py). Those columns are compared lower-cased; every other
    # value exactly.
    booleans = {"customers": ("is_trial",), "tickets": ("escalation_flag",)}
    for table in expected:
        rows, want = got[table], expected[table]
        if table in booleans:
            con = duckdb.connect(str(from_pg), read_only=True)
            cols = [c[0] for c in con.execute(f"describe {table}").fetchall()]
            con.close()
            at = [cols.index(c) for c in booleans[table]]
            assert {r[i] for r in rows for i in at} == {"true", "false"}
            want = sorted(tuple(v.lower() if i in at and v else v for i, v in enumerate(r))
                          for r in want)
            rows = sorted(rows)
        assert rows == want, table
    # 500 accounts, 110 churned (test_real_exports works these out from the raw files)
    assert len(got["customers"]) == 500
    assert sum(r[3] is not None for r in got["customers"]) == 110


def test_a_select_with_a_join_and_a_where(pg, tmp_path):
    # Customers of the Growth plan and only their tickets, selected through a join. Of the 72,
    # i % 3 == 1 are Growth (i = 1, 4, ..., 70: 24) and i % 3 == 0 with (i // 3) % 3 == 1
    # (i = 3, 12, ..., 66: 8): 32.
    out = tmp_path / "select.duckdb"
    importer.load(out, {
        "customers": "select * from crm.customers where plan = 'Growth'",
        "tickets": "select t.* from crm.tickets as t join crm.customers as c "
                   "using (customer_id) where c.plan = 'Growth' order by t.ticket_id",
    }, database=pg.url, as_of=matrix.AS_OF)
    growth = [c for c in matrix.customers(matrix.MAPPED_REASONS) if c["plan"] == "Growth"]
    ids = {c["customer_id"] for c in growth}
    tickets = [t for t in matrix.tickets(matrix.customers(matrix.MAPPED_REASONS))
               if t["customer_id"] in ids]
    assert len(growth) == 32
    assert [r[0] for r in table_rows(out, "customers")] == sorted(ids)
    assert [r[0] for r in table_rows(out, "tickets")] == sorted(t["ticket_id"] for t in tickets)
    assert '"query": "select * from crm.customers where plan = \'Growth\'"' in meta_source(out)


def test_map_names_the_databases_own_columns(pg, tmp_path, capsys):
    out = tmp_path / "map.duckdb"
    argv = ["--from", pg.url, "--customers", "raven.accounts", "--churn-events",
            "raven.churn_events"]
    for item in RAVENSTACK_MAP[:5]:
        argv += ["--map", item]
    assert main(*argv, out=out) == 0, capsys.readouterr().err
    # the README's churn-as-events example: 110 churned by flag, 35 of them without an event
    assert "110 customers churned by flag, 35 of them without a date" in capsys.readouterr().out
    con = duckdb.connect(str(out), read_only=True)
    try:
        # A-c37cab: flagged active (boolean false) with a churn event: stays active
        assert con.execute("select churn_date, plan from customers where customer_id = 'A-c37cab'"
                           ).fetchone()[0] is None
    finally:
        con.close()


def test_outreach_from_postgres_equals_the_same_rows_from_csv(pg, everything, tmp_path):
    # c001 signed up 2022-01-17 and c002 2022-01-31 (matrix: one signup every 14 days from
    # 2022-01-03); contacted_at a timestamptz (UTC wall clock), responded_at a timestamp.
    (tmp_path / "outreach.csv").write_text(
        "customer_id,contacted_at,channel,campaign,responded_at,actions\n"
        "c001,2022-02-01 10:00,email,save,2022-02-02 09:30,2\n"
        "c002,2022-03-01 16:45,call,,,0\n")
    put_csv(pg, "crm.outreach", tmp_path / "outreach.csv",
            {"contacted_at": "timestamptz", "responded_at": "timestamp", "actions": "integer"})
    from_csv, from_pg = tmp_path / "csv.duckdb", tmp_path / "pg.duckdb"
    importer.load(from_csv, {"customers": everything / "customers.csv",
                         "outreach": tmp_path / "outreach.csv"}, as_of=matrix.AS_OF)
    assert main("--from", pg.url, "--customers", "crm.customers", "--outreach", "crm.outreach",
                "--as-of", str(matrix.AS_OF), out=from_pg) == 0
    assert table_rows(from_pg, "outreach") == table_rows(from_csv, "outreach") == [
        ("c001", datetime(2022, 2, 1, 10, 0), "email", "save", datetime(2022, 2, 2, 9, 30), 2),
        ("c002", datetime(2022, 3, 1, 16, 45), "call", None, None, 0)]


# --- problems ------------------------------------------------------------------------------------
@pytest.fixture
def live(pg, tmp_path):
    """A live snapshot loaded from Postgres, which failed loads must leave alone."""
    out = tmp_path / "db" / "retention.duckdb"
    importer.load(out, {"customers": "crm.customers"}, database=pg.url, as_of=matrix.AS_OF)
    return out


def rejected(live: Path, pg, *argv: str, capsys) -> str:
    """Run a load that must fail; its stderr, with the live snapshot checked unchanged."""
    before = state(live)
    assert main("--from", pg.url, *argv, out=live) == 1
    assert state(live) == before
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def test_a_bad_value_names_table_row_and_column(pg, live, capsys):
    # Row 3 of the result (ordered by id) has csat 9 and row 2 a date-time before its creation.
    pg.execute("drop table if exists crm.bad_tickets")
    pg.execute("create table crm.bad_tickets (ticket_id text, customer_id text, "
               "created_at timestamp, first_response_at timestamptz, csat integer)")
    pg.execute("insert into crm.bad_tickets values "
               "('t1', 'c001', '2024-01-02 09:00', '2024-01-02 10:00+00', 5), "
               "('t2', 'c001', '2024-01-03 09:00', '2024-01-03 08:00+00', 4), "
               "('t3', 'c002', '2024-01-04 09:00', null, 9)")
    err = rejected(live, pg, "--customers", "crm.customers", "--tickets",
                   "select * from crm.bad_tickets order by ticket_id", capsys=capsys)
    assert err.splitlines() == [
        "tickets query:row 2: first_response_at: expected a date-time on or after created_at, "
        "found '2024-01-03 08:00:00' (created_at 2024-01-03 09:00:00)",
        "tickets query:row 3: csat: expected a whole number from 1 to 5, found '9'",
        f"2 problem(s); {live} was not changed.",
    ]


def test_a_missing_table_and_a_bad_identifier(pg, live, capsys):
    err = rejected(live, pg, "--customers", "crm.nobody", capsys=capsys)
    assert err.splitlines()[0] == ("crm.nobody: (table): expected a table or view named "
                                   "crm.nobody in the database, found none")
    err = rejected(live, pg, "--customers", "crm.customers; drop table crm.customers",
                   capsys=capsys)
    assert err.splitlines()[0] == (
        "customers: (table): expected a table name (letters, digits and _, optionally "
        "schema.table) or a query starting with select or with, found "
        "'crm.customers; drop table crm.customers'")
    assert pg.query("select count(*) from crm.customers") == [(72,)]


def test_a_query_cannot_write_to_the_database(pg, live, capsys):
    err = rejected(live, pg, "--customers",
                   "with gone as (delete from crm.customers returning *) select * from gone",
                   capsys=capsys)
    assert err.splitlines()[0] == ("customers query: (query): expected a query that can be "
                                   "read, found cannot execute SELECT in a read-only transaction")
    assert pg.query("select count(*) from crm.customers") == [(72,)]


def test_a_wrong_password_is_one_line_without_the_password(pg, live, capsys, caplog):
    wrong = replace(pg, password="Wr0ng-s3cret")
    caplog.set_level(logging.DEBUG)
    before = state(live)
    assert main("--from", wrong.url, "--customers", "crm.customers", out=live) == 1
    assert state(live) == before
    captured = capsys.readouterr()
    assert captured.err == (
        f"import failed: cannot connect to postgresql://tester:***@127.0.0.1:{pg.port}/"
        f"load_from_postgres: password authentication failed for user \"tester\"; {live} was "
        "not changed.\n")
    everything = captured.out + captured.err + caplog.text
    assert "Wr0ng-s3cret" not in everything and pg.password not in everything


def test_an_unreachable_server_is_one_line(pg, live, capsys):
    closed = replace(pg, port=1)  # nothing listens on port 1
    assert main("--from", closed.url, "--customers", "crm.customers", out=live) == 1
    err = capsys.readouterr().err
    assert err.startswith("import failed: cannot connect to postgresql://tester:***@127.0.0.1:1/"
                          "load_from_postgres: connection to server at \"127.0.0.1\", port 1 "
                          "failed: Connection refused")
    assert len(err.splitlines()) == 1 and pg.password not in err


def test_pgpassword_from_the_environment(pg, tmp_path, capsys, monkeypatch):
    out = tmp_path / "env.duckdb"
    monkeypatch.setenv("PGPASSWORD", pg.password)
    assert main("--from", pg.url_without_password, "--customers", "crm.customers",
                "--as-of", str(matrix.AS_OF), out=out) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert len(table_rows(out, "customers")) == 72
    assert pg.password not in printed and pg.password not in meta_source(out)
    # Without it the server refuses the login, and says so in one line.
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-such-pgpass"))
    assert main("--from", pg.url_without_password, "--customers", "crm.customers", out=out) == 1
    assert "password" in capsys.readouterr().err


def test_the_password_is_redacted_in_the_snapshots_source(pg, tmp_path):
    out = tmp_path / "meta.duckdb"
    importer.load(out, {"customers": "crm.customers"}, database=pg.url + "?sslmode=disable",
              as_of=matrix.AS_OF)
    source = meta_source(out)
    assert pg.password not in source
    assert (f'"database": "postgresql://tester:***@127.0.0.1:{pg.port}/load_from_postgres'
            '?sslmode=disable"') in source
    assert '"customers": {"name": "crm.customers", "table": "crm.customers"}' in source


def test_from_needs_a_postgres_url(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main("--from", "mysql://u:hunter2@h/db", "--customers", "x", out=tmp_path / "x.duckdb")
    err = capsys.readouterr().err
    assert "--from: expected a postgresql:// URL, found 'mysql://u:***@h/db'" in err
    assert "hunter2" not in err


def test_help_says_how_to_read_from_a_database(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    printed = capsys.readouterr().out
    assert "--from URL" in printed and "postgresql://USER@HOST:PORT/DB" in printed
    assert "PGPASSWORD" in printed
