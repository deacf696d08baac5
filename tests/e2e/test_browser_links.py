"""Filters live in the URL: a CX lead's link reopens the same view, a cold deep link renders with
its filters, a filter that leaves nobody shows the empty state, hostile links are refused politely."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from queries import Filters, cohort_retention, kpi_summary
from tests.e2e import harness
from tests.e2e.checks import close, day, heatmap_mismatches, tile_labels, tiles_by_label

pytestmark = pytest.mark.e2e

EMPTY = "No customers match these filters."
# Pages about the data itself rather than the selected customers: no empty state expected.
DATA_PAGES = {"Data_and_definitions"}


def expected_heatmap(con, f: Filters, grain: str) -> pd.DataFrame:
    df = cohort_retention(con, f, grain=grain)
    return (df.assign(cohort=df["cohort"].map(day))
            [["cohort", "age", "cohort_size", "retained", "retention_pct", "is_complete"]]
            .sort_values(["cohort", "age"]).reset_index(drop=True))


def shown_heatmap(csv: pd.DataFrame, grain: str) -> pd.DataFrame:
    df = csv.rename(columns={f"cohort_{grain}_start": "cohort"})
    return (df.assign(cohort=df["cohort"].map(day))
            [["cohort", "age", "cohort_size", "retained", "retention_pct", "is_complete"]]
            .sort_values(["cohort", "age"]).reset_index(drop=True))


def test_cx_lead_filters_change_the_url_and_the_link_reproduces_the_view(new_app, con):
    lead = new_app().open("Cohorts")
    lead.choose("plan", "Growth")
    lead.choose("segment", "SMB")
    params = parse_qs(urlsplit(lead.page.url).query)
    assert params.get("plan") == ["Growth"] and params.get("segment") == ["SMB"], lead.page.url
    assert lead.errors() == []
    mine = lead.download_csv("csv_cohort_heatmap")

    # The same view, for a colleague who opens the link in a browser of their own.
    colleague = new_app().open(url=lead.page.url)
    assert colleague.errors() == []
    theirs = colleague.download_csv("csv_cohort_heatmap")
    pd.testing.assert_frame_equal(mine, theirs)

    # ...and it is the filtered view, not the default one.
    expected = expected_heatmap(con, Filters(plans=("Growth",), segments=("SMB",)), "month")
    assert len(expected) < len(expected_heatmap(con, Filters(), "month")) or (
        expected["cohort_size"].sum() < expected_heatmap(con, Filters(), "month")["cohort_size"].sum())
    pd.testing.assert_frame_equal(shown_heatmap(theirs, "month"), expected, check_dtype=False)


def test_cold_deep_link_to_a_page_renders_with_its_filters(fresh_server, new_app, con):
    srv = fresh_server()  # nothing has opened a page on it yet: this is its very first request
    viewer = new_app(srv).open("Cohorts", {"plan": "Growth", "grain": "quarter"})
    assert viewer.errors() == []
    assert "Cohorts" in viewer.page.locator("h1").first.inner_text()
    assert "Growth" in viewer.widget_text("plan")
    active = viewer.page.locator(".st-key-grain [role='radio'][aria-checked='true']").all_inner_texts()
    assert [t.strip() for t in active] == ["quarter"], active

    heat = viewer.figures("chart_cohort_heatmap")
    assert heat, "no heatmap on the deep-linked page"
    csv = viewer.download_csv("csv_cohort_heatmap")
    expected = expected_heatmap(con, Filters(plans=("Growth",)), "quarter")
    pd.testing.assert_frame_equal(shown_heatmap(csv, "quarter"), expected, check_dtype=False)
    assert heatmap_mismatches(heat[0], csv, "quarter") == []


def empty_selection(con) -> dict[str, str]:
    """URL filters whose values all exist in the data but select no customer together."""
    row = con.execute("""
        with combos as (
            select p.plan, s.segment, r.region, c.acquisition_channel, n.products_count
            from (select distinct plan from customers where plan is not null) p,
                 (select distinct segment from customers where segment is not null) s,
                 (select distinct region from customers where region is not null) r,
                 (select distinct acquisition_channel from customers
                  where acquisition_channel is not null) c,
                 (select distinct products_count from customers
                  where products_count is not null) n
        )
        select * from combos
        except
        select plan, segment, region, acquisition_channel, products_count from customers
        order by all limit 1
    """).fetchone()
    assert row, "every combination of plan, segment, region, channel and products has customers"
    plan, segment, region, channel, products = row
    f = Filters(plans=(plan,), segments=(segment,), regions=(region,), channels=(channel,),
                products=(int(products),))
    assert cohort_retention(con, f).empty
    return {"plan": plan, "segment": segment, "region": region, "channel": channel,
            "products": str(products)}


def test_a_filter_that_leaves_no_customers_shows_the_empty_state_on_every_page(app, con):
    params = empty_selection(con)
    app.open("", params, charts=0)
    problems = []
    for path, label in harness.PAGES.items():
        if path:
            app.nav(label, charts=0)
        where = path or "Overview"
        kept = parse_qs(urlsplit(app.page.url).query)
        if any(kept.get(k) != [v] for k, v in params.items()):
            problems.append(f"{where}: filters lost on the way: {app.page.url}")
        if path in DATA_PAGES:
            pass  # describes the whole snapshot, not the selection (needs_customers=False)
        elif not app.shows(EMPTY):
            problems.append(f"{where}: no empty-state message {EMPTY!r}")
        if app.errors():
            problems.append(f"{where}: error shown: {app.errors()[0][:300]}")
        app.shot(f"empty_{where}")
    assert not problems, "\n".join(problems)


HOSTILE = [
    ("plan", "<script>alert(1)</script>"),
    ("grain", "foo"),
    ("as_of", "2024-13-45"),
    ("signup_from", "' or 1=1--"),
]


def test_invalid_and_hostile_link_values_show_a_notice_not_a_traceback(app, con):
    path = ""
    app.open(path, HOSTILE)
    # the server's log goes with a failure: an exception box there once came without a traceback
    # in this test's own output
    assert app.exceptions() == [], app.server.log_tail()
    assert app.errors() == [], app.server.log_tail()
    assert app.dialogs == [], f"a script from the link ran: {app.dialogs}"
    injected = app.page.evaluate("""() => Array.from(document.querySelectorAll('script'))
        .filter((s) => s.textContent.includes('alert(1)')).length""")
    assert injected == 0
    app.page.locator('[data-testid="stAlert"]', has_text="invalid").first.wait_for()
    notices = [a for a in app.alerts() if "invalid" in a.lower()]
    assert notices, f"no notice about the invalid link values; alerts: {app.alerts()}"
    for name, _ in HOSTILE:
        assert name in notices[0], f"the notice does not name {name!r}: {notices[0]!r}"
    if not path:
        # The invalid values were dropped: the tiles show the default view.
        expected = kpi_summary(con, Filters())
        tiles, labels = tiles_by_label(app.metrics()), tile_labels(expected)
        for row in expected.itertuples():
            shown = tiles.get(labels[row.kpi])
            assert shown is not None and close(shown, row.value), (labels[row.kpi], shown)
