"""Each page's default-view results stored in the snapshot (queries/stored.py): the same numbers as
computing them, served only for exactly that call and only to today's query code."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import duckdb
import pandas as pd
import pytest

import queries
from data import snapshots
from data.generate import generate
from queries import Filters, stored


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    path = tmp_path_factory.mktemp("stored") / "retention.duckdb"
    generate(path, customers=400, seed=11)
    return path


@pytest.fixture()
def own_live(tmp_path):
    """A database of this test's own, for tests that tamper with its stored results."""
    path = tmp_path / "retention.duckdb"
    generate(path, customers=200, seed=5)
    return path


@pytest.fixture()
def con(live):
    connection = queries.connect(live)
    yield connection
    connection.close()


def _poison(live, name: str, kwargs: dict, f: Filters = Filters()) -> pd.DataFrame:
    """Overwrite one stored result with a frame no query computes; returns that frame."""
    fake = pd.DataFrame({"marker": [123456]})
    out = io.BytesIO()
    fake.to_parquet(out)
    fn = queries.LIVE[name]
    key = stored.call_key(name, stored._arguments(fn, None, f, (), kwargs), f)
    con = duckdb.connect(str(snapshots.resolve(live)))
    try:
        changed = con.execute("update stored_results set result = $r where call = $c returning 1",
                              {"r": out.getvalue(), "c": key}).fetchall()
    finally:
        con.close()
    assert changed == [(1,)], "the call was not stored"
    return fake


def test_every_default_view_call_is_stored_and_equals_the_live_result(con):
    calls = stored.all_calls(queries.filter_options(con))
    count = con.execute("select count(*) from stored_results").fetchone()[0]
    assert count == len(calls)
    # one stored compare call per plan in the data
    plans = [c for c in calls if c[0] == "average_retention" and c[2].get("plans")]
    assert sorted(c[2]["plans"][0] for c in plans) == ["Enterprise", "Growth", "Starter"]
    for name, kwargs, overrides in calls:
        f = replace(Filters(), **overrides)
        served = getattr(queries, name)(con, f, **kwargs)
        computed = queries.LIVE[name](con, f, **kwargs)
        if isinstance(computed, pd.DataFrame):
            # same dtypes, same values; DuckDB's parallel sums may differ in the last bit
            pd.testing.assert_frame_equal(served, computed, check_exact=False, rtol=1e-12)
        else:
            assert served == pytest.approx(computed, rel=1e-12, nan_ok=True), name


def test_the_stored_result_is_what_a_default_call_gets(own_live):
    live = own_live
    fake = _poison(live, "support_kpis", {"grain": "month"})
    con = queries.connect(live)
    try:
        as_of = queries.default_as_of(con)
        # the same call however it is written: defaults spelled out, as-of the data's default
        for result in (
            queries.support_kpis(con, Filters(), grain="month"),
            queries.support_kpis(con, Filters(), "month"),
            queries.support_kpis(con, Filters(as_of=as_of)),
        ):
            pd.testing.assert_frame_equal(result, fake)
        # any other call is computed
        assert "marker" not in queries.support_kpis(con, Filters(), grain="quarter").columns
        assert "marker" not in queries.support_kpis(con, Filters(plans=("Growth",))).columns
        assert "marker" not in queries.support_kpis(
            con, Filters(as_of=as_of - timedelta(days=1))).columns
        assert "marker" not in queries.support_kpis(con, Filters(), by="channel").columns
    finally:
        con.close()


def test_results_of_other_query_code_are_never_served(own_live, monkeypatch):
    live = own_live
    fake = _poison(live, "nps", {"grain": "quarter"})
    con = queries.connect(live)
    try:
        pd.testing.assert_frame_equal(queries.nps(con, Filters(), grain="quarter"), fake)
        monkeypatch.setattr(stored, "code_version", lambda: "changed code")
        result = queries.nps(con, Filters(), grain="quarter")
        pd.testing.assert_frame_equal(result, queries.LIVE["nps"](con, Filters(), grain="quarter"))
    finally:
        con.close()


def test_a_database_without_stored_results_is_computed_live(own_live):
    path = own_live
    rw = duckdb.connect(str(snapshots.resolve(path)))
    rw.execute("drop table stored_results")
    rw.close()
    con = queries.connect(path)
    try:
        result = queries.period_movements(con, Filters(), grain="month")
        pd.testing.assert_frame_equal(
            result, queries.LIVE["period_movements"](con, Filters(), grain="month"))
        assert stored.stored_version(con) is None
    finally:
        con.close()


def test_expand_runs_a_compare_call_once_per_value():
    calls = [("churn_reasons", {}, {"segments": stored.EACH}), ("nps", {}, {})]
    options = {"segment": ["Enterprise", "SMB"], "plan": ["Growth"]}
    assert stored.expand(calls, options) == [
        ("churn_reasons", {}, {"segments": ("Enterprise",)}),
        ("churn_reasons", {}, {"segments": ("SMB",)}),
        ("nps", {}, {}),
    ]
