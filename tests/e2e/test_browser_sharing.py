"""Meeting-ready sharing in a real browser: presentation mode, the copied link, and the
board pack opening offline with every chart drawn."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import queries
from outputs.report import board_pack
from outputs.report.pack import get_plotlyjs
from tests.e2e import harness

# The board pack's charts on the demo: ten from Overview to Support x retention, and the At risk
# section's calibration chart.
PACK_CHARTS = 11


def _wait_sidebar(app, state: str) -> None:
    """Wait for the sidebar to be `state` ("visible" or "hidden"). The presentation CSS comes in
    an st.html element whose code Streamlit loads lazily, so on a cold browser it can apply a
    moment after the run has finished."""
    app.page.locator('[data-testid="stSidebar"]').wait_for(state=state,
                                                             timeout=harness.ACTION_TIMEOUT_MS)


def test_presentation_mode_hides_the_sidebar_and_controls_and_keeps_filters(new_app):
    app = new_app()
    app.open("Cohorts", {"present": "1", "plan": "Growth"}, charts=1)
    page = app.page
    assert not app.exceptions()
    _wait_sidebar(app, "hidden")
    # page controls are hidden, the toggle that leaves presentation mode is not
    assert not page.locator(".st-key-cohorts_incomplete").is_visible()
    assert page.locator(".st-key-sharing_present").is_visible()
    assert ("plan", "Growth") in app.query_params()
    app.act(lambda: page.locator(".st-key-sharing_present label").click(), charts=1)
    _wait_sidebar(app, "visible")
    assert ("present", "1") not in app.query_params() and ("plan", "Growth") in app.query_params()


def test_the_copied_link_reopens_the_same_view(new_app, con):
    app = new_app()
    app.open("Cohorts", {"plan": "Growth", "grain": "quarter"}, charts=1)
    page = app.page
    page.locator('[data-testid="stPopover"] button').first.click()
    url = page.locator('[data-testid="stCode"]').first.inner_text().strip()
    query = parse_qs(urlsplit(url).query)
    meta = queries.meta(con.cursor())
    assert urlsplit(url).path.endswith("/Cohorts")
    assert query["plan"] == ["Growth"] and query["grain"] == ["quarter"]
    assert query["snapshot"] == [meta["snapshot_id"]]
    assert query["as_of"] == [str(meta["default_as_of"])[:10]]
    other = new_app()
    other.open(url=url, charts=1)
    assert not other.exceptions()
    assert ("plan", "Growth") in other.query_params()
    assert ("grain", "quarter") in other.query_params()
    assert f"snapshot `{meta['snapshot_id']}`" in other.main_text() or \
        meta["snapshot_id"] in other.main_text()


def test_the_board_pack_opens_offline_with_every_chart(browser, con, tmp_path):
    cur = con.cursor()
    try:
        text = board_pack(cur)
    finally:
        cur.close()
    path = tmp_path / "board.html"
    path.write_text(text, encoding="utf-8")
    assert text.count(get_plotlyjs()) == 1
    context = browser.new_context(viewport=harness.VIEWPORT, offline=True)
    try:
        page = context.new_page()
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_function(
            """(n) => {
              const plots = document.querySelectorAll('.js-plotly-plot');
              return plots.length >= n
                && Array.from(plots).every((p) => p._fullLayout && p.querySelector('.main-svg'));
            }""",
            arg=PACK_CHARTS, timeout=60_000,
        )
        assert page.locator(".js-plotly-plot").count() == PACK_CHARTS
        assert [u for u in requests if not u.startswith("file://")] == []
        assert errors == []
        page.screenshot(path=str(harness.ARTIFACTS / "board_pack.png"))
    finally:
        context.close()


def test_the_overview_downloads_the_board_pack(new_app):
    app = new_app()
    app.open("", charts=1)
    button = app.page.locator(".st-key-sharing_board_pack button").first
    # The pack is built on click (about 2 s alone; much longer while other tests load the cores).
    with app.page.expect_download(timeout=120_000) as info:
        button.click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"<!DOCTYPE html>") and len(data) < 10 * 1024 * 1024
    assert data.count(b"Plotly.newPlot(") == PACK_CHARTS
