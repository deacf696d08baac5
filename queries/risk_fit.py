"""The churn score's fit, once per snapshot, as-of date and horizon, for every customer (filters
only pick rows of it): kept in this process and, for a snapshot file, beside it in its views
folder (as the default views are), so a filter change never refits.

- the backtest's model fits on windows that ended by cutoff = as_of - horizon (cutoffs stepping
  back by the horizon) and scores the customers active at the cutoff;
- today's score is fitted the same way one horizon later: windows that ended by the as-of date,
  features as of the as-of date.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from queries.base import load_sql, meta, run
from queries.risk_model import (TRAINING_WINDOWS, driver_words, fit_classifier, predict_risk,
                                training_set, typical_values)
from queries.risk_signals import available_signals, risk_features

log = logging.getLogger("retention.risk")

HORIZON_DAYS = 90
# Fewer churners than this in the training windows before the backtest's cutoff: no score.
MIN_CHURNERS = 30
# The files of a fit kept beside a snapshot start with this (default_views leaves them alone).
KEPT_PREFIX = "riskfit-"
BASELINE = ("tenure_days", "plan")


@dataclass
class Fit:
    """Everything both functions read: today's scores of every active customer, the backtest's
    scores at its cutoff, and the facts about the fit."""

    summary: dict
    today: pd.DataFrame      # customer_id, risk, drivers, the signals
    at_cutoff: pd.DataFrame  # customer_id, risk, baseline_risk, is_churned_in_horizon


_FITS: OrderedDict = OrderedDict()
_FITS_KEPT = 4


def _code_version() -> str:
    # The code a fit is made of: its signals, its model and this module.
    text = b"".join(Path(__file__).with_name(f"{name}.py").read_bytes()
                    for name in ("risk_signals", "risk_model", "risk_fit"))
    for name in ("risk_features", "risk_signals"):
        text += load_sql(name).encode()
    return hashlib.sha256(text).hexdigest()[:16]


def _snapshot_file(con) -> str | None:
    """The file of a DuckDB connection's database (None in memory, or for another connection)."""
    if not isinstance(con, duckdb.DuckDBPyConnection):
        return None
    try:
        row = con.cursor().execute(
            "select path from duckdb_databases() where database_name = current_database()"
        ).fetchone()
    except duckdb.Error:
        return None
    return row[0] if row and row[0] else None


def _undated_churn(con) -> int:
    """Customers the import marked churned without a churn date (counted as churned on its as-of
    date): their churn says nothing about when, so no window can learn from it."""
    from data.shapes import read_assumptions

    undated = read_assumptions(meta(con).get("source")).get("churned_without_date") or {}
    return int(undated.get("customers") or 0)


def fit(con, as_of: date, horizon_days: int = HORIZON_DAYS) -> Fit:
    """The fit of the snapshot `con` at `as_of`: kept in this process, and beside a snapshot file
    (its views folder), so each is made once."""
    horizon = int(horizon_days)
    if horizon < 7:
        raise ValueError(f"horizon_days must be at least 7, not {horizon_days!r}")
    facts = meta(con)
    path = _snapshot_file(con)
    key = kept_key(facts.get("snapshot_id"), facts.get("built_at"), as_of, horizon)
    if path is not None and (path, key) in _FITS:
        _FITS.move_to_end((path, key))
        return _FITS[(path, key)]
    # A build keeps its snapshot's views while the file is still "<snapshot>.duckdb.tmp": the
    # fit goes beside the file it is renamed to, with the other kept views.
    folder = (Path(os.path.realpath(path).removesuffix(".tmp")).with_suffix(".views")
              if path else None)
    result = _read_kept(folder, key) if folder else None
    if result is None:
        result = _compute(con, as_of, horizon)
        if folder is not None:
            _keep(folder, key, result)
    if path is not None:
        _FITS[(path, key)] = result
        while len(_FITS) > _FITS_KEPT:
            _FITS.popitem(last=False)
    return result


def kept_key(snapshot_id, built_at, as_of: date, horizon_days: int) -> str:
    """The name of a snapshot's fit (meta's snapshot_id and built_at) beside its file: files
    KEPT_PREFIX + key + "-today.parquet", "-cutoff.parquet", "-summary.json"."""
    return hashlib.sha256(json.dumps(
        [str(snapshot_id), str(built_at), as_of.isoformat(), int(horizon_days),
         _code_version()]).encode()).hexdigest()[:24]


def _no_score(summary: dict, status: str, reason: str) -> Fit:
    summary.update(status=status, reason=reason)
    empty = pd.DataFrame({"customer_id": pd.Series(dtype="string"),
                          "risk": pd.Series(dtype=float), "drivers": pd.Series(dtype="string")})
    at_cutoff = pd.DataFrame({"customer_id": pd.Series(dtype="string"),
                              "risk": pd.Series(dtype=float),
                              "baseline_risk": pd.Series(dtype=float),
                              "is_churned_in_horizon": pd.Series(dtype=bool)})
    return Fit(summary, empty, at_cutoff)


