"""Exports as they come: --values, flags written as numbers, credits, times with offsets and
12-hour clocks, YYYYMMDD and strftime date formats, whitespace-aligned and headerless text,
one header feeding two columns, --skip-bad-rows and Excel workbooks. Tiny files in; the rows the
tables hold and the summary's counts written out by hand."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from app import auth
from words import data_notes
from data import import_summary, importer, shapes
from data.importer import cli
from tests.unit.test_load import write
from tests.unit.test_shapes import rows
from tests.unit.test_real_exports import example
from tests.unit.xlsx_file import write_xlsx

AS_OF = date(2024, 6, 1)


def readme(argv: list[str], out: Path, files: dict[str, Path]) -> list[str]:
    """A README line as it is, but for where --out puts the database and where its files are."""
    argv = [str(files.get(a, a)) for a in argv]
    argv[argv.index("--out") + 1] = str(out)
    return argv


def problems(files: dict, **options) -> list[str]:
    with pytest.raises(importer.ImportRejected) as info:
        importer.load(next(iter(files.values())).parent / "never.duckdb", files, **options)
    return [str(p) for p in info.value.problems]


# --- --values, flags as numbers, credits ---------------------------------------------------------
FLAGS = """\
customer_id,signup_date,churned,mrr
a,2024-01-10,1.0,10
b,2024-02-01,0.0,-5.50
c,2024-02-15,Joined,20
d,2024-03-01,1e0,-1
e,2024-03-05,+0,3
f,2024-03-06,joined ,4
"""


def test_values_flags_as_numbers_and_credits(tmp_path):
    out = tmp_path / "r.duckdb"
    meta = importer.load(out, {"customers": write(tmp_path, "c.csv", FLAGS)}, as_of=AS_OF,
                         values={"customers": {"churned": {"Joined": "active"}}})
    # 1.0 and 1e0 churned (on the as-of date: no date given); 0.0, +0 and both spellings of
    # Joined (trimmed, any case) active; the two negative mrr are credits counted as 0.
    assert rows(out, "select customer_id, churn_date, mrr from customers order by 1") == [
        ("a", AS_OF, Decimal("10.00")), ("b", None, Decimal("0.00")),
        ("c", None, Decimal("20.00")), ("d", AS_OF, Decimal("0.00")),
        ("e", None, Decimal("3.00")), ("f", None, Decimal("4.00"))]
    summary = meta["summary"]
    assert summary["conversions"][0] == (
        "customers.churned: 2 values replaced with --values ('joined' -> 'active': 2)")
    # -5.50 + -1 = -6.50 in credits
    assert summary["warnings"][0] == ("2 customers.mrr values below 0 (credits, -6.50 in all): "
                                      "counted as 0, as a missing mrr is")
    assert "  - customers.churned: 2 values replaced with --values ('joined' -> 'active': 2)" \
        in import_summary.lines(summary)
    source = json.loads(rows(out, "select source from meta")[0][0])
    assert source["values"] == {"customers": {"churned": {"joined": "active"}}}


def test_values_on_the_command_line_and_their_problems(tmp_path, capsys):
    customers = write(tmp_path, "c.csv", FLAGS)
    out = tmp_path / "r.duckdb"
    assert cli.main(["--out", str(out), "--customers", str(customers), "--as-of", "2024-06-01",
                     "--values", "customers.churned=Joined:active,1.0:yes",
                     "--values", "customers.mrr=-1:1"]) == 0
    printed = capsys.readouterr().out
    # 'joined' twice (c, f), '1.0' once (a); d's -1 became 1 before the checks: one credit left
    assert "customers.churned: 3 values replaced with --values ('joined' -> 'active': 2; " \
           "'1.0' -> 'yes': 1)" in printed
    assert "customers.mrr: 1 value replaced with --values ('-1' -> '1': 1)" in printed
    assert "1 customers.mrr value below 0 (credits, -5.50 in all)" in printed
    assert rows(out, "select mrr from customers where customer_id = 'd'") == [(Decimal("1.00"),)]
    with pytest.raises(SystemExit):
        cli.main(["--out", str(out), "--customers", str(customers), "--values", "customers.churned"])
    assert "expected TABLE.COLUMN=RAW:VALUE" in capsys.readouterr().err
    assert problems({"customers": customers}, values={"customers": {"colour": {"x": "y"},
                                                                     "plan": {"a": "b"}}}) == [
        "mapping: --values customers.colour: expected a column of customers: customer_id, name, "
        "signup_date, churn_date, churn_reason, plan, mrr, region, segment, industry, "
        "acquisition_channel, products_count, churn_category, churned, tenure_months, found 'colour'",
        "c.csv:1: plan: expected a column for --values customers.plan, found no such column in "
        "the file"]


# --- times and date formats ----------------------------------------------------------------------
TIMES = """\
ticket_id,customer_id,created_at,first_response_at,resolved_at
t1,a,2024-03-01 7:29,2024-03-01T08:00:00Z,2024-03-01 9:05:30
t2,a,2024-03-02 10:00 PM,2024-03-03T00:30:00+02:00,2024-03-03 02:00:00.25-0100
t3,b,2024-03-02 12:05 am,,
"""


def test_times_hours_clock_and_offsets_stored_as_utc(tmp_path):
    out = tmp_path / "r.duckdb"
    customers = write(tmp_path, "c.csv", "customer_id,signup_date\na,2024-01-10\nb,2024-02-01\n")
    meta = importer.load(out, {"customers": customers,
                               "tickets": write(tmp_path, "t.csv", TIMES)}, as_of=AS_OF)
    assert rows(out, "select * exclude (channel, category, priority, agent_replies, csat, ces) "
                     "from tickets order by 1") == [
        ("t1", "a", datetime(2024, 3, 1, 7, 29), datetime(2024, 3, 1, 8, 0),
         datetime(2024, 3, 1, 9, 5, 30)),
        # 10:00 PM = 22:00; 00:30 at +02:00 = 22:30 UTC the day before; 02:00:00.25 at -01:00 =
        # 03:00:00.25 UTC
        ("t2", "a", datetime(2024, 3, 2, 22, 0), datetime(2024, 3, 2, 22, 30),
         datetime(2024, 3, 3, 3, 0, 0, 250000)),
        ("t3", "b", datetime(2024, 3, 2, 0, 5), None, None)]  # 12:05 am = 00:05
    conversions = meta["summary"]["conversions"]
    assert "tickets.created_at: 2 values with a 12-hour time (AM/PM), stored as 24-hour" \
        in conversions
    assert "tickets.first_response_at: 2 values with Z or a UTC offset, stored as UTC" in conversions
    assert "tickets.resolved_at: 1 value with Z or a UTC offset, stored as UTC" in conversions


def test_yyyymmdd_is_detected_and_strftime_spellings_are_taken(tmp_path, capsys):
    out = tmp_path / "r.duckdb"
    compact = write(tmp_path, "c.csv", "customer_id,signup_date\na,20240110\nb,20240201\n")
    meta = importer.load(out, {"customers": compact}, as_of=AS_OF)
    assert rows(out, "select signup_date from customers order by 1") == [
        (date(2024, 1, 10),), (date(2024, 2, 1),)]
    assert "customers.signup_date read as YYYYMMDD" in meta["summary"]["conversions"]
    # day and month <= 12 everywhere: the strftime spelling tells them apart
    slashed = write(tmp_path, "s.csv", "customer_id,signup_date\na,10/01/2024 7:00 PM\nb,01/02/2024\n")
    assert cli.main(["--out", str(out), "--customers", str(slashed), "--as-of", "2024-06-01",
                     "--date-format", "%d/%m/%Y"]) == 0
    assert "customers.signup_date read as DD/MM/YYYY" in capsys.readouterr().out
    assert rows(out, "select signup_date from customers order by 1") == [
        (date(2024, 1, 10),), (date(2024, 2, 1),)]
    with pytest.raises(SystemExit):
        cli.main(["--out", str(out), "--customers", str(slashed), "--date-format", "%d-%b-%Y"])
    assert "(or as strftime: %Y-%m-%d, %Y/%m/%d, %d.%m.%Y, %d/%m/%Y, %m/%d/%Y, %Y%m%d)" \
        in capsys.readouterr().err


# --- text layouts --------------------------------------------------------------------------------
# CDNOW_sample.txt as published: master id, sample id, date YYYYMMDD, CDs, dollars; aligned with
# spaces, no header, a blank line in the middle.
CDNOW = """\
    4     1 19970101  2  29.33
    4     1 19970118  2  29.73

   18     2 19970101  1  14.96
   21     3 19970101  2  26.48
   21     3 19970113  3  52.50
