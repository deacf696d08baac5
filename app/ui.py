"""The app's one cache layer and its error boundary, and how a page draws what it got: cached
queries, the empty state, charts with their caption and CSV, tables' CSV exports.

Pages draw a section of views/catalog.py by its key: `ui.heading(key)`, `ui.ask(key, f, ...)` for
its numbers (the catalogue's call, through `query`), `charts` for the figure, then `ui.draw(key,
chart, ...)` (`show` under the catalogue's chart name and definition). Only this module (and
app/database.py, for the snapshot's own facts) talks to `st.cache_*`.
"""

from __future__ import annotations

import io
import logging
import secrets
from dataclasses import astuple
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import charts
from words import definitions
from app import sharing
from app import database
from app import workspace_ui
from charts import Chart, period_label
from views import needs
from views import catalog
from views.compare import ask as ask_section
from views.compare import each_value as compare_each
from views.compare import field_of
import queries
from queries import Filters

log = logging.getLogger("retention.ui")

EMPTY = "No customers match these filters."


_VIEW = "_view"  # session_state: (as-of date, whether a filter is set) of this run's view


def use_view(as_of: date, filtered: bool) -> None:
    """What captions and empty states of this run say about the view: its as-of date and whether
    the viewer set a filter. The frame sets it, once per run."""
    st.session_state[_VIEW] = (as_of, filtered)


def as_of() -> date:
    """The as-of date of this run's view."""
    return st.session_state[_VIEW][0]


def filtered() -> bool:
    """Whether the viewer has set a filter: only then can an empty result be blamed on the
    filters."""
    return bool(st.session_state.get(_VIEW, (None, False))[1])


# --- What the data can show ------------------------------------------------------------------

def available(key: str, churn: bool | None = None) -> bool:
    """Whether the page may draw item `key` of views/catalog.py. When the snapshot lacks what
    it needs, one line says which file or column would fill it; when it needs churn and nobody
    has churned by the as-of date, one line says so; and False."""
    caps = database.capabilities()
    line = needs.line(caps, key)
    if line is not None:
        missing_line(line)
        return False
    if (needs.ITEMS[key].churn if churn is None else churn) and not caps.churn_by(as_of()):
        st.info(needs.no_churn(as_of()), icon=":material/event_busy:")
        return False
    return True


def offered(keys) -> list[str]:
    """The items among `keys` the data can fill, without saying anything about the others."""
    caps = database.capabilities()
    return [key for key in keys if needs.shows(caps, key)]


def with_values(columns: dict[str, str]) -> list[str]:
    """The keys of `columns` (a table's column name -> the stored "table.column" it comes from,
    or "" for one every snapshot fills) whose source holds a value in this snapshot: a list of
    customers leaves out what an import never had (views/needs.py)."""
    caps = database.capabilities()
    return [key for key, source in columns.items()
            if not source or caps.filled(*source.split(".")) > 0]


def missing_line(line: str, quiet: bool = False) -> None:
    """One line naming the file or column that would fill what is not drawn (a caption under a
    choice when `quiet`)."""
    if quiet:
        st.caption(f":material/dataset: {line}")
    else:
        st.info(line, icon=":material/dataset:")


def missing_lines(keys, quiet: bool = False) -> None:
    """One line per missing thing for several items (a row of tiles, a choice's options)."""
    for line in needs.lines(database.capabilities(), keys):
        missing_line(line, quiet)


def nothing() -> str:
    """The empty state of a chart whose data is there: the filters left nobody it counts, or
    nothing has happened by the as-of date."""
    return EMPTY if filtered() else f"Nothing to show up to {as_of():%d %b %Y}."


def no_churn() -> str:
    return needs.no_churn(as_of(), filtered=filtered())


# --- Queries ---------------------------------------------------------------------------------

@st.cache_data(ttl=600, max_entries=512, show_spinner=False,
               hash_funcs={Filters: lambda f: astuple(f)})
def _cached_query(snapshot_path: str, fn_name: str, f: Filters, kwargs: tuple):
    return database.answer(snapshot_path, fn_name, f, dict(kwargs))


def query(fn_name: str, f: Filters | None, **kwargs):
    """queries.<fn_name>(con, f, **kwargs), cached per (snapshot, function, filters, arguments).

    On failure the viewer gets a short message with an error id (details go to the log) and None.
    """
    return derive(fn_name, lambda: _cached_query(database.path(), fn_name, f,
                                                 tuple(sorted(kwargs.items()))))


def derive(what: str, fn, *args):
    """fn(*args), or on failure a short message with an error id for the viewer (the details go to
    the log) and None. Every ui.query goes through it, and so do numbers a page derives from
    query results."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - every failure ends in the same short message
        report_error(exc, what)
        return None


def compute(fn_name: str, *args):
    """queries.<fn_name>(*args) on frames a page already has (tiles read off a series, a table
    reshaped for a chart), behind the same error boundary as every query: pages never call the
    metrics API themselves."""
    return derive(fn_name, getattr(queries, fn_name), *args)


def report_error(exc: Exception, what: str) -> str:
    """Log `exc` under a new error id and show the viewer a short message with that id."""
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
    `group` column: the comparison the metrics API has no `by` for (views/compare.py)."""
    return compare_each(lambda g: query(fn_name, g, **kwargs), f, dimension,
                        _values_of(dimension))


