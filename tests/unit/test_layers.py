"""The import rules of ARCHITECTURE.md, read from the source: a layer never imports one above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NO_STREAMLIT = ["queries", "data", "charts", "words/narrative.py", "words/definitions.py", "words/formatting.py",
                "views/filter_params.py", "views/default_views.py", "views/fingerprint.py", "settings.py"]


def imported(path: Path) -> set[str]:
    """Top-level names of every module `path` imports (also inside functions)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def files(place: str) -> list[Path]:
    path = ROOT / place
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


@pytest.mark.parametrize("place", NO_STREAMLIT)
def test_below_the_app_nothing_imports_streamlit(place):
    assert [p.name for p in files(place) if "streamlit" in imported(p)] == []


def test_data_imports_nothing_above_it():
    above = {"queries", "ui", "frame", "snapshot", "default_views", "charts", "narrative",
             "definitions", "report", "sharing"}
    found = {p.name: sorted(imported(p) & above) for p in files("data")}
    assert {name: names for name, names in found.items() if names} == {}


def test_the_metrics_api_imports_only_data_and_settings_of_the_project():
    project = {p.stem for p in ROOT.glob("*.py")} | {"data", "report", "pages", "bench", "charts"}
    found = {p.name: sorted(imported(p) & (project - {"settings", "data"}))
             for p in files("queries")}
    assert {name: names for name, names in found.items() if names} == {}


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    # The lazy import that once hid the data -> queries cycle was inside a function.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from queries import stored\n    return stored\n")
    assert imported(module) == {"queries"}
