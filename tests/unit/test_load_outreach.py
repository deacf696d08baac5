"""Importing outreach (docs/definitions.md, Data model outreach): a good load with its summary, each rule of the file as
`FILE:LINE: column: expected …, found …`, the user's own headers and dates, and the README's line."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import pytest

from data import importer
from data.importer import cli
from tests.unit import test_load
from tests.unit.test_load import rejected, write
from tests.unit.test_real_exports import example
from tests.unit.test_shapes import rows

CUSTOMERS = """\
customer_id,signup_date,churn_date
a,2024-01-10,2024-06-01
b,2024-02-01,
"""
OUTREACH = """\
customer_id,contacted_at,channel,campaign,responded_at,actions,owner
a,2024-03-01 09:00,phone,Save Q1,2024-03-01 11:30,2,Kim
a,2024-03-20 09:00,email,Save Q1,,,Kim
b,2024-02-01 08:00,email,,2024-02-03,0,
b,2024-04-02T15:45,in-app,Onboarding,,,Lee
"""

# test_load's live database built from good files, which rejected imports must leave alone.
live = test_load.live


def files(tmp_path: Path, outreach: str) -> dict[str, Path]:
    return {"customers": write(tmp_path, "customers.csv", CUSTOMERS),
            "outreach": write(tmp_path, "outreach.csv", outreach)}


def test_a_good_file_loads_with_its_counts(tmp_path):
    out = tmp_path / "db" / "retention.duckdb"
    meta = importer.load(out, files(tmp_path, OUTREACH))
    assert rows(out, "select customer_id, contacted_at, channel, campaign, responded_at, actions, "
                     "owner from outreach order by all") == [
        ("a", datetime(2024, 3, 1, 9), "phone", "Save Q1", datetime(2024, 3, 1, 11, 30), 2, "Kim"),
        ("a", datetime(2024, 3, 20, 9), "email", "Save Q1", None, None, "Kim"),
        # b's e-mail on its signup day is allowed; its empty campaign is no campaign.
        ("b", datetime(2024, 2, 1, 8), "email", None, datetime(2024, 2, 3), 0, None),
        ("b", datetime(2024, 4, 2, 15, 45), "in-app", "Onboarding", None, None, "Lee"),
    ]
    summary = meta["summary"]
    assert summary["rows_read"] == {"customers": 2, "outreach": 4}
    assert summary["tables"]["outreach"] == 4
    # 2 of the 4 contacts answered (a's call, b's e-mail) = 50.0%; actions 2 + 0 = 2.
    assert "4 contacts of 2 customers: 2 answered (50.0%), 2 follow-up actions" in summary["conversions"]
    # The latest date in the files is a's churn on 1 Jun, after every contact (b's on 2 Apr).
    assert meta["default_as_of"] == date(2024, 6, 1)
    caps = meta["capabilities"]
    assert caps.rows("outreach") == 4 and caps.filled("outreach", "responded_at") == 2


def test_the_as_of_date_counts_the_latest_response(tmp_path):
    customers = "customer_id,signup_date\na,2024-01-10\n"
    outreach = ("customer_id,contacted_at,channel,responded_at\n"
                "a,2024-03-01 09:00,email,2024-03-09 10:00\n")
    out = tmp_path / "db" / "retention.duckdb"
    meta = importer.load(out, {"customers": write(tmp_path, "customers.csv", customers),
                           "outreach": write(tmp_path, "outreach.csv", outreach)})
    # signup 10 Jan, contact 1 Mar, response 9 Mar: the response is the latest date.
    assert meta["default_as_of"] == date(2024, 3, 9)


def test_each_rule_names_file_line_and_column(tmp_path, live):
    outreach = """\
