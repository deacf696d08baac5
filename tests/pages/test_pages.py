"""Every page through AppTest, reached as a browser reaches it: default filters (the charts the
catalogue says it draws), a restrictive filter, a filter that leaves nothing, and the default view
the catalogue keeps. tests/pages/test_page_details.py has the tiles, URLs, drill-downs and pickers.
"""
from __future__ import annotations

from dataclasses import replace
import re
from datetime import date, timedelta

import pytest

from tests.pages.conftest import (PAGES, catalogue_charts, chart_titles, charts, header,
                                  open_page)

from app import database
from app import ui
from views import catalog
from queries import Filters

EMPTY = "No customers match these filters."


@pytest.mark.parametrize("page", PAGES.values())
def test_default_filters(demo_db, con, page):
    at = open_page(page)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(charts(at)) >= len(catalogue_charts(con, page))
    assert "all customers" in header(at)
    assert "snapshot" in header(at) and "data as of" in header(at)
    titles = chart_titles(at)  # every chart says what it shows, above it
    assert len(titles) == len(charts(at)) and all(titles.values()), titles


def _chart_pattern(name: str) -> re.Pattern:
    """A catalogue chart name as a pattern: its {placeholders} stand for any word."""
    return re.compile(re.sub(r"\\\{\w+\\\}", r"\\w+", re.escape(name)) + "$")


@pytest.mark.parametrize("page", PAGES.values())
def test_the_charts_drawn_are_the_catalogues(demo_db, con, page):
    """Every chart a page draws is a section of its catalogue entry, and every chart section the
    demo data can show, at the page's default widgets, is drawn (a {placeholder} name under
    some name it stands for)."""
    at = open_page(page)
    assert not at.exception
    drawn = set(chart_titles(at))
    sections = [s for s in catalog.page(page).sections if s.charts]
    unknown = {name for name in drawn
               if not any(_chart_pattern(c).match(name) for s in sections for c in s.charts)}
    assert unknown == set()
    missing = {c for c in catalogue_charts(con, page)
               if not any(_chart_pattern(c).match(name) for name in drawn)}
    assert missing == set()


@pytest.mark.parametrize("page", PAGES.values())
def test_restrictive_filter(demo_db, con, page):
    plan = sorted(database.filter_options(con)["plan"])[0]
    at = open_page(page, {"plan": plan, "segment": "SMB", "grain": "quarter"})
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.multiselect(key="plan").value == [plan]
    assert f"plans: {plan}" in header(at) and "segments: SMB" in header(at)
    assert len(charts(at)) >= min(len(catalogue_charts(con, page)), 2)


@pytest.fixture(scope="session")
def empty_day(con) -> date:
    """A signup date on which nobody signed up: a one-day signup range selects no one."""
    start = con.execute("select min(signup_date) from customers").fetchone()[0]
    used = {r[0] for r in con.execute("select distinct signup_date from customers").fetchall()}
    day = start
    while day in used:
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize("page", PAGES.values())
def test_filter_that_leaves_nothing(demo_db, empty_day, page):
    iso = empty_day.isoformat()
    at = open_page(page, {"signup_from": iso, "signup_to": iso})
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    if page == "pages/6_Data_and_definitions.py":
        assert any("Net promoter score" in m.value for m in at.markdown)  # definitions still shown
    else:
        assert EMPTY in [i.value for i in at.info]
        assert not charts(at)



# The catalogue's calls are kept beside each snapshot, and the benchmark times them as the pages'
# query sets: they must be what the pages really ask for.
@pytest.mark.parametrize("page", PAGES.values())
def test_a_default_view_asks_only_for_calls_whose_results_are_kept(demo_db, con, page,
                                                                   monkeypatch):
    from views import default_views as dv
    import queries

    asked = []
    real = ui.query

    def recording(fn_name, f, **kwargs):
        asked.append((fn_name, f, kwargs))
        return real(fn_name, f, **kwargs)

    monkeypatch.setattr(ui, "query", recording)
    at = open_page(page)  # the entry script (Overview) runs first, as in a browser
    assert not at.exception

    def key(name, f, kwargs):
        return dv.call_key(name, dv._arguments(getattr(queries, name), f, kwargs), f)

    options = queries.filter_options(con)
    view = Filters().resolve(con)  # the frame's filters: the snapshot's own as-of date
    expected = {
        key(name, replace(view, **overrides), dv.resolve(con, kwargs, replace(view, **overrides)))
        for label in {"Overview", catalog.page(page).view}
        for name, kwargs, overrides in dv.expand(dv.calls_of(label), options)
    }
    made = {key(name, f, kwargs) for name, f, kwargs in asked if name not in dv.NOT_STORED}
    assert made - expected == set()
    # and the list holds nothing the page does not ask for
    assert expected - made == set()
    # every one of them was answered from the views kept beside the snapshot
    facts = dv.facts_version(con)
    missed = [(name, kwargs) for name, f, kwargs in asked if name not in dv.NOT_STORED
              and dv.lookup(demo_db, facts, name, f, kwargs) is dv.MISS]
    assert missed == []
    assert len(made) >= 5
