"""The pages' headings are the catalogue's (views/catalog.py): every heading a page draws on the
demo data is the title of one of its sections, and every titled section the data can show at the
page's default widgets has its heading drawn."""

from __future__ import annotations

import re

import pytest

from tests.pages.conftest import PAGES, open_page
from views import catalog

# Headings that are not a section's: the Overview's tiles name the month they compare, and the
# Data page's own parts (the snapshot, its tables, the definitions) are not sections of a view.
NOT_SECTIONS = re.compile(r"\w+ \d{4} against the month before$|This data$|Tables$|"
                          r"What this data can show$|Reason mapping versions$|Definitions$")
# Drawn only on the Returned basis (activity data), not at the default widgets.
BY_WIDGET = {"cohorts.activity_revenue"}


@pytest.mark.parametrize("page", PAGES.values())
def test_the_headings_drawn_are_the_catalogues(demo_db, con, page):
    from data import capabilities
    from views import needs

    at = open_page(page)
    assert not at.exception
    drawn = {h.value for h in at.subheader if not NOT_SECTIONS.match(h.value)}
    sections = [s for s in catalog.page(page).sections if s.title]
    assert drawn - {s.title for s in sections} == set()
    caps = capabilities.read(con)
    expected = {s.title for s in sections if s.key not in BY_WIDGET and needs.shows(caps, s.key)}
    assert expected - drawn == set()
