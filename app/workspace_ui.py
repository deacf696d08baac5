"""The workspace on the pages: the targets and notes that apply to the view (read once per run by
the frame, from the workspace beside the live database), drawn by `ui.show` on charts and by the
tiles; and the editors' forms of the Targets & notes page.

Notes and targets are the workspace's as they are now, whatever snapshot a link pins: a note added
today about last spring shows on a link shared last week (the Targets & notes page says so).
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import date

import pandas as pd
import streamlit as st

from app import auth
import settings
from views import targets as goals
from data import workspace
from queries import Filters

log = logging.getLogger("retention.workspace")

TARGETS_KEY, NOTES_KEY, VIEW_KEY = "_view_targets", "_view_notes", "_view_scope"


def load(f: Filters) -> None:
    """Read the targets and the notes once for this run's view (frame calls it)."""
    try:
        with workspace.connect(settings.DB_PATH) as con:
            rows, notes = workspace.targets(con), workspace.annotations(con)
    except (sqlite3.Error, OSError, ValueError) as exc:
        # Without the workspace the charts still draw; only their targets and notes are missing.
        log.warning("workspace unreadable: %r", exc)
        rows = pd.DataFrame(columns=workspace.TARGET_COLUMNS)
        notes = pd.DataFrame(columns=workspace.ANNOTATION_COLUMNS)
    st.session_state[TARGETS_KEY] = goals.from_rows(rows)
    st.session_state[NOTES_KEY] = workspace.notes_for(notes, f.plans, f.segments)
    st.session_state[VIEW_KEY] = (tuple(f.plans), tuple(f.segments))


def notes() -> list[tuple[date, str]]:
    return st.session_state.get(NOTES_KEY) or []


def target(kpi: str, priority: str = "") -> goals.Target | None:
    """The target of `kpi` (for a ticket priority) that applies to this run's view, if any."""
    plans, segments = st.session_state.get(VIEW_KEY) or ((), ())
    return goals.for_view(st.session_state.get(TARGETS_KEY) or [], kpi, plans, segments,
                          priority)


def editor_name() -> str:
    """Who is writing, for the workspace's updated_by / created_by: the e-mail address of an
    OpenID Connect sign-in; with the shared editor password, just 'editor'."""
    if auth.mode() == auth.OIDC:
        return str(st.user.get("email") or "editor").strip()
    return "editor"


# The workspace writes the Targets & notes page may ask for: pages write only through here.
WRITES = {
    "add_note": workspace.add_annotation,
    "delete_note": workspace.delete_annotation,
    "set_target": workspace.set_target,
    "delete_target": workspace.delete_target,
}
MAX_NOTE_CHARS = workspace.MAX_TEXT


def write(action: str, *args, **kwargs) -> str | None:
    """Run one workspace write (a key of WRITES) for an editor; None when done, else the message
    to show.

    The role is checked here, at the write, not only where the forms are drawn."""
    action = WRITES[action]
    if not auth.is_editor():
        return "Only editors can change targets and notes."
    try:
        with workspace.connect(settings.DB_PATH) as con:
            action(con, *args, **kwargs)
    except (ValueError, TypeError) as exc:
        return str(exc)
    except sqlite3.Error as exc:
        log.warning("workspace write failed: %r", exc)
        return "The workspace database could not be written: try again in a moment."
    return None


# --- the Targets & notes page ------------------------------------------------------------------

def all_rows() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(targets, notes) as stored, for the page's tables."""
    with workspace.connect(settings.DB_PATH) as con:
        return workspace.targets(con), workspace.annotations(con)


def notes_table(notes: pd.DataFrame) -> pd.DataFrame:
    """The notes as listed and downloaded: date, note, plan, segment, added by, added at."""
    return pd.DataFrame({
        "date": notes["on_date"], "note": notes["text"],
        "plan": notes["plan"].replace("", "All"), "segment": notes["segment"].replace("", "All"),
        "added_by": notes["created_by"], "added_at": _minute(notes["created_at"]),
    })


def _minute(stamps: pd.Series) -> pd.Series:
    """'2026-11-30T04:08:05+00:00' -> '2026-11-30 04:08' (UTC, as the column header says)."""
    return stamps.astype(str).str.slice(0, 16).str.replace("T", " ")


def targets_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The targets as listed: KPI, target (in the KPI's unit), customers, priority, set by/at."""
    found = goals.from_rows(rows)
    return pd.DataFrame({
        "kpi": [goals.KPIS[t.kpi].label if t.kpi in goals.KPIS else t.kpi for t in found],
        "target": [t.label().removeprefix("target ").split(" (")[0] for t in found],
        "applies_to": [", ".join(v for v in (t.plan, t.segment) if v) or "All customers"
                       for t in found],
        "tickets": [t.priority or ("All" if t.kpi in goals.SUPPORT_KPIS else "")
                    for t in found],
        "set_by": rows["updated_by"].tolist(), "set_at": _minute(rows["updated_at"]).tolist(),
    })


def target_choices(rows: pd.DataFrame) -> dict[tuple[str, str, str, str], str]:
    """(kpi, plan, segment, priority) -> 'Churn rate ≤ 2.0% (Growth)' for the remove picker."""
    out = {}
    for t in goals.from_rows(rows):
        name = goals.KPIS[t.kpi].label if t.kpi in goals.KPIS else t.kpi
        out[(t.kpi, t.plan, t.segment, t.priority)] = f"{name} {t.label().removeprefix('target ')}"
    return out


def pack_marks(f: Filters, grain: str):
    """The board pack's targets and notes: this run's, as on the page."""
    from outputs.report.pack import Marks  # the pack is built only when its button is clicked

    return Marks(tuple(st.session_state.get(TARGETS_KEY) or []), tuple(notes()),
                 tuple(f.plans), tuple(f.segments), grain)
