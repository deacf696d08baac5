"""What every part of the browser harness agrees on: where Chromium is and how it is started, the
bounds of every wait, the demo database's size, and the pages of the navigation (read from
views/catalog.py, the one place a page is listed)."""

from __future__ import annotations

import os
from pathlib import Path

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # the conftest skips the folder with a reason
    sync_playwright = None
    PlaywrightTimeout = TimeoutError

from views import catalog

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ARTIFACTS = HERE / "artifacts"
# Debian's Chromium; the variable exists to point at another build (or at nothing, to see the skip).
CHROMIUM = os.environ.get("RETENTION_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1440, "height": 900}
CUSTOMERS = 2_000
SEED = 42
# Generous: the first paint of a fresh browser loads Plotly's 4.7 MB bundle on 2 shared cores,
# and the first run of a page fills the server's query cache.
TIMEOUT_MS = 90_000
# Clicks, downloads and other single actions on elements that should already be there.
ACTION_TIMEOUT_MS = 30_000
# Charts: drawn once Plotly's lazily loaded bundle has arrived and run, which takes as long as a
# page's first paint when the cores are shared. A page that has finished without the charts a
# test waits for is known at once (see App.wait_charts_drawn), so this bound costs nothing.
CHART_TIMEOUT_MS = TIMEOUT_MS
# st.data_editor's header and row heights (px), for clicking a row of its canvas.
GRID_HEADER_PX, GRID_ROW_PX = 35, 35


def url_path(page: catalog.Page) -> str:
    """The URL path Streamlit serves a page at: its file name without the leading number (the
    entry script is the root)."""
    if page.script == catalog.OVERVIEW.script:
        return ""
    return Path(page.script).stem.split("_", 1)[1]


# URL path -> navigation label of every page that shows the data (those with a kept default
# view), in navigation order, from the catalogue.
PAGES = {url_path(page): page.label for page in catalog.PAGES if page.view}
# URL paths of the pages of the navigation that draw no chart (no chart section in the catalogue).
NO_CHART = frozenset(url_path(page) for page in catalog.PAGES
                     if not any(section.charts for section in page.sections))
# The Reason mapping page (an editor's table, no view of its own), for the tests that open it too.
REASON_MAPPING = {url_path(catalog.REASON_MAPPING): catalog.REASON_MAPPING.label}


def launch(p):
    """Debian's Chromium through Playwright (`playwright install` cannot download here)."""
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
