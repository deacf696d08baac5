"""Results of each page's default view, computed once per snapshot and stored in it.

An executive's first click on a hosted link is almost always a page with default filters, and at
1M customers some of those numbers take a second or more to compute live (exact medians over 10M
tickets). So when a snapshot is built (or upgraded), every call in PAGE_CALLS runs once with the
default filters and its result is stored in the snapshot, in `stored_results`, as Parquet bytes.
The public `queries` functions answer from there when the same call comes in, and compute live
otherwise. A stored result is only served when it was computed by today's query code
(`code_version()` hashes queries/ and data/facts.sql), so a code change can never serve numbers
the new code would not give; the upgrade on the app's first request stores them again.

PAGE_CALLS is the one list of what each page asks for with default filters and default widgets;
tests/pages check it against what the pages really call, and the benchmark times it.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import io
import json
import logging
import time
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from queries.base import Filters, default_as_of

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
# A compare chart runs its function once per value of a dimension in the data (ui.compare):
# {"segments": EACH} stands for one call per segment.
EACH = "each value in the data"
EACH_DIMENSION = {"plans": "plan", "segments": "segment"}

# Every page draws the shared header (its KPI line and the customer count); then its own calls.
# Each call is (function name, arguments[, filter fields that replace the default filters]).
FRAME_CALLS: list[tuple] = [
    ("cohort_retention", {"grain": "quarter"}),
]
PAGE_CALLS: dict[str, list[tuple]] = {
    "Overview": [
        ("period_movements", {"grain": "month"}),
        ("revenue_retention", {"grain": "month"}),
        ("support_kpis", {"grain": "month", "resolution": False}),
        ("nps", {"grain": "quarter"}),
        ("nps", {"grain": "month"}),
        ("churn_reasons", {}),
        ("churn_reasons", {"grain": "month"}),
        ("churn_reasons", {"grain": "month"}, {"segments": EACH}),  # churn by segment
    ],
    "Cohorts": [
        ("cohort_retention", {"grain": "month", "basis": "logo"}),
        ("average_retention", {"grain": "month", "basis": "logo"}),
        # compare mode, by plan: one weighted average curve per plan
        ("average_retention", {"grain": "month", "basis": "logo"}, {"plans": EACH}),
    ],
    "Churn reasons": [
        ("churn_reasons", {}),
        ("churn_reasons", {"grain": "month"}),
        ("churn_reasons", {}, {"segments": EACH}),
        ("raw_reasons", {"category": "Price"}),
        ("raw_reasons", {"category": "Other"}),  # the Other warning: no reason vs unmapped
    ],
    "Support KPIs": [
        ("support_kpis", {"grain": "month"}),
        ("support_kpis", {"grain": "month", "by": "channel"}),
        ("nps", {"grain": "month"}),
    ],
    "Support x retention": [
        ("survival", {"by": "early_tickets"}),
        ("logrank_p", {"by": "early_tickets"}),
        ("survival_at", {"by": "early_tickets", "day": 365}),
        ("early_support_excluded", {}),
        ("pre_churn_tickets", {}),
        ("retention_by_products", {"horizon_months": 24}),
        ("early_expansion_retention", {"horizon_months": 24}),
    ],
    "Data": [
        ("data_quality", {}),
        ("early_support_excluded", {}),
    ],
}


# What a page asks for with default filters that is deliberately not stored: the rows behind the
# drill-down depend on the cell picked (by default the newest cohort), and the table profile and
# the reason mapping's tables are small reads of the whole snapshot.
NOT_STORED = {"cohort_customers", "table_profile", "reason_mapping", "mapping_versions",
              "mapping_categories"}


def calls_of(page: str) -> list[tuple[str, dict, dict]]:
    """The page's calls (the shared frame's first) as (name, arguments, filter overrides)."""
    return [(c[0], c[1], c[2] if len(c) > 2 else {}) for c in FRAME_CALLS + PAGE_CALLS[page]]


def expand(calls, options: dict[str, list]) -> list[tuple[str, dict, dict]]:
    """Calls with EACH replaced by one call per value; `options` is queries.filter_options."""
    out = []
    for name, kwargs, overrides in calls:
        each = [field for field, value in overrides.items() if value == EACH]
        if not each:
            out.append((name, kwargs, overrides))
            continue
        (field,) = each
        out += [(name, kwargs, {**overrides, field: (value,)})
                for value in options.get(EACH_DIMENSION[field], [])]
    return out


def all_calls(options: dict[str, list]) -> list[tuple[str, dict, dict]]:
    """Every distinct call of every page, in page order, for data with these filter options."""
    seen, calls = set(), []
    for page in PAGE_CALLS:
        for name, kwargs, overrides in expand(calls_of(page), options):
            key = (name, json.dumps(kwargs, sort_keys=True), json.dumps(overrides, sort_keys=True,
                                                                        default=list))
            if key not in seen:
                seen.add(key)
                calls.append((name, kwargs, overrides))
    return calls


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the code that computes every stored number: the queries package and the SQL of
    the derived tables. Once per process: it describes the code this process runs (and every
    served call asks for it)."""
    digest = hashlib.sha256()
    files = sorted(HERE.rglob("*.py")) + sorted(HERE.rglob("*.sql")) + [HERE.parent / "data" / "facts.sql"]
    for path in files:
        digest.update(path.relative_to(HERE.parent).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _default(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return list(value)
    raise TypeError(f"cannot key {type(value).__name__}")


def call_key(name: str, arguments: dict, f: Filters) -> str:
    """A call as text: function, every argument (defaults filled in) and the filters."""
    return json.dumps({"fn": name, "args": arguments, "filters": asdict(f)}, sort_keys=True,
                      default=_default)


def _arguments(fn: Callable, con, f, args, kwargs) -> dict:
    bound = inspect.signature(fn).bind(con, f, *args, **kwargs)
    bound.apply_defaults()
    return {k: v for k, v in list(bound.arguments.items())[2:]}


def _canonical_filters(con, f: Filters) -> Filters | None:
    """f with an as-of equal to the data's default written as None (the two mean the same view);
    None when f is not a Filters (some callers pass their own)."""
    if not isinstance(f, Filters):
        return None
    if f.as_of is not None and f.as_of == default_as_of(con):
        return replace(f, as_of=None)
    return f


MISS = object()  # a stored result can be None (a p-value of a single group)


def lookup(con, key: str):
    """The stored result of a call, or MISS."""
    try:
        row = con.execute(
            "select kind, result from stored_results "
            "where call = $call and code_version = $version",
            {"call": key, "version": code_version()},
        ).fetchone()
    except duckdb.CatalogException:  # built before results were stored
        return MISS
    if row is None:
        return MISS
    kind, payload = row
    if kind == "frame":
        return pd.read_parquet(io.BytesIO(payload))
    return json.loads(payload)


def served(fn: Callable) -> Callable:
    """fn(con, f, ...), answered from the snapshot's stored results when it holds this call."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(con, f, *args, **kwargs):
        filters = _canonical_filters(con, f)
        if filters is not None:
            key = call_key(name, _arguments(fn, con, f, args, kwargs), filters)
            hit = lookup(con, key)
            if hit is not MISS:
                return hit
        return fn(con, f, *args, **kwargs)

    wrapper.live = fn  # the benchmark times both
    return wrapper


def _plain(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__}")


def _serialise(result) -> tuple[str, bytes]:
    """(kind, bytes): a DataFrame as Parquet (dtypes and dates survive the round trip), anything
    else (a count, a p-value, a dict of counts) as JSON."""
    if isinstance(result, pd.DataFrame):
        out = io.BytesIO()
        result.to_parquet(out, index=True)
        return "frame", out.getvalue()
    return "json", json.dumps(result, default=_plain).encode()


def store_default_views(con: duckdb.DuckDBPyConnection, functions: dict[str, Callable],
                        options: dict[str, list],
                        progress: Callable[[float, str], None] | None = None) -> float:
    """Compute every call of PAGE_CALLS with default filters on this (writable, being built)
    snapshot and store the results; replaces what was stored before. Returns the seconds taken.

    `functions` maps a name to the live function (queries passes its own, to avoid a cycle);
    `options` are the snapshot's filter options (queries.filter_options).
    A call that fails is left out (and logged): the page then computes it live and reports the
    error to the viewer the usual way, instead of the whole import failing over one chart.
    """
    started = time.perf_counter()
    con.execute("create or replace table stored_results (call varchar primary key, "
                "code_version varchar not null, kind varchar not null, result blob not null)")
    calls = all_calls(options)
    for i, (name, kwargs, overrides) in enumerate(calls):
        if progress:
            progress(i / len(calls), f"precomputing default views ({i + 1} of {len(calls)})")
        fn = functions[name]
        f = replace(Filters(), **overrides)
        try:
            result = fn(con, f, **kwargs)
        except Exception:  # noqa: BLE001 - see the docstring
            log.exception("could not store %s(%s) for %s", name, kwargs, overrides)
            continue
        kind, payload = _serialise(result)
        con.execute("insert into stored_results values ($call, $version, $kind, $result)", {
            "call": call_key(name, _arguments(fn, con, f, (), kwargs), f),
            "version": code_version(),
            "kind": kind,
            "result": payload,
        })
    return time.perf_counter() - started


def stored_version(con) -> str | None:
    """The code version of a snapshot's stored results (None: none stored)."""
    try:
        row = con.execute("select any_value(code_version) from stored_results").fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None
