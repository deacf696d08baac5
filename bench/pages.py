"""What each dashboard page asks the metrics API for, and the filter sets of the benchmark.

The calls come from queries/stored.py PAGE_CALLS, the one list of each page's default view (the
same calls the snapshot stores results for, and tests/pages checks against what the pages call).
A call is `(function name, kwargs, filter overrides)`; the overrides replace fields of the page's
Filters (the compare charts run a function once per plan or segment in the selection).

FILTER_SETS are the benchmark's filter sets: default, and three typical ones. The default set is
timed twice: as the app gets it (from the results stored in the snapshot) and computed live
(LIVE_SET), so the table shows what precomputing saves and what a first look at any other view
costs.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from dataclasses import replace
from datetime import date

import queries
from queries import Filters
from queries import stored

PAGE_QUERIES: dict[str, list[tuple]] = stored.PAGE_CALLS
LIVE_SET = "default, computed live"

# The numbers the pandas reference (bench/reference.py) computes too: same calls, compared.
REFERENCE_QUERIES: list[tuple] = [
    ("cohort_retention", {"grain": "month", "basis": "logo"}),
    ("period_movements", {"grain": "month"}),
    ("churn_reasons", {}),
    ("support_kpis", {"grain": "month"}),
    ("nps", {"grain": "quarter"}),
]

FILTER_SETS: dict[str, Filters] = {
    "default": Filters(),
    "one plan": Filters(plans=("Growth",)),
    "segment + region": Filters(segments=("SMB",), regions=("EMEA",)),
    "signup 2025": Filters(signup_from=date(2025, 1, 1), signup_to=date(2025, 12, 31)),
}


def find_function(name: str):
    """queries.<name>, or the function of that name in any queries submodule; None if absent."""
    fn = getattr(queries, name, None)
    if callable(fn):
        return fn
    for module in pkgutil.iter_modules(queries.__path__):
        try:
            mod = importlib.import_module(f"queries.{module.name}")
        except Exception:  # a module being written right now may not import yet
            continue
        fn = getattr(mod, name, None)
        if callable(fn) and getattr(fn, "__module__", "").startswith("queries"):
            return fn
    return None


def calls_of(page: str, con=None, f: Filters | None = None) -> list[tuple[str, dict, dict]]:
    """The page's calls, the shared frame's first. With a connection, a compare call runs once per
    value of its dimension within `f` (as ui.compare does); without, it is listed once."""
    calls = stored.calls_of(page)
    if con is None:
        return calls
    options = queries.filter_options(con)
    for field, dimension in stored.EACH_DIMENSION.items():
        chosen = getattr(f, field) if f is not None else ()
        if chosen:
            options[dimension] = list(chosen)
    return stored.expand(calls, options)


def call_label(name: str, kwargs: dict, overrides: dict) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in {**kwargs, **overrides}.items())
    return f"{name}({args})"


def run_calls(con, calls, f: Filters, live: bool = False) -> tuple[list, list[dict]]:
    """Run every call; return (results, [{call, ms, error}]). Missing functions give an error row.
    `live`: compute every number, never answer from the results stored in the snapshot."""
    results, timings = [], []
    for name, kwargs, overrides in calls:
        fn = find_function(name)
        if live and fn is not None:
            fn = getattr(fn, "live", fn)
        started = time.perf_counter()
        error = None
        result = None
        if fn is None:
            error = "missing"
        else:
            try:
                result = fn(con, replace(f, **overrides) if overrides else f, **kwargs)
            except Exception as exc:  # reported, not fatal: the table shows which call failed
                error = f"{type(exc).__name__}: {exc}"[:300]
        timings.append({
            "call": call_label(name, kwargs, overrides),
            "ms": (time.perf_counter() - started) * 1000,
            "error": error,
        })
        results.append(result)
    return results, timings
