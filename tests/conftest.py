"""Fixtures shared by every test layer."""

from __future__ import annotations

from pathlib import Path

import pytest


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
