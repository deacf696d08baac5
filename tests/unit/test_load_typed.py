"""The typed read (data/importer/typed.py): values parsed straight from the reader, Parquet columns in
their own types, and a value that fails still named exactly (`FILE:LINE: column: expected ...,
found ...`), by hand-written files whose third row is the bad one."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from data import importer
from data.importer import typed
from data.importer.parsing import MACROS
from data.importer.staged import StagedFile
from tests.unit.test_load import good_live, rejected, table_rows, write

HEADER = "customer_id,signup_date,mrr,products_count\n"
GOOD_ROWS = "c1,2024-01-05,10.00,1\nc2,2024-02-01,20.5,2\n"


@pytest.fixture
def live(tmp_path):
    return good_live(tmp_path)


def parquet(path: Path, select: str) -> Path:
    con = duckdb.connect()
    try:
        con.execute(f"copy ({select}) to '{path}' (format parquet)")
    finally:
        con.close()
    return path


def test_a_bad_date_on_the_third_row_is_named_by_its_line(tmp_path, live):
    # Header = line 1, so the third row is line 4; 2024-13-01 has no month 13.
    path = write(tmp_path, "customers.csv", HEADER + GOOD_ROWS + "c3,2024-13-01,0,1\n")
    assert rejected(live, {"customers": path}) == [
        "customers.csv:4: signup_date: expected an ISO date YYYY-MM-DD, found '2024-13-01'"]


def test_the_text_of_a_refused_value_is_quoted_as_written(tmp_path, live):
    # '+0' reads as 0, which breaks products_count >= 1: the problem quotes '+0', not '0'; the
    # 3rd row's ' 2024-1-5' is no ISO date (one-digit month), which DuckDB's own date cast takes.
    path = write(tmp_path, "customers.csv", HEADER + GOOD_ROWS + "c3, 2024-1-5,0,+0\n")
    assert rejected(live, {"customers": path}) == [
        "customers.csv:4: signup_date: expected an ISO date YYYY-MM-DD, found ' 2024-1-5'",
        "customers.csv:4: products_count: expected a whole number >= 1, found '+0'",
    ]


def test_whole_numbers_a_typed_csv_read_would_take_are_refused(tmp_path, live):
    # DuckDB's typed CSV read takes '3.5' as 4 and '0x10' as 16; the rules say a whole number.
    path = write(tmp_path, "customers.csv", HEADER + "c1,2024-01-05,1,3.5\nc2,2024-01-05,1,0x10\n")
    assert rejected(live, {"customers": path}) == [
        "customers.csv:2: products_count: expected a whole number, found '3.5'",
        "customers.csv:3: products_count: expected a whole number, found '0x10'",
    ]


def test_parquet_text_dates_fail_on_their_row(tmp_path, live):
    path = parquet(tmp_path / "customers.parquet", """
        select * from (values ('c1', '2024-01-05'), ('c2', '2024-02-01'), ('c3', '2024-02-30'))
        as t(customer_id, signup_date)""")
    assert rejected(live, {"customers": path}) == [
        "customers.parquet:row 3: signup_date: expected an ISO date YYYY-MM-DD, found '2024-02-30'"]


def test_parquet_typed_values_keep_the_rules_of_their_text(tmp_path, live):
    # Row 3: a BIGINT of 10 digits (a whole number has at most 9) and a DATE before 1900.
    path = parquet(tmp_path / "customers.parquet", """
        select * from (values ('c1', date '2024-01-05', 1::bigint),
                              ('c2', date '2024-02-01', 2::bigint),
                              ('c3', date '1899-12-31', 1234567890::bigint))
        as t(customer_id, signup_date, products_count)""")
    assert rejected(live, {"customers": path}) == [
        "customers.parquet:row 3: signup_date: expected a date between 1900-01-01 and 2099-12-31, "
        "found '1899-12-31'",
        "customers.parquet:row 3: products_count: expected a whole number, found '1234567890'",
    ]


def test_parquet_typed_values_load_as_their_text_would(tmp_path):
    # A TIMESTAMP into a DATE column is its day; whole numbers of any width; a DECIMAL(10,1) mrr.
    path = parquet(tmp_path / "customers.parquet", """
        select * from (values ('c1', timestamp '2024-01-05 23:59:00', 12.5::decimal(10, 1), 2::tinyint),
                              ('c2', timestamp '2024-02-01 00:00:00', null, 1::tinyint))
        as t(customer_id, signup_date, mrr, products_count)""")
    out = tmp_path / "db" / "retention.duckdb"
    importer.load(out, {"customers": path})
    rows = [(r[0], str(r[2]), r[6], r[11]) for r in table_rows(out, "customers")]
    assert rows == [("c1", "2024-01-05", 12.5, 2), ("c2", "2024-02-01", None, 1)]


def test_typed_keeps_a_values_text_only_where_it_differs_from_the_value(tmp_path):
    con = duckdb.connect()
    con.execute(MACROS)
    con.execute("create temp table stage_customers as select * from (values "
                "('c1', '2024-01-05'), ('c2', ' 2024-01-06'), ('c3', ''), ('c4', null)) as t(c1, c2)")
    src = StagedFile("customers", Path("customers.csv"),
                     columns={"customer_id": "c1", "signup_date": "c2"})
    typed.create(con, src, "(select rowid as row_id, * from stage_customers)")
    rows = con.execute("select row_id, cast(signup_date as varchar), rawtext_signup_date, "
                       "raw_signup_date from typed_customers order by row_id").fetchall()
    # c1's text is its value's own: not kept; ' 2024-01-06' (trimmed to a date) and '' are kept.
    assert rows == [(0, "2024-01-05", None, "2024-01-05"),
                    (1, "2024-01-06", " 2024-01-06", " 2024-01-06"),
                    (2, None, "", ""), (3, None, None, None)]
