"""What every page starts with: `f, con = frame.frame("Cohorts")` sets the page up (config, sign-in
gate, first-run build, navigation), draws the shared filters bound to the URL, carries them across
page links, and writes the header. Then `frame.grain()` and `frame.basis()` give the view's grain
and basis."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import duckdb
import streamlit as st

from app import auth
from words import definitions
from words import data_notes
import settings
from app import sharing
from app import database
from app import ui
from app import workspace_ui
from views import catalog, needs
from views.filter_params import BASES, FILTER_KEYS, MAX_PARAM_CHARS, MULTI, check_params, url_value
from queries import Filters
from queries.base import GRAINS

log = logging.getLogger("retention.frame")

ASSETS = Path(__file__).resolve().parents[1] / "assets"
# Served by the app itself: a Material icon as page_icon made every page ask fonts.gstatic.com
# for the favicon, which fails offline and in locked-down offices.
FAVICON = str(ASSETS / "favicon.png")
APP_CSS = ASSETS / "app.css"
NAV_GUARD = f"<script>{(ASSETS / 'nav_guard.js').read_text(encoding='utf-8')}</script>"


def frame(page_title: str, needs_customers: bool = True) -> tuple[Filters, duckdb.DuckDBPyConnection]:
    """Page config, first-run build, navigation, shared filters; returns (filters, connection).

    With needs_customers, a selection without customers shows the empty state and stops the page.
    """
    st.set_page_config(page_title=f"{page_title} · {settings.PRODUCT}", page_icon=FAVICON,
                       layout="wide")
    st.html(APP_CSS)  # styles only: Streamlit puts them in no layout slot
    auth.gate(settings.PRODUCT)
    database.ensure_database()
    pin = sharing.pin_snapshot(settings.DB_PATH, database.snapshot_info)
    path = str(pin.path)
    database.use(path)
    try:
        info = database.snapshot_info(path)
    except (duckdb.Error, OSError) as exc:
        ui.report_error(exc, "opening the database")
        st.stop()
    database.ensure_views(path, info)
    dropped = _repair_params(info)
    _carry_filters(page_title)
    hidden = _hidden_filters(info)
    dropped += [key for key in _drop_hidden(hidden) if key not in dropped]
    with st.sidebar:
        _sidebar_header(info)
        _navigation(info["capabilities"])
        f = _filters(info, hidden)
        sharing.snapshot_picker(pin)
    auth.sidebar()
    saved = _save_filters(info)
    workspace_ui.load(f)
    ui.use_view(f.as_of, filtered=Filters(**{**f.__dict__, "as_of": None}) != Filters())
    _header(page_title, info, f)
    sharing.header(pin, f.as_of, saved)
    if dropped:
        st.warning(f"Ignored an invalid link value for: {', '.join(dropped)}.",
                   icon=":material/link_off:")
    if needs_customers and ui.customer_count(f) == 0:
        _nobody(info, f)
        st.stop()
    return f, database.get_con(path)


def grain() -> str:
    return st.session_state.get("grain") or "month"


def basis() -> str:
    """The basis of the view: logo, mrr, or activity (customers who came back)."""
    return BASES.get(st.session_state.get("basis") or database.current()["default_basis"],
                     "logo")


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
            st.query_params[key] = url_value(value)
        except Exception:  # noqa: BLE001 - the widget still has the value; only the URL lags
            log.debug("could not restore query param %s", key)


def _save_filters(info: dict) -> dict:
    """The filters that differ from their defaults, saved for the next page; returned too."""
    defaults = {"grain": "month", "basis": info["default_basis"], "as_of": info["default_as_of"]}
    saved = st.session_state["_filters_saved"] = {
        key: st.session_state[key] for key in FILTER_KEYS
        if st.session_state.get(key) not in (None, [], (), defaults.get(key))
    }
    return saved


def _sidebar_header(info: dict) -> None:
    st.markdown(f"### :material/monitoring: {settings.PRODUCT}")
    st.caption(f"Data as of **{info['default_as_of']:%d %b %Y}** · snapshot "
               f"`{info['snapshot_id']}`")


def _navigation(caps) -> None:
    # Our own constant script (no data in it): a page link waits for a typed filter's commit.
    st.html(NAV_GUARD, unsafe_allow_javascript=True)
    # A page the snapshot cannot show (views/catalog.py, listed_when) is left out; a link to it
    # on other data shows the line that says what would fill it.
    for page in catalog.PAGES:
        script, label, icon = page.script, page.label, page.icon
        if not page.listed_when or needs.shows(caps, page.listed_when):
            st.page_link(script, label=label, icon=icon)
    if auth.is_editor():
        st.page_link(catalog.IMPORT.script, label="Import data", icon=":material/upload_file:")
    st.divider()


def _hidden_filters(info: dict) -> set[str]:
    """URL parameters of the filters not drawn: a dimension the data has no value for (and the
    basis switch when the data offers no basis but Customers: no MRR and no activity)."""
    caps = info["capabilities"]
    hidden = {key for key in MULTI if not needs.shows(caps, f"filter.{key}")}
    return hidden | ({"basis"} if len(info["bases"]) < 2 else set())


def _drop_hidden(hidden: set[str]) -> list[str]:
    """A link's value for a filter this data does not offer is dropped, and said so."""
    dropped = []
    for key in hidden:
        if key in st.query_params:
            dropped.append(key)
            try:
                del st.query_params[key]
            except Exception:  # noqa: BLE001 - a bound param may refuse; Streamlit then drops it
                log.debug("could not delete query param %s", key)
        st.session_state.pop(key, None)
    return dropped


