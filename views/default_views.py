"""Each page's default view, computed once per snapshot and kept beside it.

An executive's first click on a hosted link is almost always a page with default filters, and at
1M customers some of those numbers take a second or more to compute live (exact medians over 10M
tickets). So every call in PAGE_CALLS is computed once per snapshot, with the default filters,
and its result kept in a folder beside the snapshot file (`<snapshot>.views/`, one file per call:
Parquet for a frame, JSON for a number). The app's cache layer (snapshot.answer) serves a call
from there when it is exactly such a call, and computes it live otherwise.

A kept result is named by its call, by the version of the function that computed it (its code
and its SQL, see views/fingerprint.py) and by the version of the snapshot's derived tables: a result
the code of today would not give is never found, and a change to one function recomputes only
that function's results. Keeping results never writes to the snapshot file itself.

When: a build in this process passes `after_build(live)` to data.demo.generate / data.load, so a new
snapshot is published with its views; otherwise the app computes what is missing the first time
it opens a snapshot (snapshot.ensure_views), and `python -m views.default_views` does the same ahead.

PAGE_CALLS (from the catalogue, views/catalog.py) is what each page asks for with default filters
and default widgets; tests/pages check it against what the pages really call, and the benchmark
times it.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import io
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Callable

import pandas as pd

from views import fingerprint
import queries
from queries import risk_fit
from views import catalog, compare
from data import build, snapshots
from queries import Filters

log = logging.getLogger("retention.default_views")

# What each page asks for with default filters and default widgets is the catalogue's
# (views/catalog.py): PAGE_CALLS per kept view, FRAME_CALLS for the shared header.
EACH, EACH_DIMENSION, FirstOf = catalog.EACH, catalog.EACH_DIMENSION, catalog.FirstOf
FRAME_CALLS, PAGE_CALLS, NOT_STORED = catalog.FRAME_CALLS, catalog.PAGE_CALLS, catalog.NOT_STORED


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
            key = (name, repr(sorted(kwargs.items())), repr(sorted(overrides.items())))
            if key not in seen:
                seen.add(key)
                calls.append((name, kwargs, overrides))
    return calls


def resolve(con, kwargs: dict, f: Filters) -> dict:
    """kwargs with each FirstOf replaced by the value it stands for in this data (None when the
    call it reads has no rows)."""
    return compare.resolve(lambda name, g: getattr(queries, name)(con, g), kwargs, f)


# --- Where a result is kept ----------------------------------------------------------------------

def views_dir(snapshot_path: str | Path) -> Path:
    """The folder of a snapshot file's default views (the live path is resolved first)."""
    return Path(os.path.realpath(snapshot_path)).with_suffix(".views")


