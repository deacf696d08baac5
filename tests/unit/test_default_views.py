"""Each page's default view kept beside its snapshot (views/default_views.py): the same numbers as
computing them, found only for exactly that call, of today's code and the snapshot's facts, and
kept without ever writing to the snapshot file."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta

import pandas as pd
import pytest

from views import catalog
from views import default_views as dv
from views import fingerprint
import queries
from data import snapshots
from data.demo.generate import generate
from queries import Filters


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A demo built the way the app builds its first-run demo: views kept by the build hook."""
    path = tmp_path_factory.mktemp("views") / "retention.duckdb"
    generate(path, customers=400, seed=11, after_build=dv.after_build(path))
    return path


@pytest.fixture(scope="module")
def con(live):
    connection = queries.connect(live)
    yield connection
    connection.close()


def _kept(live, con, name, f=None, **kwargs):
    """The kept view of this call, the filters' as-of date resolved as the app's frame does."""
    return dv.lookup(live, dv.facts_version(con), name, (f or Filters()).resolve(con), kwargs)


@pytest.mark.slow
def test_every_default_view_call_is_kept_and_equals_the_live_result(live, con):
    calls = dv.all_calls(queries.filter_options(con))
    # the views and, beside them, the churn score's fit (queries/risk_fit.py)
    files = [p for p in dv.views_dir(live).iterdir()
             if not p.name.startswith(("complete-", queries.risk.KEPT_PREFIX))]
    assert len(files) == len(calls)
    # one kept compare call per plan in the data
    plans = [c for c in calls if c[0] == "average_retention" and c[2].get("plans")]
    assert sorted(c[2]["plans"][0] for c in plans) == ["Enterprise", "Growth", "Starter"]
    for name, kwargs, overrides in calls:
        f = replace(Filters().resolve(con), **overrides)
        kwargs = dv.resolve(con, kwargs, f)
        kept = _kept(live, con, name, f, **kwargs)
        assert kept is not dv.MISS, (name, kwargs, overrides)
        computed = getattr(queries, name)(con, f, **kwargs)
        if isinstance(computed, pd.DataFrame):
            # same dtypes, same values; DuckDB's parallel sums may differ in the last bit
            pd.testing.assert_frame_equal(kept, computed, check_exact=False, rtol=1e-12)
        else:
            assert kept == pytest.approx(computed, rel=1e-12, nan_ok=True), name
    assert dv.is_complete(live, dv.facts_version(con))


def test_the_churn_page_category_is_the_datas_top_category(live, con):
    # The Churn reasons page's picker starts at churn_reasons' first row; the view kept is that one.
    top = queries.churn_reasons(con, Filters())["category"].iloc[0]
    assert dv.resolve(con, {"category": catalog.TOP_CATEGORY}, Filters()) == {"category": top}
    assert _kept(live, con, "raw_reasons", category=top) is not dv.MISS
    other = queries.churn_reasons(con, Filters())["category"].iloc[1]
    assert _kept(live, con, "raw_reasons", category=other) is dv.MISS


def test_only_the_exact_call_is_found_however_it_is_written(live, con):
    as_of = queries.snapshot_as_of(con)
    kept = _kept(live, con, "support_kpis", grain="month")
    assert kept is not dv.MISS
    # defaults spelled out or left out, the as-of date written as the data's own: one call
    for same in (_kept(live, con, "support_kpis"),
                 _kept(live, con, "support_kpis", Filters(as_of=as_of), grain="month",
                       by=None)):
        pd.testing.assert_frame_equal(same, kept)
    # anything else is computed
    assert _kept(live, con, "support_kpis", grain="quarter") is dv.MISS
    assert _kept(live, con, "support_kpis", Filters(plans=("Growth",))) is dv.MISS
    assert _kept(live, con, "support_kpis", Filters(as_of=as_of - timedelta(days=1))) is dv.MISS
    assert _kept(live, con, "cohort_customers", cohort=as_of, age=0) is dv.MISS  # never kept
    assert _kept(live, con, "no_such_function") is dv.MISS


def test_a_new_version_of_one_function_recomputes_only_its_views(tmp_path, monkeypatch):
    path = tmp_path / "retention.duckdb"
    generate(path, customers=200, seed=5, after_build=dv.after_build(path))
    snapshot = snapshots.resolve(path)
    before = hashlib.sha256(snapshot.read_bytes()).hexdigest()
    con = queries.connect(path)
    try:
        facts = dv.facts_version(con)
        real = fingerprint.version
        monkeypatch.setattr(fingerprint, "version",
                            lambda name: "changed" if name == "nps" else real(name))
        assert _kept(path, con, "nps", grain="quarter") is dv.MISS
        assert _kept(path, con, "period_movements", grain="month") is not dv.MISS
        assert not dv.is_complete(path, facts)
        # nps is kept twice in PAGE_CALLS (monthly, quarterly): only those two are computed
        assert dv.store(con, dv.views_dir(path), facts) == 2
        assert dv.is_complete(path, facts)
        pd.testing.assert_frame_equal(_kept(path, con, "nps", grain="quarter"),
                                      queries.nps(con, Filters(), grain="quarter"))
        assert dv.store(con, dv.views_dir(path), facts) == 0
    finally:
        con.close()
    # The snapshot file itself was never written: links pinned to it keep its exact bytes.
    assert hashlib.sha256(snapshot.read_bytes()).hexdigest() == before


