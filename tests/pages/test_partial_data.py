"""Every page on partial data (the snapshots of tests/matrix.py, imported through data.load), reached
as a browser reaches it: no exception, no chart with nothing in it, no 'N = 0', no 'No customers
match these filters' without a filter, and each missing thing named by one line."""

from __future__ import annotations

import json
import re

import pytest

from data import capabilities as cap
from views import needs
from tests import matrix
from tests.pages.conftest import PAGES, ROOT, open_page

# Every page on every partial-data snapshot: about 60 page runs and the snapshots' imports, a
# minute or more; the fast set (`pytest -m "not slow"`) leaves it to the full run.
pytestmark = pytest.mark.slow

# Every page a viewer can open, the reason mapping included.
ALL_PAGES = {**PAGES, "Reason mapping": "pages/8_Reason_mapping.py"}
README = "README, Your data"
TICKETS = "Add a tickets file (`--tickets`)"
NPS = "Add an NPS file (`--nps`)"
MRR = "Add an MRR history file (`--mrr`)"

# The lines a viewer reads on each page, word for word, for the two snapshots the issue's
# screenshots are taken on (the other snapshots are checked against views/needs.py below).
EXPECTED = {
    ("customers_only", "Overview"): [
        f"{MRR} to see net revenue retention — {README}",
        f"{TICKETS} to see CSAT and first response time — {README}",
        f"{NPS} to see NPS — {README}",
    ],
    ("customers_only", "Support KPIs"): [
        f"{TICKETS} to see support KPIs — {README}",
        f"{NPS} to see the net promoter score — {README}",
    ],
    ("customers_only", "Support × retention"): [
        f"{TICKETS} to see retention by early support experience — {README}",
        (f"Add `products_count` to your customers file to see two-year retention by products held"
        f" — {README}"),
        f"{MRR} to see two-year retention by early expansion — {README}",
        f"{TICKETS} to see support in the 90 days before churn — {README}",
    ],
    ("no_support_fields", "Overview"): [
        f"{MRR} to see net revenue retention — {README}",
        f"Add `csat` to your tickets file to see CSAT — {README}",
        f"{NPS} to see NPS — {README}",
    ],
    ("no_support_fields", "Support KPIs"): [
        f"Add `priority` to your tickets file to see times and targets per priority — {README}",
        f"Add `csat` to your tickets file to see CSAT — {README}",
        f"Add `ces` to your tickets file to see customer effort — {README}",
        f"Add `agent_replies` to your tickets file to see one-touch resolution — {README}",
        f"{NPS} to see the net promoter score — {README}",
        f"Add `channel` to your tickets file to see a breakdown by channel — {README}",
    ],
    ("no_support_fields", "Support × retention"): [
        (f"Add `csat` to your tickets file to see retention by CSAT in the first 90 days"
        f" — {README}"),
        f"{MRR} to see two-year retention by early expansion — {README}",
    ],
    ("no_reasons", "Churn reasons"): [
        ("Add `churn_reason` to your customers file to see customers lost by reason, MRR lost by "
        "reason, which team owns the fix, churn reasons over time, the reason mix by segment and "
        f"the raw reasons behind a category — {README}"),
    ],
    ("unmapped_reasons", "Churn reasons"): [
        # The raw reasons stay: they are what an editor maps.
        ("None of the churn reasons matches the reason mapping: map them (Reason mapping page, or "
        "a reasons file `--reasons`) to see customers lost by reason, MRR lost by reason, which "
        f"team owns the fix, churn reasons over time and the reason mix by segment — {README}"),
    ],
}
# Sidebar filters each snapshot has no values for: not drawn.
HIDDEN_FILTERS = {
    "customers_only": {"region", "industry", "channel", "products", "early_tickets",
                       "early_csat"},
    "no_support_fields": {"early_csat"},
}


def capabilities_of(live) -> cap.Capabilities:
    from data import snapshots
    from queries import connect

    con = connect(snapshots.resolve(live))  # opened as the app opens it (one config per file)
    try:
        return cap.read(con)
    finally:
        con.close()


def asked(key: str, source: str) -> bool:
    """Whether a page's code asks for `key`: literally, or as f"<prefix>.{name}" with the name
    written out in the page too."""
    prefix, name = key.rsplit(".", 1)
    return f'"{key}"' in source or (f'"{prefix}.{{' in source and f'"{name}"' in source)


def lines(at) -> list[str]:
    """What the page says in its info boxes and captions, as the browser shows it."""
    # A caption's leading icon (":material/dataset: ") is not part of what it says.
    return [re.sub(r"^:material/[a-z_]+: ", "", el.value) for el in (*at.info, *at.caption)]


