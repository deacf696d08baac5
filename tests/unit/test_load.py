"""The validated importer (data/importer): round trips, and malformed files each rejected with its
exact message while the live database stays byte-identical (or absent)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import pytest

from data import build, importer, snapshots

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("customers", "tickets", "nps_responses", "mrr_history", "churn_reason_categories")

CUSTOMERS = """\
customer_id,name,signup_date,churn_date,churn_reason,plan,mrr,products_count
c1,Acme,2024-01-05,,,Growth,100.50,2
c2,Beta,2024-02-01,2024-05-01,Too  expensive,Starter,20,1
c3,Gamma,2024-03-01,,,Starter,0,1
"""
TICKETS = """\
ticket_id,customer_id,created_at,first_response_at,resolved_at,csat,ces
t1,c1,2024-01-06 10:00,2024-01-06 11:00:00,2024-01-07T09:30,5,4
t2,c2,2024-02-03 08:00,,,,
"""


# --- helpers -------------------------------------------------------------------------------------
def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def state(live: Path):
    """What must not change on a rejected import: the link target and the bytes behind it."""
    if not os.path.lexists(live):
        return None
    target = os.readlink(live) if live.is_symlink() else None
    return target, hashlib.sha256(snapshots.resolve(live).read_bytes()).hexdigest()


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """A live database already built from good files, which rejected imports must leave alone."""
    return good_live(tmp_path)


def good_live(tmp_path: Path) -> Path:
    good = tmp_path / "good"
    good.mkdir()
    out = tmp_path / "db" / "retention.duckdb"
    importer.load(out, {"customers": write(good, "customers.csv", CUSTOMERS)})
    return out


def rejected(live: Path, files: dict, mapping=None) -> list[str]:
    """Import files that must be rejected; return the problems as text, check `live` untouched."""
    before = state(live)
    with pytest.raises(importer.ImportRejected) as info:
        importer.load(live, files, mapping)
    assert state(live) == before
    return [str(p) for p in info.value.problems]


def rejected_texts(folder: Path, live: Path, **texts: str) -> list[str]:
    """rejected() of files written from texts ({kind: text}, each as <kind>.csv in `folder`)."""
    return rejected(live, {kind: write(folder, f"{kind}.csv", text) for kind, text in texts.items()})


def table_rows(db: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"select * from {table} order by all").fetchall()
    finally:
        con.close()


# --- accepted files ------------------------------------------------------------------------------
def test_loads_csv_files_and_reports_counts(tmp_path):
    out = tmp_path / "retention.duckdb"
    meta = importer.load(out, {"customers": write(tmp_path, "customers.csv", CUSTOMERS),
                           "tickets": write(tmp_path, "tickets.csv", TICKETS)})
    assert meta["tables"]["customers"] == 3 and meta["tables"]["tickets"] == 2
    assert table_rows(out, "tickets")[0][2:5] == (
        __import__("datetime").datetime(2024, 1, 6, 10, 0),
        __import__("datetime").datetime(2024, 1, 6, 11, 0),
        __import__("datetime").datetime(2024, 1, 7, 9, 30),
    )
    source = table_rows(out, "meta")[0][3]
    assert '"name": "customers.csv"' in source
    assert hashlib.sha256(CUSTOMERS.encode()).hexdigest() in source


def test_bom_semicolon_and_tab_are_accepted(tmp_path):
    out = tmp_path / "retention.duckdb"
    text = "\ufeff" + CUSTOMERS.replace(",", ";")
    importer.load(out, {"customers": write(tmp_path, "customers.csv", text),
                    "tickets": write(tmp_path, "tickets.tsv", TICKETS.replace(",", "\t"))})
    assert [row[0] for row in table_rows(out, "customers")] == ["c1", "c2", "c3"]
    assert len(table_rows(out, "tickets")) == 2


def test_optional_columns_absent_load_as_null_and_extra_columns_are_kept(tmp_path):
    out = tmp_path / "retention.duckdb"
    text = 'customer_id,signup_date,"Account ""Owner"""\nc1,2024-01-05,Ann\nc2,2024-01-06,\n'
    importer.load(out, {"customers": write(tmp_path, "customers.csv", text)})
    con = duckdb.connect(str(out), read_only=True)
    rows = con.execute('select customer_id, plan, mrr, "Account ""Owner""" from customers '
                       "order by 1").fetchall()
    con.close()
    assert rows == [("c1", None, None, "Ann"), ("c2", None, None, None)]