def _compute(con, as_of: date, horizon: int) -> Fit:
    # One thread: scikit-learn's OpenMP threads spin against each other (and against the app's
    # other sessions) on a busy machine, which made a fit ten times slower, not faster. The
    # limit reaches only OpenMP libraries already loaded: scikit-learn is imported first.
    import sklearn.ensemble  # noqa: F401
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _compute_fit(con, as_of, horizon)


def _compute_fit(con, as_of: date, horizon: int) -> Fit:
    started, cpu = time.perf_counter(), time.process_time()
    cutoff = as_of - timedelta(days=horizon)
    held = run(con, load_sql("risk_signals"), {}).iloc[0].to_dict()
    names = available_signals(held)
    summary = {"horizon_days": horizon, "cutoff": cutoff.isoformat(), "as_of": as_of.isoformat(),
               "signals": names, "model": "gradient boosting (scikit-learn "
               "HistGradientBoostingClassifier)", "training_rows": 0, "training_churned": 0}
    undated = _undated_churn(con)
    if undated:
        return _no_score(summary, "undated", (
            f"{undated:,} customers were marked churned without a churn date: a score learns "
            "when customers leave, and these dates are not known."))
    if not int(held.get("customers_churned") or 0):
        return _no_score(summary, "no_churn", "No customer has a churn date: a score learns "
                         "from customers who left, and there are none in this data.")
    csat_dated = int(held.get("tickets_resolved_at") or 0) > 0
    computed: dict = {}

    def windows(at: date, label_end: date) -> pd.DataFrame:
        # The backtest's windows and today's share all but one cutoff: each is read once.
        if (at, label_end) not in computed:
            computed[(at, label_end)] = risk_features(con, at, label_end, csat_dated)
        return computed[(at, label_end)]

    train = training_set(windows, cutoff, horizon)
    churned_before = int(train["is_churned_in_horizon"].sum()) if len(train) else 0
    summary.update(training_rows=len(train), training_churned=churned_before)
    if churned_before < MIN_CHURNERS:
        return _no_score(summary, "too_little_history", (
            f"Only {churned_before:,} customers churned in the {TRAINING_WINDOWS} windows of "
            f"{horizon} days before {cutoff:%d %b %Y}: a score needs at least {MIN_CHURNERS} "
            "to learn from, and to be checked on the last window before it is shown."))

    # The backtest: fitted on the windows before the cutoff, judged on (cutoff, as_of].
    model = fit_classifier(train, names)
    baseline_names = [n for n in BASELINE if n in names]
    baseline = fit_classifier(train, baseline_names)
    test = windows(cutoff, as_of)
    at_cutoff = pd.DataFrame({
        "customer_id": test["customer_id"].astype("string"),
        "risk": predict_risk(model, test),
        "baseline_risk": predict_risk(baseline, test),
        "is_churned_in_horizon": test["is_churned_in_horizon"].astype(bool),
    })
    backtest_s, backtest_cpu = time.perf_counter() - started, time.process_time() - cpu

    # Today's score: the same, one horizon later.
    today_train = training_set(windows, as_of, horizon)
    today_model = fit_classifier(today_train, names)
    now = windows(as_of, as_of)
    risk = predict_risk(today_model, now)
    today = now[["customer_id", *names]].copy()
    today["customer_id"] = today["customer_id"].astype("string")
    today.insert(1, "risk", risk)
    today.insert(2, "drivers", driver_words(today_model, now, risk, names,
                                        typical_values(today_train, names)))
    summary.update(status="ok", reason="", backtest_seconds=round(backtest_s, 2),
                   backtest_cpu_seconds=round(backtest_cpu, 2),
                   fit_seconds=round(time.perf_counter() - started, 2),
                   fit_cpu_seconds=round(time.process_time() - cpu, 2),
                   today_training_rows=len(today_train))
    return Fit(summary, today, at_cutoff)


def _keep(folder: Path, key: str, result: Fit) -> None:
    """Written whole or not at all (rename); a folder that cannot be written only costs a refit."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for part, data in (("today.parquet", result.today), ("cutoff.parquet", result.at_cutoff),
                           ("summary.json", result.summary)):
            target = folder / f"{KEPT_PREFIX}{key}-{part}"
            tmp = folder / f".{target.name}.{os.getpid()}.tmp"
            if isinstance(data, pd.DataFrame):
                buffer = io.BytesIO()
                data.to_parquet(buffer, index=False)
                tmp.write_bytes(buffer.getvalue())
            else:
                tmp.write_text(json.dumps(data))
            os.replace(tmp, target)
    except OSError as exc:
        log.warning("could not keep the churn score beside the snapshot in %s: %r", folder, exc)


def _read_kept(folder: Path, key: str) -> Fit | None:
    try:
        summary = json.loads((folder / f"{KEPT_PREFIX}{key}-summary.json").read_text())
        today = pd.read_parquet(folder / f"{KEPT_PREFIX}{key}-today.parquet")
        at_cutoff = pd.read_parquet(folder / f"{KEPT_PREFIX}{key}-cutoff.parquet")
    except (OSError, ValueError):
        return None
    return Fit(summary, today, at_cutoff)

