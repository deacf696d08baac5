"""Browser suite harness: a freshly generated small database, `streamlit run dashboard.py`
on a free 127.0.0.1 port, and Debian's Chromium driven by Playwright's sync API.

The whole folder is skipped with one reason when /usr/bin/chromium (or Playwright's Python client)
is missing; `.ci/run` installs Chromium, so CI always runs it. RETENTION_E2E_CHROMIUM=/nowhere
shows the skip on a machine that has Chromium.
"""

from __future__ import annotations

import os

import pytest

from tests.e2e import harness

def _unavailable() -> str | None:
    if not os.access(harness.CHROMIUM, os.X_OK):
        return (f"browser tests need Debian's Chromium at {harness.CHROMIUM} "
                "(apt-get install chromium)")
    if harness.sync_playwright is None:
        return "browser tests need Playwright's Python client (pip install playwright)"
    return None


UNAVAILABLE = _unavailable()
_reported: list = []


class _Unavailable(pytest.Module):
    """Stands in for every test module of this folder when the browser is missing: the first
    one reports the skip (one line, one reason), the others collect nothing. (A module-level
    pytest.skip in this conftest would crash `pytest tests/e2e`, where it is loaded early.)"""

    def collect(self):
        if not _reported:
            _reported.append(self.path)
            pytest.skip(UNAVAILABLE, allow_module_level=True)
        return []


def pytest_pycollect_makemodule(module_path, parent):
    if UNAVAILABLE and harness.HERE in module_path.parents:
        return _Unavailable.from_parent(parent, path=module_path)
    return None


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
    # Nothing the app serves may load from another host (offline, locked-down offices): checked
    # on every page every test opened.
    foreign = sorted({url for app in apps for url in app.foreign_requests})
    if foreign:
        pytest.fail(f"requests left the app's own origin: {foreign[:5]}")


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
