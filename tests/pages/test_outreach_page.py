"""The Outreach page through AppTest, reached as a browser reaches it: on a snapshot with the
contacts of tests/unit/test_outreach.py (numbers worked out by hand there) and on one without any
outreach."""

from __future__ import annotations

import json
import re

import pytest

from words import narrative
import settings
from words.formatting import format_value
from queries import Filters, connect, outreach_retention, outreach_tiles, outreach_totals
from tests.pages.conftest import chart_titles, open_page
from tests.pages.test_activity_pages import values
from tests.unit.fixtures import make_db
from tests.unit.test_outreach import AS_OF, CUSTOMERS, OUTREACH

PAGE = "pages/10_Outreach.py"
README = "README, Your data"


@pytest.fixture(scope="module")
def outreach_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("outreach-page")
    make_db(folder, CUSTOMERS, outreach=OUTREACH, as_of=AS_OF).close()
    return folder / "retention.duckdb"


@pytest.fixture
def use_db(monkeypatch):
    def use(live):
        monkeypatch.setattr(settings, "DB_PATH", live)
        monkeypatch.setenv("RETENTION_DB", str(live))
    return use


def said(at) -> list[str]:
    """Info boxes, captions and paragraphs as the browser shows them (Markdown escapes undone)."""
    return [re.sub(r"\\(.)", r"\1", re.sub(r"^:material/[a-z_]+: ", "", el.value))
            for el in (*at.info, *at.caption, *at.markdown)]


def links(at) -> list[str]:
    return [link.label for link in at.page_link]


def test_the_page_shows_the_metrics_api_numbers(outreach_db, use_db):
    use_db(outreach_db)
    at = open_page(PAGE)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Outreach" in links(at)
    assert at.title[0].value == "Outreach"

    con = connect(outreach_db)
    try:
        f = Filters(as_of=AS_OF)
        expected = outreach_tiles(outreach_totals(con, f), outreach_retention(con, f))
    finally:
        con.close()
    shown = {m.label.replace(" ⚠ low N", ""): m.value for m in at.metric}
    # 6 contacts, 66.7% answered, 1.25 actions per answered contact, 100% - 66.7% = +33.3 pts
    assert shown == {"Contacts": "6", "Response rate": "66.7%", "Actions per engagement": "1.25",
                     "90-day retention gap": "+33.3 pts"}
    assert shown == {row.label: format_value(row.value, row.unit) for row in expected.itertuples()}
    text = said(at)
    assert "N = 3 contacted · 8 not contacted (fewer than 30: unreliable)" in text
    assert "N = 4 responses (fewer than 30: unreliable)" in text

    titles = set(chart_titles(at).values())
    assert titles == {"Response rate by channel", "Median time to response by channel",
                      "Still a customer 90 days after contact, by campaign"}
    rate = next(json.loads(el.proto.spec) for el in at.get("plotly_chart")
                if el.proto.id.endswith("-chart_outreach_response_rate"))
    assert rate["layout"]["yaxis"]["title"]["text"] == "Contacts answered (% of contacts)"
    assert rate["layout"]["yaxis"]["ticksuffix"] == "%"
    # one line per channel: e-mail answered 2 of 2 in Feb (contacts 1, 3), 1 of 1 in Mar (5)
    email = next(t for t in rate["data"] if t.get("name") == "email")
    assert values(email["y"])[:2].tolist() == [100.0, 100.0]
    # By campaign (tests/unit/test_outreach.py, test_retention_by_campaign): Check-in has nobody
    # compared (no bar), No campaign 1 of 1 against 75% of 4, Save 2 of 2 against 62.5% of 8.
    bars = next(json.loads(el.proto.spec) for el in at.get("plotly_chart")
                if el.proto.id.endswith("-chart_outreach_retention"))
    assert [(trace["name"], trace["y"], trace["text"]) for trace in bars["data"]] == [
        ("Contacted", ["Check-in", "No campaign", "Save"],
         ["", "100.0% · n=1 (low N)", "100.0% · n=2 (low N)"]),
        ("Not contacted", ["Check-in", "No campaign", "Save"],
         ["", "75.0% · n=4 (low N)", "62.5% · n=8 (low N)"]),
    ]
    assert narrative.OUTREACH_SELECTION in text
    assert not any("customer-month" in t for t in text)

    campaigns = at.dataframe[0].value
    assert campaigns["group"].tolist() == ["Save", "Check-in", "No campaign"]
    assert campaigns["contacts"].tolist() == [3, 2, 1]
    assert any(t.startswith("100% of contacted customers were still customers 90 days after")
               for t in text)
    assert any("This is an association, not proof that the contact kept anyone" in t
               for t in text)
    assert any("log-rank p = 0.299" in t for t in text)


def test_without_campaigns_the_retention_is_one_comparison(tmp_path, use_db):
    # The same contacts with no campaign named: no campaigns table and no split by campaign; the
    # comparison of all contacts together (3 of 3 against 66.7% of 8) is the chart instead.
    contacts = [{**row, "campaign": None} for row in OUTREACH]
    make_db(tmp_path, CUSTOMERS, outreach=contacts, as_of=AS_OF).close()
    use_db(tmp_path / "retention.duckdb")
    at = open_page(PAGE)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Still a customer 90 days after the index date" in chart_titles(at).values()
    bars = next(json.loads(el.proto.spec) for el in at.get("plotly_chart")
                if el.proto.id.endswith("-chart_outreach_retention"))
    assert bars["data"][0]["text"] == ["66.7% · n=8 (low N)", "100.0% · n=3 (low N)"]
    text = said(at)
    assert narrative.OUTREACH_SELECTION not in text
    assert any("N = 11 customers (each once per month of contact)" in t for t in text)


def test_a_filter_narrows_every_number(outreach_db, use_db):
    use_db(outreach_db)
    at = open_page(PAGE, {"plan": "Enterprise"})
    assert not at.exception and not at.error
    assert at.multiselect(key="plan").value == ["Enterprise"]
    shown = {m.label.replace(" ⚠ low N", ""): m.value for m in at.metric}
    # h's one contact (answered after 2 h, 3 actions); h has no comparable customer: no gap.
    assert shown == {"Contacts": "1", "Response rate": "100.0%", "Actions per engagement": "3.00",
                     "90-day retention gap": "—"}
    assert at.dataframe[0].value["group"].tolist() == ["Check-in"]
    assert any("No contacted customer has 90 days behind their first contact" in t
               for t in said(at))


def test_customers_never_contacted_say_so(outreach_db, use_db):
    use_db(outreach_db)
    at = open_page(PAGE, {"plan": "Starter"})
    assert not at.exception and not at.error
    # e, the one Starter customer, was never contacted: the filter selects someone, so not
    # "No customers match these filters".
    assert [i.value for i in at.info] == ["None of these customers was contacted up to 30 Jun 2024."]
    assert not at.get("plotly_chart") and not at.metric


def test_without_outreach_the_page_is_not_listed_and_a_link_says_what_would_fill_it(
        matrix_dbs, use_db):
    use_db(matrix_dbs["everything"])
    at = open_page("dashboard.py")
    assert not at.exception
    assert "Outreach" not in links(at) and "Support × retention" in links(at)
    at.switch_page(PAGE)
    at.run()
    assert not at.exception and not at.error
    assert [i.value for i in at.info] == [
        "Add an outreach file (`--outreach FILE`: customer_id, contacted_at, channel, "
        "responded_at, optionally campaign and actions) to see outreach: response rates, "
        f"actions and retention of contacted customers — {README}"]
    assert not at.get("plotly_chart") and not at.metric and not at.dataframe