customer_id,contacted_at,channel,responded_at,actions
a,2024-03-01 09:00,phone,2024-03-01 08:59,1
a,2024-13-01 09:00,email,,
b,2024-03-02 10:00,email,,-1
zz,2024-03-02 10:00,email,,
b,2024-03-03 10:00,,,2.5
"""
    assert rejected(live, files(tmp_path, outreach)) == [
        "outreach.csv:2: responded_at: expected a date-time on or after contacted_at, "
        "found '2024-03-01 08:59' (contacted_at 2024-03-01 09:00:00)",
        "outreach.csv:3: contacted_at: expected an ISO date-time YYYY-MM-DD HH:MM[:SS], "
        "found '2024-13-01 09:00'",
        "outreach.csv:4: actions: expected a whole number >= 0, found '-1'",
        "outreach.csv:5: customer_id: expected a customer_id present in the customers file, "
        "found 'zz'",
        "outreach.csv:6: channel: expected a value (required), found an empty value",
        "outreach.csv:6: actions: expected a whole number, found '2.5'",
    ]


def test_a_missing_required_column_lists_the_columns_found(tmp_path, live):
    outreach = "customer_id,contacted_at\na,2024-03-01 09:00\n"
    assert rejected(live, files(tmp_path, outreach)) == [
        "outreach.csv:1: channel: expected a column named channel, "
        "found columns 'customer_id', 'contacted_at'"]


def test_a_contact_before_signup_is_rejected_with_the_other_problems(tmp_path, live):
    # b signed up on 1 Feb 2024: a contact the evening before is a wrong id or a wrong date.
    outreach = ("customer_id,contacted_at,channel,actions\n"
                "b,2024-02-01 00:00,email,\n"
                "b,2024-01-31 18:00,phone,\n"
                "a,2024-03-01 09:00,phone,-1\n")
    assert rejected(live, files(tmp_path, outreach)) == [
        "outreach.csv:3: contacted_at: expected a date-time on or after the customer's "
        "signup_date, found '2024-01-31 18:00' (customer 'b' signed up 2024-02-01)",
        "outreach.csv:4: actions: expected a whole number >= 0, found '-1'"]


def test_a_contact_before_a_signup_computed_from_tenure_is_rejected(tmp_path, live):
    # tenure 2 months before the as-of date 2024-06-30 = signup 2024-04-30.
    customers = "customer_id,tenure_months\na,2\n"
    outreach = "customer_id,contacted_at,channel\na,2024-04-29 12:00,phone\n"
    with pytest.raises(importer.ImportRejected) as info:
        importer.load(live, {"customers": write(tmp_path, "customers.csv", customers),
                         "outreach": write(tmp_path, "outreach.csv", outreach)},
                  as_of=date(2024, 6, 30))
    assert [str(p) for p in info.value.problems] == [
        "outreach.csv:2: contacted_at: expected a date-time on or after the customer's "
        "signup_date, found '2024-04-29 12:00' (customer 'a' signed up 2024-04-30)"]


def test_a_contact_before_a_signup_taken_from_activity_is_rejected(tmp_path, live):
    # No customers file: a signed up on the day of its first activity, 5 Mar 2024.
    activity = "customer_id,occurred_at\na,2024-03-05 10:00\na,2024-04-01 10:00\n"
    outreach = "customer_id,contacted_at,channel\na,2024-03-04 12:00,email\n"
    assert rejected(live, {"activity": write(tmp_path, "activity.csv", activity),
                           "outreach": write(tmp_path, "outreach.csv", outreach)}) == [
        "outreach.csv:2: contacted_at: expected a date-time on or after the customer's "
        "signup_date, found '2024-03-04 12:00' (customer 'a' signed up 2024-03-05)"]


def test_own_headers_and_day_first_dates_on_the_command_line(tmp_path, capsys):
    outreach = """\
Account,When,Via,Answered
a,05/03/2024 09:00,phone,05/03/2024 10:00
b,06/03/2024 14:00,email,
"""
    out = tmp_path / "db" / "retention.duckdb"
    argv = ["--out", str(out), "--customers", str(write(tmp_path, "customers.csv", CUSTOMERS)),
            "--outreach", str(write(tmp_path, "outreach.csv", outreach)),
            "--map", "outreach.customer_id=Account", "--map", "outreach.contacted_at=When",
            "--map", "outreach.channel=Via", "--map", "outreach.responded_at=Answered"]
    # No day above 12: day and month cannot be told apart without --date-format.
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "outreach.csv:2: contacted_at: expected " in err and "--date-format" in err
    assert cli.main(argv + ["--date-format", "DD/MM/YYYY"]) == 0
    printed = capsys.readouterr().out
    assert "2 contacts of 2 customers: 1 answered (50.0%)" in printed
    assert "outreach.contacted_at read as DD/MM/YYYY" in printed
    assert rows(out, "select customer_id, contacted_at, responded_at from outreach order by 1") == [
        ("a", datetime(2024, 3, 5, 9), datetime(2024, 3, 5, 10)),
        ("b", datetime(2024, 3, 6, 14), None)]


def test_help_lists_the_outreach_columns(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert ("--outreach customer_id* (text), contacted_at* (date-time; not before the customer's "
            "signup_date), channel* (text;") in text
    assert "responded_at (date-time; >= contacted_at; empty = no response)" in text


def test_the_readme_line_for_a_crm_contact_log(tmp_path, capsys):
    argv = example("contact log")
    # The user's two files, with the headers the README's line maps; US dates (13 > 12 in the
    # second place: month first).
    write(tmp_path, "customers.csv", CUSTOMERS)
    write(tmp_path, "outreach.csv", """\
AccountId,ActivityDate,Type,Subject,RespondedDate,FollowUps
a,03/14/2024 10:00,Call,Renewal check-in,03/14/2024 10:20,1
a,03/20/2024 09:00,Email,Save offer,,
b,02/13/2024 16:00,Email,Welcome,02/15/2024 09:00,0
""")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert cli.main(argv) == 0, capsys.readouterr().err
    finally:
        os.chdir(cwd)
    out = tmp_path / "data" / "retention.duckdb"
    assert "3 contacts of 2 customers: 2 answered (66.7%), 1 follow-up action" in capsys.readouterr().out
    assert rows(out, "select customer_id, contacted_at, channel, responded_at, actions, \"Subject\" "
                     "from outreach order by contacted_at") == [
        ("b", datetime(2024, 2, 13, 16), "Email", datetime(2024, 2, 15, 9), 0, "Welcome"),
        ("a", datetime(2024, 3, 14, 10), "Call", datetime(2024, 3, 14, 10, 20), 1,
         "Renewal check-in"),
        ("a", datetime(2024, 3, 20, 9), "Email", None, None, "Save offer"),
    ]
