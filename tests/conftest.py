"""Fixtures shared by every test layer."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def matrix_dbs(tmp_path_factory) -> dict[str, Path]:
    """The partial-data snapshots of tests/matrix.py, imported once per session (name -> live
    database path); about 3 s each."""
    from tests import matrix

    return matrix.build_all(tmp_path_factory.mktemp("matrix"))
