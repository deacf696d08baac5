"""With a password configured, nothing of the dashboard is visible before signing in."""

from __future__ import annotations

import pytest

from queries import Filters, cohort_retention, meta

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"


def nothing_of_the_data(app, snapshot_id: str) -> list[str]:
    """What of the dashboard a signed-out visitor can see (should be nothing)."""
    page = app.page
    seen = []
    if page.locator('[data-testid="stSidebar"]').is_visible():
        seen.append("the sidebar (navigation, filters)")
    if page.locator(".js-plotly-plot, [data-testid='stPlotlyChart']").count():
        seen.append("a chart")
    if page.locator("[data-testid='stMetric']").count():
        seen.append("a KPI tile")
    if page.locator("[data-testid='stDataFrame'], [data-testid='stDownloadButton']").count():
        seen.append("a table or a download")
    text = page.locator('[data-testid="stApp"]').inner_text()
    if snapshot_id in text:
        seen.append("the snapshot id")
    for word in ("Active customers", "Retention triangle", "Churn rate"):
        if word in text:
            seen.append(f"the text {word!r}")
    return seen


def test_with_a_password_nothing_is_visible_before_sign_in(fresh_server, new_app, con):
    from app.auth import hash_password

    secrets = f'[passwords]\nviewer = "{hash_password(PASSWORD)}"\n'
    srv = fresh_server(secrets=secrets)
    snapshot_id = str(meta(con)["snapshot_id"])

    visitor = new_app(srv)
    received = []  # everything the server sends this browser, to check nothing leaks unseen
    visitor.page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda frame: received.append(
            frame if isinstance(frame, bytes) else frame.encode())))
    visitor.open("Cohorts", {"plan": "Growth"}, charts=0)
    form = visitor.page.locator("[data-testid='stForm']")
    form.locator("input[type='password']").wait_for(state="visible")
    assert nothing_of_the_data(visitor, snapshot_id) == []
    leaked = [word for word in (snapshot_id, "Active customers", "Retention triangle", "Growth ·")
              if any(word.encode() in frame for frame in received)]
    assert received and leaked == [], f"sent to a signed-out browser: {leaked}"
    visitor.shot("access_signed_out")

    password = form.locator("input[type='password']")
    password.fill("not the password")
    visitor.act(lambda: form.get_by_role("button", name="Sign in").click(), charts=0)
    assert "Wrong password" in visitor.page.locator('[data-testid="stApp"]').inner_text()
    assert nothing_of_the_data(visitor, snapshot_id) == []

    password.fill(PASSWORD)
    visitor.act(lambda: form.get_by_role("button", name="Sign in").click(), charts=1)
    assert visitor.errors() == []
    assert visitor.page.locator('[data-testid="stSidebar"]').is_visible()
    assert "Growth" in visitor.widget_text("plan"), "the deep link's filter was lost at sign-in"
    csv = visitor.download_csv("csv_cohort_heatmap")
    expected = cohort_retention(con, Filters(plans=("Growth",)), grain="month")
    assert int(csv.loc[csv["age"] == 0, "cohort_size"].sum()) == int(
        expected.loc[expected["age"] == 0, "cohort_size"].sum())

    # Another browser is still a stranger.
    stranger = new_app(srv).open("", charts=0)
    stranger.page.locator("[data-testid='stForm'] input[type='password']").wait_for()
    assert nothing_of_the_data(stranger, snapshot_id) == []
