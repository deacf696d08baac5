"""The layer rules of ARCHITECTURE.md, read from its table and checked against the source both
ways: every import the code makes is allowed there, every permission there is used by the code,
every package of the tree is in the table. Also: Streamlit only where the table says so, no
import circles between the product's modules, no private name imported from another module."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Not product code: the tests themselves, and the benchmarks' generated data.
SKIP = {"tests", ".git", "bench/data"}


def rules() -> dict[str, tuple[set[str], bool]]:
    """package -> (the packages it may import, whether it may import streamlit), from the table
    under "## Layer rules" in ARCHITECTURE.md."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Layer rules", 1)[1].split("\n## ", 1)[0]
    out = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("package", "") or set(cells[0]) <= {"-"}:
            continue
        allowed = {name.strip() for name in cells[1].split(",") if name.strip()}
        out[cells[0]] = (allowed, cells[2] == "yes")
    return out


# The product's command lines kept at the README's `python -m data.load` beside the packages'
# __main__.py files: entry points, like pages.
COMMANDS = {"data/load.py"}


def unit_of(path: Path) -> str:
    """The table's name for the package a file belongs to."""
    rel = path.relative_to(ROOT)
    if rel.parts[0] == "pages" or rel.name == "dashboard.py" and len(rel.parts) == 1:
        return "pages"
    if rel.parts[0] not in ("bench", "deploy") and (
            rel.name == "__main__.py" or rel.as_posix() in COMMANDS):
        return "commands"
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def sources() -> list[Path]:
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if not any(rel == s or rel.startswith(s + "/") for s in SKIP):
            out.append(path)
    return out


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names taken from it) of every import in `path`, also inside functions."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.module, [alias.name for alias in node.names]))
    return out


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)



def edges() -> dict[str, dict[str, list[str]]]:
    """unit -> imported unit (or 'streamlit') -> the files that import it."""
    tops = {unit_of(p) for p in sources()}
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sources():
        unit = unit_of(path)
        for module, _ in imports(path):
            top = module.split(".")[0]
            if top == "streamlit" or (top in tops and top != unit and top != "pages"):
                found[unit][top].append(path.relative_to(ROOT).as_posix())
    return found


def test_the_table_names_every_package_of_the_tree():
    table = rules()
    assert {unit_of(p) for p in sources()} == set(table)


def test_every_import_is_allowed_by_the_table():
    table = rules()
    wrong = {f"{unit} -> {target}": files
             for unit, targets in edges().items() for target, files in targets.items()
             if target != "streamlit" and target not in table[unit][0]}
    assert wrong == {}


def test_every_permission_of_the_table_is_used():
    table, found = rules(), edges()
    stale = [f"{unit} -> {target}" for unit, (allowed, _) in table.items() for target in allowed
             if target not in found.get(unit, {})]
    assert stale == []


@pytest.mark.parametrize("unit", sorted(rules()))
def test_streamlit_only_where_the_table_says_so(unit):
    allowed = rules()[unit][1]
    users = edges().get(unit, {}).get("streamlit", [])
    if not allowed:
        assert users == []
    else:
        assert users  # a "yes" nobody uses is a stale permission


def test_no_import_circles_between_modules():
    graph: dict[str, set[str]] = defaultdict(set)
    names = {module_name(p): p for p in sources()}
    for mod, path in names.items():
        for module, taken in imports(path):
            targets = [module] + [f"{module}.{n}" for n in taken]
            for target in targets:
                if target in names and target != mod:
                    graph[mod].add(target)
    # Tarjan's strongly connected components: a component of more than one module is a circle.
    index, low, on_stack, stack, circles = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            # A package's __init__ importing its own submodules is not a circle of the design.
            if len(component) > 1 and not _package_and_children(component):
                circles.append(sorted(component))

    for v in list(names):
        if v not in index:
            visit(v)
    assert circles == []


def _package_and_children(component: list[str]) -> bool:
    shortest = min(component, key=len)
    return all(m == shortest or m.startswith(shortest + ".") for m in component)


def test_no_private_name_is_imported_from_another_module():
    found = []
    for path in sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    if re.match(r"_[^_]", alias.name):
                        found.append(f"{path.name}: from {node.module} import {alias.name}")
                    modules.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                modules |= {(a.asname or a.name).split(".")[0] for a in node.names}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and re.match(r"_[^_]", node.attr)
                    and isinstance(node.value, ast.Name) and node.value.id in modules):
                found.append(f"{path.name}: {node.value.id}.{node.attr}")
    assert sorted(set(found)) == []


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    # The lazy import that once hid the data -> queries cycle was inside a function.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from queries import stored\n    return stored\n")
    assert imports(module) == [("queries", ["stored"])]


def test_the_table_is_read_as_written():
    table = rules()
    assert table["charts"] == ({"words", "settings"}, False)
    assert table["pages"][1] is True and "data" not in table["pages"][0]
