"""The churn score's model: a gradient-boosting classifier of is_churned_in_horizon over the
signals (queries/risk_signals.py), the windows it learns from, and the drivers of a customer's
risk in words.

Gradient boosting was chosen over logistic regression by the backtest on the demo (20,000
customers, seed 7, the same signals and windows): AUC 0.797 against 0.790, 40.5% of the horizon's
churners in the top decile against 38.4%, both calibrated within a point; it takes missing values
(no NPS answer yet) and categories as they are, where the regression needs imputing and
one-hot columns.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from queries.risk_signals import DIMENSION_SIGNALS, SIGNALS, signal_words

# Earlier windows each fit learns from (cutoffs stepping back by the horizon): a year at 90 days.
TRAINING_WINDOWS = 4
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


def fit_classifier(train: pd.DataFrame, names: list[str]):
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


def predict_risk(fitted, df: pd.DataFrame) -> np.ndarray:
    model, encoder = fitted
    if df.empty:
        return np.empty(0)
    return model.predict_proba(encoder.matrix(df))[:, 1]


def training_set(windows, end: date, horizon: int) -> pd.DataFrame:
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


def typical_values(train: pd.DataFrame, names: list[str]) -> dict:
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


def driver_words(fitted, df: pd.DataFrame, risk: np.ndarray, names: list[str],
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
        lifts[:, j] = (risk[rows] - predict_risk(fitted, typical)) * 100
    records = part.to_dict("records")
    for i, row in enumerate(records):
        order = [j for j in np.argsort(-lifts[i], kind="stable")[:MAX_DRIVERS]
                 if lifts[i, j] >= MIN_DRIVER_PTS]
        out[rows[i]] = " · ".join(signal_words(names[j], row) for j in order)
    return out

