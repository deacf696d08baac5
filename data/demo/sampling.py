"""Vectorised draws shared by the demo generator's modules (data/demo/generate.py and its parts)."""

from __future__ import annotations

import numpy as np


def pick(rng: np.random.Generator, probs, group: np.ndarray | None = None, n: int | None = None):
    """Vectorised categorical draw: codes by `probs`, or by `probs[group]` row by row."""
    cdf = np.cumsum(np.asarray(probs, dtype=float), axis=-1)
    cdf /= cdf[..., -1:]
    if group is None:
        return np.searchsorted(cdf, rng.random(n), side="right").astype(np.int8)
    u = rng.random(len(group))
    return (u[:, None] >= cdf[group]).sum(axis=1).astype(np.int8)
