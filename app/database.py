"""The database a session reads: its connection, the first-run demo build and the upgrade of a
database built by an older version, each snapshot's facts (meta row, filter options, dates,
what its data can show), its default views kept beside it (views/default_views.py), and answering one
query on it.

A snapshot file is immutable, so what is read from it is cached for the life of the process."""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from views import default_views
import queries
import settings
from data import capabilities as caps_module
from data import shapes
from views import needs
from views.filter_params import BASES, MULTI
from queries import Filters

log = logging.getLogger("retention.snapshot")

_PATH = "_snapshot_path"  # session_state: the snapshot file this session reads (set by the frame)


@st.cache_resource(max_entries=4)
def get_con(snapshot_path: str) -> duckdb.DuckDBPyConnection:
    """One read-only connection per snapshot file: a new snapshot gets a new connection, because
    DuckDB shares one database per path within a process. Queries use their own cursor."""
    return queries.connect(snapshot_path)


@st.cache_resource
def _build_lock() -> threading.Lock:
    # cache_resource makes this one lock per server process, shared by every session.
    return threading.Lock()


@st.cache_resource
def _facts_checked() -> set[str]:
    # Database files this server process has found up to date (cache_resource: one per process).
    return set()


def _ensure_current_facts() -> None:
    """A database built by an older version of the dashboard gets its derived tables rebuilt
    (once, with a progress bar) before anything reads them: data/build/upgrade.py."""
    real = os.path.realpath(settings.DB_PATH)
    checked = _facts_checked()
    if real in checked:
        return
    from data.build import upgrade

    live = Path(settings.DB_PATH)
    if upgrade.outdated(live):
        with _build_lock():
            bar = st.progress(0.0, text="This database was built by an older version of the "
                                        "dashboard: updating its derived tables…")
            upgrade.refresh(live, lambda fraction, message: bar.progress(
                min(max(float(fraction), 0.0), 1.0), text=f"Updating derived tables: {message}"))
            bar.empty()
    checked.add(real)


def ensure_database() -> None:
    """First run: build the demo database with a progress bar, then serve it. A database built
    by an older version of the dashboard is brought up to date first."""
    if Path(settings.DB_PATH).exists():
        _ensure_current_facts()
        return
    lock = _build_lock()
    if not lock.acquire(blocking=False):
        with st.spinner("Another visitor is building the demo database; this page opens when "
                        "it is ready…"):
            lock.acquire()
        lock.release()
        return
    try:
        if Path(settings.DB_PATH).exists():
            return
        try:
            from data.demo.generate import generate
        except ImportError:
            st.error(f"No database at {settings.DB_PATH}, and the demo generator is missing.")
            st.stop()
        st.title(settings.PRODUCT)
        st.write(f"First run: building a demo database of {settings.DEMO_CUSTOMERS:,} "
                 "customers. This takes a moment and happens once.")
        bar = st.progress(0.0, text="Starting…")

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

        generate(Path(settings.DB_PATH), customers=settings.DEMO_CUSTOMERS, progress=progress,
                 after_build=default_views.after_build(Path(settings.DB_PATH)))
        bar.empty()
    finally:
        lock.release()