def test_map_reads_the_users_own_headers(tmp_path):
    out = tmp_path / "retention.duckdb"
    text = "Account ID,Start Date,Plan Name\nc1,2024-01-05,Growth\n"
    mapping = {"customers": {"customer_id": "Account ID", "signup_date": "Start Date",
                             "plan": "Plan Name"}}
    importer.load(out, {"customers": write(tmp_path, "customers.csv", text)}, mapping)
    assert table_rows(out, "customers")[0][:6] == (
        "c1", None, __import__("datetime").date(2024, 1, 5), None, None, "Growth")


def test_quoted_newlines_are_accepted_and_later_lines_stay_physical(tmp_path, live):
    text = ('customer_id,name,signup_date\n'
            'c1,"three\nline\nname",2024-01-05\n'  # lines 2-4
            'c2,ok,2024-01-32\n')  # line 5
    assert rejected_texts(tmp_path, live, customers=text) == [
        "customers.csv:5: signup_date: expected an ISO date YYYY-MM-DD, found '2024-01-32'"
    ]
    out = tmp_path / "other.duckdb"
    importer.load(out, {"customers": write(tmp_path, "ok.csv", text.replace("01-32", "01-31"))})
    assert table_rows(out, "customers")[0][1] == "three\nline\nname"


def test_reasons_file_replaces_the_default_mapping(tmp_path):
    out = tmp_path / "retention.duckdb"
    reasons = ("reason,category,owner_team\ntoo expensive,Price,Finance\n"
               "Too Expensive ,Price,Finance\n")  # same key, same category: kept once
    importer.load(out, {"customers": write(tmp_path, "customers.csv", CUSTOMERS),
                    "churn_reason_categories": write(tmp_path, "reasons.csv", reasons)})
    assert table_rows(out, "churn_reason_categories") == [
        ("too expensive", "too expensive", "Price", "Finance")]
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("select churn_category from customer_facts where customer_id = 'c2'"
                       ).fetchone() == ("Price",)
    con.close()


# --- round trips ---------------------------------------------------------------------------------
def fixture_db(tmp_path: Path) -> Path:
    """A small database with every table and awkward values (quotes, commas, newlines, nulls)."""
    live = tmp_path / "source.duckdb"
    with snapshots.building(live) as (tmp, snapshot_id):
        con = duckdb.connect(str(tmp))
        build.create_schema(con)
        build.load_reason_mapping(con)
        con.execute("""
            insert into customers (customer_id, name, signup_date, churn_date, churn_reason, plan,
                                   mrr, region, segment, industry, acquisition_channel,
                                   products_count) values
              ('c1', 'Acme, "the" Inc', '2023-01-31', null, null, 'Growth', 120.50, 'NA',
               'SMB', 'Retail', 'Inbound', 2),
              ('c2', 'Two
lines', '2023-02-01', '2023-08-15', 'too expensive', 'Starter', 0, 'EMEA', null, null,
               'Partner', 1),
              ('c3', '', '2023-03-01', '2023-03-01', 'Never   launched', null, null, null, null,
               null, null, null);
            insert into tickets values
              ('t1', 'c1', '2023-02-01 09:00:00', '2023-02-01 09:30:15', '2023-02-02 10:00:00',
               'chat', 'bug', 'high', 3, 4, 5),
              ('t2', 'c2', '2023-02-03 10:00:00', null, null, 'email', null, 'low', 0, null, null),
              ('t3', 'c1', '2023-05-01 00:00:00.25', '2023-05-01 00:00:00.25', null, null, null,
               null, null, 1, 1);
            insert into nps_responses values ('c1', '2023-04-15 12:00:00', 9),
                                             ('c2', '2023-04-16 08:00:00', 0);
            insert into mrr_history values ('c1', '2023-01-01', 100), ('c1', '2023-02-01', 120.50),
                                           ('c2', '2023-02-01', 0);
        """)
        build.finalize(con, snapshot_id, "demo", {"fixture": True})
        con.close()
    return live