def figures(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


@pytest.fixture
def snapshot_of(matrix_dbs, monkeypatch):
    """Point the app at one of the matrix snapshots for this test."""
    import settings

    def use(name: str):
        monkeypatch.setattr(settings, "DB_PATH", matrix_dbs[name])
        monkeypatch.setenv("RETENTION_DB", str(matrix_dbs[name]))
        return matrix_dbs[name]
    return use


@pytest.mark.parametrize("name", list(matrix.SNAPSHOTS))
@pytest.mark.parametrize("title", list(ALL_PAGES))
def test_page_on_partial_data(snapshot_of, name, title):
    live = snapshot_of(name)
    at = open_page(ALL_PAGES[title])
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    said = lines(at)
    for fig in figures(at):
        assert not matrix.all_traces_empty(fig["data"]), fig["layout"].get("title")
    assert not [s for s in said if re.search(r"\bN = 0\b", s)]
    assert not [s for s in said if "No customers match these filters" in s]  # no filter set
    for expected in EXPECTED.get((name, title), []):
        assert expected in said, (expected, said)
    # Every item of this page the data cannot fill is named on it, with what would fill it.
    caps = capabilities_of(live)
    text = "\n".join(said)
    source = (ROOT / ALL_PAGES[title]).read_text()
    for key, item in needs.ITEMS.items():
        # Choices not offered need no line; an item its page does not ask for yet (a part
        # still being built) is the business of that part's tests.
        if needs.PAGE_OF[key] != title or item.kind in ("filter", "option", "choice") or not asked(
                key, source):
            continue
        need = needs.missing(caps, key)
        # A page part without its table says so once, for the whole part.
        section = {"Support KPIs": "support.tickets", "Support × retention": "support_x.early",
                   "Outreach": "outreach.contacts", "At risk": "risk.score"}
        covered = key.startswith(("support.", "support_x.early_", "outreach.", "risk.")) and needs.missing(
            caps, section.get(title, key)) is not None and key != "support.nps"
        if need is not None and not covered:
            assert need.fix(caps) in text and item.label in text, (key, said)
    shown = {el.key for el in at.sidebar.multiselect}
    assert not shown & HIDDEN_FILTERS.get(name, set())
    if name == "everything":
        assert {"plan", "segment", "region", "industry", "channel", "products", "early_tickets",
                "early_csat"} <= shown


def test_a_filter_that_selects_nobody_says_so_with_a_reset(snapshot_of):
    snapshot_of("customers_only")
    at = open_page("pages/2_Cohorts.py", {"plan": "Growth", "segment": "Mid-market",
                                          "signup_from": "2024-09-30"})
    assert not at.exception
    assert any("No customers match these filters" in s for s in lines(at))
    reset = next(b for b in at.button if b.key == "reset_empty")
    reset.click().run()
    assert at.multiselect(key="plan").value == []
    assert not any("No customers match these filters" in s for s in lines(at))


def test_before_the_first_churn_the_churn_page_says_no_churn_yet(snapshot_of):
    # The first churn of tests/matrix.py is on 2022-08-04 (tests/unit/test_report_matrix.py).
    snapshot_of("everything")
    at = open_page("pages/3_Churn_reasons.py", {"as_of": "2022-08-03"})
    assert not at.exception
    assert "No churn up to 03 Aug 2022" in lines(at)
    assert not any("No customers match these filters" in s for s in lines(at))
    assert not figures(at)


def test_a_link_to_a_filter_the_data_has_no_values_for_is_ignored_and_said(snapshot_of):
    # customers_only has no products_count: a shared link from other data filtering on it.
    snapshot_of("customers_only")
    at = open_page("dashboard.py", {"products": "2", "plan": "Growth"})
    assert not at.exception
    assert any("Ignored an invalid link value for: products" in w.value for w in at.warning)
    assert at.multiselect(key="plan").value == ["Growth"]  # the filter it has still applies
    assert "products" not in {el.key for el in at.sidebar.multiselect}


def test_cohort_drill_down_leaves_out_columns_the_import_has_no_values_for(snapshot_of):
    # customers_only is a telco-style table (matrix.LEAN_CUSTOMER_COLUMNS): no name, region,
    # industry, acquisition channel or products held, so those columns are not listed; the
    # reason category stays because it is derived from the reasons the file has.
    snapshot_of("customers_only")
    at = open_page("pages/2_Cohorts.py")
    assert not at.exception
    assert list(at.dataframe[-1].proto.column_order) == [
        "customer_id", "signup_date", "churn_date", "churn_reason", "churn_category", "plan",
        "segment", "mrr", "is_retained", "has_reached_age"]


def test_the_pre_churn_table_lists_top_ticket_categories_when_tickets_have_them(snapshot_of):
    # "everything" has ticket categories how-to and bug (tests/matrix.py tickets); RavenStack's
    # tickets have none (tests/pages/test_real_ravenstack.py): there the column is left out.
    snapshot_of("everything")
    at = open_page("pages/5_Support_x_retention.py")
    assert not at.exception
    assert "top_ticket_categories" in list(at.dataframe[0].proto.column_order)