def _nobody(info: dict, f: Filters) -> None:
    """The empty state of a selection without customers: the filters' fault only when set."""
    if ui.filtered():
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.info(ui.EMPTY, icon=":material/filter_alt_off:")
        right.button("Reset filters", on_click=_reset, icon=":material/restart_alt:",
                     args=(info["default_as_of"], info["default_basis"]), key="reset_empty",
                     width="stretch")
    else:
        st.info(f"No customer had signed up by {f.as_of:%d %b %Y}.")


def _filters(info: dict, hidden: set[str]) -> Filters:
    """The shared filter widgets, each bound to its URL parameter (key = parameter name); a
    filter in `hidden` is not drawn (views/needs.py: its dimension has no value)."""
    opts = info["options"]
    st.markdown("**View**")
    st.segmented_control("Period grain", GRAINS, default="month", required=True, key="grain",
                         bind="query-params", help="Size of a cohort and of a period on charts.")
    if "basis" not in hidden:
        st.segmented_control(
            "Basis", info["bases"], default=info["default_basis"], required=True, key="basis",
            bind="query-params",
            help="Count customers, weight each customer by their MRR, or (Returned) count the "
            "customers who came back: a purchase, a login or feature use in the period.")
    st.markdown("**Dates**")
    bounds = dict(min_value=info["min_date"], max_value=info["max_date"],
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
        if key in hidden:
            continue
        if m.group != heading:
            heading = m.group
            st.markdown(f"**{heading}**")
        chosen[m.field] = tuple(st.multiselect(
            m.label, opts[key], key=key, bind="query-params",
            placeholder=f"All ({len(opts[key])})",
        ))
    st.button("Reset filters", on_click=_reset, icon=":material/restart_alt:",
              args=(info["default_as_of"], info["default_basis"]), width="stretch")
    # The one place the view's as-of date is decided: a concrete date from here on (cache keys,
    # kept views, captions, links), the snapshot's own when the viewer picked none.
    return Filters(
        as_of=as_of if isinstance(as_of, date) else info["default_as_of"],
        signup_from=signup_from if isinstance(signup_from, date) else None,
        signup_to=signup_to if isinstance(signup_to, date) else None,
        **chosen,
    )


def _reset(default_as_of: date, default_basis: str = "Customers") -> None:
    st.session_state["grain"] = "month"
    st.session_state["basis"] = default_basis
    st.session_state["as_of"] = default_as_of
    st.session_state["signup_from"] = None
    st.session_state["signup_to"] = None
    for key in MULTI:
        st.session_state[key] = []


def _header(page_title: str, info: dict, f: Filters) -> None:
    st.title(page_title)
    as_of = f.as_of
    pinned = ("" if as_of == info["default_as_of"]
              else f" (default as-of: {info['default_as_of']:%d %b %Y})")
    # Filter values come from the data (plan names...): shown as typed, never as markup.
    described = ui.markdown_text(Filters(**{**f.__dict__, "as_of": None}).describe())
    st.caption(f"{settings.PRODUCT} · data as of **{as_of:%d %b %Y}**{pinned} · snapshot "
               f"`{info['snapshot_id']}` · {described}")
    # Said on every page, next to the numbers: churn and cohorts move with what was assumed.
    caps = info["capabilities"]
    for line in data_notes.assumption_lines(info["assumed"], as_of, caps.churn_shape,
                                           caps.churned):
        st.caption(f":material/info: {line}")
