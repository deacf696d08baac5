"""The shapes real exports come in (docs/definitions.md, Data model, data/shapes.py, data/dates.py)
and the docs/definitions.md, Metrics default
as-of date: tiny files in, the rows the schema tables hold written out by hand."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from data import build, importer, shapes

from tests.unit.fixtures import make_db
from tests.unit.test_load import write

BUILD_DAY = date(2025, 1, 15)


@pytest.fixture(autouse=True)
def fixed_build_day(monkeypatch):
    """The default as-of date ignores dates after the build day: pin it."""
    monkeypatch.setattr(build, "build_day", lambda: BUILD_DAY)


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def problems(files: dict, **options) -> list[str]:
    with pytest.raises(importer.ImportRejected) as info:
        importer.load(files["customers"].parent / "never.duckdb", files, **options)
    return [str(p) for p in info.value.problems]


CUSTOMERS_FLAGGED = """\
customer_id,signup_date,churned
a,2024-01-10,yes
b,2024-02-01,No
c,2024-02-15,TRUE
d,2024-03-01,
e,2024-01-05,0
"""
EVENTS = """\
customer_id,churn_date,churn_reason
a,2024-03-05,too expensive
a,2024-04-20,Budget cut
b,2024-03-01,competitor
"""


# --- churn as a flag and as events ---------------------------------------------------------------
def test_flag_and_events_with_as_of(tmp_path):
    out = tmp_path / "r.duckdb"
    meta = importer.load(out, {"customers": write(tmp_path, "c.csv", CUSTOMERS_FLAGGED),
                           "churn_events": write(tmp_path, "e.csv", EVENTS)},
                     as_of=date(2024, 6, 30))
    assert rows(out, "select customer_id, signup_date, churn_date, churn_reason from customers "
                     "order by 1") == [
        # a: flagged churned, latest of its two events (Apr 20 over Mar 5), with its reason
        ("a", date(2024, 1, 10), date(2024, 4, 20), "Budget cut"),
        # b: flagged active: its event does not make it churn
        ("b", date(2024, 2, 1), None, None),
        # c: flagged churned, no date anywhere: churned on the as-of date
        ("c", date(2024, 2, 15), date(2024, 6, 30), None),
        ("d", date(2024, 3, 1), None, None),  # blank flag = not churned
        ("e", date(2024, 1, 5), None, None),
    ]
    summary = meta["summary"]
    assert meta["default_as_of"] == date(2024, 6, 30) and summary["as_of_source"] == "given"
    assert "3 churn events: 1 customer churned on their latest event's date, with its reason" \
        in summary["conversions"]
    assert ("2 customers churned by flag, 1 of them without a date: counted as churned on "
            "2024-06-30") in summary["conversions"]
    assert any(n.startswith("1 customer flagged active kept active") for n in summary["conversions"])
    assert "1 customer marked churned without a date: counted as churned on 2024-06-30" \
        in summary["warnings"]
    # churned by the as-of date: a and c
    assert summary["churned"] == 2
    # What was assumed is kept in the snapshot for the pages to say: c's date (no tenure given).
    assert shapes.read_assumptions(rows(out, "select source from meta")[0][0]) == {
        "churned_without_date": {"customers": 1, "date": "2024-06-30"}}


def test_default_as_of_counts_given_churn_dates_not_derived_ones(tmp_path):
    out = tmp_path / "r.duckdb"
    meta = importer.load(out, {"customers": write(tmp_path, "c.csv", CUSTOMERS_FLAGGED),
                           "churn_events": write(tmp_path, "e.csv", EVENTS)})
    # Latest dates given: signup 2024-03-01, a's churn 2024-04-20 (b's event does not count: b is
    # flagged active). So as-of 2024-04-20, and c (churned, no date) churned then.
    assert meta["default_as_of"] == date(2024, 4, 20)
    assert meta["summary"]["as_of_source"] == "data"
    assert rows(out, "select churn_date from customers where customer_id = 'c'") == [
        (date(2024, 4, 20),)]


def test_events_override_the_row_without_a_flag_and_need_known_customers(tmp_path):
    customers = "customer_id,signup_date,churn_date\na,2024-01-10,2024-02-01\nb,2024-01-10,\n"
    events = "customer_id,churn_date\na,2024-03-05\nzz,2024-03-05\n"
    files = {"customers": write(tmp_path, "c.csv", customers),
             "churn_events": write(tmp_path, "e.csv", events)}
    assert problems(files) == [
        "e.csv:3: customer_id: expected a customer_id present in the customers file, found 'zz'"]
    write(tmp_path, "e.csv", "customer_id,churn_date\na,2024-03-05\n")
    out = tmp_path / "r.duckdb"
    importer.load(out, files)
    # a: the event (Mar 5) replaces the row's Feb 1; without a reason column the row's (none) stays
    assert rows(out, "select customer_id, churn_date from customers order by 1") == [
        ("a", date(2024, 3, 5)), ("b", None)]


def test_flag_outside_the_accepted_values_lists_them(tmp_path):
    text = "customer_id,signup_date,Churn\nc1,2024-01-05,Yes\nc2,2024-01-05,maybe\n"
    files = {"customers": write(tmp_path, "c.csv", text)}
    assert problems(files, mapping={"customers": {"churned": "Churn"}}) == [
        "c.csv:3: churned: expected one of true/false, yes/no, y/n, 1/0 (or 1.0/0.0), "
        "churned/active/stayed (any case; blank = not churned; other words: --values "
        "customers.churned=WORD:active), found 'maybe'"]


def test_event_before_a_signup_from_tenure_names_the_event_line(tmp_path):
    customers = "customer_id,tenure_months\nc1,2\n"
    events = "customer_id,churn_date\nc1,2024-01-01\n"
    files = {"customers": write(tmp_path, "c.csv", customers),
             "churn_events": write(tmp_path, "e.csv", events)}
    # signup = 2024-06-30 - 2 months = 2024-04-30, after the event
    assert problems(files, as_of=date(2024, 6, 30)) == [
        "e.csv:2: churn_date: expected a date on or after the customer's signup_date, "
        "found '2024-01-01' (signup_date 2024-04-30)"]


# --- tenure --------------------------------------------------------------------------------------
def test_tenure_counts_calendar_months_back_from_as_of(tmp_path):
    text = "customer_id,signup_date,tenure_months\nt0,,0\nt1,,1\nt13,,13\ngiven,2023-05-05,\n"
    out = tmp_path / "r.duckdb"
    meta = importer.load(out, {"customers": write(tmp_path, "c.csv", text)}, as_of=date(2024, 3, 31))
    assert rows(out, "select customer_id, signup_date from customers order by 1") == [
        ("given", date(2023, 5, 5)),   # a signup date given wins
        ("t0", date(2024, 3, 31)),     # tenure 0: signed up on the as-of day
        ("t1", date(2024, 2, 29)),     # Mar 31 - 1 month, clamped to Feb's end (leap year)
        ("t13", date(2023, 2, 28)),    # Mar 31 - 13 months, clamped to Feb's end
    ]
    assert meta["summary"]["conversions"][0].startswith("3 signup dates computed from tenure_months")
    # t0, t1, t13 (not "given"); no churn flag, so no churn date was assumed.
    assert shapes.read_assumptions(rows(out, "select source from meta")[0][0]) == {
        "signup_from_tenure": {"customers": 3, "date": "2024-03-31"}}


def test_a_snapshot_without_assumptions_reads_as_none(tmp_path):
    """Dates given everywhere: nothing assumed, and older or demo snapshots' sources read the
    same way."""
    out = tmp_path / "r.duckdb"
    importer.load(out, {"customers": write(tmp_path, "c.csv", "customer_id,signup_date\na,2024-01-01\n")},
              as_of=date(2024, 3, 31))
    assert shapes.read_assumptions(rows(out, "select source from meta")[0][0]) == {}
    assert shapes.read_assumptions('{"files": {}}') == {}
    assert shapes.read_assumptions("not json") == {}
    assert shapes.read_assumptions(None) == {}


def test_tenure_without_any_date_uses_the_build_day_and_says_so(tmp_path):
    text = "customer_id,tenure_months,churned\nc1,2,No\nc2,,No\n"
    files = {"customers": write(tmp_path, "c.csv", text)}
    assert problems(files) == [
        "c.csv:3: tenure_months: expected a whole number >= 0 (required: there is no "
        "signup_date), found an empty value"]
    write(tmp_path, "c.csv", "customer_id,tenure_months,churned\nc1,2,No\nc2,-1,No\n")
    assert problems(files) == [
        "c.csv:3: tenure_months: expected a whole number >= 0, found '-1'"]
    write(tmp_path, "c.csv", "customer_id,tenure_months,churned\nc1,2,No\n")
    out = tmp_path / "r.duckdb"
    meta = importer.load(out, files)
    assert meta["default_as_of"] == BUILD_DAY
    assert meta["summary"]["as_of_source"] == "build day"
    assert any("pass --as-of" in w for w in meta["summary"]["warnings"])
    assert rows(out, "select signup_date from customers") == [(date(2024, 11, 15),)]


# --- subscriptions -------------------------------------------------------------------------------
SUBSCRIPTIONS = """\
customer_id,start_date,end_date,Amount
s1,2024-01-10,2024-01-31,100
s1,2024-01-31,,50
s2,2024-02-20,2024-03-10,30
s2,2024-02-01,,0
s3,2024-02-05,2024-04-30,70
s3,2024-03-16,,99
"""


def test_subscriptions_become_month_end_mrr_history(tmp_path):
    customers = "customer_id,signup_date\ns1,2024-01-01\ns2,2024-01-01\ns3,2024-01-01\n"
    out = tmp_path / "r.duckdb"
    meta = importer.load(out, {"customers": write(tmp_path, "c.csv", customers),
                           "subscriptions": write(tmp_path, "s.csv", SUBSCRIPTIONS)},
                     mapping={"subscriptions": {"mrr": "Amount"}}, as_of=date(2024, 3, 15))
    assert [(c, m, float(v)) for c, m, v in rows(out, "select * from mrr_history order by 1, 2")] == [
        # s1: the 100 subscription ends on Jan 31, so it is not active on Jan 31; the 50 one
        # starts that day: Jan 50, Feb 50, and Mar judged on the as-of day (15th): 50
        ("s1", date(2024, 1, 1), 50.0), ("s1", date(2024, 2, 1), 50.0), ("s1", date(2024, 3, 1), 50.0),
        # s2: Feb 29: 30 + 0; Mar 15: the 30 one ended Mar 10, the free one runs: a row of 0
        ("s2", date(2024, 2, 1), 30.0), ("s2", date(2024, 3, 1), 0.0),
        # s3: 70 on Feb 29 and on Mar 15 (ends Apr 30); the 99 one starts after the as-of day
        ("s3", date(2024, 2, 1), 70.0), ("s3", date(2024, 3, 1), 70.0),
    ]
    # customers.mrr (not in the customers file): each one's latest month
    assert [(c, float(m)) for c, m in rows(out, "select customer_id, mrr from customers order by 1")] \
        == [("s1", 50.0), ("s2", 0.0), ("s3", 70.0)]
    assert meta["summary"]["conversions"][0].startswith("6 subscriptions -> 7 MRR history rows")


def test_default_as_of_counts_subscription_dates_up_to_the_build_day(tmp_path):
    customers = "customer_id,signup_date\ns1,2024-01-01\ns2,2024-01-01\ns3,2024-01-01\n"
    extra = "s3,2024-03-01,2025-06-30,1\n"  # ends after the build day: does not count
    meta = importer.load(tmp_path / "r.duckdb",
                     {"customers": write(tmp_path, "c.csv", customers),
                      "subscriptions": write(tmp_path, "s.csv", SUBSCRIPTIONS + extra)},
                     mapping={"subscriptions": {"mrr": "Amount"}})
    # latest subscription date up to 2025-01-15: s3's end, 2024-04-30
    assert meta["default_as_of"] == date(2024, 4, 30)


def test_mrr_file_and_subscriptions_together_are_refused(tmp_path):
    customers = write(tmp_path, "c.csv", "customer_id,signup_date\ns1,2024-01-01\n")
    mrr = write(tmp_path, "m.csv", "customer_id,month,mrr\ns1,2024-01-01,5\n")
    subs = write(tmp_path, "s.csv", "customer_id,start_date,mrr\ns1,2024-01-01,5\n")
    assert problems({"customers": customers, "mrr_history": mrr, "subscriptions": subs}) == [
        "s.csv:1: (file): expected either --mrr or --subscriptions (both fill the MRR history), "
        "found both"]


# --- durations -----------------------------------------------------------------------------------
def test_durations_become_timestamps(tmp_path):
    customers = write(tmp_path, "c.csv", "customer_id,signup_date\nc1,2024-01-01\n")
    tickets = write(tmp_path, "t.csv", """\
