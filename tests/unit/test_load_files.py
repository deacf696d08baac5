"""The importer's file-level problems (empty, not UTF-8, UTF-16, a ZIP, an over-long value, a
bad mapping, Parquet rows, the capped list) and its command line; the live database stays
byte-identical. Helpers and the live fixture: tests/unit/test_load.py."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from data import importer
from tests.unit.test_load import CUSTOMERS, ROOT, good_live, rejected, rejected_texts, state, write


@pytest.fixture
def live(tmp_path):
    """A live database built from good files, which rejected imports must leave alone."""
    return good_live(tmp_path)


def test_empty_file(tmp_path, live):
    assert rejected_texts(tmp_path, live, customers="") == [
        "customers.csv:1: (file): expected a header line naming the columns, found an empty file"
    ]


def test_non_utf8_bytes(tmp_path, live):
    text = "customer_id,name,signup_date\nc1,Acme,2024-01-05\nc2,Caf\xe9,2024-01-05\n"
    assert rejected(live, {"customers": write(tmp_path, "customers.csv",
                                              text.encode("latin-1"))}) == [
        "customers.csv:3: (encoding): expected UTF-8 text, found byte 0xE9 "
        "(Latin-1 or Windows-1252? Save the file as UTF-8)"
    ]


def test_utf16_and_zip_files(tmp_path, live):
    utf16 = write(tmp_path, "customers.csv", "customer_id,signup_date\n".encode("utf-16"))
    assert rejected(live, {"customers": utf16}) == [
        "customers.csv:1: (encoding): expected UTF-8 text, found UTF-16 text "
        "(save the file as UTF-8)"
    ]
    zipped = write(tmp_path, "book.csv", b"PK\x03\x04" + b"\0" * 40)
    assert rejected(live, {"customers": zipped}) == [
        "book.csv: (file): expected a CSV, Parquet or Excel .xlsx file, found a ZIP archive "
        "(an Excel workbook? Name it .xlsx)"
    ]


def test_ten_megabyte_text_field_is_rejected_naming_its_column(tmp_path, live):
    # Decision (see data/importer/__init__.py): text over 1,000,000 characters is a broken export.
    text = f"customer_id,name,signup_date\nc1,{'x' * 10 * 1024 * 1024},2024-01-05\n"
    assert rejected_texts(tmp_path, live, customers=text) == [
        "customers.csv:2: name: expected text of at most 1,000,000 characters, "
        "found a value of 10,485,760 characters"
    ]


def test_bad_mapping_and_missing_mapped_header(tmp_path, live):
    text = "customer_id,signup_date\nc1,2024-01-05\n"
    files = {"customers": write(tmp_path, "customers.csv", text)}
    assert rejected(live, files, {"customers": {"signup": "Start"}, "custmers": {"x": "y"}}) == [
        "mapping: customers.signup: expected a column of customers: customer_id, name, "
        "signup_date, churn_date, churn_reason, plan, mrr, region, segment, industry, "
        "acquisition_channel, products_count, churn_category, churned, tenure_months, found 'signup'",
        "mapping: custmers: expected a table of customers, tickets, nps_responses, mrr_history, "
        "activity, outreach, subscriptions, churn_events, churn_reason_categories, found 'custmers'",
    ]
    assert rejected(live, files, {"customers": {"plan": "Plan Name"}}) == [
        "customers.csv:1: plan: expected a column named 'Plan Name' (mapped to plan), "
        "found columns 'customer_id', 'signup_date'"
    ]


def test_parquet_problems_name_the_row(tmp_path, live):
    path = tmp_path / "customers.parquet"
    con = duckdb.connect()
    con.execute(f"""copy (select * from (values ('c1', date '2024-01-05', -1.5),
                                               ('c2', date '2024-01-05', 3.0))
                          as t(customer_id, signup_date, products_count)) to '{path}' (format parquet)""")
    con.close()
    assert rejected(live, {"customers": path}) == [
        "customers.parquet:row 1: products_count: expected a whole number, found '-1.5'"
    ]
    fake = write(tmp_path, "fake.parquet", "customer_id,signup_date\n")
    assert rejected(live, {"customers": fake}) == [
        "fake.parquet: (file): expected a Parquet file, found other content"
    ]


def test_problem_list_is_capped_with_the_total(tmp_path, live):
    rows = "".join(f"c{i},2024-01-{i % 28 + 1:02d},0\n" for i in range(120))
    path = write(tmp_path, "customers.csv", "customer_id,signup_date,products_count\n" + rows)
    before = state(live)
    with pytest.raises(importer.ImportRejected) as info:
        importer.load(live, {"customers": path})
    assert state(live) == before
    assert len(info.value.problems) == 50 and info.value.total == 120
    assert str(info.value.problems[49]) == \
        "customers.csv:51: products_count: expected a whole number >= 1, found '0'"
    assert str(info.value).endswith("... and 70 more (120 problems in total)")


def test_a_rejected_first_import_leaves_no_database(tmp_path):
    out = tmp_path / "retention.duckdb"
    with pytest.raises(importer.ImportRejected):
        importer.load(out, {"customers": write(tmp_path, "customers.csv", "customer_id\n")})
    assert state(out) is None
    assert list((tmp_path / "snapshots").iterdir()) == []


def test_validate_returns_the_same_problems_without_building(tmp_path):
    text = "customer_id,signup_date\nc1,2024-01-32\n"
    problems = importer.validate({"customers": write(tmp_path, "customers.csv", text)})
    assert problems == [importer.Problem("customers.csv", 2, "signup_date",
                                     "expected an ISO date YYYY-MM-DD, found '2024-01-32'")]


@pytest.mark.slow
def test_cli_exit_codes_and_output(tmp_path):
    out = tmp_path / "retention.duckdb"
    good = write(tmp_path, "customers.csv", CUSTOMERS)
    bad = write(tmp_path, "bad.csv", "Account,Start Date\nc1,2024-13-01\n")
    command = [sys.executable, "-m", "data.load", "--out", str(out)]
    ok = subprocess.run(command + ["--customers", str(good)], cwd=ROOT, capture_output=True,
                        text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "customers                         3" in ok.stdout
    # What this data can show, judged by the pages' catalogue: c2 churned with a date and a
    # reason; no tickets file, so no support KPIs.
    assert "What this data can show:" in ok.stdout
    assert "  ✓ Churn reasons: Customers lost" in ok.stdout
    assert "  ✗ Support KPIs: CSAT — add a tickets file (`--tickets`)\n" in ok.stdout
    before = state(out)
    fail = subprocess.run(command + ["--customers", str(bad), "--map", "customers.customer_id=Account",
                                     "--map", "customers.signup_date=Start Date"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert fail.returncode == 1
    assert fail.stderr == (
        "bad.csv:2: signup_date: expected an ISO date YYYY-MM-DD, found '2024-13-01'\n"
        f"1 problem(s); {out} was not changed.\n"
    )
    assert state(out) == before


def test_mapping_to_an_unknown_column_of_a_present_header_is_only_a_problem(tmp_path, live):
    text = "customer_id,signup_date,Start\nc1,2024-01-05,x\n"
    assert rejected(live, {"customers": write(tmp_path, "customers.csv", text)},
                    {"customers": {"begin": "Start"}}) == [
        "mapping: customers.begin: expected a column of customers: customer_id, name, "
        "signup_date, churn_date, churn_reason, plan, mrr, region, segment, industry, "
        "acquisition_channel, products_count, churn_category, churned, tenure_months, found 'begin'"
    ]
