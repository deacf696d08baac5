"""Importing activity (docs/definitions.md, Data model): a transactions export on its own, signup
dates from first activity,
churn by inactivity, the file's own checks, and the public CDNOW sample end to end."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from data import importer
from data.importer import cli
from queries import Filters, activity_retention, connect
from tests.unit.test_load import rejected, write
from tests.unit.test_real_exports import _with_out, example
from tests.unit.test_shapes import rows

ROOT = Path(__file__).resolve().parents[2]
CDNOW = ROOT / "tests" / "data" / "real" / "cdnow_sample.csv"

# A transactions export: customer, date, amount (the user's own headers).
TRANSACTIONS = """\
Customer,Date,Amount
a,2024-01-10 09:00,10.00
a,2024-03-05,20.00
b,2024-02-01,5.50
a,2024-01-09 23:59,7.25
c,2024-03-31,0
"""
MAPPING = {"activity": {"customer_id": "Customer", "occurred_at": "Date", "amount": "Amount"}}


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """A live database already built, which rejected imports must leave alone."""
    good = tmp_path / "good"
    good.mkdir()
    out = tmp_path / "db" / "retention.duckdb"
    importer.load(out, {"customers": write(good, "customers.csv", "customer_id,signup_date\nc1,2024-01-05\n")})
    return out


def test_a_transactions_export_alone_is_a_complete_input(tmp_path):
    out = tmp_path / "db" / "retention.duckdb"
    meta = importer.load(out, {"activity": write(tmp_path, "orders.csv", TRANSACTIONS)}, MAPPING)
    # Customers are the activity's; each signed up on the day of its first activity:
    # a's first is Jan 9 23:59 (the 4th row), b's Feb 1, c's Mar 31.
    assert rows(out, "select customer_id, signup_date, churn_date from customers order by 1") == [
        ("a", date(2024, 1, 9), None), ("b", date(2024, 2, 1), None), ("c", date(2024, 3, 31), None)]
    assert rows(out, "select count(*), sum(amount) from activity") == [(5, 42.75)]
    # The as-of date is the latest activity's day (Mar 31), the export's date.
    assert meta["default_as_of"] == date(2024, 3, 31)
    summary = meta["summary"]
    assert summary["conversions"][0] == ("3 customers from the activity file orders.csv, each "
                                         "signed up on the day of its first activity")
    assert summary["rows_read"] == {"activity": 5}


def test_signup_dates_from_activity_when_the_customers_file_has_none(tmp_path, live):
    customers = "customer_id,plan\na,Growth\nb,Starter\n"
    files = {"customers": write(tmp_path, "customers.csv", customers),
             "activity": write(tmp_path, "orders.csv", TRANSACTIONS)}
    # c is in the activity but not in the customers file: an orphan, like a ticket's.
    assert rejected(live, files, MAPPING) == [
        "orders.csv:6: customer_id: expected a customer_id present in the customers file, "
        "found 'c'"]
    without_c = TRANSACTIONS.replace("c,2024-03-31,0\n", "")
    files["activity"] = write(tmp_path, "orders.csv", without_c)
    out = tmp_path / "db2" / "retention.duckdb"
    meta = importer.load(out, files, MAPPING)
    assert rows(out, "select customer_id, signup_date, plan from customers order by 1") == [
        ("a", date(2024, 1, 9), "Growth"), ("b", date(2024, 2, 1), "Starter")]
    assert "2 signup dates from the activity file orders.csv" in meta["summary"]["conversions"][0]


def test_a_customer_without_signup_date_or_activity_is_a_problem(tmp_path, live):
    customers = "customer_id\na\nb\nz\n"
    files = {"customers": write(tmp_path, "customers.csv", customers),
             "activity": write(tmp_path, "orders.csv", TRANSACTIONS.replace("c,2024-03-31,0\n", ""))}
    assert rejected(live, files, MAPPING) == [
        "customers.csv:4: signup_date: expected a signup_date, or an activity in orders.csv to "
        "take it from, found 'z' without any activity"]


def test_inactive_days_churns_customers_after_their_last_activity(tmp_path):
    customers = """\
