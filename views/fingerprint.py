"""The version of one query function: its code and everything of the queries package it uses,
and the SQL files it reads. A kept default view is named by it (views/default_views.py).

Code is compared as syntax trees without docstrings, so a comment, a docstring or a reformat
changes no version; a change to a function, to a helper or constant it uses, or to its .sql
(or an .sql it includes) changes the version of exactly the functions that depend on it.
"""

from __future__ import annotations

import ast
import hashlib
import re
from functools import lru_cache
from pathlib import Path

QUERIES = Path(__file__).resolve().parents[1] / "queries"
_INCLUDE = re.compile(r"/\*include:([a-z_]+)\*/")


def _strip_docstrings(node: ast.AST) -> ast.AST:
    for child in ast.walk(node):
        body = getattr(child, "body", None)
        if (isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module))
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            child.body = body[1:] or [ast.Pass()]
    return node


def definitions(sources: dict[str, str]) -> dict[str, list[ast.AST]]:
    """Top-level name -> each definition of it (docstrings removed), over every module ({module
    name: source}); a name defined in two modules keeps both (over-inclusion only ever changes a
    version too often, never too rarely)."""
    found: dict[str, list[ast.AST]] = {}
    for module in sorted(sources):
        tree = _strip_docstrings(ast.parse(sources[module]))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
            else:
                continue
            for name in names:
                found.setdefault(name, []).append(node)
    return found


def _sql_with_includes(name: str, sql: dict[str, str], seen: set[str]) -> list[str]:
    if name in seen or name not in sql:
        return []
    seen.add(name)
    text = sql[name]
    parts = [f"{name}.sql:{text}"]
    included = _INCLUDE.findall(text.replace("/*selected_customers*/",
                                             "/*include:selected_customers*/"))
    for other in included:
        parts += _sql_with_includes(other, sql, seen)
    return parts


def version_of(name: str, defs: dict[str, list[ast.AST]], sql: dict[str, str]) -> str:
    """The version of top-level `name` given the package's definitions (definitions()) and SQL
    files ({stem: text})."""
    return hashlib.sha256("\n".join(sorted(parts_of(name, defs, sql))).encode()).hexdigest()[:16]


def parts_of(name: str, defs: dict[str, list[ast.AST]], sql: dict[str, str]) -> list[str]:
    """What `name` is made of: each definition it reaches (as a syntax tree dump) and each SQL
    file it reads ("stem.sql:text")."""
    todo, seen, parts, seen_sql = [name], set(), [], set()
    while todo:
        current = todo.pop()
        if current in seen or current not in defs:
            continue
        seen.add(current)
        for definition in defs[current]:
            parts.append(ast.dump(definition, include_attributes=False))
            for node in ast.walk(definition):
                if isinstance(node, ast.Name) and node.id in defs:
                    todo.append(node.id)
                elif isinstance(node, ast.Attribute) and node.attr in defs:
                    todo.append(node.attr)
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    parts += _sql_with_includes(node.value, sql, seen_sql)
    return parts


@lru_cache(maxsize=None)
def _package() -> tuple[dict[str, list[ast.AST]], dict[str, str]]:
    sources = {p.relative_to(QUERIES).as_posix(): p.read_text() for p in QUERIES.rglob("*.py")}
    sql = {p.stem: p.read_text() for p in (QUERIES / "sql").glob("*.sql")}
    return definitions(sources), sql


@lru_cache(maxsize=None)
def version(name: str) -> str:
    """The version of queries.<name> as this process's code has it (read once per process)."""
    defs, sql = _package()
    return version_of(name, defs, sql)


# Where the reason mapping reaches a query: the mapping table, the columns made from it
# (customer_facts.churn_category, churn_owner_team), and the reason key it is matched on.
_MAPPING = re.compile(r"\b(churn_reason_categories|churn_category|churn_owner_team)\b")
# Every query selects its customers through these, which list every column of customer_facts:
# they name the mapped columns without making a result depend on them.
_EVERY_QUERY = ("selected_customers.sql:", "customer_dimensions.sql:")


@lru_cache(maxsize=None)
def reads_mapping(name: str) -> bool:
    """Whether queries.<name>'s result can change with the churn-reason mapping: its code or its
    SQL (beyond the shared customer selection) names the mapping or a column made from it. A
    re-mapping keeps the other functions' results (views/default_views.py)."""
    defs, sql = _package()
    return any(_MAPPING.search(part) for part in parts_of(name, defs, sql)
               if not part.startswith(_EVERY_QUERY))
