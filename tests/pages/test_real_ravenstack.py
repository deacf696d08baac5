"""The pages on all four RavenStack exports at once (accounts with a churn flag, churn events,
subscriptions, help-desk tickets without a category), loaded unedited with the README's maps:
what the import assumed is said, and a column the tickets cannot fill is not shown."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest

from queries import Filters, connect, data_quality, survival
from queries.movements import period_movements
from tests.pages.conftest import app_reading, open_page
from tests.unit.test_real_exports import REAL, _effective_churn, raw

# The real RavenStack export imported, then whole pages run on it: seconds per test.
pytestmark = pytest.mark.slow

MAPS = {"customers.customer_id": "account_id", "customers.churned": "churn_flag",
        "customers.plan": "plan_tier", "churn_events.customer_id": "account_id",
        "churn_events.churn_reason": "reason_code", "subscriptions.customer_id": "account_id",
        "subscriptions.mrr": "mrr_amount", "tickets.customer_id": "account_id",
        "tickets.created_at": "submitted_at",
        "tickets.first_response_minutes": "first_response_time_minutes",
        "tickets.resolution_hours": "resolution_time_hours",
        "tickets.csat": "satisfaction_score"}


def import_ravenstack(folder, tickets, subscriptions: bool):
    """The accounts and churn events (and the subscriptions) imported with `tickets`, through the
    importer's command line with the README's maps; the database's path."""
    from data.importer import cli

    path = folder / "retention.duckdb"
    files = {"customers": "accounts", "churn-events": "churn_events",
             **({"subscriptions": "subscriptions"} if subscriptions else {})}
    argv = ["--out", str(path), "--tickets", str(tickets)]
    for option, name in files.items():
        argv += [f"--{option}", str(REAL / f"ravenstack_{name}.csv")]
    for target, header in MAPS.items():
        if subscriptions or not target.startswith("subscriptions."):
            argv += ["--map", f"{target}={header}"]
    assert cli.main(argv) == 0
    return path


@pytest.fixture(scope="module")
def ravenstack_db(tmp_path_factory):
    path = import_ravenstack(tmp_path_factory.mktemp("ravenstack"),
                             REAL / "ravenstack_support_tickets.csv", subscriptions=True)
    with app_reading(path):
        yield path


def test_support_x_retention_leaves_out_ticket_categories_the_export_lacks(ravenstack_db):
    at = open_page("pages/5_Support_x_retention.py")
    assert not at.exception
    # 110 customers churned by flag, 35 of them without a churn event or date (README's
    # RavenStack line): a mixed file, so those 35 are left out of the history, and the header
    # says so.
    assert (":material/info: 35 of the 110 churned customers have no churn date: they are "
            "left out of every number here, the history of the 75 customers churned on a known "
            "date.") in [c.value for c in at.caption]
    # The tickets have no category: the pre-churn table has no "Top ticket categories" column
    # (it would read "Unknown 100%" on every row).
    table = at.dataframe[-1]
    assert "top_ticket_categories" in table.value.columns
    assert list(table.proto.column_order) == [
        "category", "churned_customers", "tickets_per_customer", "baseline_tickets_per_customer"]
    # The 75 dated churned customers are in the one reason category, Other (no reason code is
    # mapped); the 35 without a date are left out.
    assert table.value[["category", "churned_customers"]].values.tolist() == [["Other", 75]]


def _active_on(day, signup, churn) -> list[str]:
    """The accounts active on `day` in the history: some churned accounts have a churn event and
    35 do not (a mixed file), and those 35 are left out of every number."""
    return [a for a, s in signup.items() if s <= day and not (a in churn and churn[a] <= day)
            and a not in _dateless()]


def _dateless() -> set[str]:
    """Accounts flagged churned without a churn event: no churn date."""
    dated = {e["account_id"] for e in raw("ravenstack_churn_events.csv")}
    return {a["account_id"] for a in raw("ravenstack_accounts.csv")
            if a["churn_flag"] == "TRUE" and a["account_id"] not in dated}


def _subscription_mrr(day) -> dict[str, float]:
    """By hand from the raw subscriptions: each account's MRR on `day` = the subscriptions running
    then (started by it, not ended by it: an end_date is the first day it no longer counts)."""
    mrr: dict[str, float] = {}
    for s in raw("ravenstack_subscriptions.csv"):
        start = date.fromisoformat(s["start_date"])
        end = date.fromisoformat(s["end_date"]) if s["end_date"] else None
        if start <= day and (end is None or end > day):
            mrr[s["account_id"]] = mrr.get(s["account_id"], 0.0) + float(s["mrr_amount"])
    return mrr