def _default(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return list(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot key {type(value).__name__}")


def call_key(name: str, arguments: dict, f: Filters) -> str:
    """A call as text: function, every argument (defaults filled in) and the filters."""
    return json.dumps({"fn": name, "args": arguments, "filters": asdict(f)}, sort_keys=True,
                      default=_default)


def _arguments(fn: Callable, f: Filters, kwargs: dict) -> dict:
    """The call's arguments after the filters, defaults filled in: a call written two ways (a
    default spelled out or left out) is one call."""
    bound = inspect.signature(fn).bind(None, f, **kwargs)
    bound.apply_defaults()
    return dict(list(bound.arguments.items())[2:])


def _stem(name: str, f: Filters, kwargs: dict, facts: str | None) -> str | None:
    fn = getattr(queries, name, None)
    if fn is None or name in NOT_STORED:
        return None
    try:
        key = call_key(name, _arguments(fn, f, kwargs), f)
    except TypeError:  # arguments the function does not take, or a value that cannot be keyed
        return None
    digest = hashlib.sha256(f"{key}|{fingerprint.version(name)}|{facts}".encode()).hexdigest()
    return f"{name}-{digest[:24]}"


MISS = object()  # a kept result can be None (a p-value of a single group)


def lookup(snapshot_path: str | Path, facts: str | None, name: str, f: Filters, kwargs: dict):
    """The kept result of queries.<name>(con, f, **kwargs) for this snapshot, or MISS.

    `facts` is the snapshot's derived-table version. The views are kept for the snapshot's own
    as-of date, written out: filters without an as-of date are never found."""
    stem = _stem(name, f, kwargs, facts)
    if stem is None:
        return MISS
    folder = views_dir(snapshot_path)
    try:
        return pd.read_parquet(folder / f"{stem}.parquet")
    except FileNotFoundError:
        pass
    try:
        return json.loads((folder / f"{stem}.json").read_bytes())
    except FileNotFoundError:
        return MISS


def _plain(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot keep {type(value).__name__}")


def _write(folder: Path, stem: str, result) -> None:
    """A DataFrame as Parquet (dtypes and dates survive the round trip), anything else (a count,
    a p-value, a dict of counts) as JSON; written whole or not at all (rename)."""
    if isinstance(result, pd.DataFrame):
        out = io.BytesIO()
        result.to_parquet(out, index=True)
        data, suffix = out.getvalue(), ".parquet"
    else:
        data, suffix = json.dumps(result, default=_plain).encode(), ".json"
    tmp = folder / f".{stem}.{os.getpid()}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, folder / f"{stem}{suffix}")


def _complete_marker(folder: Path, facts: str | None) -> Path:
    """Present when every call of today's PAGE_CALLS has its result kept for these facts."""
    text = repr((PAGE_CALLS, FRAME_CALLS)) + "|" + str(facts) + "|" + "|".join(
        fingerprint.version(name) for name in sorted({c[0] for c in all_calls({})}))
    return folder / f"complete-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def is_complete(snapshot_path: str | Path, facts: str | None) -> bool:
    return _complete_marker(views_dir(snapshot_path), facts).exists()


def store(con, folder: Path, facts: str | None,
          progress: Callable[[float, str], None] | None = None,
          reuse_from: Path | None = None) -> int:
    """Compute and keep every default-view call whose result `folder` lacks; delete results no
    call of today's code names. Returns how many were computed.

    `reuse_from`: the views folder of the snapshot this one was re-mapped from: a result there
    of a function the reason mapping does not reach is taken (linked) instead of computed.

    A call that fails is left out (and logged): the page then computes it live and reports the
    error to the viewer the usual way, instead of the whole build failing over one chart.
    """
    folder.mkdir(parents=True, exist_ok=True)
    calls = all_calls(queries.filter_options(con))
    default = Filters(as_of=queries.snapshot_as_of(con))
    wanted, computed = set(), 0
    for i, (name, kwargs, overrides) in enumerate(calls):
        if progress:
            progress(i / len(calls), f"precomputing default views ({i + 1} of {len(calls)})")
        f = replace(default, **overrides)
        try:
            arguments = resolve(con, kwargs, f)
            stem = _stem(name, f, arguments, facts)
            if stem is None:
                continue
            wanted.add(stem)
            if (folder / f"{stem}.parquet").exists() or (folder / f"{stem}.json").exists():
                continue
            if reuse_from is not None and not fingerprint.reads_mapping(name) and any(
                    _link(reuse_from / f"{stem}{suffix}", folder / f"{stem}{suffix}")
                    for suffix in (".parquet", ".json")):
                continue
            _write(folder, stem, getattr(queries, name)(con, f, **arguments))
            computed += 1
        except Exception:  # noqa: BLE001 - see the docstring
            log.exception("could not keep %s(%s) for %s", name, kwargs, overrides)
    marker = _complete_marker(folder, facts)
    for path in folder.iterdir():
        # queries/risk.py keeps its fit here too (KEPT_PREFIX): not a default view, kept as well.
        if (path.name.split(".")[0] not in wanted and path != marker and path.name[0] != "."
                and not path.name.startswith(queries.risk.KEPT_PREFIX)):
            path.unlink(missing_ok=True)
    marker.touch()
    return computed


def after_build(live: Path) -> Callable:
    """The hook for data.demo.generate / data.load: keeps the new snapshot's default views before it
    is published (from the build's own connection)."""

    def hook(con, meta: dict) -> None:
        path = snapshots.snapshot_path(live, meta["snapshot_id"])
        store(con, views_dir(path), build.facts_version())

    return hook


def after_remap(live: Path, progress: Callable[[float, str], None] | None = None) -> Callable:
    """The hook for data.remap: keeps the re-mapped snapshot's default views before it is
    published, taking the parent snapshot's results (and its churn-score fit) where the reason
    mapping does not reach them, computing the others."""

    def hook(con, meta: dict) -> None:
        folder = views_dir(snapshots.snapshot_path(live, meta["snapshot_id"]))
        parent = views_dir(meta["parent"])
        folder.mkdir(parents=True, exist_ok=True)
        if not any(fingerprint.reads_mapping(name) for name in _RISK_FUNCTIONS):
            as_of, days = queries.snapshot_as_of(con), queries.risk.HORIZON_DAYS
            mine = queries.meta(con)
            old = risk_fit.kept_key(meta["parent_id"], pd.Timestamp(meta["parent_built_at"]),
                                    as_of, days)
            new = risk_fit.kept_key(mine["snapshot_id"], mine["built_at"], as_of, days)
            for part in ("today.parquet", "cutoff.parquet", "summary.json"):
                _link(parent / f"{risk_fit.KEPT_PREFIX}{old}-{part}",
                      folder / f"{risk_fit.KEPT_PREFIX}{new}-{part}")
        store(con, folder, build.facts_version(), progress, reuse_from=parent)

    return hook


_RISK_FUNCTIONS = ("risk_backtest", "churn_risk")


def _link(found: Path, target: Path) -> bool:
    """`target` the same bytes as `found` (a hard link; a copy on another file system), written
    whole or not at all. Whether `found` was there."""
    if not found.is_file():
        return False
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(found, tmp)
    except OSError:
        shutil.copyfile(found, tmp)
    os.replace(tmp, target)
    return True


def facts_version(con) -> str | None:
    """The version of a snapshot's derived tables (None: built before versions were recorded)."""
    try:
        return con.execute("select version from facts_version").fetchone()[0]
    except Exception:  # noqa: BLE001 - any database without the table
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m views.default_views",
        description="Compute the default views every kept snapshot lacks (the app does this "
        "the first time it opens a snapshot).")
    parser.add_argument("--db", type=Path, default=None,
                        help="the live database path (default: RETENTION_DB)")
    args = parser.parse_args(argv)
    import settings

    live = args.db or Path(settings.DB_PATH)
    files = snapshots.list_snapshots(live) or ([live] if live.exists() else [])
    if not files:
        print(f"{live}: no database there", file=sys.stderr)
        return 1
    for path in files:
        started = time.perf_counter()
        con = queries.connect(path)
        try:
            n = store(con, views_dir(path), facts_version(con))
        finally:
            con.close()
        print(f"{path.name}: {n} computed in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
