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

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from queries.base import Filters, load_sql, run
from queries.risk_fit import HORIZON_DAYS, fit
# The score's settings the views read as queries.risk.* (views/catalog.py, views/default_views.py).
from queries.risk_fit import KEPT_PREFIX as KEPT_PREFIX
from queries.risk_model import MAX_DRIVER_CUSTOMERS as MAX_DRIVER_CUSTOMERS

LIST_COLUMNS = ["customer_id", "name", "risk", "risk_pct", "mrr", "mrr_at_risk", "drivers"]
BACKTEST_KEYS = ("status", "reason", "horizon_days", "cutoff", "as_of", "customers", "churned",
                 "auc", "baseline_auc", "top_decile_capture_pct", "calibration_error_pts",
                 "calibration", "signals", "training_rows", "training_churned", "model")


# --- the metrics API ---------------------------------------------------------------------------------

def _selected(con, f: Filters) -> pd.DataFrame:
    return run(con, load_sql("risk_selection"), f.params(con))


def churn_risk(con, f: Filters, horizon_days: int = HORIZON_DAYS) -> pd.DataFrame:
    """Row per selected customer active at the as-of date, highest risk first: customer_id, name,
    risk (probability of churning within the horizon, 0-1), risk_pct, mrr, mrr_at_risk (risk x
    mrr), drivers (the signals that raise this customer's risk most, in words), then the signals
    themselves. No rows when there is no score (risk_backtest's status and reason say why)."""
    f = f.resolve(con)
    result = fit(con, f.as_of, horizon_days)
    chosen = _selected(con, f)
    chosen["customer_id"] = chosen["customer_id"].astype("string")
    df = chosen.merge(result.today, on="customer_id", how="inner")
    df["risk_pct"] = df["risk"] * 100
    df["mrr_at_risk"] = df["risk"] * df["mrr"]
    df = df[LIST_COLUMNS + [c for c in result.summary["signals"] if c in df.columns]]
    return df.sort_values(["risk", "customer_id"], ascending=[False, True],
                          kind="stable").reset_index(drop=True)


def _auc(y: np.ndarray, score: np.ndarray) -> float | None:
    if len(np.unique(y)) < 2:
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


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
    chosen = _selected(con, replace(f, as_of=cutoff))["customer_id"].astype("string")
    scored = result.at_cutoff[result.at_cutoff["customer_id"].isin(set(chosen))]
    y = scored["is_churned_in_horizon"].astype(bool).to_numpy()
    risk = scored["risk"].to_numpy(dtype=float)
    out.update(customers=int(len(scored)), churned=int(y.sum()), auc=_auc(y, risk),
               baseline_auc=_auc(y, scored["baseline_risk"].to_numpy(dtype=float)))
    if y.sum():
        ranked = scored.assign(order=-risk).sort_values(["order", "customer_id"], kind="stable")
        top = ranked.head(max(1, int(round(len(ranked) / 10))))
        out["top_decile_capture_pct"] = float(top["is_churned_in_horizon"].sum() / y.sum() * 100)
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
