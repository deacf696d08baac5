"""Fixtures of the unit tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def generated_demo(tmp_path_factory):
    """The 20,000-customer demo database of tests/unit/generated.py, generated once per session
    for the generator's test modules (about 10 s)."""
    from tests.unit.generated import build_demo

    demo = build_demo(tmp_path_factory.mktemp("demo"))
    yield demo
    demo["con"].close()
