"""The importer's command line on the shapes real exports come in (data/shapes.py): its help,
and the summary's lines for conversions, unmatched reasons, one customer and events before the
signup. Tiny files in; the lines written out by hand."""

from __future__ import annotations

import pytest

from data.importer import cli
from tests.unit.test_load import write
from tests.unit.test_shapes import CUSTOMERS_FLAGGED, EVENTS, fixed_build_day  # noqa: F401


# --- the command line ----------------------------------------------------------------------------
def test_help_lists_every_file_with_its_columns_and_the_shapes(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "--churn-events   customer_id* (text), churn_date* (date), churn_reason (text)" in text
    assert "--subscriptions  customer_id* (text), start_date* (date), end_date" in text
    for option in ("--customers", "--tickets", "--nps", "--mrr", "--reasons", "--as-of",
                   "--date-format"):
        assert option in text
    assert "Shapes real exports come in" in text and "DD/MM/YYYY, MM/DD/YYYY" in text


def test_cli_prints_rows_conversions_and_unmatched_reasons(tmp_path, capsys):
    customers = write(tmp_path, "c.csv", CUSTOMERS_FLAGGED)
    events = write(tmp_path, "e.csv", EVENTS.replace("Budget cut", "pricing"))
    out = tmp_path / "r.duckdb"
    assert cli.main(["--out", str(out), "--customers", str(customers), "--churn-events",
                      str(events), "--as-of", "2024-06-30"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "As of 2024-06-30 (given with --as-of)."
    assert "  churn_events                      3 read from e.csv (converted below)" in lines
    assert "  customers                         5 (from 5 rows of c.csv)" in lines
    # churned by 2024-06-30: a (reason 'pricing', not in the taxonomy) and c (no reason): 1 of 2
    assert "  - 1 churn reason matches no mapping row and counts as Other (1 churned customer, " \
           "50.0% of 2):" in lines
    assert "      'pricing': 1 (50.0%)" in lines
    assert "  - 1 of 2 churned customers gave no churn reason" in lines


def test_a_one_customer_import_says_customer_not_customers(tmp_path, capsys):
    # One customer, flagged churned without a date, with a reason the mapping does not know:
    # every count in the summary is 1.
    customers = write(tmp_path, "c.csv",
                      "customer_id,signup_date,churned,churn_reason\na,2024-01-10,yes,pricing\n")
    out = tmp_path / "r.duckdb"
    assert cli.main(["--out", str(out), "--customers", str(customers),
                      "--as-of", "2024-06-30"]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert ("  - 1 customer churned by flag, 1 of them without a date: counted as churned on "
            "2024-06-30") in lines
    assert "  - 1 customer marked churned without a date: counted as churned on 2024-06-30" \
        in lines
    # a is churned on 2024-06-30 with reason 'pricing': 1 of 1 churned, 100%
    assert ("  - 1 churn reason matches no mapping row and counts as Other (1 churned customer, "
            "100.0% of 1):") in lines
    assert "1 customers" not in text and "1 churned customers" not in text


def test_cli_counts_events_before_the_signup_per_table(tmp_path, capsys):
    customers = write(tmp_path, "c.csv", "customer_id,signup_date\na,2024-03-01\nb,2024-01-01\n")
    # a: one ticket on Feb 20 (before its Mar 1 signup), one on its signup day (not before);
    # b: a ticket after its signup; an NPS answer and an activity row on Dec 31, 2023 (before)
    tickets = write(tmp_path, "t.csv", "ticket_id,customer_id,created_at\n"
                    "t1,a,2024-02-20 10:00\nt2,a,2024-03-01 09:00\nt3,b,2024-02-01 09:00\n")
    nps = write(tmp_path, "n.csv", "customer_id,responded_at,score\nb,2023-12-31 12:00,9\n"
                "a,2024-04-01 12:00,3\n")
    activity = write(tmp_path, "a.csv", "customer_id,occurred_at\nb,2023-12-31 23:00\n"
                     "b,2024-01-01 00:00\n")
    out = tmp_path / "r.duckdb"
    assert cli.main(["--out", str(out), "--customers", str(customers), "--tickets", str(tickets),
                      "--nps", str(nps), "--activity", str(activity),
                      "--as-of", "2024-06-30"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert ("  - dated before their customer's signup date: 1 ticket, 1 activity row, 1 NPS "
            "response; they count in no per-customer number (early support, activity retention, "
            "the 90 days before churn)") in lines