def generated_db(tmp_path: Path) -> Path:
    generate = pytest.importorskip("data.demo.generate")
    live = tmp_path / "source.duckdb"
    generate.generate(live, customers=300, seed=42)
    return live


def export(db: Path, folder: Path, fmt: str) -> dict[str, Path]:
    folder.mkdir()
    con = duckdb.connect(str(db), read_only=True)
    files = {}
    for table in TABLES:
        columns = "reason, category, owner_team" if table == TABLES[-1] else "*"
        path = folder / f"{table}.{fmt}"
        options = "format csv, header" if fmt == "csv" else "format parquet"
        con.execute(f"copy (select {columns} from {table}) to '{path}' ({options})")
        files[table] = path
    con.close()
    return files


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("source", [fixture_db, generated_db])
def test_round_trip_keeps_every_table_identical(tmp_path, fmt, source):
    original = source(tmp_path)
    out = tmp_path / "imported.duckdb"
    importer.load(out, export(original, tmp_path / "export", fmt))
    for table in TABLES + ("customer_facts",):
        assert table_rows(out, table) == table_rows(original, table), table


# --- rejected files ------------------------------------------------------------------------------
# A customers file rejected on its own: its problems name file, row, column and what was expected.
REJECTED_CUSTOMERS = [
    pytest.param(
        "customer_id,name,Start\nc1,Acme,2024-01-05\n",
        [
            "customers.csv:1: signup_date: expected a column named signup_date, "
            "found columns 'customer_id', 'name', 'Start'"
        ], id="missing_required_column_names_it_and_lists_the_columns_found"),
    pytest.param(
        "customer_id,signup_date\nc1,2024-01-05\nc2,2024-13-01\nc3,\n",
        [
            "customers.csv:3: signup_date: expected an ISO date YYYY-MM-DD, found '2024-13-01'",
            "customers.csv:4: signup_date: expected an ISO date YYYY-MM-DD (required), "
            "found an empty value",
        ], id="bad_date"),
    # Day-first dates are read (31 > 12: day first), but not mixed with another format
    pytest.param(
        "customer_id,signup_date\nc1,31/01/2024\nc2,2024-01-05\nc3,05/02/2024\n",
        [
            "customers.csv:3: signup_date: expected a date DD/MM/YYYY like the rest of this column, "
            "found '2024-01-05'"
        ], id="a_date_column_has_one_format"),
    pytest.param(
        "customer_id,signup_date,churn_date\nc1,2024-03-01,2024-01-01\n",
        [
            "customers.csv:2: churn_date: expected a date on or after signup_date, "
            "found '2024-01-01' (signup_date 2024-03-01)"
        ], id="churn_before_signup"),
    # a negative mrr is a credit (tests/unit/test_import_options.py), not a problem
    pytest.param(
        "customer_id,signup_date,mrr,products_count\nc1,2024-01-05,-5,1.5\nc2,2024-01-05,1,0\n",
        [
            "customers.csv:2: products_count: expected a whole number, found '1.5'",
            "customers.csv:3: products_count: expected a whole number >= 1, found '0'",
        ], id="fractional_products"),
    pytest.param(
        "customer_id,signup_date\nc1,2024-01-05\nc2,2024-01-05\nc1,2024-01-06\n",
        [
            "customers.csv:4: customer_id: expected a unique customer_id, found 'c1' again "
            "(first on line 2)"
        ], id="duplicate_id"),
    pytest.param(
        "customer_id,signup_date\n",
        [
            "customers.csv:2: (file): expected at least one customer row after the header, found none"
        ], id="header_only"),
    pytest.param(
        "customer_id|signup_date\nc1|2024-01-05\n",
        [
            "customers.csv:1: (header): expected columns separated by comma, semicolon, tab or spaces, "
            "found a single column 'customer_id|signup_date'"
        ], id="wrong_delimiter"),
    pytest.param(
        ('customer_id,name,signup_date\nc1,"a\nb",2024-01-05\n'
         'c2,x,2024-01-05,extra\nc3,"open,2024-01-05\n'),
        [
            "customers.csv:4: (row): expected 3 fields like the header, found 4",
            'customers.csv:5: (row): expected a value quoted with " on both sides, '
            "found an unterminated or stray quote",
        ], id="wrong_field_count_and_unterminated_quote"),
    pytest.param(
        'customer_id,signup_date\r\nc1,2024-01-01\r\nc2,"x\r\ny"\r\nc3,2024-02-30\r\n',
        [
            "customers.csv:3: signup_date: expected an ISO date YYYY-MM-DD, found 'x\\r\\ny'",
            "customers.csv:5: signup_date: expected an ISO date YYYY-MM-DD, found '2024-02-30'",
        ], id="crlf_lines_and_newlines_inside_a_shown_value"),
    pytest.param(
        "customer_id,Customer_ID,signup_date\nc1,c1,2024-01-01\n",
        [
            "customers.csv:1: Customer_ID: expected each column name once, "
            "found 'customer_id' and 'Customer_ID'"
        ], id="duplicate_headers"),
]


