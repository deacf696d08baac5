"""Page tests: one small demo database for the whole session, and a helper that opens a page
the way a browser does (entry script first, then switch_page)."""

from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest

from views import catalog

ROOT = Path(__file__).resolve().parents[2]
ENTRY = str(ROOT / "dashboard.py")
# The pages that show numbers (those with a kept default view), from the catalogue.
PAGES = {page.label: page.script for page in catalog.PAGES if page.view}


@pytest.fixture(autouse=True)
def _no_app_connection_left_open():
    """After each page test, the app's cached connections are dropped (and so closed): DuckDB
    refuses a connection with other settings to a file this process has open, and a test that
    reads the same database later in the process (tests/unit/test_bench_portable_speed.py on a
    tests/matrix.py snapshot) must not depend on other page tests having pushed it out of the
    cache (four entries) first, as the serial order happened to."""
    yield
    import gc

    from app import database

    database.get_con.clear()
    gc.collect()  # a connection in a reference cycle (a session's objects) closes when collected


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A 1,500-customer demo database; RETENTION_DB and settings.DB_PATH point at it.

    AppTest runs the scripts in this process, so patching the imported settings module is what
    the pages see (settings reads the environment only once, at its first import).
    """
    import settings
    from data.demo.generate import generate

    path = tmp_path_factory.mktemp("db") / "retention.duckdb"
    generate(path, customers=1_500, seed=7)
    os.environ["RETENTION_DB"] = str(path)
    old = settings.DB_PATH
    settings.DB_PATH = path
    yield path
    settings.DB_PATH = old


@contextmanager
def app_reading(path: Path):
    """RETENTION_DB and settings.DB_PATH point at `path` inside the block (for a module's own
    database, e.g. a real export), and back at what they were after it."""
    import settings

    old_env, old = os.environ.get("RETENTION_DB"), settings.DB_PATH
    os.environ["RETENTION_DB"], settings.DB_PATH = str(path), path
    try:
        yield path
    finally:
        settings.DB_PATH = old
        if old_env is None:
            os.environ.pop("RETENTION_DB", None)
        else:
            os.environ["RETENTION_DB"] = old_env


@pytest.fixture(scope="session")
def con(demo_db):
    from queries import connect

    connection = connect(demo_db)
    yield connection
    connection.close()


def open_page(page: str, params: dict | None = None, timeout: float = 180,
              secrets: dict | None = None, session: dict | None = None):
    """Run the entry script with `params` in the URL (and these secrets and session state),
    then switch to `page` (a PAGES value)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(ENTRY, default_timeout=timeout)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    if page != "dashboard.py":
        at.switch_page(page)
        at.run()
    return at


def chart_titles(at) -> dict[str, str]:
    """Chart name -> the title the page writes above it (ui.show: the bold text in the container
    keyed title_<name>), as a viewer reads it (Markdown escapes undone)."""
    found = {}

    def walk(node):
        for child in getattr(node, "children", {}).values():
            key = getattr(child, "key", None)
            if isinstance(key, str) and key.startswith("title_"):
                bold = [c.value for c in child.children.values() if c.type == "markdown"]
                found[key.removeprefix("title_")] = re.sub(r"\\(.)", r"\1", bold[0].strip("*"))
            walk(child)

    walk(at.main)
    return found


def titled(at, start: str) -> tuple[str, dict]:
    """(title, figure spec) of the first chart whose title starts with `start`."""
    name, title = next((n, t) for n, t in chart_titles(at).items() if t.startswith(start))
    figure = next(json.loads(el.proto.spec) for el in at.get("plotly_chart")
                  if el.proto.id.endswith(f"-chart_{name}"))
    return title, figure


def header(at) -> str:
    """The caption under the page title as a viewer reads it: product, as-of date, snapshot,
    filters (Markdown backslash escapes removed, as the browser renders them)."""
    import settings

    value = next(c.value for c in at.caption if c.value.startswith(settings.PRODUCT))
    return re.sub(r"\\(.)", r"\1", value)


def charts(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


# Sections a page draws only after a widget change: the activity basis, the other breakdowns of
# Support KPIs (one at a time, by channel first), the other early-experience survival charts.
AFTER_A_WIDGET = {"cohorts.compare_activity", "cohorts.activity_revenue", "support.by.category",
                  "support.by.priority", "support_x.early_frt_sla", "support_x.early_csat"}


def catalogue_charts(con, page: str) -> set[str]:
    """The chart names the catalogue says `page` (a PAGES value) draws at its default widgets on
    the data of `con`: those of every section the data can show (views/needs.py) but the ones
    drawn after a widget change. A name with a {placeholder} (a dimension, a grain, a choice)
    stands for the one chart drawn under its default value."""
    from data import capabilities
    from views import needs

    caps = capabilities.read(con)
    return {c for s in catalog.page(page).sections for c in s.charts
            if s.key not in AFTER_A_WIDGET and needs.shows(caps, s.key)}