customer_id,signup_date,churn_date,churn_reason
a,2024-01-01,,
b,2024-01-01,,
c,2024-01-01,2024-02-15,Too expensive
d,2024-01-01,,
"""
    activity = """\
customer_id,occurred_at
a,2024-03-01 10:00
a,2024-02-01
b,2024-05-01
c,2024-01-20
d,2024-04-01
"""
    out = tmp_path / "db" / "retention.duckdb"
    meta = importer.load(out, {"customers": write(tmp_path, "customers.csv", customers),
                           "activity": write(tmp_path, "activity.csv", activity)},
                     as_of=date(2024, 6, 30), inactive_days=90)
    assert rows(out, "select customer_id, churn_date, churn_reason from customers order by 1") == [
        # a: last Mar 1 + 90 days = May 30 <= Jun 30: churned then.
        ("a", date(2024, 5, 30), "Inactive 90 days"),
        # b: May 1 + 90 = Jul 30, after the as-of date: still active.
        ("b", None, None),
        # c: churned in the file already: kept as given.
        ("c", date(2024, 2, 15), "Too expensive"),
        # d: Apr 1 + 90 = Jun 30, the as-of day itself: churned.
        ("d", date(2024, 6, 30), "Inactive 90 days"),
    ]
    assert meta["summary"]["conversions"][0].startswith(
        "2 customers churned by inactivity: no activity in the 90 days after their last one")
    # Our own reason is not left to Other: the default taxonomy's Low usage takes it, with that
    # category's team, and the summary says so.
    assert rows(out, "select reason, category, owner_team from churn_reason_categories "
                     "where reason_key = 'inactive 90 days'") == [
        ("Inactive 90 days", "Low usage", "Support & Onboarding")]
    assert "reason 'Inactive 90 days' mapped to Low usage (Support & Onboarding): the reason " \
           "mapping did not list it" in meta["summary"]["conversions"]


def test_inactivity_reason_keeps_the_category_a_mapping_file_gives_it(tmp_path):
    customers = "customer_id,signup_date\na,2024-01-01\n"
    activity = "customer_id,occurred_at\na,2024-02-01\n"
    reasons = "reason,category,owner_team\nInactive  30 days,Wrong fit,Marketing & Sales\n"
    out = tmp_path / "db" / "retention.duckdb"
    meta = importer.load(out, {"customers": write(tmp_path, "customers.csv", customers),
                           "activity": write(tmp_path, "activity.csv", activity),
                           "reasons": write(tmp_path, "reasons.csv", reasons)},
                     as_of=date(2024, 6, 30), inactive_days=30)
    # Feb 1 + 30 days = Mar 2 <= Jun 30: churned, and the file's category (its spelling with two
    # spaces matches after whitespace is collapsed) is kept; no second row is added.
    assert rows(out, "select reason, category from churn_reason_categories") == [
        ("Inactive  30 days", "Wrong fit")]
    assert not any("mapped to Low usage" in c for c in meta["summary"]["conversions"])


def test_activity_file_rules(tmp_path, live):
    activity = """\
