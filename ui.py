"""Streamlit glue shared by every page: the frame (page config, first-run build, navigation, the
shared filters bound to the URL), cached queries, chart rendering, CSV export and error handling.

Every page starts with `f, con = ui.frame("Cohorts")`, then asks `ui.query(...)` for numbers and
`charts` for figures. Only this module talks to `st.cache_*`.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import secrets
import threading
from dataclasses import astuple, replace
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

import auth
import charts
import definitions
import queries
import settings
import sharing
from charts import Chart
from filter_params import MULTI
from formatting import format_delta, format_value, is_flat  # noqa: F401 - part of ui's API
from queries import Filters

log = logging.getLogger("retention.ui")

PRODUCT = "Retention dashboard"
EMPTY = "No customers match these filters."

# (script, label, icon): the navigation drawn by frame(); Streamlit's own is off in config.toml.
PAGES = (
    ("dashboard.py", "Overview", ":material/dashboard:"),
    ("pages/2_Cohorts.py", "Cohorts", ":material/grid_on:"),
    ("pages/3_Churn_reasons.py", "Churn reasons", ":material/logout:"),
    ("pages/4_Support_KPIs.py", "Support KPIs", ":material/support_agent:"),
    ("pages/5_Support_x_retention.py", "Support × retention", ":material/join_inner:"),
    ("pages/6_Data_and_definitions.py", "Data & definitions", ":material/menu_book:"),
)

GRAINS = ("week", "month", "quarter")
BASES = {"Customers": "logo", "MRR": "mrr"}  # URL value -> basis of the metrics API


DATES = ("as_of", "signup_from", "signup_to")
DIMENSION_LABELS = {m.dimension: m.label.lower() for m in MULTI.values()} | {
    "early_tickets": "tickets in the first 90 days",
    "early_frt_sla": "first-response target in the first 90 days",
    "early_csat": "CSAT in the first 90 days",
}
MAX_PARAM_CHARS = 200


# --- Connection, snapshot, first run ---------------------------------------------------------

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
    (once, with a progress bar) before anything reads them: data/upgrade.py."""
    real = os.path.realpath(settings.DB_PATH)
    checked = _facts_checked()
    if real in checked:
        return
    from data import upgrade

    live = Path(settings.DB_PATH)
    if upgrade.outdated(live):
        with _build_lock():
            bar = st.progress(0.0, text="This database was built by an older version of the "
                                        "dashboard: updating its derived tables…")
            upgrade.refresh(live, lambda fraction, message: bar.progress(
                min(max(float(fraction), 0.0), 1.0), text=f"Updating derived tables: {message}"))
            bar.empty()
    checked.add(real)


def _ensure_database() -> None:
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
            from data.generate import generate
        except ImportError:
            st.error(f"No database at {settings.DB_PATH}, and the demo generator is missing.")
            st.stop()
        st.title(PRODUCT)
        st.write(f"First run: building a demo database of {settings.DEMO_CUSTOMERS:,} "
                 "customers. This takes a moment and happens once.")
        bar = st.progress(0.0, text="Starting…")

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

        generate(Path(settings.DB_PATH), customers=settings.DEMO_CUSTOMERS, progress=progress)
        bar.empty()
    finally:
        lock.release()


def _snapshot_path() -> str:
    """The snapshot file this session reads: the one the live path points at now."""
    return os.path.realpath(settings.DB_PATH)


@st.cache_data(max_entries=8, show_spinner=False)
def snapshot_info(snapshot_path: str) -> dict:
    """Meta row, filter options and date bounds of one snapshot (immutable, so cached for good)."""
    cur = get_con(snapshot_path).cursor()
    try:
        meta = queries.meta(cur)
        tables = meta.get("tables")
        meta["tables"] = json.loads(tables) if isinstance(tables, str) else (tables or {})
        default_as_of = pd.Timestamp(meta["default_as_of"]).date()
        options = _filter_options(cur)
        priorities = queries.ticket_priorities(cur)
        first = queries.cohort_retention(cur, Filters(), grain="month")["cohort"].min()
    finally:
        cur.close()
    return {
        "snapshot_id": str(meta["snapshot_id"]),
        "built_at": meta.get("built_at"),
        "source_kind": meta.get("source_kind"),
        "tables": meta["tables"],
        "default_as_of": default_as_of,
        "min_date": first if isinstance(first, date) else default_as_of,
        "options": options,
        "priorities": priorities,
    }


