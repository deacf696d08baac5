"""Smoke test of the benchmark machinery on a tiny generated database (no timing asserts: speed is
checked by `python -m bench`, never by the test suite)."""

from __future__ import annotations

import inspect
import json
from dataclasses import replace

import pytest

from bench import dataset, reference, run
from bench.pages import (FILTER_SETS, LIVE_SET, PAGE_QUERIES, REFERENCE_QUERIES, calls_of,
                         find_function, run_calls)
from views import default_views
from queries import connect

CUSTOMERS = 300


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench-data")
    db, how = dataset.ensure_database(CUSTOMERS, folder, log=lambda message: None)
    assert how["generated"]
    return folder, db


def test_database_is_reused_while_arguments_match(tiny_db):
    folder, db = tiny_db
    again, how = dataset.ensure_database(CUSTOMERS, folder, log=lambda message: None)
    assert again == db and not how["generated"]


@pytest.mark.parametrize("set_name", list(FILTER_SETS))
def test_pandas_reference_equals_duckdb(tiny_db, set_name):
    _, db = tiny_db
    tables = reference.load(db)
    expected = reference.compute(tables, FILTER_SETS[set_name])
    con = connect(db)
    calls = [(name, kwargs, {}) for name, kwargs in REFERENCE_QUERIES]
    results, timings = run_calls(con, calls, FILTER_SETS[set_name])
    con.close()
    assert not [t for t in timings if t["error"]]
    duck = {set_name: dict(zip([c[0] for c in calls], results))}
    checks = reference.compare_all(duck, {set_name: expected})
    assert [c for c in checks if not c["ok"]] == []
    assert len(checks) == len(REFERENCE_QUERIES)


def test_compare_notices_a_difference(tiny_db):
    _, db = tiny_db
    tables = reference.load(db)
    frames = reference.compute(tables, FILTER_SETS["default"])
    changed = frames["period_movements"].copy()
    changed.loc[changed.index[-1], "churned"] += 1
    check = reference.compare("period_movements", changed, frames["period_movements"])
    assert not check["ok"] and "churned" in check["problem"]


def test_every_page_call_runs_on_the_data_and_is_answered_from_the_kept_views(tiny_db):
    # Each call names a function of the metrics API with arguments it takes, and on a database
    # built as the benchmark builds it the app's answer is the kept view, no error row.
    _, db = tiny_db
    con = connect(db)
    try:
        facts = default_views.facts_version(con)
        for page in PAGE_QUERIES:
            calls = calls_of(page, con, FILTER_SETS["default"])
            for name, kwargs, overrides in calls:
                fn = find_function(name)
                assert fn is not None, name
                f = replace(FILTER_SETS["default"].resolve(con), **overrides)
                inspect.signature(fn).bind(con, f, **kwargs)
                kept = default_views.lookup(db, facts, name, f, kwargs)
                assert (kept is default_views.MISS) == (name in default_views.NOT_STORED), name
            _, timings = run_calls(con, calls, FILTER_SETS["default"], db=db)
            assert [t for t in timings if t["error"]] == [], page
    finally:
        con.close()
    assert find_function("no_such_metric") is None


@pytest.mark.slow
def test_benchmark_end_to_end_writes_results(tiny_db, capsys):
    folder, _ = tiny_db
    out = folder / "latest.json"
    status = run.main(["--customers", str(CUSTOMERS), "--repeat", "1", "--pages", "Data",
                       "--data-dir", str(folder), "--out", str(out)])
    assert status == 0
    result = json.loads(out.read_text())
    assert set(result["pages"]) == {"Data"}
    assert set(result["pages"]["Data"]) == set(FILTER_SETS) | {LIVE_SET}
    assert all(check["ok"] for check in result["equality"])
    assert result["peak_rss_mb"]["duckdb"] > 0 and result["peak_rss_mb"]["pandas"] > 0
    assert "| Data | default |" in capsys.readouterr().out
