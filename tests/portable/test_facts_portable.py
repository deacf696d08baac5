"""data/build/facts.sql (the derived tables of every snapshot) run on Spark and on Postgres equals DuckDB's:
every column of every derived table, numbers within 1e-9.

The fixture is a hand-written snapshot whose rows sit on the edges where engines differ: a signup
on the 31st (month arithmetic), a leap day, a churn reason written with odd spacing and case, a
first response with a fraction of a second, a ticket after the early-support window, MRR that
grows in the first months. DuckDB's values are checked by hand first; the other engines must then
give exactly them, computed from the same raw tables.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime

import duckdb
import pandas as pd
import pytest

from data.build import spark as spark_facts
from tests.portable.conftest import snapshot_tables, spark_views
from tests.unit.fixtures import make_db

FACT_TABLES = ("customer_facts", "ticket_facts", "mrr_facts", "nps_facts", "activity_facts",
               "outreach_facts")
RAW = ("customers", "tickets", "nps_responses", "mrr_history", "activity", "outreach",
       "churn_reason_categories")

CUSTOMERS = [
    # signed up on the 31st, churned on 1 March of a leap year
    {"customer_id": "a", "signup_date": "2024-01-31", "churn_date": "2024-03-01",
     "churn_reason": "  Too   Expensive ", "plan": "Growth", "mrr": 50},
    # churned on the leap day itself: one month after 31 January (clamped to 29 February)
    {"customer_id": "b", "signup_date": "2024-01-31", "churn_date": "2024-02-29",
     "churn_reason": "the moon was wrong"},
    # never churned; tickets and MRR below
    {"customer_id": "c", "signup_date": "2023-12-15", "plan": None, "products_count": 2},
]
TICKETS = [
    # first response after 30 min 0.5 s: 1800.5 / 3600 h
    {"ticket_id": "t1", "customer_id": "c", "created_at": "2023-12-20 10:00:00",
     "first_response_at": "2023-12-20 10:30:00.5", "resolved_at": "2023-12-21 10:00:00",
     "csat": 3, "channel": "email"},
    # after the early-support window (signup + 90 days = 2024-03-14); never answered
    {"ticket_id": "t2", "customer_id": "c", "created_at": "2024-04-01 08:00:00", "csat": 5},
    # 10 days before a's churn: pre-churn
    {"ticket_id": "t3", "customer_id": "a", "created_at": "2024-02-20 09:00:00",
     "first_response_at": "2024-02-20 11:00:00"},
]
MRR = [
    {"customer_id": "c", "month": "2023-12-01", "mrr": 100},
    {"customer_id": "c", "month": "2024-01-01", "mrr": 120},
    {"customer_id": "c", "month": "2024-03-01", "mrr": 90},
]
NPS = [{"customer_id": "c", "responded_at": "2024-01-05 12:00:00", "score": 9}]
ACTIVITY = [{"customer_id": "a", "occurred_at": "2024-02-25 07:00:00", "amount": 12.5,
             "kind": "purchase"},
            {"customer_id": "c", "occurred_at": "2024-05-01 00:00:00", "kind": "login"}]
# c's contacts: two at the same minute (tied: ordered by channel label, 'email' before 'phone' in
# any collation), an empty campaign, a blank channel, and one in the next month.
OUTREACH = [
    {"customer_id": "c", "contacted_at": "2024-01-10 09:00:00", "channel": "email",
     "campaign": "Save", "responded_at": "2024-01-10 10:00:00", "actions": 1},
    {"customer_id": "c", "contacted_at": "2024-01-10 09:00:00", "channel": "phone", "campaign": ""},
    {"customer_id": "c", "contacted_at": "2024-02-02 12:00:00", "channel": " ", "campaign": "Save"},
]


@pytest.fixture(scope="module")
def edges(tmp_path_factory):
    """The hand-written snapshot's tables (Arrow), as DuckDB computed them."""
    folder = tmp_path_factory.mktemp("facts-edges")
    con = make_db(folder, CUSTOMERS, tickets=TICKETS, nps=NPS, mrr=MRR, activity=ACTIVITY,
                  outreach=OUTREACH, as_of=date(2024, 6, 30))
    con.close()
    return snapshot_tables(folder / "retention.duckdb")


def _row(table, key: str, value) -> dict:
    rows = table.to_pylist()
    (row,) = [r for r in rows if r[key] == value]
    return row