def _filter_options(cur) -> dict[str, list]:
    """The values each multiselect offers, read from the data ('Unknown' stands for empty)."""
    found = queries.filter_options(cur)
    return {key: list(found.get(m.dimension, [])) for key, m in MULTI.items()}


# --- URL parameters --------------------------------------------------------------------------

def check_params(params: dict[str, list[str]], info: dict) -> list[str]:
    """Names of URL parameters whose value is invalid (unknown option, bad or out-of-range date,
    repeated single value, oversized). Pure: no Streamlit calls, so tests can feed it anything."""
    bad = []
    for key, values in params.items():
        if any(len(v) > MAX_PARAM_CHARS for v in values):
            bad.append(key)
        elif key == "grain":
            if len(values) != 1 or values[0] not in GRAINS:
                bad.append(key)
        elif key == "basis":
            if len(values) != 1 or values[0] not in BASES:
                bad.append(key)
        elif key in DATES:
            if len(values) != 1 or _parse_date(values[0], info) is None:
                bad.append(key)
        elif key in MULTI:
            allowed = {str(v) for v in info["options"][key]}
            if any(v not in allowed for v in values):
                bad.append(key)
    return bad


def _parse_date(text: str, info: dict) -> date | None:
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if info["min_date"] <= value <= info["default_as_of"] else None


def _repair_params(info: dict) -> list[str]:
    """Drop invalid link values before the widgets read them; return the parameters dropped."""
    params = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    bad = check_params(params, info)
    for key in bad:
        allowed = {str(v) for v in info["options"].get(key, [])}
        good = [v for v in params[key] if v in allowed and len(v) <= MAX_PARAM_CHARS]
        if key in MULTI and good:
            continue  # the bound multiselect keeps the valid values and drops the rest itself
        try:
            del st.query_params[key]
        except Exception:  # noqa: BLE001 - a bound param may refuse; Streamlit then drops it
            log.debug("could not delete query param %s", key)
    return bad


# --- The frame -------------------------------------------------------------------------------

def frame(page_title: str, needs_customers: bool = True) -> tuple[Filters, duckdb.DuckDBPyConnection]:
    """Page config, first-run build, navigation, shared filters; returns (filters, connection).

    With needs_customers, a selection without customers shows the empty state and stops the page.
    """
    st.set_page_config(page_title=f"{page_title} · {PRODUCT}", page_icon=":material/monitoring:",
                       layout="wide")
    auth.gate(PRODUCT)
    _ensure_database()
    pin = sharing.pin_snapshot(settings.DB_PATH, snapshot_info)
    path = str(pin.path)
    st.session_state["_snapshot_path"] = path
    try:
        info = snapshot_info(path)
    except (duckdb.Error, OSError) as exc:
        _report(exc, "opening the database")
        st.stop()
    dropped = _repair_params(info)
    _carry_filters(page_title)
    with st.sidebar:
        _sidebar_header(info)
        _navigation()
        f = _filters(info)
        sharing.snapshot_picker(pin)
    auth.sidebar()
    _save_filters(info)
    st.session_state["_as_of"] = f.as_of or info["default_as_of"]
    _header(page_title, info, f)
    sharing.header(pin, f.as_of or info["default_as_of"])
    if dropped:
        st.warning(f"Ignored an invalid link value for: {', '.join(dropped)}.",
                   icon=":material/link_off:")
    if needs_customers and customer_count(f) == 0:
        st.info(EMPTY)
        st.stop()
    return f, get_con(path)


FILTER_KEYS = ("grain", "basis", *DATES, *MULTI)


def _carry_filters(page_title: str) -> None:
    """Keep the filters, in the widgets and in the URL, when the viewer follows a page link.

    In Streamlit 1.67 a widget's identity includes its page, and after st.page_link the first
    run of the new page sees an empty URL: filters that came from a link opened earlier were
    drawn at their defaults and left out of the URL. So each run saves the non-default filter
    values, and the first run on another page puts back those the URL lacks (the widget through
    st.session_state, the link through st.query_params).
    """
    last_page = st.session_state.get("_page")
    st.session_state["_page"] = page_title
    if last_page is None or last_page == page_title:
        return
    for key, value in (st.session_state.get("_filters_saved") or {}).items():
        if key in st.query_params:
            continue
        st.session_state[key] = value
        try:
            st.query_params[key] = _url_value(value)
        except Exception:  # noqa: BLE001 - the widget still has the value; only the URL lags
            log.debug("could not restore query param %s", key)


