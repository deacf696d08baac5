"""Browser suite harness (issue 9): a freshly generated small database, `streamlit run dashboard.py`
on a free 127.0.0.1 port, and Debian's Chromium driven by Playwright's sync API.

The whole folder is skipped with one reason when /usr/bin/chromium (or Playwright's Python client)
is missing; `.ci/run` installs Chromium, so CI always runs it.
"""

from __future__ import annotations

import os

import pytest

from tests.e2e import harness

if not os.access(harness.CHROMIUM, os.X_OK):
    pytest.skip(
        f"browser tests need Debian's Chromium at {harness.CHROMIUM} (apt-get install chromium)",
        allow_module_level=True,
    )
if harness.sync_playwright is None:
    pytest.skip("browser tests need Playwright's Python client (pip install playwright)",
                allow_module_level=True)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if harness.HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def db(tmp_path_factory):
    """A fresh small demo database (live symlink path), generated once per run."""
    return harness.make_db(tmp_path_factory.mktemp("e2e-db"))


@pytest.fixture(scope="session")
def server(db, tmp_path_factory):
    """The dashboard served once for the whole run."""
    srv = harness.start_server(db, tmp_path_factory.mktemp("e2e-server"))
    yield srv
    srv.stop()


@pytest.fixture
def fresh_server(db, tmp_path_factory):
    """Factory for extra servers that nothing has talked to yet (cold deep links, secrets).
    Every server started through it is stopped after the test."""
    started = []

    def start(**kwargs) -> harness.Server:
        srv = harness.start_server(db, tmp_path_factory.mktemp("e2e-fresh"), **kwargs)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture(scope="session")
def browser():
    with harness.sync_playwright() as p:
        b = harness.launch(p)
        yield b
        b.close()


@pytest.fixture
def new_app(browser, server, request):
    """Factory for App objects, each in its own fresh browser context (own cookies, own session).
    Every app's page is screenshotted to artifacts/<test>[-<n>].png at teardown."""
    apps = []

    def make(srv: harness.Server | None = None, **context_kwargs) -> harness.App:
        app = harness.App.new(browser, srv or server, **context_kwargs)
        apps.append(app)
        return app

    yield make
    name = request.node.name
    for i, app in enumerate(apps):
        try:
            app.shot(name if i == 0 else f"{name}-{i}")
        finally:
            app.close()


@pytest.fixture
def app(new_app):
    """One browser context on the session server."""
    return new_app()


@pytest.fixture(scope="session")
def con(db):
    """The metrics API's connection to the same database the server reads (the test oracle)."""
    import queries

    c = queries.connect(db)
    yield c
    c.close()


@pytest.fixture(scope="session", autouse=True)
def _artifacts():
    harness.ARTIFACTS.mkdir(exist_ok=True)
    yield


def pytest_sessionfinish(session, exitstatus):
    # Servers are stopped by their fixtures; this is a last guard if a fixture never tore down.
    harness.stop_all()
