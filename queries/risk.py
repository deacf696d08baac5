"""Who is likely to leave next: a churn score fitted on the business's own history, with its track
record.

The signals of a customer at a cutoff date are computed in SQL (risk_features.sql) from what was
known by the end of that day. A gradient-boosting classifier learns, from earlier windows, which
of the customers active at a cutoff churned within the horizon after it:

- the backtest (`risk_backtest`) fits on windows that ended by cutoff = as_of - horizon (cutoffs
  stepping back by the horizon) and is judged on who churned in (cutoff, as_of];
- today's score (`churn_risk`) is fitted the same way one horizon later: windows that ended by the
  as-of date, features as of the as-of date.

Gradient boosting was chosen over logistic regression by the backtest on the demo (20,000
customers, seed 7, the same signals and windows): AUC 0.797 against 0.790, 40.5% of the horizon's
churners in the top decile against 38.4%, both calibrated within a point; it takes missing values
(no NPS answer yet) and categories as they are, where the regression needs imputing and
one-hot columns.

The fit is made once per snapshot, as-of date and horizon, for every customer (filters only pick
rows of it), kept in this process and, for a snapshot file, beside it in its views folder (as
the default views are), so a filter change never refits.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

import settings
from queries.base import Filters, load_sql, meta, run

log = logging.getLogger("retention.risk")

HORIZON_DAYS = 90
# Earlier windows each fit learns from (cutoffs stepping back by the horizon): a year at 90 days.
TRAINING_WINDOWS = 4
# Fewer churners than this in the training windows before the backtest's cutoff: no score.
MIN_CHURNERS = 30
# Rows a fit learns from at most (a deterministic sample beyond): what keeps a 1M-customer
# snapshot's fits within seconds.
MAX_TRAINING_ROWS = 150_000
# Drivers: up to this many signals, each raising the customer's risk by at least MIN_DRIVER_PTS
# percentage points against a typical value.
MAX_DRIVERS = 3
MIN_DRIVER_PTS = 1.0
DRIVERS_SHARE = 0.2
MAX_DRIVER_CUSTOMERS = 50_000
RANDOM_STATE = 7
# The files of a fit kept beside a snapshot start with this (default_views leaves them alone).
KEPT_PREFIX = "riskfit-"

# Signal -> what it needs (risk_signals.sql columns that must be > 0) and whether it is a category.
DIMENSION_SIGNALS = ("plan", "segment", "region", "industry", "acquisition_channel")


@dataclass(frozen=True)
class Signal:
    name: str
    needs: tuple[str, ...]
    categorical: bool = False


SIGNALS = (
    Signal("tenure_days", ()),
    *(Signal(d, (), True) for d in DIMENSION_SIGNALS),
    Signal("products_count", ()),
    Signal("mrr_latest", ("mrr_history_rows",)),
    Signal("mrr_change_pct", ("mrr_history_rows",)),
    Signal("customer_mrr", ("customers_mrr",)),
    Signal("tickets_90d", ("tickets_rows",)),
    Signal("frt_breaches_90d", ("tickets_rows", "tickets_first_response_at")),
    Signal("low_csat_90d", ("tickets_rows", "tickets_csat")),
    Signal("open_tickets_90d", ("tickets_rows", "tickets_resolved_at")),
    Signal("latest_nps", ("nps_responses_rows",)),
    Signal("activity_30d", ("activity_rows",)),
    Signal("activity_prior_60d", ("activity_rows",)),
    Signal("activity_change_pct", ("activity_rows",)),
    Signal("days_since_activity", ("activity_rows",)),
    Signal("contacts_90d", ("outreach_rows",)),
    Signal("responses_90d", ("outreach_rows", "outreach_responded_at")),
)
BASELINE = ("tenure_days", "plan")

LIST_COLUMNS = ["customer_id", "name", "risk", "risk_pct", "mrr", "mrr_at_risk", "drivers"]
BACKTEST_KEYS = ("status", "reason", "horizon_days", "cutoff", "as_of", "customers", "churned",
                 "auc", "baseline_auc", "top_decile_capture_pct", "calibration_error_pts",
                 "calibration", "signals", "training_rows", "training_churned", "model")


# --- signals ---------------------------------------------------------------------------------------

def available_signals(held: dict) -> list[str]:
    """The signals this snapshot's data can give (`held`: the row of risk_signals.sql): a table or
    column without values gives none, and a dimension needs more than one value."""
    out = []
    for signal in SIGNALS:
        if signal.name in DIMENSION_SIGNALS or signal.name == "products_count":
            if int(held.get(f"{signal.name}_values") or 0) > 1:
                out.append(signal.name)
            continue
        if signal.name == "customer_mrr" and int(held.get("mrr_history_rows") or 0) > 0:
            continue  # the dated history says what the customer paid then; customers.mrr is today's
        if all(int(held.get(need) or 0) > 0 for need in signal.needs):
            out.append(signal.name)
    return out


def _window_params(cutoff: date, label_end: date, csat_dated: bool) -> dict:
    cutoff_end = datetime.combine(cutoff + timedelta(days=1), datetime.min.time())
    mrr_month = (cutoff.replace(day=1) - timedelta(days=1)).replace(day=1)
    month_3 = mrr_month
    for _ in range(3):
        month_3 = (month_3 - timedelta(days=1)).replace(day=1)
    return {
        "cutoff": cutoff,
        "cutoff_end": cutoff_end,
        "label_end": label_end,
        "recent_from": cutoff_end - timedelta(days=30),
        "window_from": cutoff_end - timedelta(days=90),
        "breach_before": cutoff_end - timedelta(hours=settings.SLA_HOURS),
        "sla_h": float(settings.SLA_HOURS),
        "csat_dated": csat_dated,
        "mrr_month": mrr_month,
        "mrr_month_before": month_3,
    }


def risk_features(con, cutoff: date, label_end: date, csat_dated: bool = True) -> pd.DataFrame:
    """Row per customer active at the end of `cutoff`: the signals known by then (every column of
    risk_features.sql) and is_churned_in_horizon (churn in (cutoff, label_end])."""
    return run(con, load_sql("risk_features"), _window_params(cutoff, label_end, csat_dated))


# --- the model ---------------------------------------------------------------------------------------

class _Encoder:
    """Signals as the model's numeric matrix: each category as a code of the training data's
    sorted values (a value it never saw, or none, is missing)."""

    def __init__(self, train: pd.DataFrame, names: list[str]):
        self.names = names
        cats = [s.name for s in SIGNALS if s.categorical]
        self.vocab = {n: sorted(train[n].dropna().astype(str).unique()) for n in names if n in cats}

    def matrix(self, df: pd.DataFrame) -> np.ndarray:
        cols = []
        for name in self.names:
            if name in self.vocab:
                codes = pd.Categorical(df[name].astype("string"), categories=self.vocab[name]).codes
                cols.append(np.where(codes < 0, np.nan, codes).astype(float))
            else:
                cols.append(pd.to_numeric(df[name], errors="coerce").astype(float).to_numpy())
        return np.column_stack(cols) if cols else np.empty((len(df), 0))

    def categorical_mask(self) -> list[bool]:
        return [name in self.vocab for name in self.names]


def _fit(train: pd.DataFrame, names: list[str]):
    """A gradient-boosting classifier of is_churned_in_horizon on `names`; deterministic."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    encoder = _Encoder(train, names)
    y = train["is_churned_in_horizon"].astype(int).to_numpy()
    model = HistGradientBoostingClassifier(
        learning_rate=0.1, max_iter=100, max_leaf_nodes=15,
        min_samples_leaf=max(5, min(200, len(train) // 100)), l2_regularization=1.0,
        categorical_features=encoder.categorical_mask() or None, early_stopping=False,
        random_state=RANDOM_STATE)
    model.fit(encoder.matrix(train), y)
    return model, encoder


def _predict(fitted, df: pd.DataFrame) -> np.ndarray:
    model, encoder = fitted
    if df.empty:
        return np.empty(0)
    return model.predict_proba(encoder.matrix(df))[:, 1]


def _training(windows, end: date, horizon: int) -> pd.DataFrame:
    """The windows that ended by `end`: features at end - k x horizon, outcome in the horizon
    after, k = 1..TRAINING_WINDOWS (`windows(cutoff, label_end)` gives each); at most
    MAX_TRAINING_ROWS rows (a seeded sample)."""
    parts = []
    for k in range(1, TRAINING_WINDOWS + 1):
        cutoff = end - timedelta(days=k * horizon)
        part = windows(cutoff, cutoff + timedelta(days=horizon))
        if part.empty:
            break
        parts.append(part.assign(window=k))
    if not parts:
        return pd.DataFrame()
    train = pd.concat(parts, ignore_index=True)
    if len(train) > MAX_TRAINING_ROWS:
        keep = np.random.default_rng(RANDOM_STATE).choice(len(train), MAX_TRAINING_ROWS,
                                                           replace=False)
        train = train.iloc[np.sort(keep)].reset_index(drop=True)
    return train


def _references(train: pd.DataFrame, names: list[str]) -> dict:
    """A typical value of each signal (the median, or the most common category, over the customers
    who stayed): what a driver's effect is measured against."""
    stayed = train[~train["is_churned_in_horizon"].astype(bool)]
    stayed = stayed if len(stayed) else train
    refs = {}
    for name in names:
        column = stayed[name].dropna()
        if column.empty:
            refs[name] = None
        elif name in DIMENSION_SIGNALS:
            counts = column.astype(str).value_counts()
            refs[name] = sorted(counts[counts == counts.max()].index)[0]
        else:
            refs[name] = float(column.astype(float).median())
    return refs


def _drivers(fitted, df: pd.DataFrame, risk: np.ndarray, names: list[str],
             refs: dict) -> list[str]:
    """Per row: the signals that raise its risk most against their typical value, in words; named
    for the fifth of customers with the highest risk (DRIVERS_SHARE, at most
    MAX_DRIVER_CUSTOMERS), the ones a call list reaches: each costs a prediction per signal, most
    of a large snapshot's fit."""
    out = [""] * len(df)
    if not len(risk):
        return out
    shown = min(int(np.ceil(len(risk) * DRIVERS_SHARE)), MAX_DRIVER_CUSTOMERS)
    rows = np.sort(np.argsort(-risk, kind="stable")[:shown])
    if not len(rows):
        return out
    part = df.iloc[rows].reset_index(drop=True)
    lifts = np.zeros((len(part), len(names)))
    for j, name in enumerate(names):
        if refs.get(name) is None:
            continue
        typical = part.copy()
        typical[name] = refs[name]
        lifts[:, j] = (risk[rows] - _predict(fitted, typical)) * 100
    records = part.to_dict("records")
    for i, row in enumerate(records):
        order = [j for j in np.argsort(-lifts[i], kind="stable")[:MAX_DRIVERS]
                 if lifts[i, j] >= MIN_DRIVER_PTS]
        out[rows[i]] = " · ".join(signal_words(names[j], row) for j in order)
    return out


def _plural(n: float, one: str, many: str | None = None) -> str:
    n = int(n)
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def signal_words(name: str, row) -> str:
    """One signal of one customer in plain words ('2 first responses over 4 h in 90 days')."""
    value = row[name]
    missing = value is None or bool(pd.isna(value))
    if name == "tenure_days":
        days = int(value)
        return (f"new: {_plural(days, 'day')} as a customer" if days < 60
                else f"{_plural(days // 30, 'month')} as a customer")
    if name in DIMENSION_SIGNALS:
        label = {"acquisition_channel": "acquired via"}.get(name, name)
        return f"{label} {value}"
    if name == "products_count":
        return "products held unknown" if missing else _plural(value, "product") + " held"
    if name in ("mrr_latest", "customer_mrr"):
        return "no MRR recorded" if missing else f"MRR ${float(value):,.0f}"
    if name == "mrr_change_pct":
        if missing:
            return "no MRR 3 months before"
        return (f"MRR {'up' if value > 0 else 'down'} {abs(float(value)):.0f}% in 3 months"
                if round(float(value)) else "MRR flat over 3 months")
    if name == "tickets_90d":
        return f"{_plural(value, 'ticket')} in 90 days"
    if name == "frt_breaches_90d":
        return (f"{_plural(value, 'first response')} over {settings.SLA_HOURS:g} h in 90 days"
                if value else f"no first response over {settings.SLA_HOURS:g} h in 90 days")
    if name == "low_csat_90d":
        return (f"{_plural(value, 'CSAT rating')} below 4 in 90 days" if value
                else "no CSAT rating below 4 in 90 days")
    if name == "open_tickets_90d":
        return _plural(value, "open ticket") if value else "no open ticket"
    if name == "latest_nps":
        return "no NPS answer" if missing else f"latest NPS {int(value)}"
    if name == "activity_30d":
        return f"activity: {_plural(value, 'event')} in 30 days"
    if name == "activity_prior_60d":
        return f"activity: {_plural(value, 'event')} in the 60 days before the last 30"
    if name == "activity_change_pct":
        if missing:
            return "no activity in the 60 days before the last 30"
        return (f"activity {'up' if value > 0 else 'down'} {abs(float(value)):.0f}% "
                "(last 30 days against the 60 before)")
    if name == "days_since_activity":
        return "no activity yet" if missing else f"no activity for {_plural(value, 'day')}"
    if name == "contacts_90d":
        return f"{_plural(value, 'outreach contact')} in 90 days"
    if name == "responses_90d":
        return (f"answered {_plural(value, 'outreach contact')} in 90 days" if value
                else "answered no outreach contact in 90 days")
    raise ValueError(f"unknown signal {name!r}")


# --- the fit, once per snapshot, as-of date and horizon -----------------------------------------------

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
    text = Path(__file__).read_bytes()
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
    key = hashlib.sha256(json.dumps(
        [str(facts.get("snapshot_id")), str(facts.get("built_at")), as_of.isoformat(), horizon,
         _code_version()]).encode()).hexdigest()[:24]
    if path is not None and (path, key) in _FITS:
        _FITS.move_to_end((path, key))
        return _FITS[(path, key)]
    folder = Path(os.path.realpath(path)).with_suffix(".views") if path else None
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

    train = _training(windows, cutoff, horizon)
    churned_before = int(train["is_churned_in_horizon"].sum()) if len(train) else 0
    summary.update(training_rows=len(train), training_churned=churned_before)
    if churned_before < MIN_CHURNERS:
        return _no_score(summary, "too_little_history", (
            f"Only {churned_before:,} customers churned in the {TRAINING_WINDOWS} windows of "
            f"{horizon} days before {cutoff:%d %b %Y}: a score needs at least {MIN_CHURNERS} "
            "to learn from, and to be checked on the last window before it is shown."))

    # The backtest: fitted on the windows before the cutoff, judged on (cutoff, as_of].
    model = _fit(train, names)
    baseline_names = [n for n in BASELINE if n in names]
    baseline = _fit(train, baseline_names)
    test = windows(cutoff, as_of)
    at_cutoff = pd.DataFrame({
        "customer_id": test["customer_id"].astype("string"),
        "risk": _predict(model, test),
        "baseline_risk": _predict(baseline, test),
        "is_churned_in_horizon": test["is_churned_in_horizon"].astype(bool),
    })
    backtest_s, backtest_cpu = time.perf_counter() - started, time.process_time() - cpu

    # Today's score: the same, one horizon later.
    today_train = _training(windows, as_of, horizon)
    today_model = _fit(today_train, names)
    now = windows(as_of, as_of)
    risk = _predict(today_model, now)
    today = now[["customer_id", *names]].copy()
    today["customer_id"] = today["customer_id"].astype("string")
    today.insert(1, "risk", risk)
    today.insert(2, "drivers", _drivers(today_model, now, risk, names,
                                        _references(today_train, names)))
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
