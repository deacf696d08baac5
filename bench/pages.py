"""What each dashboard page asks the metrics API for: the one place that lists it.

PAGE_QUERIES maps a page to its calls, each `(function name, kwargs)` or
`(function name, kwargs, filter overrides)`; the overrides replace fields of the page's Filters
(the Cohorts compare mode runs average_retention once per plan). Follows SPEC §4, issue 5 and
issue 6. A function the `queries` package does not have (yet) is skipped and reported as missing,
so a page's set grows as soon as the function lands.

FILTER_SETS are the four filter sets of the benchmark: default, and three typical ones.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from dataclasses import replace
from datetime import date

import queries
from queries import Filters

PLANS = ("Starter", "Growth", "Enterprise")
EARLY = ("early_tickets", "early_frt_sla", "early_csat")

PAGE_QUERIES: dict[str, list[tuple]] = {
    "Overview": [
        ("kpi_summary", {}),
        ("period_movements", {"grain": "month"}),
        ("churn_reasons", {}),
        ("support_kpis", {"grain": "month"}),
        ("nps", {"grain": "quarter"}),
        ("revenue_retention", {"grain": "month"}),
    ],
    "Cohorts": [
        ("cohort_retention", {"grain": "month", "basis": "logo"}),
        ("average_retention", {"grain": "month", "basis": "logo"}),
        # compare mode, by plan: one weighted average curve per plan
        *[("average_retention", {"grain": "month", "basis": "logo"}, {"plans": (plan,)})
          for plan in PLANS],
    ],
    "Churn reasons": [
        ("churn_reasons", {}),
        ("churn_reasons", {"grain": "month"}),
        ("raw_reasons", {"category": "Price"}),
    ],
    "Support KPIs": [
        ("support_kpis", {"grain": "month"}),
        ("support_kpis", {"grain": "month", "by": "channel"}),
        ("support_kpis", {"grain": "month", "by": "priority"}),
        ("support_kpis", {"grain": "month", "by": "category"}),
        ("nps", {"grain": "quarter"}),
    ],
    "Support x retention": [
        *[("survival", {"by": by}) for by in EARLY],
        *[("logrank_p", {"by": by}) for by in EARLY],
        ("early_support_excluded", {}),
        ("pre_churn_tickets", {}),
        ("retention_by_products", {"horizon_months": 24}),
        ("early_expansion_retention", {"horizon_months": 24}),
    ],
    "Data": [
        ("meta", {}),
    ],
}

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


def calls_of(page: str) -> list[tuple[str, dict, dict]]:
    return [(c[0], c[1], c[2] if len(c) > 2 else {}) for c in PAGE_QUERIES[page]]


def call_label(name: str, kwargs: dict, overrides: dict) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in {**kwargs, **overrides}.items())
    return f"{name}({args})"


def run_calls(con, calls, f: Filters) -> tuple[list, list[dict]]:
    """Run every call; return (results, [{call, ms, error}]). Missing functions give an error row."""
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
                if name == "meta":
                    result = fn(con)
                else:
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
