"""app/uploads.py: the in-app import runs exactly data.importer.load (in a child process)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

import queries
from app import uploads
from data import import_summary, snapshots
from tests.unit.fixtures import make_db

GOOD = "customer_id,signup_date,plan\nc1,2025-01-05,Growth\nc2,2025-02-10,Starter\n"
BAD = "customer_id,signup_date\nc1,2025-01-05\nc1,not a date\n"


class Upload(io.BytesIO):
    """What st.file_uploader hands back: a BytesIO with a name."""

    def __init__(self, name: str, text: str):
        super().__init__(text.encode("utf-8"))
        self.name = name


@pytest.fixture()
def live(tmp_path) -> Path:
    make_db(tmp_path, [{"customer_id": "old", "signup_date": "2024-01-01"}]).close()
    return tmp_path / "retention.duckdb"


def test_safe_name_keeps_a_readable_base_name():
    assert uploads.safe_name("../../etc/passwd", "customers") == "passwd"
    assert uploads.safe_name("Kunden <export>.csv", "customers") == "Kunden _export_.csv"
    assert uploads.safe_name("", "tickets") == "tickets.csv"
    assert uploads.safe_name("...", "nps") == "nps.csv"


def test_save_uploads_writes_each_file_under_its_key(tmp_path):
    files = uploads.save_uploads({"customers": Upload("c.csv", GOOD), "tickets": None}, tmp_path)
    assert list(files) == ["customers"]
    assert files["customers"] == tmp_path / "customers" / "c.csv"
    assert files["customers"].read_text() == GOOD


def test_parse_mapping_reads_the_cli_format_and_names_bad_lines():
    mapping, bad = uploads.parse_mapping(
        "customers.signup_date = Start Date\n# a comment\n\ntickets.created_at=Created\nnonsense")
    assert mapping == {"customers": {"signup_date": "Start Date"},
                       "tickets": {"created_at": "Created"}}
    assert bad == ["nonsense"]


@pytest.mark.slow
def test_a_valid_upload_becomes_the_new_live_snapshot(live):
    before = snapshots.resolve(live)
    outcome = uploads.import_uploads({"customers": Upload("customers.csv", GOOD)}, "", out=live)
    assert outcome.ok and outcome.error is None, outcome
    after = snapshots.resolve(live)
    assert after != before and before.is_file()  # the old snapshot is still kept for old links
    assert outcome.meta["tables"]["customers"] == 2
    con = queries.connect(live)
    try:
        assert queries.meta(con)["snapshot_id"] == outcome.meta["snapshot_id"]
    finally:
        con.close()


def test_invalid_uploads_leave_the_live_snapshot_byte_identical(live):
    before = snapshots.resolve(live)
    content = before.read_bytes()
    outcome = uploads.import_uploads({"customers": Upload("my export.csv", BAD)}, "", out=live)
    assert not outcome.ok and outcome.total >= 2
    assert list(outcome.problems.columns) == uploads.PROBLEM_COLUMNS
    assert set(outcome.problems["file"]) == {"my export.csv"}  # the user's own file name
    assert "line 3" in set(outcome.problems["where"])
    assert snapshots.resolve(live) == before and before.read_bytes() == content


def test_a_bad_mapping_or_no_customers_file_is_refused_before_loading(live):
    before = snapshots.resolve(live)
    outcome = uploads.import_uploads({"customers": Upload("c.csv", GOOD)}, "oops", out=live)
    assert not outcome.ok and outcome.problems.iloc[0]["column"] == "oops"
    outcome = uploads.import_uploads({"tickets": Upload("t.csv", "ticket_id\n")}, "", out=live)
    assert not outcome.ok and outcome.problems.iloc[0]["problem"] == (
        "a customers file (or an activity file on its own) is required")
    assert snapshots.resolve(live) == before


@pytest.mark.slow
def test_a_mapping_maps_the_users_headers(live):
    text = "id,Start Date\nc1,2025-01-05\n"
    outcome = uploads.import_uploads(
        {"customers": Upload("c.csv", text)},
        "customers.customer_id=id\ncustomers.signup_date=Start Date", out=live)
    assert outcome.ok, outcome.problems


def _customers(live: Path):
    con = queries.connect(live)
    try:
        return con.execute("select customer_id, signup_date::varchar, churn_date::varchar "
                           "from customers order by customer_id").fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_the_page_options_reach_the_import_like_the_command_line(live):
    # A telco-style export: a Yes/No flag and tenure in months, no dates. As of 30 Sep 2024,
    # 3 months of tenure = signed up 30 Jun 2024; the churned flag without a date = churned on
    # the as-of date.
    telco = "customer_id,tenure_months,churned\nc1,3,Yes\nc2,12,No\n"
    outcome = uploads.import_uploads({"customers": Upload("telco.csv", telco)}, "", out=live,
                                     options={"as_of": date(2024, 9, 30), "date_format": None,
                                              "inactive_days": None})
    assert outcome.ok, outcome.problems
    assert outcome.meta["default_as_of"] == date(2024, 9, 30)
    assert _customers(live) == [("c1", "2024-06-30", "2024-09-30"), ("c2", "2023-09-30", None)]
    # the summary the page shows names the conversions
    lines = "\n".join(import_summary.lines(outcome.meta["summary"]))
    assert "churned" in lines and "Conversions:" in lines


@pytest.mark.slow
def test_day_first_dates_need_and_take_the_date_format_option(live):
    text = "customer_id,signup_date\nc1,03/04/2024\nc2,05/06/2024\n"
    refused = uploads.import_uploads({"customers": Upload("c.csv", text)}, "", out=live)
    # the page's words: its form field, not the command line's option
    assert not refused.ok and "fill in 'Dates written as'" in refused.problems.iloc[0]["problem"]
    outcome = uploads.import_uploads({"customers": Upload("c.csv", text)}, "", out=live,
                                     options={"date_format": "DD/MM/YYYY"})
    assert outcome.ok, outcome.problems
    # 03/04 read day first: 3 April
    assert [row[1] for row in _customers(live)] == ["2024-04-03", "2024-06-05"]


@pytest.mark.slow
def test_an_activity_file_on_its_own_with_inactive_days(live):
    # a1 bought on 1 Jan and 1 Feb 2025, a2 on 10 Mar 2025; as of 30 Jun 2025 with 60 inactive
    # days: a1 churned on 1 Feb + 60 days = 2 Apr 2025; a2's 60 days end 9 May 2025, also
    # before the as-of date.
    text = "customer_id,occurred_at,amount\na1,2025-01-01,10\na1,2025-02-01,5\na2,2025-03-10,7\n"
    outcome = uploads.import_uploads({"activity": Upload("orders.csv", text)}, "", out=live,
                                     options={"as_of": date(2025, 6, 30), "inactive_days": 60})
    assert outcome.ok, outcome.problems
    assert _customers(live) == [("a1", "2025-01-01", "2025-04-02"),
                                ("a2", "2025-03-10", "2025-05-09")]


@pytest.mark.slow
def test_an_outreach_upload_is_imported(live):
    customers = "customer_id,signup_date\nc1,2025-01-05\n"
    outreach = "customer_id,contacted_at,channel,responded_at\nc1,2025-03-01 10:00,phone,\n"
    outcome = uploads.import_uploads({"customers": Upload("c.csv", customers),
                                      "outreach": Upload("calls.csv", outreach)}, "", out=live)
    assert outcome.ok, outcome.problems
    assert outcome.meta["tables"]["outreach"] == 1


def test_value_replacements_skipped_rows_and_an_excel_upload(live, tmp_path):
    from tests.unit.xlsx_file import write_xlsx

    book = write_xlsx(tmp_path / "export.xlsx", {"Sheet1": [
        ["customer_id", "signup_date", "status"], ["c1", date(2024, 1, 10), "Joined"],
        ["c2", "not a date", "Churned"], ["c3", date(2024, 2, 1), "Churned"]]})
    upload = io.BytesIO(book.read_bytes())
    upload.name = "export.xlsx"
    bad = uploads.import_uploads({"customers": upload}, "customers.churned=status", out=live,
                                 values_text="customers.churned=Joined")
    assert not bad.ok and bad.problems.iloc[0]["problem"] == (
        "'customers.churned=Joined': expected RAW:VALUE, found 'Joined'")
    outcome = uploads.import_uploads({"customers": upload}, "customers.churned=status", out=live,
                                     values_text="customers.churned=Joined:active",
                                     options={"as_of": date(2024, 6, 1), "skip_bad_rows": True})
    assert outcome.ok, outcome.problems
    # c2 (sheet row 3: no date) left out; Joined -> active; c3 churned on the as-of date
    assert _customers(live) == [("c1", "2024-01-10", None), ("c3", "2024-02-01", "2024-06-01")]
    text = uploads.form_words("\n".join(import_summary.lines(outcome.meta["summary"])))
    assert "export.xlsx: 1 row of 3 left out" in text and "(row 3)" in text
    assert "replaced with 'Value replacements'" in text and "--values" not in text