def _url_value(value):
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return value.isoformat() if isinstance(value, date) else str(value)


def _save_filters(info: dict) -> None:
    defaults = {"grain": "month", "basis": "Customers", "as_of": info["default_as_of"]}
    st.session_state["_filters_saved"] = {
        key: st.session_state[key] for key in FILTER_KEYS
        if st.session_state.get(key) not in (None, [], (), defaults.get(key))
    }


def _sidebar_header(info: dict) -> None:
    st.markdown(f"### :material/monitoring: {PRODUCT}")
    st.caption(f"Data as of **{info['default_as_of']:%d %b %Y}** · snapshot "
               f"`{info['snapshot_id']}`")


def _navigation() -> None:
    for script, label, icon in PAGES:
        st.page_link(script, label=label, icon=icon)
    if auth.is_editor():
        st.page_link("pages/7_Import.py", label="Import data", icon=":material/upload_file:")
    st.divider()


def _filters(info: dict) -> Filters:
    """The shared filter widgets, each bound to its URL parameter (key = parameter name)."""
    opts = info["options"]
    st.markdown("**View**")
    st.segmented_control("Period grain", GRAINS, default="month", required=True, key="grain",
                         bind="query-params", help="Size of a cohort and of a period on charts.")
    st.segmented_control("Basis", list(BASES), default="Customers", required=True, key="basis",
                         bind="query-params",
                         help="Count customers, or weight each customer by their MRR.")
    st.markdown("**Dates**")
    bounds = dict(min_value=info["min_date"], max_value=info["default_as_of"],
                  format="YYYY-MM-DD")
    as_of = st.date_input("As-of date", value=info["default_as_of"], key="as_of",
                          bind="query-params", help=definitions.DEFINITIONS["as_of"].text,
                          **bounds)
    left, right = st.columns(2)
    signup_from = left.date_input("Signed up from", value=None, key="signup_from",
                                  bind="query-params", **bounds)
    signup_to = right.date_input("to", value=None, key="signup_to", bind="query-params", **bounds)
    chosen, heading = {}, None
    for key, m in MULTI.items():
        if m.group != heading:
            heading = m.group
            st.markdown(f"**{heading}**")
        chosen[m.field] = tuple(st.multiselect(
            m.label, opts[key], key=key, bind="query-params",
            placeholder=f"All ({len(opts[key])})",
        ))
    st.button("Reset filters", on_click=_reset, icon=":material/restart_alt:",
              args=(info["default_as_of"],), width="stretch")
    as_of = as_of if isinstance(as_of, date) else info["default_as_of"]
    return Filters(
        as_of=None if as_of == info["default_as_of"] else as_of,
        signup_from=signup_from if isinstance(signup_from, date) else None,
        signup_to=signup_to if isinstance(signup_to, date) else None,
        **chosen,
    )


def _reset(default_as_of: date) -> None:
    st.session_state["grain"] = "month"
    st.session_state["basis"] = "Customers"
    st.session_state["as_of"] = default_as_of
    st.session_state["signup_from"] = None
    st.session_state["signup_to"] = None
    for key in MULTI:
        st.session_state[key] = []


def _header(page_title: str, info: dict, f: Filters) -> None:
    st.title(page_title)
    as_of = f.as_of or info["default_as_of"]
    pinned = "" if f.as_of is None else f" (data runs to {info['default_as_of']:%d %b %Y})"
    # Filter values come from the data (plan names...): shown as typed, never as markup (issue 10).
    described = markdown_text(Filters(**{**f.__dict__, "as_of": None}).describe())
    st.caption(f"{PRODUCT} · data as of **{as_of:%d %b %Y}**{pinned} · snapshot "
               f"`{info['snapshot_id']}` · {described}")


def grain() -> str:
    return st.session_state.get("grain") or "month"


def basis() -> str:
    return BASES.get(st.session_state.get("basis") or "Customers", "logo")


def as_of() -> date:
    return st.session_state["_as_of"]


# --- Queries ---------------------------------------------------------------------------------

@st.cache_data(ttl=600, max_entries=512, show_spinner=False,
               hash_funcs={Filters: lambda f: astuple(f)})