@pytest.mark.parametrize(("text", "problems"), REJECTED_CUSTOMERS)
def test_a_customers_file_is_rejected(tmp_path, live, text, problems):
    assert rejected_texts(tmp_path, live, customers=text) == problems


# A file rejected beside a valid customers file (CUSTOMERS): file kind, its text, its problems.
REJECTED_BESIDE_CUSTOMERS = [
    pytest.param(
        "tickets",
        ("ticket_id,customer_id,created_at,first_response_at,csat\n"
         "t1,c1,2024-01-06 10:00,2024-01-06 09:00,7\n"),
        [
            "tickets.csv:2: first_response_at: expected a date-time on or after created_at, "
            "found '2024-01-06 09:00' (created_at 2024-01-06 10:00:00)",
            "tickets.csv:2: csat: expected a whole number from 1 to 5, found '7'",
        ], id="csat_7_and_response_before_creation"),
    pytest.param(
        "tickets",
        "ticket_id,customer_id,created_at\nt1,c1,2024-01-06\nt2,c9,2024-01-07\n",
        [
            "tickets.csv:3: customer_id: expected a customer_id present in the customers file, "
            "found 'c9'"
        ], id="orphan_ticket"),
    pytest.param(
        "mrr",
        ("customer_id,month,mrr\nc1,2024-01-01,10\nc1,2024-01-15,10\n"
         "c1,2024-01-01,12\nc2,2024-02-01,-1\n"),
        [
            "mrr.csv:3: month: expected the first day of a month YYYY-MM-01, found '2024-01-15'",
            "mrr.csv:4: month: expected one row per customer and month, found customer 'c1' "
            "month 2024-01-01 again (first on line 2)",
        ], id="mrr_history_rules"),
    pytest.param(
        "reasons",
        "reason,category,owner_team\ntoo expensive,Price,Finance\nToo  Expensive,Other,\n",
        [
            "reasons.csv:3: category: expected one category per reason, found 'Other' for reason "
            "'too expensive' (line 2 maps it to 'Price')"
        ], id="reason_mapped_to_two_categories"),
]


@pytest.mark.parametrize(("kind", "text", "problems"), REJECTED_BESIDE_CUSTOMERS)
def test_a_file_beside_valid_customers_is_rejected(tmp_path, live, kind, text, problems):
    assert rejected_texts(tmp_path, live, customers=CUSTOMERS, **{kind: text}) == problems


def test_nps_score_out_of_range(tmp_path, live):
    nps = "customer_id,responded_at,score\nc1,2024-02-01 10:00,11\n"
    assert rejected(live, {"customers": write(tmp_path, "customers.csv", CUSTOMERS),
                           "nps_responses": write(tmp_path, "nps.csv", nps)}) == [
        "nps.csv:2: score: expected a whole number from 0 to 10, found '11'"
    ]
