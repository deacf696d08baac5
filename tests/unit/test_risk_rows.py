"""churn_risk and risk_backtest select the rows of one fit by customer_key (queries/risk.py,
_rows_of / _pick) instead of merging and sorting every score on each call: equal, row for row, to
the merge-and-sort path they replaced, for several filter sets (the fixture is test_risk's: 900
customers, one signing up each day)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from queries import Filters, churn_risk, risk_backtest
from queries import risk_fit
from queries.risk import roc_auc
from queries.base import load_sql, run
from tests.unit.fixtures import make_db
from tests.unit.test_risk import AS_OF, nps_history

FILTER_SETS = [
    Filters(as_of=AS_OF),
    Filters(as_of=AS_OF, plans=("Growth",)),
    Filters(as_of=AS_OF, plans=("Starter", "Enterprise"), signup_from=date(2023, 1, 1)),
    Filters(as_of=AS_OF, plans=("Nobody",)),
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    customers, nps, tickets = nps_history()
    names = {row["customer_id"]: f"Name {row['customer_id']}" for row in customers}
    for row in customers:
        row["name"] = names[row["customer_id"]]
    connection = make_db(tmp_path_factory.mktemp("risk-rows"), customers, nps=nps,
                         tickets=tickets, as_of=AS_OF)
    yield connection
    connection.close()


def _active(con, f: Filters) -> pd.DataFrame:
    """The selected customers active at f's as-of date, from selected_customers itself."""
    chosen = run(con, f"select * from ({load_sql('selected_customers')}) as cf "
                      "where churn_date is null", f.params(con))
    names = con.execute("select customer_id, name from customers").df()
    chosen = chosen.merge(names, on="customer_id")
    return chosen[["customer_id", "name", "mrr_or_zero"]].rename(columns={"mrr_or_zero": "mrr"})


def merged_churn_risk(con, f: Filters) -> pd.DataFrame:
    """The path churn_risk took before: merge the selection with every score, then sort."""
    result = risk_fit.fit(con, f.as_of, 90)
    chosen = _active(con, f)
    chosen["customer_id"] = chosen["customer_id"].astype("string")
    df = chosen.merge(result.today, on="customer_id", how="inner")
    df["risk_pct"] = df["risk"] * 100
    df["mrr_at_risk"] = df["risk"] * df["mrr"]
    columns = ["customer_id", "name", "risk", "risk_pct", "mrr", "mrr_at_risk", "drivers"]
    df = df[columns + [c for c in result.summary["signals"] if c in df.columns]]
    return df.sort_values(["risk", "customer_id"], ascending=[False, True],
                          kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("f", FILTER_SETS, ids=["everyone", "growth", "two plans", "nobody"])
def test_churn_risk_equals_the_merge_path(con, f):
    got = churn_risk(con, f)
    want = merged_churn_risk(con, f)
    assert len(want) > 0 or f.plans == ("Nobody",)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert list(got.columns) == list(want.columns)


@pytest.mark.parametrize("f", FILTER_SETS, ids=["everyone", "growth", "two plans", "nobody"])
def test_backtest_reads_the_same_customers(con, f):
    record = risk_backtest(con, f)
    result = risk_fit.fit(con, AS_OF, 90)
    cutoff = date.fromisoformat(result.summary["cutoff"])
    chosen = set(_active(con, replace(f, as_of=cutoff))["customer_id"])
    scored = result.at_cutoff[result.at_cutoff["customer_id"].isin(chosen)]
    assert record["customers"] == len(scored)
    assert record["churned"] == int(scored["is_churned_in_horizon"].sum())
    if f.plans != ("Nobody",):
        assert record["customers"] > 0


def test_roc_auc_counts_ordered_pairs_ties_half():
    """The backtest's AUC from ranks, on six customers: churned scores 0.35, 0.8, 0.4 against
    stayed 0.1, 0.4, 0.4. Pairs ordered right: 0.35 > 0.1 (1); 0.8 > all three (3); 0.4 > 0.1
    (1) and ties with both 0.4s (0.5 + 0.5): 6 of 9 pairs. sklearn's roc_auc_score agrees."""
    from sklearn.metrics import roc_auc_score

    y = np.array([False, False, True, True, False, True])
    score = np.array([0.1, 0.4, 0.35, 0.8, 0.4, 0.4])
    assert roc_auc(y, score) == pytest.approx(6 / 9, rel=1e-15)
    assert roc_auc(y, score) == pytest.approx(roc_auc_score(y, score), rel=1e-12)
    rng = np.random.default_rng(7)  # many ties (scores rounded): sklearn's curve gives the same
    y, score = rng.random(5000) < 0.2, np.round(rng.random(5000), 2)
    assert roc_auc(y, score) == pytest.approx(roc_auc_score(y, score), rel=1e-12)
    assert roc_auc(np.ones(3, dtype=bool), np.array([0.1, 0.2, 0.3])) is None  # nobody stayed