def ask(key: str, f: Filters, which: int | str = 0, each: str | None = None, **kwargs):
    """Call `which` of section `key` of views/catalog.py as the catalogue writes it (the page's
    default view), with `kwargs` in place of some arguments (the view's grain, a picked value);
    cached and reported like query(), and run once per value for a compare call (of dimension
    `each` in place of the catalogue's, when the viewer picked one)."""
    return ask_section(query, catalog.ITEMS[key], f, _values_of, which, each, **kwargs)


def _values_of(dimension: str) -> list:
    key, _ = field_of(dimension)
    return database.current()["options"][key]


def says(key: str) -> str:
    """What section `key` says when the data is there but shows nothing by this view's as-of
    date (views/catalog.py)."""
    return catalog.ITEMS[key].says(as_of())


def heading(key: str, **words) -> None:
    """Section `key`'s heading (views/catalog.py), its {words} filled."""
    st.subheader(catalog.ITEMS[key].title.format(**words))


def draw(key: str, chart: Chart, which: int = 0, words: dict | None = None,
         definition: str | None = None, **kwargs):
    """show() a chart of section `key`: its name (chart `which` of the section, {words} filled)
    and its definition from views/catalog.py (`definition` where the view picks another, as the
    Returned basis does)."""
    section = catalog.ITEMS[key]
    return show(chart, section.chart(which, **(words or {})), definition or section.definition,
                **kwargs)


def empty(df, says: str | None = None) -> bool:
    """True (after showing the empty state, `says` or ui.nothing()) when there is nothing to
    draw."""
    if df is None:
        return True
    if len(df) == 0:
        st.info(says or nothing())
        return True
    return False


# --- Rendering -------------------------------------------------------------------------------

def markdown_text(text: str) -> str:
    """Plain text made safe for st.markdown: data-borne names render as typed, never as markup
    (and a dollar amount is not read as LaTeX)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()<>#+-.!|~$:" else ch for ch in text)


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
         narrow: bool = False, says: str | None = None, kpi: str | None = None,
         priority: str = ""):
    """Draw a chart with its caption (definition · N · as of) and a CSV of the plotted rows; a
    chart with no rows or N = 0 is not drawn (`says`, or ui.nothing(), instead).

    The view's notes are marked on it (time charts and the cohort heatmap), and with `kpi` the
    target of that KPI (for a ticket `priority`) that applies to the view is drawn as a line."""
    if chart.data.empty or n == 0:
        st.info(says or nothing())
        return None
    chart = _with_workspace(chart, kpi, priority)
    kwargs = {"on_select": on_select, "selection_mode": selection_mode} if on_select else {}
    figure = charts.presented(chart.figure) if sharing.is_presenting() else chart.figure
    title, subtitle, figure = charts.split_title(figure)
    # The title as page text above the chart: it wraps on a phone (Plotly's was cut off) and
    # grows with the page in presentation mode.
    with st.container(key=f"title_{name}", gap="xsmall"):
        if title:
            st.markdown(f"**{markdown_text(title)}**")
        if subtitle:
            st.caption(markdown_text(subtitle))
    event = st.plotly_chart(figure, key=f"chart_{name}", config={"displaylogo": False},
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


def _with_workspace(chart: Chart, kpi: str | None, priority: str) -> Chart:
    notes = workspace_ui.notes()
    goal = workspace_ui.target(kpi, priority) if kpi else None
    if not notes and goal is None:
        return chart
    # A copy: the figure may be one the page keeps (the board pack draws its own).
    chart = Chart(go.Figure(chart.figure), chart.data)
    chart = charts.with_view_notes(chart, notes, st.session_state.get("grain") or "month")
    if goal is not None:
        charts.with_target(chart.figure, goal.value, goal.label())
    return chart


def download(df: pd.DataFrame, name: str, label: str = "Download CSV") -> None:
    st.download_button(label, csv_bytes(df), file_name=f"{name}.csv", mime="text/csv",
                       key=f"csv_{name}", on_click="ignore", icon=":material/download:")


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
    column = f"cohort_{grain_name}_start"
    for cohort in plotted[column].unique():
        if period_label(cohort, grain_name) == label:
            return cohort, int(point.get("x", 0))
    return None


# --- The reason mapping's versions (Reason mapping and Data & definitions pages) -------------

# Other before and after first after the date: what a phone shows without scrolling.
VERSION_COLUMNS = {
    "version": st.column_config.NumberColumn("Version", format="%d"),
    "saved_at": st.column_config.DatetimeColumn("Saved (UTC)", format="D MMM YYYY, HH:mm"),
    "other_before_pct": st.column_config.NumberColumn("Lost customers in Other, before",
                                                      format="%.1f%%"),
    "other_after_pct": st.column_config.NumberColumn("… and after", format="%.1f%%"),
    "saved_by": st.column_config.TextColumn("By"),
    "how": st.column_config.TextColumn("How"),
    "reasons": st.column_config.NumberColumn("Reasons mapped", format="localized"),
    "snapshot_id": st.column_config.TextColumn("Snapshot"),
}


def mapping_versions() -> None:
    """The versions of the reason mapping up to this snapshot's, newest first."""
    versions = query_all("mapping_versions")
    if versions is None:
        return
    if versions.empty:
        st.info("This snapshot was built before mapping versions were recorded: its mapping is "
                "the one it was imported with.")
        return
    st.dataframe(versions, hide_index=True, width="stretch", column_config=VERSION_COLUMNS,
                 column_order=list(VERSION_COLUMNS), key="mapping_versions", placeholder="—")
    st.caption("Each version is a snapshot: links made on an older one keep its mapping. "
               "“In Other” is the share of customers lost by the data's as-of date whose reason "
               "the mapping does not list, or who gave none.")
