"""Meeting-ready sharing: pinned snapshots, links to the view, presentation mode.

frame.frame() calls, in this order (`info_for(path)` is snapshot.snapshot_info: a dict with
default_as_of):

    pin = sharing.pin_snapshot(settings.DB_PATH, info_for)  # ?snapshot= -> the file to open
    con = get_con(str(pin.path))                            # one connection per snapshot file
    ... shared filters in the sidebar ...
    sharing.snapshot_picker(pin)                            # sidebar picker bound to ?snapshot=
    sharing.header(pin, as_of)                              # banner, "Copy link", presentation toggle

The pure helpers (resolve_pin, share_url, ...) don't touch Streamlit and are unit-tested alone.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

import settings
from app import workspace_ui
from data import snapshots
from views.filter_params import url_value

PARAM_SNAPSHOT = "snapshot"
PARAM_AS_OF = "as_of"
PARAM_PRESENT = "present"
# The snapshot picker's option for "the live data" (never written to a URL).
LATEST = "latest"
# Parameters Streamlit itself reads; never copied into a shared link.
RESERVED_PARAMS = ("embed", "embed_options")
DEFAULT_BASE_URL = "http://localhost:8501"

_ID = re.compile(r"^(\d{8}T\d{6})-[0-9a-f]+$")


@dataclass(frozen=True)
class Pin:
    """Which snapshot this page serves and why."""

    path: Path  # the database file to open (a snapshot file, or the live path itself)
    snapshot_id: str | None  # id of the snapshot served (None: a plain file of the old layout)
    latest_id: str | None  # id the live path points at now
    latest_path: Path  # the file the live path points at now
    requested: str | None = None  # id asked for by ?snapshot=
    missing: bool = False  # asked for, but not kept any more (pruned) or not a valid id

    @property
    def is_old(self) -> bool:
        """True when this view shows an older snapshot than the live one."""
        return self.snapshot_id is not None and self.snapshot_id != self.latest_id


def snapshot_id_of(path: Path, live: Path) -> str | None:
    """The id in a snapshot file name (`<stem>-<id>.duckdb`), None for any other file."""
    name, prefix = Path(path).name, f"{Path(live).stem}-"
    if not (name.startswith(prefix) and name.endswith(snapshots.SUFFIX)):
        return None
    found = name[len(prefix) : -len(snapshots.SUFFIX)]
    return found if _ID.match(found) else None


def snapshot_time(snapshot_id: str | None) -> datetime | None:
    """When a snapshot was built (UTC), read from its id."""
    match = _ID.match(snapshot_id or "")
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%S") if match else None


def available(live: Path) -> list[str]:
    """Ids of the snapshots kept beside the live path, newest first."""
    ids = (snapshot_id_of(p, live) for p in snapshots.list_snapshots(live))
    return sorted((i for i in ids if i), reverse=True)


def resolve_pin(live: Path, requested: str | None) -> Pin:
    """The snapshot to serve for `?snapshot=requested`: that one if still kept, else the live one."""
    live = Path(live)
    current = snapshots.resolve(live)
    latest_id = snapshot_id_of(current, live)
    requested = (requested or "").strip() or None
    if requested is not None and requested != latest_id:
        found = snapshots.find_snapshot(live, requested)
        if found is not None:
            return Pin(found, requested, latest_id, current, requested)
        return Pin(current, latest_id, latest_id, current, requested, missing=True)
    return Pin(current, latest_id, latest_id, current, requested)


def share_url(base_url: str, page_path: str, params: dict[str, object]) -> str:
    """base_url + /page_path + ?params, repeated keys for list values, empty values left out."""
    parts = urlsplit(base_url.strip() or DEFAULT_BASE_URL)
    path = parts.path.rstrip("/")
    if page_path.strip("/"):
        path += "/" + page_path.strip("/")
    pairs = []
    for key, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs += [(key, url_value(v)) for v in values if v is not None and url_value(v) != ""]
    return urlunsplit((parts.scheme, parts.netloc, path or "/", urlencode(pairs), ""))


def configured_base_url() -> str | None:
    """RETENTION_BASE_URL, or `base_url` under [sharing] in secrets: the app's public address."""
    from_env = os.environ.get("RETENTION_BASE_URL", "").strip()
    if from_env:
        return from_env
    try:
        return str(st.secrets.get("sharing", {}).get("base_url", "")).strip() or None
    except FileNotFoundError:  # no secrets.toml at all
        return None


