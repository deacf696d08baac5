"""The Overview on a customers-only telco export (tenure + Yes/No churn, no dates), loaded with the
README's line: its churn rate for the as-of month is the real one, not 0%."""

from __future__ import annotations

import pytest

from tests.pages.conftest import app_reading, open_page
from tests.unit.test_real_exports import _with_out, example


@pytest.fixture(scope="module")
def telco_db(tmp_path_factory):
    from data.importer import cli

    path = tmp_path_factory.mktemp("telco") / "retention.duckdb"
    assert cli.main(_with_out(example("IBM telco"), path)) == 0
    with app_reading(path):
        yield path


def test_overview_shows_the_telco_churn_rate_of_the_as_of_month(telco_db):
    at = open_page("dashboard.py")
    assert not at.exception
    tiles = {m.label.replace(" ⚠ low N", ""): m.value for m in at.metric}
    # As of 2024-09-30: 1,869 of the 7,032 customers there on Sep 1 (tenure >= 1) churned: 26.6%
    assert tiles["Churn rate"] == "26.6%"
    assert "30 Sep 2024" in " ".join(c.value for c in at.caption)


def test_every_page_says_what_the_import_assumed_next_to_the_numbers(telco_db):
    """The export has no dates: all 1,869 churners were put on the as-of date and all 7,043
    signups counted back from tenure. The Overview's 26.6% is that month's churn only because of
    the first; the header says both, and the Data page lists them with its quality notes."""
    churned = ("The import counted 1,869 customers marked churned without a churn date as "
               "churned on 30 Sep 2024 (its as-of date), so churn in September 2024 includes them.")
    tenure = ("Signup dates of 7,043 customers were computed from their tenure in months, "
              "counted back from 30 Sep 2024: their cohorts are right to the month, not the day.")
    at = open_page("dashboard.py")
    captions = [c.value for c in at.caption]
    assert f":material/info: {churned}" in captions and f":material/info: {tenure}" in captions
    data = open_page("pages/6_Data_and_definitions.py")
    # The Data page's notes go through ui.markdown_text (markdown escaped).
    from app import ui
    assert {ui.markdown_text(churned), ui.markdown_text(tenure)} <= {i.value for i in data.info}
    # An as-of date before the assumed churn date: those customers are active, nothing to say.
    at = open_page("dashboard.py", {"as_of": "2024-08-31"})
    captions = [c.value for c in at.caption]
    assert f":material/info: {tenure}" in captions
    assert not any("without a churn date" in c for c in captions)
