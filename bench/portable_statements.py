"""bench.portable_speed's statements: each page's calls under a filter set, recorded on DuckDB
as the portable tests record them, each distinct statement once; the tables they read and the
order an engine runs them in."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import sqlglot
from sqlglot import exp

SETS = ("default", "one plan")  # bench.pages.FILTER_SETS: the default view and one filter change


def page_calls(con, page: str, set_name: str) -> list[tuple[str, str, dict, object]]:
    """The page's calls under a filter set as statements.collect takes them: (id, function,
    arguments, filters), compare charts expanded and picked arguments resolved on `con`."""
    from bench import pages

    f = pages.FILTER_SETS[set_name].resolve(con)
    return [(f"{set_name}: {pages.call_label(name, kwargs, overrides)}", name, kwargs,
             replace(f, **overrides) if overrides else f)
            for name, kwargs, overrides in pages.calls_of(page, con, f)]


def record(live: Path, sets=SETS, pages=None) -> dict:
    """Every distinct statement of each page's calls (default: every page) under each set,
    recorded on DuckDB: {"statements": [Statement], "pages": {set: {page: [statement index]}}}."""
    import duckdb

    from views import default_views
    from tests.portable.statements import collect, statement_key

    statements, index, chosen = [], {}, pages or list(default_views.PAGE_CALLS)
    pages = {}
    for set_name in sets:
        pages[set_name] = {}
        for page in chosen:
            con = duckdb.connect(str(live), read_only=True)
            try:
                calls = page_calls(con, page, set_name)
            finally:
                con.close()
            pages[set_name][page] = []
            for statement in collect(live, calls):
                key = statement_key(statement.sql, statement.params)
                if key not in index:
                    index[key] = len(statements)
                    statements.append(statement)
                pages[set_name][page].append(index[key])
    return {"statements": statements, "pages": pages}


def tables_read(sqls) -> list[str]:
    """The tables the statements read (CTE names aside), sorted: what another engine needs."""
    names = set()
    for sql in sqls:
        tree = sqlglot.parse_one(sql, read="duckdb")
        ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
        names |= {t.name for t in tree.find_all(exp.Table) if t.name not in ctes}
    return sorted(names)


def wanted(recorded: dict, sets, pages=None) -> list[int]:
    """The statements these pages (default: all) run under these filter sets, each once, in the
    order of the pages given: an engine short of time measures the first pages whole."""
    out: dict[int, None] = {}
    for page in pages or list(recorded["pages"][sets[0]]):
        for set_name in sets:
            out.update(dict.fromkeys(recorded["pages"][set_name][page]))
    return list(out)