ticket_id,customer_id,created_at,first_response_minutes,resolution_hours
t1,c1,2024-01-06 10:00,0,0
t2,c1,2024-01-06 10:00,90,1.5
t3,c1,2024-01-06 23:30,45.5,
""")
    out = tmp_path / "r.duckdb"
    meta = importer.load(out, {"customers": customers, "tickets": tickets})
    assert rows(out, "select ticket_id, first_response_at, resolved_at from tickets order by 1") == [
        ("t1", datetime(2024, 1, 6, 10, 0), datetime(2024, 1, 6, 10, 0)),  # durations of 0
        ("t2", datetime(2024, 1, 6, 11, 30), datetime(2024, 1, 6, 11, 30)),  # 90 min, 1.5 h
        ("t3", datetime(2024, 1, 7, 0, 15, 30), None),  # 45.5 min past 23:30; not resolved
    ]
    assert "3 tickets' first_response_at = created_at + first_response_minutes" \
        in meta["summary"]["conversions"]
    assert "2 tickets' resolved_at = created_at + resolution_hours" in meta["summary"]["conversions"]


def test_timestamp_and_duration_for_the_same_thing_are_refused(tmp_path):
    customers = write(tmp_path, "c.csv", "customer_id,signup_date\nc1,2024-01-01\n")
    tickets = write(tmp_path, "t.csv", "ticket_id,customer_id,created_at,first_response_at,"
                    "first_response_hours,resolution_minutes\n"
                    "t1,c1,2024-01-06 10:00,2024-01-06 11:00,1,-5\n")
    assert problems({"customers": customers, "tickets": tickets}) == [
        "t.csv:1: first_response_at: expected either first_response_at or one duration for it, "
        "found first_response_at and first_response_hours",
        "t.csv:2: resolution_minutes: expected a number >= 0, found '-5'",
    ]


# --- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("values, expected", [
    (("31/01/2024", "05/02/2024"), (date(2024, 1, 31), date(2024, 2, 5))),  # 31 > 12: day first
    (("01/31/2024", "2/5/2024"), (date(2024, 1, 31), date(2024, 2, 5))),    # 31 > 12: month first
    (("2024/01/31", "2024/2/5"), (date(2024, 1, 31), date(2024, 2, 5))),
    (("31.01.2024", "05.02.2024 10:00"), (date(2024, 1, 31), date(2024, 2, 5))),
    (("2024-01-31", "2024-02-05 10:00:00"), (date(2024, 1, 31), date(2024, 2, 5))),  # ISO + time
])
def test_common_date_formats_are_read(tmp_path, values, expected):
    text = "customer_id,signup_date\n" + "".join(f"c{i},{v}\n" for i, v in enumerate(values))
    out = tmp_path / "r.duckdb"
    importer.load(out, {"customers": write(tmp_path, "c.csv", text)})
    assert tuple(r[0] for r in rows(out, "select signup_date from customers order by customer_id")) \
        == expected


def test_ambiguous_day_month_column_needs_date_format(tmp_path):
    text = "customer_id,signup_date\nc1,2024-01-02\nc2,03/04/2024\nc3,05/06/2024\nc4,06/05/2024\n"
    files = {"customers": write(tmp_path, "c.csv", text)}
    # the slash values are most of the column, and every one has day and month <= 12
    assert problems(files) == [
        "c.csv:3: signup_date: expected a date whose day and month can be told apart (every value "
        "here has both <= 12): pass --date-format DD/MM/YYYY or --date-format MM/DD/YYYY (e.g. "
        "--date-format DD/MM/YYYY reads 03/04/2024 as 3 April 2024), found '03/04/2024'"]
    # with the order given, the one ISO value is the odd one out
    assert problems(files, date_format="DD/MM/YYYY") == [
        "c.csv:2: signup_date: expected a date DD/MM/YYYY like the rest of this column, "
        "found '2024-01-02'"]
    write(tmp_path, "c.csv", "customer_id,signup_date\nc2,03/04/2024\nc3,05/06/2024\n")
    out = tmp_path / "r.duckdb"
    meta = importer.load(out, files, date_format="MM/DD/YYYY")
    assert rows(out, "select signup_date from customers order by 1") == [
        (date(2024, 3, 4),), (date(2024, 5, 6),)]
    assert "customers.signup_date read as MM/DD/YYYY" in meta["summary"]["conversions"]


def test_timestamps_in_a_common_format(tmp_path):
    customers = write(tmp_path, "c.csv", "customer_id,signup_date\nc1,2024-01-01\n")
    tickets = write(tmp_path, "t.csv", "ticket_id,customer_id,created_at\n"
                    "t1,c1,13/01/2024 09:05\nt2,c1,14/01/2024 17:30:15\nt3,c1,2024-01-15\n")
    assert problems({"customers": customers, "tickets": tickets}) == [
        "t.csv:4: created_at: expected a date DD/MM/YYYY [HH:MM[:SS]] like the rest of this "
        "column, found '2024-01-15'"]


# --- default as-of date (docs/definitions.md, Metrics) --------------------------------------------------------------
def test_default_as_of_rule(tmp_path):
    con = make_db(tmp_path, customers=[
        {"customer_id": "a", "signup_date": "2024-01-10"},
        # churned after the last signup and ticket: moves the as-of date
        {"customer_id": "b", "signup_date": "2024-02-01", "churn_date": "2024-05-20"},
        # a cancellation scheduled after the build day does not
        {"customer_id": "c", "signup_date": "2024-02-01", "churn_date": "2025-03-01"},
    ], tickets=[{"ticket_id": "t1", "customer_id": "a", "created_at": "2024-04-02 10:00"}],
        nps=[{"customer_id": "a", "responded_at": "2024-05-01 09:00", "score": 9}])
    assert con.execute("select default_as_of from meta").fetchone()[0] == date(2024, 5, 20)
    con.close()
    # Without churn dates: the NPS response (May 1) is the latest.
    con = make_db(tmp_path / "two", customers=[{"customer_id": "a", "signup_date": "2024-01-10"}],
                  nps=[{"customer_id": "a", "responded_at": "2024-05-01 09:00", "score": 9}])
    assert con.execute("select default_as_of from meta").fetchone()[0] == date(2024, 5, 1)
    con.close()
