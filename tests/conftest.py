"""Fixtures shared by every test layer."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# Whole folders that are slow by nature: every browser test starts Chromium pages on a served
# app; every portable test runs on a local Spark session or a Postgres server.
SLOW_FOLDERS = (HERE / "e2e", HERE / "portable")
# Fixtures that start a server process (a JVM, a Postgres cluster) for the tests that use them.
SLOW_FIXTURES = {"spark", "postgres"}
# pytest.ini runs the suite on two pytest-xdist workers with --dist loadgroup: the tests of one
# group run on one worker, so what a group's session fixtures start or build (the served app and
# Chromium, the Spark session, the Postgres server, the partial-data snapshots, the 20,000-customer
# demo) exists once, not once per worker. Folder first, then fixtures; one group per test.
GROUP_FOLDERS = {HERE / "e2e": "browser", HERE / "portable": "spark"}
GROUP_FIXTURES = {"spark": "spark", "postgres": "postgres", "matrix_dbs": "matrix",
                  "generated_demo": "generated-demo"}


def group_of(item) -> str | None:
    """The xdist group of a test (see GROUP_FOLDERS), or None: any worker may run it."""
    for folder, group in GROUP_FOLDERS.items():
        if folder in item.path.parents:
            return group
    fixtures = getattr(item, "fixturenames", ())
    return next((group for name, group in GROUP_FIXTURES.items() if name in fixtures), None)


# First: xdist's own hook turns the group markers into the node ids it schedules by.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """The `slow` marker (pytest.ini) on the folders and fixtures above; single slow tests
    elsewhere carry @pytest.mark.slow themselves. The xdist group of every test that has one."""
    for item in items:
        if (any(folder in item.path.parents for folder in SLOW_FOLDERS)
                or SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))):
            item.add_marker(pytest.mark.slow)
        group = group_of(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


class _Snapshots(dict):
    """name -> live database path of a tests/matrix.py snapshot, imported on first use."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def __missing__(self, name: str) -> Path:
        from tests import matrix

        self[name] = matrix.build(self.folder, name)
        return self[name]


@pytest.fixture(scope="session")
def matrix_dbs(tmp_path_factory) -> dict[str, Path]:
    """The partial-data snapshots of tests/matrix.py (name -> live database path), each imported
    once per session when a test first asks for it (about 3 s each)."""
    return _Snapshots(tmp_path_factory.mktemp("matrix"))


@pytest.fixture(scope="session")
def postgres():
    """A throw-away Postgres server for the session (tests/postgres_server.py): a Postgres object
    with .url, .dsn, .execute(sql), .query(sql), .ingest(table, arrow) and .database(name).
    Skips with one reason when the server binaries are not installed."""
    from tests import postgres_server

    if postgres_server.find_bindir() is None:
        pytest.skip(postgres_server.SKIP_REASON)
    server, database = postgres_server.start()
    try:
        yield database
    finally:
        server.stop()
