"""Exports built when the viewer asks for them: a large list's CSV is prepared on a click, then
offered for download, instead of being computed and sent to the browser on every run of the page.

    exports.prepared_download("at_risk_call_list", "Call list", "churn_risk", f, horizon_days=90)

The prepared file is kept in the viewer's session for the view it was made for (snapshot,
filters, arguments): another filter or snapshot offers the preparation again.
"""

from __future__ import annotations

import logging
from dataclasses import astuple
from time import perf_counter

import streamlit as st

from app import database, ui
from queries import Filters

log = logging.getLogger("retention.exports")

_KEY = "_prepared_{}"  # session_state: (view, CSV bytes, rows) of a prepared export


def prepared_download(name: str, label: str, fn_name: str, f: Filters, **kwargs) -> None:
    """A button that prepares queries.<fn_name>(con, f, **kwargs) as `name`.csv, then (on the
    same run and every later run of this view) the download of that file."""
    view = (database.path(), astuple(f), fn_name, tuple(sorted(kwargs.items())))
    slot = _KEY.format(name)
    kept = st.session_state.get(slot)
    if kept is not None and kept[0] != view:
        del st.session_state[slot]  # made for another view: never offered for this one
        kept = None
    # One place: the download takes the button's place once the file is ready.
    place = st.empty()
    if kept is None:
        if not place.button(f"Prepare the {label.lower()}", key=f"prepare_{name}",
                            icon=":material/table_view:"):
            return
        started = perf_counter()
        with st.spinner(f"Preparing the {label.lower()}…"):
            df = ui.query(fn_name, f, **kwargs)
            data = ui.derive(f"preparing {name}.csv", ui.csv_bytes, df) if df is not None else None
        if data is None:
            return  # the error boundary has said what went wrong
        kept = st.session_state[slot] = (view, data, len(df))
        log.info("prepared %s.csv: %d rows, %d bytes in %.1f s", name, len(df), len(data),
                    perf_counter() - started)
    _, data, rows = kept
    # A callable hands the prepared bytes over on the click only: not hashed and sent with
    # every run of the page.
    place.download_button(label, lambda: data, file_name=f"{name}.csv", mime="text/csv",
                       key=f"csv_{name}", on_click="ignore", icon=":material/download:",
                       help=f"{rows:,} rows, {len(data) / 1e6:,.1f} MB")