customer_id,occurred_at,amount,kind
c1,2024-01-06 10:00,-5,purchase
c1,not a date,1,purchase
,2024-01-07,1,login
c1,9999-12-31,1,login
"""
    customers = "customer_id,signup_date\nc1,2024-01-05\n"
    assert rejected(live, {"customers": write(tmp_path, "customers.csv", customers),
                           "activity": write(tmp_path, "activity.csv", activity)}) == [
        "activity.csv:2: amount: expected a number >= 0, found '-5'",
        "activity.csv:3: occurred_at: expected an ISO date-time YYYY-MM-DD HH:MM[:SS], "
        "found 'not a date'",
        "activity.csv:4: customer_id: expected a value (required), found an empty value",
        "activity.csv:5: occurred_at: expected a date-time between 1900-01-01 and 2099-12-31, "
        "found '9999-12-31'",
    ]


def test_activity_needs_its_columns(tmp_path, live):
    assert rejected(live, {"activity": write(tmp_path, "orders.csv", TRANSACTIONS)}) == [
        "orders.csv:1: customer_id: expected a column named customer_id, found columns "
        "'Customer', 'Date', 'Amount'",
        "orders.csv:1: occurred_at: expected a column named occurred_at, found columns "
        "'Customer', 'Date', 'Amount'",
    ]


def test_day_first_activity_dates_need_date_format_when_ambiguous(tmp_path, live):
    text = "customer_id,occurred_at\na,01/02/2024\na,03/04/2024\n"
    problems = rejected(live, {"activity": write(tmp_path, "orders.csv", text)})
    assert len(problems) == 1 and "--date-format" in problems[0]
    out = tmp_path / "db" / "retention.duckdb"
    importer.load(out, {"activity": write(tmp_path, "orders.csv", text)}, date_format="DD/MM/YYYY")
    assert rows(out, "select signup_date from customers") == [(date(2024, 2, 1),)]


def test_cli_inactive_days_needs_an_activity_file(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli.main(["--out", str(tmp_path / "r.duckdb"), "--customers", "x.csv",
                       "--inactive-days", "90"])
    assert "--inactive-days needs an activity file" in capsys.readouterr().err


# --- the public CDNOW sample, loaded with the README's one line -----------------------------------
@pytest.fixture(scope="module")
def cdnow(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cdnow") / "retention.duckdb"
    assert cli.main(_with_out(example("transactions export on its own"), out)) == 0
    return out


def hand_triangle() -> dict[tuple[date, int], tuple[int, int]]:
    """(cohort month, age) -> (returned, cohort size), worked out from the CSV in plain Python:
    each customer's cohort is the month of its first purchase; it returned at age k when it
    bought anything in calendar month cohort + k."""
    months: dict[str, set[tuple[int, int]]] = defaultdict(set)
    with CDNOW.open(newline="") as handle:
        for row in csv.DictReader(handle):
            year, month, _ = map(int, row["date"].split("-"))
            months[row["customer"]].add((year, month))
    size: dict[date, int] = defaultdict(int)
    returned: dict[tuple[date, int], int] = defaultdict(int)
    for seen in months.values():
        first = min(seen)
        cohort = date(first[0], first[1], 1)
        size[cohort] += 1
        for year, month in seen:
            returned[(cohort, (year - first[0]) * 12 + month - first[1])] += 1
    # Ages run to June 1998, the last month of the data.
    return {(c, k): (returned[(c, k)], n) for c, n in size.items()
            for k in range((1998 - c.year) * 12 + 6 - c.month + 1)}


def test_cdnow_loads_and_its_triangle_matches_the_hand_computation(cdnow):
    assert rows(cdnow, "select count(*) from customers") == [(2357,)]  # the 1/10th sample
    assert rows(cdnow, "select default_as_of from meta") == [(date(1998, 6, 30),)]
    got = activity_retention(connect(cdnow), Filters())
    expected = hand_triangle()
    assert {(r.cohort, r.age): (r.returned, r.cohort_size) for r in got.itertuples()} == expected
    # Everyone bought in the signup month; a sixth came back the month after.
    jan = got[got["cohort"] == date(1997, 1, 1)].set_index("age")
    assert jan.loc[0, "retention_pct"] == 100.0
    assert jan.loc[1, "retention_pct"] == pytest.approx(expected[(date(1997, 1, 1), 1)][0]
                                                        / expected[(date(1997, 1, 1), 1)][1] * 100)
    # The data ends on Jun 30 1998, so June 1998 is complete: every cell is.
    assert got["is_complete"].all()
    # The three first-purchase months of the cohort, Q1 1997.
    assert sorted(got["cohort"].unique()) == [date(1997, 1, 1), date(1997, 2, 1), date(1997, 3, 1)]
