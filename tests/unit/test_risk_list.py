"""The At risk page's list on screen (queries.churn_risk_top) is the head of the whole list
(queries.churn_risk), and its kept default view holds that head and the totals, not the million
rows; the whole list, made on a click, writes the same CSV the page wrote from the kept list."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from queries import Filters, churn_risk, churn_risk_top, connect
from queries.risk_list import TOP_ROWS
from tests.unit.test_risk import AS_OF
from tests.unit.test_risk import nps_db as nps_db  # noqa: F401 - the fixture
from views import default_views


def test_the_head_is_the_lists_first_rows(nps_db):
    con = connect(nps_db)
    try:
        f, growth = Filters(as_of=AS_OF), Filters(as_of=AS_OF, plans=("Growth",))
        everyone, top3 = churn_risk(con, f), churn_risk_top(con, f, rows=3)
        growth_all, growth_top = churn_risk(con, growth), churn_risk_top(con, growth, rows=5)
        whole = churn_risk_top(con, f)
        with pytest.raises(ValueError, match="rows must be at least 1"):
            churn_risk_top(con, f, rows=0)
    finally:
        con.close()
    # nps_history: 900 customers, about a fifth churned by the as-of date; far fewer than
    # TOP_ROWS active, so the default head is the whole list.
    assert 3 < len(everyone) < TOP_ROWS
    pd.testing.assert_frame_equal(top3, everyone.head(3))
    assert top3["risk"].is_monotonic_decreasing
    pd.testing.assert_frame_equal(whole, everyone)
    # a filter's head is the head of the filtered list, not a filter of the overall head
    pd.testing.assert_frame_equal(growth_top, growth_all.head(5))
    assert set(growth_top["plan"]) == {"Growth"}


def test_the_default_view_keeps_the_head_and_totals_not_the_list(nps_db):
    con = connect(nps_db)
    try:
        folder = default_views.views_dir(nps_db)
        default_views.store(con, folder, default_views.facts_version(con))
        f = Filters(as_of=AS_OF)
        everyone = churn_risk(con, f)
        facts = default_views.facts_version(con)
    finally:
        con.close()
    kept = {p.name.split("-")[0] for p in folder.iterdir()}
    assert {"churn_risk_top", "churn_risk_totals", "risk_backtest"} <= kept
    assert "churn_risk" not in kept  # the whole list is never kept: it is made on a click
    top = default_views.lookup(nps_db, facts, "churn_risk_top", f, {"horizon_days": 90})
    pd.testing.assert_frame_equal(top, everyone.head(TOP_ROWS))
    totals = default_views.lookup(nps_db, facts, "churn_risk_totals", f, {"horizon_days": 90})
    # Σ over the whole list, not over the head
    assert totals["customers"] == len(everyone)
    assert totals["expected_churners"] == pytest.approx(everyone["risk"].sum())


def test_the_call_list_is_the_csv_the_kept_list_gave(nps_db):
    """Before, the page wrote the call list from the whole list's kept default view (a Parquet
    round trip); now from the list made on a click: the same bytes."""
    from app.ui import csv_bytes

    con = connect(nps_db)
    try:
        scores = churn_risk(con, Filters(as_of=AS_OF))
    finally:
        con.close()
    buffer = io.BytesIO()
    scores.to_parquet(buffer, index=True)
    assert csv_bytes(scores) == csv_bytes(pd.read_parquet(io.BytesIO(buffer.getvalue())))


def test_the_head_and_the_totals_of_one_view_select_the_customers_once(nps_db, monkeypatch):
    from queries import churn_risk_totals
    from queries import risk as risk_module

    calls = []
    real = risk_module._selected
    monkeypatch.setattr(risk_module, "_selected", lambda con, f: calls.append(f) or real(con, f))
    monkeypatch.setattr(risk_module, "_LAST", {})
    con = connect(nps_db)
    try:
        f = Filters(as_of=AS_OF, plans=("Starter",))
        top = churn_risk_top(con, f)
        top["risk"] = 0.0  # a caller's change to its copy does not reach the next caller
        totals = churn_risk_totals(con, f)
        again = churn_risk(con, f)
        churn_risk(con, Filters(as_of=AS_OF, plans=("Growth",)))  # another view: selected anew
    finally:
        con.close()
    assert len(calls) == 2
    assert again["risk"].sum() > 0
    assert totals["expected_churners"] == pytest.approx(again["risk"].sum())
