"""What each dashboard page asks the metrics API for, and the filter sets of the benchmark.

The calls come from default_views.PAGE_CALLS, the one list of each page's default view (the
same calls kept beside each snapshot, and tests/pages checks against what the pages call).
A call is `(function name, kwargs, filter overrides)`; the overrides replace fields of the page's
Filters (the compare charts run a function once per plan or segment in the selection).

FILTER_SETS are the benchmark's filter sets: default, and three typical ones. The default set is
timed twice: as the app gets it (the results kept beside the snapshot) and computed live
(LIVE_SET), so the table shows what precomputing saves and what a first look at any other view
costs.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

from views import default_views
import queries
from queries import Filters

PAGE_QUERIES: dict[str, list[tuple]] = default_views.PAGE_CALLS
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
    """queries.<name>; None if the metrics API has no such function."""
    fn = getattr(queries, name, None)
    return fn if callable(fn) else None


def calls_of(page: str, con=None, f: Filters | None = None) -> list[tuple[str, dict, dict]]:
    """The page's calls, the shared frame's first. With a connection, a compare call runs once per
    value of its dimension within `f` (as ui.compare does) and an argument the page picks from
    the data (default_views.FirstOf) is the value it picks; without, it is listed once."""
    calls = default_views.calls_of(page)
    if con is None:
        return calls
    options = queries.filter_options(con)
    for field, dimension in default_views.EACH_DIMENSION.items():
        chosen = getattr(f, field) if f is not None else ()
        if chosen:
            options[dimension] = list(chosen)
    return [(name, default_views.resolve(con, kwargs, f or Filters()), overrides)
            for name, kwargs, overrides in default_views.expand(calls, options)]


def call_label(name: str, kwargs: dict, overrides: dict) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in {**kwargs, **overrides}.items())
    return f"{name}({args})"


def run_calls(con, calls, f: Filters, live: bool = False, db=None) -> tuple[list, list[dict]]:
    """Run every call; return (results, [{call, ms, error}]). Missing functions give an error row.
    With the snapshot's path `db` and not `live`, a call is answered as the app answers it: from
    the default views kept beside the snapshot when it is one of them, else computed."""
    f = f.resolve(con)  # as the app's frame does, once: kept views are keyed on the date
    kept = None
    if db is not None and not live:
        kept = (db, default_views.facts_version(con))
    results, timings = [], []
    for name, kwargs, overrides in calls:
        fn = find_function(name)
        started = time.perf_counter()
        error = None
        result = None
        if fn is None:
            error = "missing"
        else:
            try:
                g = replace(f, **overrides) if overrides else f
                result = default_views.MISS
                if kept is not None:
                    result = default_views.lookup(*kept, name, g, kwargs)
                if result is default_views.MISS:
                    result = fn(con, g, **kwargs)
            except Exception as exc:  # noqa: BLE001 - reported in the table, not fatal
                error = f"{type(exc).__name__}: {exc}"[:300]
        timings.append({
            "call": call_label(name, kwargs, overrides),
            "ms": (time.perf_counter() - started) * 1000,
            "error": error,
        })
        results.append(result)
    return results, timings
