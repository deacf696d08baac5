"""Who is likely to leave next: a churn score fitted on the business's own history, with its track
record.

The signals of a customer at a cutoff date are computed in SQL (risk_features.sql) from what was
known by the end of that day (queries/risk_signals.py). A gradient-boosting classifier
(queries/risk_model.py) learns, from earlier windows, which of the customers active at a cutoff
churned within the horizon after it:

- the backtest (`risk_backtest`) fits on windows that ended by cutoff = as_of - horizon (cutoffs
  stepping back by the horizon) and is judged on who churned in (cutoff, as_of];
- today's score (`churn_risk`) is fitted the same way one horizon later: windows that ended by the
  as-of date, features as of the as-of date.

The fit is made once per snapshot, as-of date and horizon, for every customer (filters only pick
rows of it), kept in this process and, for a snapshot file, beside it in its views folder (as
the default views are), so a filter change never refits (queries/risk_fit.py).
"""

from __future__ import annotations

from dataclasses import astuple, replace
from datetime import date

import numpy as np
import pandas as pd

from queries.base import Filters, load_sql, run
from queries.risk_fit import HORIZON_DAYS, Fit, fit
# The score's settings the views read as queries.risk.* (views/catalog.py, views/default_views.py).
from queries.risk_fit import KEPT_PREFIX as KEPT_PREFIX
from queries.risk_model import MAX_DRIVER_CUSTOMERS as MAX_DRIVER_CUSTOMERS

LIST_COLUMNS = ["customer_id", "name", "risk", "risk_pct", "mrr", "mrr_at_risk", "drivers"]
BACKTEST_KEYS = ("status", "reason", "horizon_days", "cutoff", "as_of", "customers", "churned",
                 "auc", "baseline_auc", "top_decile_capture_pct", "calibration_error_pts",
                 "calibration", "signals", "training_rows", "training_churned", "model")


# --- the metrics API ---------------------------------------------------------------------------------

def _selected(con, f: Filters) -> pd.DataFrame:
    """customer_key and mrr of the selected customers active at f's as-of date."""
    return run(con, load_sql("risk_selection"), f.params(con))


# Per fit (risk_fit keeps the last few): what _rows_of derives from it, by id(fit).
_ROWS: dict[int, tuple[Fit, dict]] = {}


def _rows_of(con, result: Fit, part: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The fit's frame `part` ("ranked": today's scores highest risk first, with each customer's
    name; "at_cutoff": the backtest's scores) and, per customer_key, its row there (-1: none).
    Made once per fit and kept beside it, so that a filter change only selects rows: no merge or
    sort of a million rows per call."""
    kept = _ROWS.get(id(result))
    if kept is None or kept[0] is not result:
        while len(_ROWS) >= 4:
            _ROWS.pop(next(iter(_ROWS)))
        kept = _ROWS[id(result)] = (result, {})
    made = kept[1]
    if part not in made:
        if "customers" not in made:
            made["customers"] = run(con, load_sql("risk_customers"), {})
        customers = made["customers"]
        frame = result.today if part == "ranked" else result.at_cutoff
        if part == "ranked":
            frame = frame.sort_values(["risk", "customer_id"], ascending=[False, True],
                                      kind="stable").reset_index(drop=True)
        # customer_id -> customer_key through the snapshot's customers (one index lookup)
        found = pd.Index(customers["customer_id"].astype(str)).get_indexer(
            frame["customer_id"].astype(str))
        known = found >= 0
        if part == "ranked":
            # churn_risk's columns in its order; mrr and mrr_at_risk are the selection's
            names = np.full(len(frame), None, dtype=object)
            names[known] = customers["name"].to_numpy(dtype=object)[found[known]]
            frame = frame.assign(customer_id=frame["customer_id"].astype("string"), name=names,
                                 risk_pct=frame["risk"] * 100, mrr=np.nan, mrr_at_risk=np.nan)
            signals = [c for c in result.summary["signals"] if c in frame.columns]
            frame = frame[LIST_COLUMNS + [c for c in signals if c not in LIST_COLUMNS]]
        else:
            # each row's place by risk, highest first (ties by customer_id): the top decile
            frame = frame.reset_index(drop=True)
            by_risk = frame.assign(order=-frame["risk"].to_numpy(dtype=float)).sort_values(
                ["order", "customer_id"], kind="stable").index.to_numpy()
            rank = np.empty(len(frame), dtype=np.int64)
            rank[by_risk] = np.arange(len(frame))
            frame = frame.assign(rank=rank)
        keys = customers["customer_key"].to_numpy(dtype=np.int64)[found[known]]
        where = np.full(int(customers["customer_key"].max()) + 1 if len(customers) else 1, -1)
        where[keys] = np.flatnonzero(known)
        made[part] = (frame, where)
    return made[part]


def _positions(con, result: Fit, part: str, chosen: pd.DataFrame):
    """The fit's frame `part`, the rows of it of the chosen customers (risk_selection's rows) in
    the frame's order, and for each the position of its customer in `chosen`."""
    frame, where = _rows_of(con, result, part)
    keys = chosen["customer_key"].to_numpy(dtype=np.int64)
    inside = keys < len(where)
    rows = np.full(len(keys), -1)
    rows[inside] = where[keys[inside]]
    order = np.argsort(rows, kind="stable")
    order = order[rows[order] >= 0]
    return frame, rows[order], order


