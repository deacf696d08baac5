"""An editor maps churn reasons in Chromium: signs in from the sidebar, types a new category and
its team into the Reason mapping page's table, saves, and the Churn reasons page shows the new
category; a link to the snapshot before keeps the old mapping. Own server and database: saving
publishes a new snapshot, which the session server's other tests must not see."""

from __future__ import annotations

import pytest

from app import auth
from data import snapshots
from queries import connect
from tests.e2e import harness
from tests.pages.test_reason_mapping_page import CUSTOMERS, TICKETS
from tests.unit.fixtures import make_db

pytestmark = pytest.mark.e2e

PASSWORD = "editor-battery-staple"


def categories_drawn(app) -> set[str]:
    """The category names on the Churn reasons page's "Customers lost by reason" bars. Read from
    that chart alone, once it is drawn: under load the page's last chart (the raw reasons of the
    first category) could be read before the category chart had its traces."""
    found = set()
    for figure in app.figures("chart_churn_customers_by_category"):
        for trace in figure["traces"]:
            ys = trace.get("y")
            if isinstance(ys, list):
                found |= {y for y in ys if isinstance(y, str)}
    return found


def test_an_editor_maps_a_reason_in_the_browser_and_the_churn_page_follows(tmp_path, new_app):
    make_db(tmp_path / "db", CUSTOMERS, tickets=TICKETS).close()
    live = tmp_path / "db" / "retention.duckdb"
    parent_id = snapshots.resolve(live).name.removeprefix("retention-").removesuffix(".duckdb")
    srv = harness.start_server(live, tmp_path / "server",
                               secrets=f'[passwords]\neditor = "{auth.hash_password(PASSWORD)}"\n')
    try:
        app = new_app(srv)
        app.open("Reason_mapping", charts=0)
        page = app.page
        page.get_by_text("Editor sign-in").click()
        page.get_by_label("Editor password").fill(PASSWORD)
        app.act(lambda: page.get_by_role("button", name="Sign in").click(), charts=0)
        app.shows("Save as a new mapping version")

        # The editor's rows: 'budget freeze', then 'pricing'. Columns: reason, customers lost,
        # category (list), new category (typed), team.
        grid = page.locator('[data-testid="stDataFrame"]').first

        def type_into(row: int, column: int, text: str) -> None:
            app.edit_cell(grid, row, column, text)  # commits: the page reruns

        type_into(0, 3, "Budget")
        type_into(0, 4, "Finance")
        app.act(lambda: page.get_by_role("button", name="Save as a new mapping version").click(),
                charts=0)
        assert app.shows("Saved mapping version 2", timeout=60_000), app.alerts()
        # Other: 7 of 10 before; c4-c5 mapped, 5 of 10 after.
        assert "from 70.0% to 50.0%" in app.main_text()
        assert app.errors() == []

        con = connect(live)
        try:
            assert con.execute("select category, owner_team from churn_reason_categories "
                               "where reason_key = 'budget freeze'").fetchone() == (
                "Budget", "Finance")
        finally:
            con.close()

        app.nav("Churn reasons", charts=1)
        assert "Budget" in categories_drawn(app)

        old = new_app(srv)
        old.open("Churn_reasons", {"snapshot": parent_id}, charts=1)
        assert "newer data has been imported" in old.main_text()
        assert "Other" in categories_drawn(old) and "Budget" not in categories_drawn(old)
    finally:
        srv.stop()