def test_the_mrr_tile_is_what_the_active_customers_paid_then(ravenstack_db):
    signup = {a["account_id"]: date.fromisoformat(a["signup_date"])
              for a in raw("ravenstack_accounts.csv")}
    churn = _effective_churn(date(2024, 12, 31))
    paid = {}
    for day in (date(2024, 11, 30), date(2024, 12, 31)):
        mrr = _subscription_mrr(day)
        paid[day] = sum(mrr.get(a, 0.0) for a in _active_on(day, signup, churn))
    # The customers active at the end of November paid $6,840,303 then (with the 35 accounts
    # churned without a date, left out of the history: $7,425,726); those active at the end of
    # December (the as-of day) $8,086,455: +$1,246,152, +18.2%.
    assert len(_dateless()) == 35
    assert paid == {date(2024, 11, 30): 6_840_303.0, date(2024, 12, 31): 8_086_455.0}
    con = connect(ravenstack_db)
    try:
        moves = period_movements(con, Filters()).set_index("period")
    finally:
        con.close()
    assert moves.loc[date(2024, 12, 1), ["start_mrr", "end_mrr"]].tolist() == [6_840_303.0,
                                                                                8_086_455.0]
    at = open_page("dashboard.py")
    assert not at.exception
    tile = next(m for m in at.metric if m.label == "MRR")
    assert (tile.value, tile.delta) == ("$8.09M", "+$1.25M")
    # 1,246,152 / 6,840,303 = 18.22% (the page escapes Markdown in sentences)
    from app import ui
    said = ui.markdown_text("MRR rose 18.2% to $8,086,455.")
    assert any(said in m.value for m in at.markdown)


def test_early_support_counts_tickets_from_the_signup_on(ravenstack_db):
    signup = {a["account_id"]: date.fromisoformat(a["signup_date"])
              for a in raw("ravenstack_accounts.csv")}
    tickets = raw("ravenstack_support_tickets.csv")
    before = sum(date.fromisoformat(t["submitted_at"]) < signup[t["account_id"]] for t in tickets)
    # Accounts whose first 90 days are over by the as-of date, by their tickets in those days.
    # (the 35 accounts churned without a date are left out of the history: 23 + 6 of them would
    # be in the 0 and 1-2 groups)
    early = {a: 0 for a, s in signup.items() if s + timedelta(days=90) <= date(2024, 12, 31)
             and a not in _dateless()}
    for t in tickets:
        day, start = date.fromisoformat(t["submitted_at"]), signup[t["account_id"]]
        if t["account_id"] in early and start <= day < start + timedelta(days=90):
            early[t["account_id"]] += 1
    buckets = {"0 tickets": sum(n == 0 for n in early.values()),
               "1-2 tickets": sum(1 <= n <= 2 for n in early.values()),
               "3+ tickets": sum(n >= 3 for n in early.values())}
    assert (before, buckets) == (1077, {"0 tickets": 234, "1-2 tickets": 155, "3+ tickets": 4})
    con = connect(ravenstack_db)
    try:
        start = survival(con, Filters(), by="early_tickets").query("day == 0")
        quality = data_quality(con, Filters())
    finally:
        con.close()
    assert dict(zip(start["group"], start["at_risk"])) == buckets
    # 90 of the 1,077 are tickets of the 35 accounts left out of the history.
    kept = sum(date.fromisoformat(t["submitted_at"]) < signup[t["account_id"]]
               and t["account_id"] not in _dateless() for t in tickets)
    assert quality["tickets_before_signup"] == kept == 987
    # The Data page names them with what they are left out of.
    data = open_page("pages/6_Data_and_definitions.py")
    assert not data.exception
    from app import ui
    assert ui.markdown_text(
        "Dated before their customer's signup date: 987 tickets. They count in no per-customer "
        "number (early support, activity retention, the 90 days before churn) but stay in the "
        "period totals; check the export's dates.") in [w.value for w in data.warning]


@pytest.fixture(scope="module")
def late_tickets_db(tmp_path_factory):
    """The accounts and churn events with only the tickets submitted from 29 Nov 2024 on (103 of
    2,000, by hand below): a ticket export that covers a sliver of November."""
    folder = tmp_path_factory.mktemp("late_tickets")
    rows = raw("ravenstack_support_tickets.csv")
    late = [t for t in rows if t["submitted_at"] >= "2024-11-29"]
    assert len(late) == 103
    with open(folder / "tickets.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(late)
    path = import_ravenstack(folder, folder / "tickets.csv", subscriptions=False)
    with app_reading(path):
        yield path


def test_a_tile_over_a_sliver_of_its_months_says_which_days_it_covers(late_tickets_db):
    at = open_page("dashboard.py")
    assert not at.exception
    tiles = {m.label: m for m in at.metric}
    # December is whole (the as-of date is 31 Dec) but November has 2 days of tickets: CSAT and
    # first response show December's value and no change, and say which days the tickets cover.
    for label in ("CSAT", "First response"):
        assert tiles[label].delta in (None, "")
    # the same December as with every ticket (the 35 accounts churned without a date left out)
    assert tiles["CSAT"].value == "63.8%"
    from app import ui
    captions = [c.value for c in at.caption]
    assert captions.count(ui.markdown_text("Tickets cover 29 Nov – 31 Dec only.")) == 2
    # Tiles of the customers file compare as before.
    # December: 14 of the 388 dated-history customers churned (3.6%), November 9 of 367 (2.5%);
    # the 35 churned without a date are not December's churn.
    assert (tiles["Churn rate"].value, tiles["Churn rate"].delta) == ("3.6%", "+1.2 pts")
    # The sentence on support is left out: it would be a change between the two months.
    assert not any("CSAT rose" in m.value for m in at.markdown)