def _cached_query(snapshot_path: str, fn_name: str, f: Filters, kwargs: tuple):
    fn = getattr(queries, fn_name)
    # One cursor per query: a DuckDB connection must not be used by two threads at once.
    cur = get_con(snapshot_path).cursor()
    try:
        # f None: a query about the whole snapshot (query_all), which takes no filters.
        return fn(cur, **dict(kwargs)) if f is None else fn(cur, f, **dict(kwargs))
    finally:
        cur.close()


def query(fn_name: str, f: Filters | None, **kwargs):
    """queries.<fn_name>(con, f, **kwargs), cached per (snapshot, function, filters, arguments).

    On failure the viewer gets a short message with an error id (details go to the log) and None.
    """
    return derive(fn_name, lambda: _cached_query(st.session_state["_snapshot_path"], fn_name, f,
                                                 tuple(sorted(kwargs.items()))))


def derive(what: str, fn, *args):
    """fn(*args), or on failure a short message with an error id for the viewer (the details go to
    the log) and None. Every ui.query goes through it, and so do numbers a page derives from
    query results."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - every failure ends in the same short message
        _report(exc, what)
        return None


def _report(exc: Exception, what: str) -> str:
    error_id = secrets.token_hex(4)
    log.error("error %s in %s: %r", error_id, what, exc, exc_info=exc)
    st.error(f"Something went wrong computing this part (error id {error_id}). The rest of the "
             "page is unaffected.", icon=":material/error:")
    return error_id


def customer_count(f: Filters) -> int:
    """How many customers the filters select (the N behind most captions)."""
    cells = query("cohort_retention", f, grain="quarter")
    if cells is None or cells.empty:
        return 0
    return int(cells.loc[cells["age"] == 0, "cohort_size"].sum())


def query_all(fn_name: str):
    """queries.<fn_name>(con): a query about the whole snapshot, not the filtered customers.
    Cached and reported like query()."""
    return query(fn_name, None)


def compare(fn_name: str, f: Filters, dimension: str, **kwargs) -> pd.DataFrame | None:
    """fn_name once per value of a filter dimension (within the current filters), with a
    `group` column: the comparison the metrics API has no `by` for."""
    key = next(k for k, m in MULTI.items() if m.dimension == dimension)
    field = MULTI[key].field
    values = getattr(f, field) or tuple(snapshot_info(st.session_state["_snapshot_path"])
                                        ["options"][key])
    parts = []
    for value in values:
        df = query(fn_name, replace(f, **{field: (value,)}), **kwargs)
        if df is None:
            return None
        if not df.empty:
            parts.append(df.assign(group=str(value)))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def empty(df) -> bool:
    """True (after showing the empty state) when there is nothing to draw."""
    if df is None:
        return True
    if len(df) == 0:
        st.info(EMPTY)
        return True
    return False


# --- Rendering -------------------------------------------------------------------------------

def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV of a frame with text cells that a spreadsheet would run as a formula made inert."""
    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(_defuse)
    buf = io.StringIO()
    safe.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def _defuse(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def caption(key: str, n=None, unit: str = "customers", note: str = "") -> None:
    text = definitions.caption(key, n, as_of(), unit)
    st.caption(text + (f" · {note}" if note else ""))


def show(chart: Chart, name: str, definition: str, n=None, unit: str = "customers",
         note: str = "", on_select: str | None = None, selection_mode=None,
         narrow: bool = False):
    """Draw a chart with its caption (definition · N · as of) and a CSV of the plotted rows."""
    if chart.data.empty:
        st.info(EMPTY)
        return None
    kwargs = {"on_select": on_select, "selection_mode": selection_mode} if on_select else {}
    event = st.plotly_chart(chart.figure, key=f"chart_{name}", config={"displaylogo": False},
                            **kwargs)
    if narrow:  # in a third of the page the button gets its own line, or it is cut off
        caption(definition, n, unit, note)
        button = st
    else:
        text, button = st.columns([5, 1], vertical_alignment="center")
        with text:
            caption(definition, n, unit, note)
    button.download_button("CSV", csv_bytes(chart.data), file_name=f"{name}.csv",
                           mime="text/csv", key=f"csv_{name}", on_click="ignore",
                           icon=":material/download:", help="Download exactly the plotted data")
    return event


def download(df: pd.DataFrame, name: str, label: str = "Download CSV") -> None:
    st.download_button(label, csv_bytes(df), file_name=f"{name}.csv", mime="text/csv",
                       key=f"csv_{name}", on_click="ignore", icon=":material/download:")


# --- KPI tiles -------------------------------------------------------------------------------

# Tile labels short enough for a fifth of the page; the full name is in the tile's help.
KPI_SHORT = {
    "crr_pct": "Retention (CRR)", "nrr_pct": "NRR", "frt_median_h": "First response",
    "nps": "NPS (3 months)", "clv": "Lifetime value",
}
KPI_DEFINITION = {
    "active_customers": "active_customers", "churn_rate_pct": "churn_rate", "crr_pct": "crr",
    "mrr": "mrr", "nrr_pct": "nrr", "csat_pct": "csat", "frt_median_h": "frt", "nps": "nps",
    "clv": "clv",
}


def kpi_tile(row, trend: list[float], column=None) -> None:
    """One st.metric: value, delta vs the month before (green when better), and below it the
    small trend of the last complete periods as an SVG image (charts.sparkline_svg)."""
    box = (column or st).container(border=True)
    definition = definitions.DEFINITIONS.get(KPI_DEFINITION.get(row["kpi"], ""), None)
    reliable = bool(row["is_reliable"])
    flat = row["delta"] is not None and pd.notna(row["delta"]) and is_flat(row["delta"], row["unit"])
    help_text = f"**{row['label']}**: " + (f"{definition.formula}. " if definition else "") + (
        f"N = {int(row['n']):,}." + ("" if reliable else
                                     f" Fewer than {settings.MIN_N}: unreliable."))
    box.metric(
        KPI_SHORT.get(row["kpi"], row["label"]) + ("" if reliable else " ⚠ low N"),
        format_value(row["value"], row["unit"]),
        format_delta(row["delta"], row["unit"]),
        delta_color=("off" if flat else "normal" if row["higher_is_better"] else "inverse"),
        delta_arrow="off" if flat else "auto",
        delta_description=f"vs {pd.Timestamp(row['previous_period']):%b %Y}",
        help=help_text,
    )
    svg = charts.sparkline_svg(trend)
    if svg:
        # A Markdown image (no raw HTML anywhere on a page): only numbers and fixed labels go into
        # the picture and its alt text, and the browser draws it as an <img>, never as page DOM.
        text = markdown_text(
            f"{row['label']}, last {len(trend)} complete periods: from "
            f"{format_value(trend[0], row['unit'])} to {format_value(trend[-1], row['unit'])}")
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        box.markdown(f"![{text}]({uri})")


def markdown_text(text: str) -> str:
    """Plain text made safe for st.markdown: data-borne names render as typed, never as markup
    (and a dollar amount is not read as LaTeX)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()<>#+-.!|~$:" else ch for ch in text)


# --- Cohort drill-down -----------------------------------------------------------------------

CUSTOMER_COLUMNS = {
    "customer_id": st.column_config.TextColumn("Customer"),
    "name": st.column_config.TextColumn("Name"),
    "signup_date": st.column_config.DateColumn("Signed up"),
    "churn_date": st.column_config.DateColumn("Churned"),
    "churn_reason": st.column_config.TextColumn("Reason given"),
    "churn_category": st.column_config.TextColumn("Reason category"),
    "plan": st.column_config.TextColumn("Plan"),
    "segment": st.column_config.TextColumn("Segment"),
    "region": st.column_config.TextColumn("Region"),
    "industry": st.column_config.TextColumn("Industry"),
    "acquisition_channel": st.column_config.TextColumn("Channel"),
    "products_count": st.column_config.NumberColumn("Products"),
    "mrr": st.column_config.NumberColumn("MRR", format="$%.2f"),
    "is_retained": st.column_config.CheckboxColumn("Retained at this age"),
    "has_reached_age": st.column_config.CheckboxColumn("Has reached this age"),
}


def selected_cell(event, plotted: pd.DataFrame | None, grain_name: str):
    """(cohort, age) of a heatmap cell the viewer just clicked, else None.

    Applied once per click: the selection persists across reruns, and must not keep overriding
    the pickers after the viewer changes them by hand.
    """
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if not points or plotted is None or plotted.empty:
        return None
    point = points[0]
    label = str(point.get("y", "")).split(" · ")[0]
    token = (label, point.get("x"))
    if st.session_state.get("_cohorts_last_click") == token:
        return None
    st.session_state["_cohorts_last_click"] = token
    from charts import period_label  # local: keeps the module header about Streamlit glue

    column = f"cohort_{grain_name}_start"
    for cohort in plotted[column].unique():
        if period_label(cohort, grain_name) == label:
            return cohort, int(point.get("x", 0))
    return None


REASON_COLUMNS = {
    "category": st.column_config.TextColumn("Reason category"),
    "owner_team": st.column_config.TextColumn("Team that owns the fix"),
    "customers_lost": st.column_config.NumberColumn("Customers lost", format="%d"),
    "mrr_lost": st.column_config.NumberColumn("MRR lost", format="dollar"),
    "share_pct": st.column_config.NumberColumn("Share of lost customers", format="%.1f%%"),
}


def other_share(totals: pd.DataFrame) -> float:
    """% of lost customers whose reason fell into Other (unmapped)."""
    other = totals.loc[totals["category"] == "Other", "share_pct"]
    return float(other.sum()) if not other.empty else 0.0


# --- Support targets -------------------------------------------------------------------------

TARGETS_FILE = Path(__file__).resolve().parent / "targets.toml"


@st.cache_data(show_spinner=False)
def default_targets() -> dict[str, dict[str, float]]:
    """Target hours per priority from targets.toml ({} when the file is missing or broken)."""
    import tomllib

    try:
        with open(TARGETS_FILE, "rb") as handle:
            return {k: {p: float(h) for p, h in v.items()} for k, v in tomllib.load(handle).items()}
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("targets.toml unreadable: %r", exc)
        return {}


def target_inputs(priorities: list[str]) -> dict[str, dict[str, float]]:
    """Sidebar inputs for the support targets per priority (page-level, session only)."""
    defaults = default_targets()
    out = {}
    with st.sidebar.expander("Support targets (hours)", expanded=False,
                             icon=":material/flag:"):
        for kind, label in (("first_response_h", "First response"),
                            ("resolution_h", "Resolution")):
            st.markdown(f"**{label}**")
            out[kind] = {}
            for priority in priorities:
                default = defaults.get(kind, {}).get(priority)
                value = st.number_input(
                    priority, min_value=0.0, max_value=10_000.0, step=1.0,
                    value=default, key=f"support_target_{kind}_{priority}",
                    placeholder="no target",
                )
                if value is not None:
                    out[kind][priority] = value
    return out


PRIORITY_ORDER = ("urgent", "high", "normal", "low")


def ticket_priorities() -> list[str]:
    """Ticket priorities in this snapshot's tickets (whatever the filters)."""
    return snapshot_info(st.session_state["_snapshot_path"])["priorities"]


def ordered_priorities(found: list[str]) -> list[str]:
    """Ticket priorities, most urgent first, unknown ones after in alphabetical order."""
    rank = {p: i for i, p in enumerate(PRIORITY_ORDER)}
    return sorted(map(str, found), key=lambda p: (rank.get(p.lower(), len(rank)), p))


# --- Support × retention helpers -------------------------------------------------------------

def p_text(p_value) -> str:
    if p_value is None or pd.isna(p_value):
        return "log-rank p not defined (one group, or no churn)"
    return f"log-rank p = {p_value:.3g}" if p_value >= 0.001 else "log-rank p < 0.001"


def as_percent(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """A 0–1 column also as 0–100 (`<column>_pct`), for bars read in percent."""
    return df.assign(**{f"{column}_pct": df[column] * 100})


def excluded_text(df: pd.DataFrame) -> str:
    parts = []
    if "excluded_incomplete" in df.columns and len(df):
        parts.append(f"{int(df['excluded_incomplete'].iloc[0]):,} customers younger than the "
                     "horizon left out")
    if "excluded_no_history" in df.columns and len(df) and int(df["excluded_no_history"].iloc[0]):
        parts.append(f"{int(df['excluded_no_history'].iloc[0]):,} without MRR history left out")
    return " · ".join(parts)


def pre_churn_long(before: pd.DataFrame) -> pd.DataFrame:
    """pre_churn_tickets as one row per category and series (churned / retained baseline)."""
    churned = before[["category", "tickets_per_customer", "churned_customers"]].rename(
        columns={"churned_customers": "customers"}).assign(series="Churned (90 days before)")
    base = before[["category", "baseline_tickets_per_customer"]].rename(
        columns={"baseline_tickets_per_customer": "tickets_per_customer"})
    base = base.assign(series="Retained, same tenure",
                       customers=before.get("matched_customers", before["churned_customers"]))
    return pd.concat([churned, base], ignore_index=True)


PRE_CHURN_COLUMNS = {
    "category": st.column_config.TextColumn("Reason category"),
    "churned_customers": st.column_config.NumberColumn("Churned customers", format="%d"),
    "tickets_per_customer": st.column_config.NumberColumn("Tickets / customer", format="%.2f"),
    "baseline_tickets_per_customer": st.column_config.NumberColumn(
        "Baseline tickets / customer", format="%.2f"),
    "top_ticket_categories": st.column_config.TextColumn("Top ticket categories"),
}


# --- Data & definitions ----------------------------------------------------------------------

def current_snapshot() -> dict:
    return snapshot_info(st.session_state["_snapshot_path"])


PROFILE_COLUMNS = {
    "table": st.column_config.TextColumn("Table"),
    "rows": st.column_config.NumberColumn("Rows", format="localized"),
    "from": st.column_config.DateColumn("From", format="D MMM YYYY"),
    "to": st.column_config.DateColumn("To", format="D MMM YYYY"),
    "about": st.column_config.TextColumn("What it holds"),
}
TABLE_ABOUT = {
    "customers": "one row per customer; dates by signup",
    "tickets": "support tickets; dates by creation",
    "nps_responses": "NPS survey answers; dates by response",
    "mrr_history": "MRR per customer and month",
    "churn_reason_categories": "reason → category mapping",
}


def table_profile() -> pd.DataFrame:
    """Row count and first and last date of each table of the snapshot (all rows, unfiltered)."""
    df = query_all("table_profile")
    if df is None:
        return pd.DataFrame(columns=list(PROFILE_COLUMNS))
    return pd.DataFrame({
        "table": df["table_name"], "rows": df["row_count"].astype(int),
        "from": df["first_date"], "to": df["last_date"],
        "about": df["table_name"].map(TABLE_ABOUT),
    }, columns=list(PROFILE_COLUMNS))


def quality_warnings(f: Filters) -> list[tuple[str, str]]:
    """(level, text) pairs for the data-quality section, for the current filters."""
    q = query("data_quality", f)
    if not q or not q["customers"]:
        return [("info", "No customers match these filters: nothing to check.")]
    out = []
    reasons = query("churn_reasons", f)
    if reasons is not None and not reasons.empty:
        share = other_share(reasons)
        out.append(("warning" if share > 15 else "info",
                    f"Churn reasons in Other: {share:.1f}% of lost customers — "
                    f"{q['churned_unmapped_reason']:,} with a reason the mapping does not list "
                    f"({q['unmapped_reasons']:,} distinct texts; add them to the reason mapping) "
                    f"and {q['churned_without_reason']:,} with no reason given."))
    total = q["customers"]
    without = q["customers_without_tickets"]
    out.append(("info", f"{without:,} of {total:,} customers ({100 * without / total:.1f}%) have "
                        "no support ticket by the as-of date: they count in the 0-tickets group "
                        "and in no support KPI."))
    if q["tickets_after_as_of"]:
        out.append(("info", f"{q['tickets_after_as_of']:,} tickets of these customers were "
                            "created after the as-of date and are left out of every number."))
    if q["tickets_before_signup"]:
        out.append(("warning", f"{q['tickets_before_signup']:,} tickets are dated before their "
                               "customer's signup date: check the export's dates."))
    young = query("early_support_excluded", f)
    if young:
        out.append(("info", f"{int(young):,} customers are younger than 90 days and are left "
                            "out of the early-support groupings."))
    if q["customers_without_mrr"]:
        out.append(("warning", f"{q['customers_without_mrr']:,} customers have no MRR history: "
                               "they are left out of NRR, GRR and early expansion."))
    support = query("support_kpis", f, grain="month", resolution=False)
    if support is not None and not support.empty:
        unanswered = support["tickets"] * support["unanswered_pct"] / 100
        out.append(("info", f"{int(round(unanswered.sum())):,} tickets had no first response "
                            "by the as-of date; they are left out of first-response times."))
    elif support is not None:
        out.append(("warning", "No support tickets for these customers: the support pages "
                               "have nothing to show."))
    return out