PRESENT_CSS = """
<style>
/* Presentation mode (?present=1): no sidebar, no controls, larger type, one chart per row. */
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stElementToolbar"], .modebar-container {
  display: none !important;
}
/* Controls in the page body (the Present toggle stays: it is how the presenter leaves). */
[data-testid="stMain"] .stElementContainer:not(.st-key-sharing_present):has(> :is(
  [data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stRadio"],
  [data-testid="stSlider"], [data-testid="stCheckbox"], [data-testid="stDateInput"],
  [data-testid="stNumberInput"], [data-testid="stTextInput"], [data-testid="stTextArea"],
  [data-testid="stButton"], [data-testid="stDownloadButton"], [data-testid="stButtonGroup"],
  [data-testid="stFileUploader"], [data-testid="stLinkButton"], [data-testid="stPageLink"])),
[data-testid="stMain"] [data-testid="stPopover"] {
  display: none !important;
}
[data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 1.5rem 3rem !important; }
[data-testid="stMain"] :is(p, li, [data-testid="stCaptionContainer"]) { font-size: 1.3rem !important; }
[data-testid="stMain"] h1 { font-size: 3rem !important; }
[data-testid="stMain"] h2 { font-size: 2.3rem !important; }
[data-testid="stMain"] h3 { font-size: 1.9rem !important; }
[data-testid="stMain"] [data-testid="stMetricValue"] :is(p, div) { font-size: 2.8rem !important; }
[data-testid="stMain"] [data-testid="stMetricLabel"] p { font-size: 1.3rem !important; }
/* One chart per screen width: a row of columns holding a chart stacks vertically. */
[data-testid="stHorizontalBlock"]:has([data-testid="stPlotlyChart"]) { flex-direction: column !important; }
[data-testid="stHorizontalBlock"]:has([data-testid="stPlotlyChart"]) > [data-testid="stColumn"] {
  width: 100% !important; flex: 1 1 100% !important; min-width: 100% !important;
}
</style>
"""


# --- Streamlit glue ------------------------------------------------------------------------------
#
# ?snapshot= and ?present= are plain (unbound) query parameters kept by this module: a bound
# widget puts its option *label* in the URL and reads booleans only as true/false, and in
# Streamlit 1.67 bound values do not survive st.page_link either (see frame._carry_filters). The
# picker and the toggle are unbound widgets that write the parameters in their callbacks.

InfoFor = Callable[[str], dict]
PICKER = "sharing_snapshot"  # the sidebar's snapshot picker
TOGGLE = "sharing_present"  # the presentation toggle
_PREVIOUS = "_sharing_previous"  # session_state: (snapshot path, its default as-of) of the last run
_FOLLOW = "_sharing_follow_latest"  # session_state: set by an import, consumed by pin_snapshot
_SAVED = "_sharing_saved"  # session_state: (page, {param: value}) of the last run


def _when(snapshot_id: str | None) -> str:
    built = snapshot_time(snapshot_id)
    return f"{built:%d %b %Y %H:%M} UTC" if built else str(snapshot_id)


def _drop_param(key: str) -> None:
    if key in st.query_params:
        del st.query_params[key]


def requested_snapshot() -> str | None:
    value = st.query_params.get(PARAM_SNAPSHOT)
    return None if value in (None, "", LATEST) else value


def is_presenting() -> bool:
    return str(st.query_params.get(PARAM_PRESENT, "")).lower() in ("1", "true")