"""


def test_whitespace_aligned_file_without_a_header(tmp_path, capsys):
    out = tmp_path / "r.duckdb"
    path = write(tmp_path, "CDNOW_sample.txt", CDNOW)
    argv = readme(example("CDNOW as published"), out, {"CDNOW_sample.txt": path})
    assert cli.main(argv + ["--as-of", "1998-06-30"]) == 0
    printed = capsys.readouterr().out
    assert "CDNOW_sample.txt has no header line (its first line holds no letter): its columns " \
           "were read as column_1 to column_5" in printed
    assert "CDNOW_sample.txt read as columns separated by spaces or tabs" in printed
    assert "activity.occurred_at read as YYYYMMDD" in printed
    assert rows(out, "select customer_id, occurred_at::date, amount, column_2, column_4 "
                     "from activity order by customer_id, occurred_at") == [
        ("18", date(1997, 1, 1), Decimal("14.96"), "2", "1"),
        ("21", date(1997, 1, 1), Decimal("26.48"), "3", "2"),
        ("21", date(1997, 1, 13), Decimal("52.50"), "3", "3"),
        ("4", date(1997, 1, 1), Decimal("29.33"), "1", "2"),
        ("4", date(1997, 1, 18), Decimal("29.73"), "1", "2")]
    # 3 customers, each signed up on its first purchase
    assert rows(out, "select count(*), min(signup_date) from customers") == [(3, date(1997, 1, 1))]


def test_whitespace_file_with_a_header_and_a_short_line(tmp_path):
    text = "customer_id   signup_date  plan\n a   2024-01-01  Pro\n b   2024-02-01\n"
    assert problems({"customers": write(tmp_path, "c.txt", text)}) == [
        "c.txt:3: (row): expected 3 fields like the first line, found 2"]


# --- headers -------------------------------------------------------------------------------------
def test_one_header_feeds_two_columns_and_a_mapped_time_beats_a_duration(tmp_path):
    out = tmp_path / "r.duckdb"
    customers = write(tmp_path, "c.csv", "customer_id,signup_date\nT1,2024-01-10\nT2,2024-01-10\n")
    tickets = write(tmp_path, "t.csv", "Ticket_ID,created_at,resolution_hours,Closed\n"
                                       "T1,2024-03-01 08:00,2,2024-03-01 09:00\n"
                                       "T2,2024-03-01 08:00,5,\n")
    meta = importer.load(out, {"customers": customers, "tickets": tickets}, as_of=AS_OF, mapping={
        "tickets": {"ticket_id": "Ticket_ID", "customer_id": "Ticket_ID", "resolved_at": "Closed"}})
    # resolved_at is the mapped Closed (09:00, not 08:00 + 2 h); resolution_hours kept as text
    assert rows(out, "select ticket_id, customer_id, resolved_at, resolution_hours "
                     "from tickets order by 1") == [
        ("T1", "T1", datetime(2024, 3, 1, 9, 0), "2"), ("T2", "T2", None, "5")]
    assert "tickets.resolved_at read from the mapped column 'Closed'; the column " \
           "'resolution_hours' was not used for it" in meta["summary"]["conversions"]


# --- --skip-bad-rows -----------------------------------------------------------------------------
CUSTOMERS_SOME_BAD = """\
customer_id,signup_date
a,2024-01-10
b,not a date
c,2024-02-01
a,2024-03-01
d,2024-02-15
"""
TICKETS_SOME_BAD = """\
ticket_id,customer_id,created_at
t1,a,2024-03-01 08:00
t2,b,2024-03-01 09:00
t3,c,
t4,c,2024-03-02 10:00
t5,d,
t6,d,2024-03-04 11:00
"""


def test_skip_bad_rows_leaves_out_rows_and_counts_them(tmp_path):
    files = {"customers": write(tmp_path, "c.csv", CUSTOMERS_SOME_BAD),
             "tickets": write(tmp_path, "t.csv", TICKETS_SOME_BAD)}
    # without the option: nothing imported, every problem listed, as before
    assert problems(files, as_of=AS_OF) == [
        "c.csv:3: signup_date: expected an ISO date YYYY-MM-DD, found 'not a date'",
        "c.csv:5: customer_id: expected a unique customer_id, found 'a' again (first on line 2)",
        "t.csv:4: created_at: expected an ISO date-time YYYY-MM-DD HH:MM[:SS] (required), found "
        "an empty value",
        "t.csv:6: created_at: expected an ISO date-time YYYY-MM-DD HH:MM[:SS] (required), found "
        "an empty value"]
    out = tmp_path / "r.duckdb"
    meta = importer.load(out, files, as_of=AS_OF, skip_bad_rows=True)
    # customers: b (line 3, no date) and the second a (line 5) out, 3 of 5 in; tickets: t2 (its
    # customer b was left out), t3 and t5 (no created_at) out, 3 of 6 in
    assert rows(out, "select customer_id from customers order by 1") == [("a",), ("c",), ("d",)]
    assert rows(out, "select ticket_id from tickets order by 1") == [("t1",), ("t4",), ("t6",)]
    summary = meta["summary"]
    assert summary["left_out"] == [
        "c.csv: 2 rows of 5 left out",
        "    1 x signup_date: expected an ISO date YYYY-MM-DD (line 3)",
        "    1 x customer_id: expected a unique customer_id (line 5)",
        "t.csv: 3 rows of 6 left out",
        "    1 x customer_id: expected a customer_id present in the customers file (line 3)",
        "    2 x created_at: expected an ISO date-time YYYY-MM-DD HH:MM[:SS] (required) "
        "(lines 4, 6)"]
    assert "Rows left out (--skip-bad-rows; every other row was imported):" \
        in import_summary.lines(summary)
    assumed = shapes.read_assumptions(rows(out, "select source from meta")[0][0])
    assert assumed["rows_left_out"] == {"customers": {"rows": 2, "of": 5},
                                        "tickets": {"rows": 3, "of": 6}}
    assert data_notes.assumption_lines(assumed, AS_OF) == [
        "The import left out 2 of 5 customers rows, 3 of 6 tickets rows: they broke a rule of "
        "the data and were skipped on request (--skip-bad-rows); the numbers here leave them out."]


def test_skip_bad_rows_never_leaves_out_a_whole_file_or_a_broken_header(tmp_path):
    all_bad = write(tmp_path, "c.csv", "customer_id,signup_date\na,x\nb,\n")
    assert problems({"customers": all_bad}, skip_bad_rows=True) == [
        "c.csv:2: signup_date: expected an ISO date YYYY-MM-DD, found 'x'",
        "c.csv:3: signup_date: expected an ISO date YYYY-MM-DD (required), found an empty value"]
    no_id = write(tmp_path, "d.csv", "id,signup_date\na,2024-01-01\n")
    assert problems({"customers": no_id}, skip_bad_rows=True) == [
        "d.csv:1: customer_id: expected a column named customer_id, found columns 'id', "
        "'signup_date'"]


# --- Excel ---------------------------------------------------------------------------------------
def test_xlsx_first_sheet_and_a_named_sheet(tmp_path):
    book = write_xlsx(tmp_path / "export.xlsx", {
        "Customers": [["Customer ID", "signup_date", "Churn Value", "mrr"],
                      [1001, date(2024, 1, 10), 1, 10.5],
                      [1002, datetime(2024, 2, 1, 7, 30), 0, None]],
        "Tickets": [["ticket_id", "customer_id", "created_at"],
                    ["t1", 1001, datetime(2024, 3, 1, 9, 15)],
                    ["t2", 1003, datetime(2024, 3, 2, 9, 15)]]})
    out = tmp_path / "r.duckdb"
    mapping = {"customers": {"customer_id": "Customer ID", "churned": "Churn Value"}}
    # whole numbers arrive without '.0'; dates and times as ISO text
    meta = importer.load(out, {"customers": book}, as_of=AS_OF, mapping=mapping)
    assert rows(out, "select customer_id, signup_date, churn_date, mrr from customers "
                     "order by 1") == [("1001", date(2024, 1, 10), AS_OF, Decimal("10.50")),
                                       ("1002", date(2024, 2, 1), None, None)]
    assert meta["summary"]["files"] == {"customers": "export.xlsx"}
    # a named sheet; its problems name the sheet's own rows (header = row 1)
    tickets = Path(f"{book}#Tickets")
    assert problems({"customers": book, "tickets": tickets}, mapping=mapping) == [
        "export.xlsx#Tickets:row 3: customer_id: expected a customer_id present in the customers "
        "file, found '1003'"]
    assert problems({"customers": Path(f"{book}#Nope")}) == [
        "export.xlsx#Nope: (sheet): expected a sheet named 'Nope', found sheets 'Customers', "
        "'Tickets'"]


# --- help ----------------------------------------------------------------------------------------
def test_help_lists_every_new_option(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for words in ("--values TABLE.COLUMN=RAW:VALUE", "--skip-bad-rows", "YYYYMMDD",
                  "12-hour", "Excel .xlsx", "FILE.xlsx#Sheet", "whitespace-aligned",
                  "one header\nmay feed several columns"):
        assert words in text, words


def test_auth_help_prints_without_asking_for_a_password(capsys, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda *a: pytest.fail("asked for a password"))
    with pytest.raises(SystemExit) as info:
        auth.main(["--help"])
    assert info.value.code == 0 and "argon2 hash" in capsys.readouterr().out


# --- the README's lines for these shapes, as they are ---------------------------------------------
def test_readme_status_word_credits_and_bad_rows(tmp_path, capsys):
    out = tmp_path / "r.duckdb"
    customers = write(tmp_path, "customers.csv", FLAGS + "g,someday,1,5\n")
    argv = readme(example("A status word the flag lacks"), out, {"customers.csv": customers})
    assert cli.main(argv + ["--as-of", "2024-06-01"]) == 0
    printed = capsys.readouterr().out
    # g (line 8) has no date: left out; the six others as in test_values_flags_as_numbers...
    assert "  - customers.csv: 1 row of 7 left out" in printed
    assert "      1 x signup_date: expected an ISO date YYYY-MM-DD (line 8)" in printed
    assert "customers.churned: 2 values replaced with --values ('joined' -> 'active': 2)" in printed
    assert "2 customers.mrr values below 0 (credits, -6.50 in all)" in printed
    assert rows(out, "select count(*), count(churn_date) from customers") == [(6, 2)]


def test_readme_excel_workbook_with_two_sheets(tmp_path, capsys):
    out = tmp_path / "r.duckdb"
    book = write_xlsx(tmp_path / "export.xlsx", {
        "Customers": [["customer_id", "signup_date"], ["H1", date(2024, 1, 10)],
                      ["H2", date(2024, 2, 1)]],
        "Tickets": [["Ticket_ID", "created_at", "status"],
                    ["H1", datetime(2024, 3, 1, 9, 15), "open"],
                    ["H2", datetime(2024, 3, 2, 16, 45), "closed"]]})
    argv = readme(example("An Excel workbook"), out,
                  {"export.xlsx": book, "export.xlsx#Tickets": f"{book}#Tickets"})
    assert cli.main(argv) == 0, capsys.readouterr().err
    assert rows(out, "select ticket_id, customer_id, created_at, status from tickets order by 1") == [
        ("H1", "H1", datetime(2024, 3, 1, 9, 15), "open"),
        ("H2", "H2", datetime(2024, 3, 2, 16, 45), "closed")]
    assert "tickets                           2 (from 2 rows of export.xlsx#Tickets)" \
        in capsys.readouterr().out