def test_duckdb_facts_on_the_edges_are_the_hand_computed_values(edges):
    a = _row(edges["customer_facts"], "customer_id", "a")
    # Jan 31 + 1 month = Feb 29 < Mar 1, + 2 months = Mar 31: no longer retained at month 2
    assert (a["churn_age_month"], a["churn_age_quarter"]) == (2, 1)
    # 30 days (Jan 31 -> Mar 1 in 2024): (30 + 6) // 7 = week 5
    assert a["churn_age_week"] == 5
    # '  Too   Expensive ' -> 'too expensive' -> Price, owned by Pricing / Finance
    assert (a["reason_key"], a["churn_category"], a["churn_owner_team"]) == (
        "too expensive", "Price", "Pricing / Finance")
    b = _row(edges["customer_facts"], "customer_id", "b")
    # Jan 31 + 1 month is clamped to Feb 29, the churn date itself: age 1
    assert (b["churn_age_month"], b["churn_age_quarter"], b["churn_category"]) == (1, 1, "Other")
    c = _row(edges["customer_facts"], "customer_id", "c")
    assert c["early_support_end"] == date(2024, 3, 14)  # Dec 15 + 90 days
    # only t1 is early: 1800.5 s = 0.500138... h; csat 3 < 4 is a bad rating
    assert (c["early_tickets"], c["early_csat_rated"], c["early_csat_bad"]) == (1, 1, 1)
    assert c["early_max_frt_h"] == pytest.approx(1800.5 / 3600, abs=1e-12)
    assert c["early_expansion"] is True  # 120 in January > 100 in the signup month
    assert (c["plan"], c["churn_age_month"]) == ("Unknown", None)
    t2 = _row(edges["ticket_facts"], "ticket_id", "t2")
    # 2023-12-15 -> 2024-04-01 = 108 days: 30-day block 3; never answered
    assert (t2["tenure_block"], t2["frt_h"], t2["created_quarter"]) == (3, None, date(2024, 4, 1))
    assert _row(edges["ticket_facts"], "ticket_id", "t3")["is_pre_churn"] is True
    dec = _row(edges["mrr_facts"], "month", date(2023, 12, 1))
    # one and three months later exist, two months later (February) does not
    assert (dec["mrr_1m_later"], dec["mrr_2m_later"], dec["mrr_3m_later"]) == (120, None, 90)
    contacts = sorted(edges["outreach_facts"].to_pylist(),
                      key=lambda r: (r["contacted_at"], r["channel_label"]))
    jan_10 = datetime(2024, 1, 10, 9)
    # (channel label, campaign label, previous of any, of the same channel, of the same campaign):
    # the tie at 9:00 puts 'email' first; the blank channel and the empty campaign are labelled;
    # February's contact is the first through no channel ('Unknown') but not of campaign Save.
    assert [(r["channel_label"], r["campaign_label"], r["previous_at"], r["previous_channel_at"],
             r["previous_campaign_at"]) for r in contacts] == [
        ("email", "Save", None, None, None),
        ("phone", "No campaign", jan_10, None, None),
        ("Unknown", "Save", jan_10, None, jan_10)]


def assert_same_rows(expected, got, table: str) -> None:
    """Another engine's rows (Arrow) equal DuckDB's (Arrow): read into DuckDB as DuckDB's own
    column types, then compared as sorted frames, numbers within 1e-9."""
    con = duckdb.connect()
    try:
        con.register("expected_rows", expected)
        con.register("got_rows", got)
        assert [c.lower() for c in got.column_names] == list(expected.column_names), table
        con.execute("create table want as select * from expected_rows")
        con.execute("create table have as select * from want limit 0")
        con.execute("insert into have select * from got_rows")  # cast to DuckDB's types
        frames = [con.execute(f"select * from {name}").df() for name in ("want", "have")]
    finally:
        con.close()
    want, have = (f.sort_values(list(f.columns), kind="stable", ignore_index=True) for f in frames)
    pd.testing.assert_frame_equal(have, want, check_exact=False, rtol=1e-9, atol=1e-9, obj=table)


def test_facts_on_spark_equal_duckdbs(spark, edges):
    spark_views(spark, {name: edges[name] for name in RAW})
    for table, select in spark_facts.facts_statements("spark"):
        result = spark.sql(select)
        result.createOrReplaceTempView(table)
        assert_same_rows(edges[table], result.toArrow(), table)


def test_facts_on_postgres_equal_duckdbs(postgres, edges):
    import adbc_driver_postgresql.dbapi

    db = postgres.database("facts_portable")
    for name in RAW:
        db.ingest(name, edges[name])
    with contextlib.closing(adbc_driver_postgresql.dbapi.connect(db.url)) as con:
        for table, select in spark_facts.facts_statements("postgres"):
            with con.cursor() as cur:
                cur.execute(f"create table {table} as {select}")
                con.commit()
                cur.execute(f"select * from {table}")
                assert_same_rows(edges[table], cur.fetch_arrow_table(), table)


def test_every_derived_table_is_covered():
    assert [table for table, _ in spark_facts.facts_statements("spark")] == list(FACT_TABLES)


def test_spark_timestamps_keep_fractions_of_a_second(edges):
    # The fixture's one sub-second value survives the Arrow copy the engines read.
    t1 = _row(edges["tickets"], "ticket_id", "t1")
    assert t1["first_response_at"] == datetime(2023, 12, 20, 10, 30, 0, 500000)