def test_views_of_other_derived_tables_are_never_found(live, con):
    assert _kept(live, con, "nps", grain="quarter") is not dv.MISS
    assert dv.lookup(live, "other facts", "nps", Filters().resolve(con),
                     {"grain": "quarter"}) is dv.MISS


def test_views_are_kept_for_the_snapshots_own_as_of_date_written_out(live, con):
    as_of = queries.snapshot_as_of(con)
    assert dv.lookup(live, dv.facts_version(con), "nps", Filters(as_of=as_of),
                     {"grain": "quarter"}) is not dv.MISS
    # the app never asks without a date (its frame resolves it): such a call is not a kept one
    assert dv.lookup(live, dv.facts_version(con), "nps", Filters(), {"grain": "quarter"}) is dv.MISS


def test_a_snapshot_without_views_is_computed_live_and_they_go_with_it(tmp_path):
    path = tmp_path / "retention.duckdb"
    generate(path, customers=200, seed=5)  # no hook: as the importer's child process builds
    con = queries.connect(path)
    try:
        assert not dv.is_complete(path, dv.facts_version(con))
        assert _kept(path, con, "period_movements", grain="month") is dv.MISS
    finally:
        con.close()
    first = snapshots.resolve(path)
    dv.views_dir(first).mkdir()
    generate(path, customers=100, seed=6)
    snapshots.prune(path, keep=1)
    assert not first.exists() and not dv.views_dir(first).exists()


def test_expand_runs_a_compare_call_once_per_value():
    calls = [("churn_reasons", {}, {"segments": dv.EACH}), ("nps", {}, {})]
    options = {"segment": ["Enterprise", "SMB"], "plan": ["Growth"]}
    assert dv.expand(calls, options) == [
        ("churn_reasons", {}, {"segments": ("Enterprise",)}),
        ("churn_reasons", {}, {"segments": ("SMB",)}),
        ("nps", {}, {}),
    ]


# --- fingerprint: what changes a function's version ----------------------------------------------
SOURCES = {
    "base.py": 'def run(con, text):\n    """Runs."""\n    return con.execute(text)\n',
    "a.py": (
        '"""Module a."""\n'
        "LIMIT = 3\n\n"
        "def helper(x):\n    return x + LIMIT\n\n"
        "def one(con, f):\n"
        '    """One: uses the helper and its SQL."""\n'
        '    return run(con, load_sql("one")) + helper(1)\n\n'
        "def two(con, f):\n    return run(con, load_sql(\"two\"))\n"
    ),
}
SQL = {"one": "select 1 /*selected_customers*/", "two": "select 2", "selected_customers": "x"}


def versions(sources=SOURCES, sql=SQL) -> dict[str, str]:
    defs = fingerprint.definitions(sources)
    return {name: fingerprint.version_of(name, defs, sql) for name in ("one", "two")}


def edited(module: str, old: str, new: str) -> dict[str, str]:
    assert old in SOURCES[module]
    return {**SOURCES, module: SOURCES[module].replace(old, new)}


def test_docstrings_comments_and_layout_change_no_version():
    base = versions()
    reworded = edited("a.py", '"""One: uses the helper and its SQL."""', '"""Reworded."""')
    assert versions(reworded) == base
    commented = edited("a.py", "    return x + LIMIT", "    # why\n    return (x +\n LIMIT)")
    assert versions(commented) == base
    assert versions(edited("base.py", '"""Runs."""', "")) == base


def test_a_change_reaches_exactly_the_functions_that_use_it():
    base = versions()
    helper = versions(edited("a.py", "return x + LIMIT", "return x - LIMIT"))
    assert helper["one"] != base["one"] and helper["two"] == base["two"]
    constant = versions(edited("a.py", "LIMIT = 3", "LIMIT = 4"))
    assert constant["one"] != base["one"] and constant["two"] == base["two"]
    shared = versions(edited("base.py", "con.execute(text)", "con.sql(text)"))
    assert shared["one"] != base["one"] and shared["two"] != base["two"]
    own_sql = versions(sql={**SQL, "two": "select 22"})
    assert own_sql["one"] == base["one"] and own_sql["two"] != base["two"]
    included = versions(sql={**SQL, "selected_customers": "y"})  # included by one.sql only
    assert included["one"] != base["one"] and included["two"] == base["two"]


def test_every_kept_function_has_a_version_of_its_own():
    names = sorted({c[0] for c in dv.all_calls({})})
    assert len({fingerprint.version(n) for n in names}) == len(names)