@st.cache_data(max_entries=8, show_spinner=False)
def snapshot_info(snapshot_path: str) -> dict:
    """Meta row, filter options and date bounds of one snapshot (immutable, so cached for good)."""
    cur = get_con(snapshot_path).cursor()
    try:
        meta = queries.meta(cur)
        tables = meta.get("tables")
        meta["tables"] = json.loads(tables) if isinstance(tables, str) else (tables or {})
        default_as_of = pd.Timestamp(meta["default_as_of"]).date()
        facts = default_views.facts_version(cur)
        options = filter_options(cur)
        priorities = queries.ticket_priorities(cur)
        kwargs = {"grain": "month", "basis": "logo"}  # the Cohorts page's default view
        view = Filters(as_of=default_as_of)
        cells = default_views.lookup(snapshot_path, facts, "cohort_retention", view, kwargs)
        if cells is default_views.MISS:
            cells = queries.cohort_retention(cur, view, **kwargs)
        first = cells["cohort"].min()
        latest = queries.latest_data_date(cur)
        caps = caps_module.read(cur)
    finally:
        cur.close()
    return {
        "snapshot_id": str(meta["snapshot_id"]),
        "built_at": meta.get("built_at"),
        "source_kind": meta.get("source_kind"),
        "tables": meta["tables"],
        "facts_version": facts,
        "default_as_of": default_as_of,
        "min_date": first if isinstance(first, date) else default_as_of,
        # The as-of picker and links reach every date in the data, also past the default as-of
        # (a cancellation or a resolution dated later than the day the snapshot was built).
        "max_date": max(latest or default_as_of, default_as_of),
        "options": options,
        "priorities": priorities,
        "capabilities": caps,
        # What the import assumed where the files were silent (data/shapes.py assumptions).
        "assumed": shapes.read_assumptions(meta.get("source")),
        # The Basis choices this data has: MRR needs an mrr, Returned an activity file.
        "bases": [label for label, basis in BASES.items()
                  if basis == "logo" or needs.shows(caps, f"cohorts.basis_{basis}")],
        # Data without churn opens on who came back (Returned): the Customers basis has
        # nothing to draw there.
        "default_basis": ("Returned" if caps.churn_shape == caps_module.NONE
                          and needs.shows(caps, "cohorts.basis_activity") else "Customers"),
    }


def filter_options(cur) -> dict[str, list]:
    """The values each multiselect offers, read from the data ('Unknown' stands for empty)."""
    found = queries.filter_options(cur)
    return {key: list(found.get(m.dimension, [])) for key, m in MULTI.items()}


@st.cache_resource
def _views_checked() -> set[str]:
    # Snapshot files this server process has found with all their default views kept.
    return set()


def ensure_views(snapshot_path: str, info: dict) -> None:
    """Keep the default views a snapshot lacks (built by a process that could not keep them, or
    by older query code), once, with a progress bar, before the page asks for them."""
    checked = _views_checked()
    if snapshot_path in checked:
        return
    if not default_views.is_complete(snapshot_path, info["facts_version"]):
        with _build_lock():
            if not default_views.is_complete(snapshot_path, info["facts_version"]):
                bar = st.progress(0.0, text="Preparing this snapshot's default views (once)…")
                cur = get_con(snapshot_path).cursor()
                try:
                    default_views.store(cur, default_views.views_dir(snapshot_path),
                                        info["facts_version"], lambda fraction, message:
                                        bar.progress(min(max(float(fraction), 0.0), 1.0),
                                                     text=message))
                except OSError as exc:  # a read-only folder: every view is computed live
                    log.warning("could not keep the default views of %s: %r", snapshot_path, exc)
                finally:
                    cur.close()
                    bar.empty()
    checked.add(snapshot_path)


def answer(snapshot_path: str, fn_name: str, f: Filters | None, kwargs: dict):
    """queries.<fn_name>(con, f, **kwargs) on this snapshot: the kept result when it is one of
    the default views, else computed on a cursor of its own (a DuckDB connection must not be used
    by two threads at once). f None: a query about the whole snapshot, which takes no filters."""
    if f is not None:
        info = snapshot_info(snapshot_path)
        kept = default_views.lookup(snapshot_path, info["facts_version"], fn_name, f, kwargs)
        if kept is not default_views.MISS:
            return kept
    fn = getattr(queries, fn_name)
    cur = get_con(snapshot_path).cursor()
    try:
        return fn(cur, **kwargs) if f is None else fn(cur, f, **kwargs)
    finally:
        cur.close()


def use(snapshot_path: str) -> None:
    """Make `snapshot_path` the file this session's queries read (the frame calls it each run)."""
    st.session_state[_PATH] = snapshot_path


def path() -> str:
    """The snapshot file this session reads."""
    return st.session_state[_PATH]


def current() -> dict:
    """snapshot_info of the snapshot this session reads."""
    return snapshot_info(path())


def assumed() -> dict:
    """What the import of the snapshot this session reads assumed where its files were silent
    (data_notes.assumption_lines words it)."""
    return current()["assumed"]


def capabilities() -> caps_module.Capabilities:
    """What the data of the snapshot this session reads can show (data/capabilities.py): pages
    ask this, never the data itself."""
    return current()["capabilities"]