def follow_latest() -> None:
    """Make the next run of this session show the latest snapshot (after an import)."""
    st.session_state[_FOLLOW] = True


def pin_snapshot(live: Path | None = None, info_for: InfoFor | None = None) -> Pin:
    """Resolve the snapshot of this run. Call before the connection and the filter widgets.

    When the session moves to another snapshot (a new import, the picker, "Open latest") and its
    as-of date was that snapshot's default, the as-of date moves to the new snapshot's default.
    """
    _carry_across_pages()
    if st.session_state.pop(_FOLLOW, False):
        _drop_param(PARAM_SNAPSHOT)
    pin = resolve_pin(Path(live or settings.DB_PATH), requested_snapshot())
    if pin.missing:
        _drop_param(PARAM_SNAPSHOT)  # header() says so once; the URL no longer names it
    if info_for is not None:
        try:
            default_as_of = info_for(str(pin.path))["default_as_of"]
        except Exception:  # noqa: BLE001 - the frame reports an unreadable database itself
            return pin
        previous = st.session_state.get(_PREVIOUS)
        if (previous and previous[0] != str(pin.path)
                and st.session_state.get(PARAM_AS_OF) == previous[1]):
            st.session_state[PARAM_AS_OF] = default_as_of
        st.session_state[_PREVIOUS] = (str(pin.path), default_as_of)
    return pin


def _carry_across_pages() -> None:
    """Keep ?snapshot= and ?present= when the viewer follows a page link (which drops them)."""
    page, saved = st.session_state.get(_SAVED) or (None, {})
    if page is None or page == page_path():
        return
    for key, value in saved.items():
        if value and key not in st.query_params:
            st.query_params[key] = value


def _save_for_next_page() -> None:
    saved = {key: st.query_params.get(key) for key in (PARAM_SNAPSHOT, PARAM_PRESENT)}
    st.session_state[_SAVED] = (page_path(), saved)


def _picked() -> None:
    value = st.session_state[PICKER]
    if value == LATEST:
        _drop_param(PARAM_SNAPSHOT)
    else:
        st.query_params[PARAM_SNAPSHOT] = value


def snapshot_picker(pin: Pin, live: Path | None = None) -> None:
    """The sidebar's snapshot picker: the live data, or any kept snapshot by its id."""
    options = [LATEST] + available(Path(live or settings.DB_PATH))
    current = pin.snapshot_id if pin.requested and not pin.missing else LATEST
    st.session_state[PICKER] = current if current in options else LATEST
    st.selectbox(
        "Data snapshot",
        options,
        key=PICKER,
        on_change=_picked,
        help="Every import keeps an immutable snapshot, named by when it was built (UTC); a "
        f"shared link names the one it was made on. The last {settings.SNAPSHOTS_KEEP} are kept.",
    )
    st.caption(f"Snapshot of {_when(pin.snapshot_id)}" + (" · the latest" if not pin.is_old
                                                           else " · newer data exists"))


def _toggled() -> None:
    if st.session_state[TOGGLE]:
        st.query_params[PARAM_PRESENT] = "1"
    else:
        _drop_param(PARAM_PRESENT)


def page_path() -> str:
    """URL path of the page being run ('' for the home page, 'Cohorts' for pages/2_Cohorts.py)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return ""
    info = ctx.pages_manager.get_pages().get(ctx.pages_manager.current_page_script_hash, {})
    return info.get("url_pathname", "") or ""


def app_base_url() -> str:
    """The configured base URL, else the browser's address without the page, else localhost."""
    configured = configured_base_url()
    if configured:
        return configured
    current = st.context.url
    if current:
        path = page_path()
        current = current.rstrip("/")
        return current[: -len(path) - 1] if path and current.endswith("/" + path) else current
    return DEFAULT_BASE_URL


