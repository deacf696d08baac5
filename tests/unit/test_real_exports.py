"""Real public exports (tests/data/real/, sources in its README) loaded with the exact
`python -m data.load` lines of the README's "Your data" section; the numbers are worked out from
the raw files here, with the csv module, independently of the importer."""

from __future__ import annotations

import csv
import re
import shlex
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from data import capabilities
from data.importer import cli
from queries import Filters, connect
from queries.movements import period_movements

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "real"


def readme_examples() -> dict[str, list[str]]:
    """The README's worked examples: {comment line: argv after `python -m data.load`}."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Your data"):]
    block = section[section.index("One worked example per shape"):]
    block = block[block.index("```bash") + 7:block.index("```", block.index("```bash") + 7)]
    examples, comment = {}, None
    for line in block.replace("\\\n", " ").splitlines():
        if line.startswith("#"):
            comment = line[1:].strip()
        elif line.startswith("python -m data.load"):
            examples[comment] = shlex.split(line)[3:]
    return examples


EXAMPLES = readme_examples()


def example(words: str) -> list[str]:
    return next(argv for comment, argv in EXAMPLES.items() if words in comment)


def run(argv: list[str], out: Path, capsys) -> str:
    """Run a README line as it is, but for where --out puts the database."""
    assert cli.main(_with_out(argv, out)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def raw(name: str) -> list[dict]:
    with open(REAL / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _with_out(argv: list[str], out: Path) -> list[str]:
    argv = list(argv)
    argv[argv.index("--out") + 1] = str(out)
    return argv


@pytest.fixture(scope="module")
def telco(tmp_path_factory):
    out = tmp_path_factory.mktemp("telco") / "retention.duckdb"
    assert cli.main(_with_out(example("IBM telco"), out)) == 0
    return out


def test_every_shape_has_a_readme_example_on_a_real_file():
    assert len(EXAMPLES) == 10  # the last five run on your own files (test_import_options)
    for comment, argv in EXAMPLES.items():
        files = [a for a in argv if a.startswith("tests/data/real/")]
        assert all((ROOT / f).is_file() for f in files), comment


def test_telco_churn_flag_and_tenure(telco):
    rows = raw("ibm_telco_customer_churn.csv")
    churned = [r for r in rows if r["Churn"] == "Yes"]
    assert len(rows) == 7043 and len(churned) == 1869
    con = connect(telco)
    try:
        # as-of 2024-09-30; every churned customer churned that day (the file has no dates).
        # September: the customers at its start are those with tenure >= 1 (signed up by Aug 31),
        # and all 1,869 churned ones have tenure >= 1.
        at_start = sum(int(r["tenure"]) >= 1 for r in rows)
        assert at_start == 7032 and all(int(r["tenure"]) >= 1 for r in churned)
        sept = period_movements(con, Filters()).set_index("period").loc[date(2024, 9, 1)]
        assert (sept.start_customers, sept.churned) == (7032, 1869)
        assert sept.churn_rate_pct == pytest.approx(100 * 1869 / 7032)  # 26.58%
        # 7590-VHVEG: tenure 1 -> signed up 2024-08-30; Churn No; MonthlyCharges 29.85
        assert con.execute("select signup_date, churn_date, mrr, plan from customers "
                           "where customer_id = '7590-VHVEG'").fetchone() == (
            date(2024, 8, 30), None, Decimal("29.85"), "Month-to-month")
    finally:
        con.close()


def _effective_churn(as_of: date) -> dict[str, date]:
    """By hand from the raw RavenStack files: an account flagged churned churned on its latest
    event's date, or on the as-of date without events; flagged active stays active."""
    latest: dict[str, date] = {}
    for e in raw("ravenstack_churn_events.csv"):
        d = date.fromisoformat(e["churn_date"])
        latest[e["account_id"]] = max(d, latest.get(e["account_id"], d))
    return {a["account_id"]: latest.get(a["account_id"], as_of)
            for a in raw("ravenstack_accounts.csv") if a["churn_flag"] == "TRUE"}