def _pick(con, result: Fit, part: str, chosen: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of the fit's frame `part` of the chosen customers, in the frame's order, and for
    each the position of its customer in `chosen`."""
    frame, rows, order = _positions(con, result, part, chosen)
    return frame.iloc[rows].reset_index(drop=True), order


def churn_risk(con, f: Filters, horizon_days: int = HORIZON_DAYS) -> pd.DataFrame:
    """Row per selected customer active at the as-of date, highest risk first: customer_id, name,
    risk (probability of churning within the horizon, 0-1), risk_pct, mrr, mrr_at_risk (risk x
    mrr), drivers (the signals that raise this customer's risk most, in words), then the signals
    themselves. No rows when there is no score (risk_backtest's status and reason say why)."""
    f = f.resolve(con)
    result = fit(con, f.as_of, horizon_days)
    last = _last_list(result, f)
    if last is not None:
        return last.copy(deep=False)
    chosen = _selected(con, f)
    df, order = _pick(con, result, "ranked", chosen)
    df["mrr"] = chosen["mrr"].to_numpy(dtype=float)[order]
    df["mrr_at_risk"] = df["risk"] * df["mrr"]
    _LAST["list"] = (result, astuple(f), df)
    return df.copy(deep=False)


# The last list made (its fit, filters and rows): the At risk page asks for its head and its
# totals in one view, which would otherwise select and sort every scored customer twice.
_LAST: dict[str, tuple] = {}


def _last_list(result: Fit, f: Filters) -> pd.DataFrame | None:
    """The last list made, when it was made of this fit for these filters."""
    last = _LAST.get("list")
    return last[2] if last is not None and last[0] is result and last[1] == astuple(f) else None


def churn_risk_totals(con, f: Filters, horizon_days: int = HORIZON_DAYS) -> dict:
    """risk_totals of churn_risk's rows: the Overview's tile needs these four numbers, and as its
    default view they are kept as four numbers, not as the million-row list (which took 0.7 s to
    read back at 1M customers). Summed from the risk column and the selection's mrr alone, in
    the list's order (the same sums to the last bit), without building the list's wide rows: a
    third of a million rows of names, drivers and signals at 1M for one plan."""
    f = f.resolve(con)
    result = fit(con, f.as_of, horizon_days)
    last = _last_list(result, f)
    if last is not None:  # the At risk page's head was just made of this view: no new selection
        return risk_totals(last)
    chosen = _selected(con, f)
    frame, rows, order = _positions(con, result, "ranked", chosen)
    risk = pd.Series(frame["risk"].to_numpy()[rows])
    mrr = pd.Series(chosen["mrr"].to_numpy(dtype=float)[order])
    return risk_totals(pd.DataFrame({"risk": risk, "mrr": mrr, "mrr_at_risk": risk * mrr}))


def roc_auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """Area under the ROC curve of `score` for the true/false labels `y` (None unless both occur):
    the share of (churned, stayed) pairs the score orders right, a tie counting half, from the
    Mann-Whitney rank sum, what sklearn's roc_auc_score gives. One sort of the scores: sklearn's
    input checks and curve took 60% of the backtest's time at 1M customers."""
    y = np.asarray(y, dtype=bool)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return None
    from scipy.stats import rankdata

    ranks = rankdata(score)  # ties get their average rank
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def calibration(risk: np.ndarray, churned: np.ndarray, bins: int = 10) -> list[dict]:
    """Deciles of risk (highest last, equal counts by rank): decile, customers, predicted_pct
    (mean risk x 100), observed_pct (churned / customers x 100)."""
    n = len(risk)
    if n == 0:
        return []
    order = np.argsort(risk, kind="stable")
    decile = np.empty(n, dtype=int)
    decile[order] = np.arange(n) * bins // n + 1
    rows = []
    for d in range(1, bins + 1):
        inside = decile == d
        if inside.any():
            rows.append({"decile": d, "customers": int(inside.sum()),
                         "predicted_pct": float(risk[inside].mean() * 100),
                         "observed_pct": float(churned[inside].mean() * 100)})
    return rows


def risk_backtest(con, f: Filters, horizon_days: int = HORIZON_DAYS) -> dict:
    """The score's track record on the last horizon before the as-of date, for the selected
    customers active at cutoff = as_of - horizon: status ('ok', or 'undated',
    'too_little_history', 'no_churn' with the reason in words), cutoff and as_of (ISO dates),
    customers, churned (in (cutoff, as_of]), auc, baseline_auc (the same method on tenure and
    plan alone), top_decile_capture_pct (share of those churners among the 10% highest risk),
    calibration (per decile: decile, customers, predicted_pct, observed_pct),
    calibration_error_pts (mean |predicted - observed| over the deciles), signals,
    training_rows and training_churned (the windows before the cutoff), model."""
    f = f.resolve(con)
    result = fit(con, f.as_of, horizon_days)
    out = {key: result.summary.get(key) for key in BACKTEST_KEYS}
    out.update(customers=0, churned=0, auc=None, baseline_auc=None, top_decile_capture_pct=None,
               calibration=[], calibration_error_pts=None)
    if result.summary["status"] != "ok":
        return out
    cutoff = date.fromisoformat(result.summary["cutoff"])
    # the chosen rows of the columns read, not of the whole frame (its customer ids are strings)
    frame, rows, _ = _positions(con, result, "at_cutoff", _selected(con, replace(f, as_of=cutoff)))
    y = frame["is_churned_in_horizon"].to_numpy()[rows].astype(bool)
    risk = frame["risk"].to_numpy(dtype=float)[rows]
    out.update(customers=int(len(rows)), churned=int(y.sum()), auc=roc_auc(y, risk),
               baseline_auc=roc_auc(y, frame["baseline_risk"].to_numpy(dtype=float)[rows]))
    if y.sum():
        top = np.argsort(frame["rank"].to_numpy()[rows], kind="stable")[
            :max(1, int(round(len(rows) / 10)))]
        out["top_decile_capture_pct"] = float(y[top].sum() / y.sum() * 100)
    rows = calibration(risk, y.astype(float))
    out["calibration"] = rows
    if rows:
        out["calibration_error_pts"] = float(np.mean(
            [abs(r["predicted_pct"] - r["observed_pct"]) for r in rows]))
    return out


def risk_totals(scores: pd.DataFrame | None) -> dict:
    """The list's totals (churn_risk's rows): customers, mrr (Σ mrr), mrr_at_risk (Σ risk x mrr),
    expected_churners (Σ risk)."""
    if scores is None or scores.empty:
        return {"customers": 0, "mrr": 0.0, "mrr_at_risk": 0.0, "expected_churners": 0.0}
    return {"customers": int(len(scores)), "mrr": float(scores["mrr"].sum()),
            "mrr_at_risk": float(scores["mrr_at_risk"].sum()),
            "expected_churners": float(scores["risk"].sum())}