def view_params(pin: Pin, as_of: date | None, saved: dict | None = None) -> dict[str, list[str]]:
    """Every parameter of the current view (all filters), pinned to this snapshot and as-of date.
    `saved`: the filters in effect that differ from their defaults (the frame's)."""
    own = (PARAM_SNAPSHOT, PARAM_AS_OF, PARAM_PRESENT, *RESERVED_PARAMS)
    params: dict[str, list[str]] = {}
    for key in st.query_params:
        if key not in own:
            params[key] = st.query_params.get_all(key)
    # Right after a page link the URL may still lack some of the filters in effect.
    for key, value in (saved or {}).items():
        if key not in own:
            values = value if isinstance(value, (list, tuple)) else [value]
            params[key] = [url_value(v) for v in values]
    if pin.snapshot_id:
        params[PARAM_SNAPSHOT] = [pin.snapshot_id]
    if as_of is not None:
        params[PARAM_AS_OF] = [url_value(as_of)]
    if is_presenting():
        params[PARAM_PRESENT] = ["1"]
    return params


def view_url(pin: Pin, as_of: date | None, saved: dict | None = None) -> str:
    return share_url(app_base_url(), page_path(), view_params(pin, as_of, saved))


def _open_latest() -> None:
    _drop_param(PARAM_SNAPSHOT)


def header(pin: Pin, as_of: date | None, saved: dict | None = None) -> None:
    """Under the page title: the pinned-snapshot banner or the pruned-link message, "Copy link to
    this view" and the presentation toggle. `as_of` is the as-of date in effect."""
    if is_presenting():
        st.html(PRESENT_CSS)
    if pin.missing:
        st.warning(
            # Only a well-formed id is echoed: the URL text could close the backticks.
            f"This link asked for data snapshot "
            f"{f'`{pin.requested}`' if _ID.match(pin.requested or '') else 'with an invalid id'}"
            f", which is no longer kept (the "
            f"last {settings.SNAPSHOTS_KEEP} imports are). Showing the latest data instead.",
            icon=":material/history:",
        )
    if pin.is_old:
        text, button = st.columns([6, 1], vertical_alignment="center")
        text.info(
            f"Snapshot of **{_when(pin.snapshot_id)}**, as shared in this link: newer data has "
            "been imported since.",
            icon=":material/history:",
        )
        button.button("Open latest", on_click=_open_latest, key="sharing_open_latest",
                      icon=":material/update:", type="primary")
    _, link, present = st.columns([5.4, 1.5, 1.1], vertical_alignment="center")
    with link, st.popover("Copy link", icon=":material/link:", help="Copy link to this view",
                          width="stretch"):
        st.markdown("**Copy link to this view**")
        st.code(view_url(pin, as_of, saved), language=None, wrap_lines=True)
        st.caption("Copy it with the icon at the right of the link. It keeps every filter, the "
                   "data snapshot and the as-of date, so it reopens exactly this view.")
    with present:
        st.session_state[TOGGLE] = is_presenting()
        st.toggle(
            "Present",
            key=TOGGLE,
            on_change=_toggled,
            help="Presentation mode: no sidebar or controls, larger type, one chart per row. "
            "The filters stay as they are.",
        )
    _save_for_next_page()


def board_pack_button(con, f, grain: str = "month", basis: str = "logo") -> None:
    """"Board pack" download on the Overview page: the same HTML as `python -m outputs.report`, built
    only when clicked (on its own cursor: connections are not shared across threads)."""
    from outputs import report

    def build() -> str:
        cur = con.cursor()
        try:
            return report.board_pack(cur, f, grain=grain, basis=basis,
                                     marks=workspace_ui.pack_marks(f, grain))
        finally:
            cur.close()

    cur = con.cursor()
    try:
        name = report.file_name(cur, f)
    finally:
        cur.close()
    st.download_button(
        "Board pack", build, file_name=name, mime="text/html",
        on_click="ignore", icon=":material/summarize:", key="sharing_board_pack",
        help="One HTML file with this view's tiles, summary and key charts, their definitions, "
        "the snapshot and the filters. Opens offline; fit for e-mail or a board folder.",
    )