def test_ravenstack_churn_events_and_flag(tmp_path, capsys):
    out = tmp_path / "retention.duckdb"
    printed = run(example("Churn as events"), out, capsys)
    assert "110 customers churned by flag, 35 of them without a date: counted as churned on " \
           "2024-12-31" in printed
    accounts = raw("ravenstack_accounts.csv")
    churn = _effective_churn(date(2024, 12, 31))
    assert len(churn) == 110 and sum(a not in {e["account_id"] for e in raw(
        "ravenstack_churn_events.csv")} for a in churn) == 35
    # June 2024 by hand: accounts signed up by May 31 and not churned by then, and those of them
    # churning in June. Some churned accounts have a date and some do not (a mixed file): the 35
    # without one are left out of the history, 24 of them signed up by May 31 (315 - 24 = 291).
    dated = {e["account_id"] for e in raw("ravenstack_churn_events.csv")}
    dateless = {a for a in churn if a not in dated}
    signup = {a["account_id"]: date.fromisoformat(a["signup_date"]) for a in accounts}
    at_start = [a for a, s in signup.items() if s <= date(2024, 5, 31)
                and not (a in churn and churn[a] <= date(2024, 5, 31))]
    assert len(at_start) == 315 and len([a for a in at_start if a in dateless]) == 24
    at_start = [a for a in at_start if a not in dateless]
    lost = [a for a in at_start if a in churn and date(2024, 6, 1) <= churn[a] <= date(2024, 6, 30)]
    assert (len(at_start), len(lost)) == (291, 6)
    con = connect(out)
    try:
        june = period_movements(con, Filters()).set_index("period").loc[date(2024, 6, 1)]
        assert (june.start_customers, june.churned) == (291, 6)  # 2.06%
        assert capabilities.read(con).churn_shape == "mixed"
        assert con.execute("select count(*) from customers where churn_date is not null"
                           ).fetchone()[0] == 110
        # A-c37cab: flagged active with a churn event (2024-10-27, pricing): stays active
        assert [a["churn_flag"] for a in accounts if a["account_id"] == "A-c37cab"] == ["FALSE"]
        assert con.execute("select churn_date from customers where customer_id = 'A-c37cab'"
                           ).fetchone() == (None,)
    finally:
        con.close()


def test_ravenstack_subscriptions_give_one_customers_mrr_history(tmp_path, capsys):
    out = tmp_path / "retention.duckdb"
    run(example("Subscriptions instead"), out, capsys)
    subs = [s for s in raw("ravenstack_subscriptions.csv") if s["account_id"] == "A-2e4581"]
    assert len(subs) == 10 and all(s["end_date"] == "" for s in subs)
    con = connect(out)
    try:
        assert con.execute("select default_as_of from meta").fetchone()[0] == date(2024, 12, 31)
        history = con.execute("select month, mrr from mrr_history where customer_id = 'A-2e4581' "
                              "order by month").fetchall()
    finally:
        con.close()
    # Oct 31: started Oct 20 (441), Oct 25 (637), Oct 30 (0) = 1,078
    # Nov 30: + Nov 12 (980), Nov 13 (1,938), Nov 17 (0), Nov 29 (1,791) = 5,787
    # Dec 31 (the as-of day): + Dec 9 (209), Dec 19 (5,771), Dec 22 (836) = 12,603
    assert [(m, float(v)) for m, v in history] == [
        (date(2024, 10, 1), 1078.0), (date(2024, 11, 1), 5787.0), (date(2024, 12, 1), 12603.0)]
    assert sum(float(s["mrr_amount"]) for s in subs) == 12603.0


def test_ravenstack_ticket_durations(tmp_path, capsys):
    out = tmp_path / "retention.duckdb"
    run(example("durations"), out, capsys)
    ticket = next(t for t in raw("ravenstack_support_tickets.csv") if t["ticket_id"] == "T-0024de")
    assert (ticket["submitted_at"], ticket["first_response_time_minutes"],
            ticket["resolution_time_hours"]) == ("2023-07-27", "74", "27")
    con = connect(out)
    try:
        row = con.execute("select first_response_at, resolved_at, "
                          "datediff('second', created_at, first_response_at) / 3600 "
                          "from tickets where ticket_id = 'T-0024de'").fetchone()
    finally:
        con.close()
    # created 2023-07-27 00:00; first response 74 min later (FRT 1.23 h), resolved 27 h later
    assert row == (datetime(2023, 7, 27, 1, 14), datetime(2023, 7, 28, 3, 0),
                   pytest.approx(74 / 60))


def test_day_first_example(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "customers.csv").write_text("customer_id,signup_date\nc1,03/04/2024\n")
    out = tmp_path / "retention.duckdb"
    printed = run(example("Day-first"), out, capsys)
    assert re.search(r"signup_date read as DD/MM/YYYY", printed)
    con = connect(out)
    try:
        assert con.execute("select signup_date from customers").fetchone() == (date(2024, 4, 3),)
    finally:
        con.close()
