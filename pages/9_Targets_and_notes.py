"""Targets & notes: the KPI targets the charts and tiles are held against, and the dated notes
marked on every time chart. Everyone sees them; editors change them."""

from datetime import date

import streamlit as st

from app import auth
from app import frame
from app import database
from app import priorities
from views import targets
from app import ui
from app import workspace_ui

f, con = frame.frame("Targets & notes", needs_customers=False)
options = database.current()["options"]
editor = auth.is_editor()
ALL = "All"

flash = st.session_state.pop("workspace_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")
st.caption("Targets are drawn as dashed lines on the charts of their KPI, and the Overview's tiles "
           "say whether the last complete month meets them. Notes are marked on every chart over "
           "time and above the first cohort that signed up after them. Both are kept beside the "
           "data, not in a snapshot: every view, also a link pinned to an older snapshot, shows "
           "them as they are now.")
if not editor:
    st.info("Only editors can add or change targets and notes"
            + (": sign in as an editor in the sidebar." if auth.mode() != auth.OIDC else "."),
            icon=":material/lock:")

rows, notes = workspace_ui.all_rows()


def done(error: str | None, message: str) -> None:
    if error:
        st.error(error, icon=":material/error:")
        return
    st.session_state["workspace_flash"] = message
    st.rerun()


def listing(table, name: str, empty: str, labels: dict[str, str], **columns) -> None:
    """The table (st.dataframe key <name>_table) and its CSV download, or `empty` without rows;
    columns are text under `labels` unless given in `columns`."""
    if table.empty:
        st.info(empty)
        return
    config = {column: st.column_config.TextColumn(label) for column, label in labels.items()}
    st.dataframe(table, hide_index=True, width="stretch", key=f"{name}_table",
                 column_config={**config, **columns})
    ui.download(table, name, f"Download the {name} as CSV")


st.subheader("Notes")
listing(workspace_ui.notes_table(notes), "notes",
        "No notes yet." + (" Add one below: a price change, a new onboarding flow, an "
                           "outage." if editor else ""),
        {"plan": "Plan", "segment": "Segment", "added_by": "Added by", "added_at": "Added (UTC)"},
        date=st.column_config.DateColumn("Date", format="D MMM YYYY"),
        note=st.column_config.TextColumn("Note", width="large"))

if editor:
    with st.form("notes_add", clear_on_submit=True):
        st.markdown("**Add a note**")
        a, b, c, d = st.columns([1, 3, 1, 1])
        day = a.date_input("Date", value=date.today(), format="YYYY-MM-DD", key="notes_date")
        text = b.text_input("Note", max_chars=workspace_ui.MAX_NOTE_CHARS, key="notes_text",
                            placeholder="Price increase")
        plan = c.selectbox("Plan", [ALL, *options["plan"]], key="notes_plan")
        segment = d.selectbox("Segment", [ALL, *options["segment"]], key="notes_segment")
        if st.form_submit_button("Add note", type="primary", icon=":material/add:"):
            done(workspace_ui.write("add_note", day, text,
                                    workspace_ui.editor_name(),
                                    plan="" if plan == ALL else plan,
                                    segment="" if segment == ALL else segment),
                 f"Note added for {day:%d %b %Y}.")
    if not notes.empty:
        with st.form("notes_delete"):
            labels = {int(r.id): f"{r.on_date:%d %b %Y}: {r.text}" for r in notes.itertuples()}
            chosen = st.selectbox("Remove a note", list(labels), format_func=labels.get,
                                  key="notes_remove")
            if st.form_submit_button("Remove note", icon=":material/delete:"):
                done(workspace_ui.write("delete_note", chosen),
                     "Note removed.")

st.subheader("Targets")
listing(workspace_ui.targets_table(rows), "targets", "No targets set.",
        {"kpi": "KPI", "applies_to": "Customers", "tickets": "Ticket priority", "target": "Target",
         "set_by": "Set by", "set_at": "Set (UTC)"})

if editor:
    with st.form("targets_set"):
        st.markdown("**Set a target** (replaces the one for the same KPI and customers)")
        a, b, c = st.columns([2, 1, 1])
        kpi = a.selectbox("KPI", list(targets.KPIS), key="targets_kpi",
                          format_func=lambda k: f"{targets.KPIS[k].label} ({targets.KPIS[k].unit})")
        direction = b.selectbox("Direction", ["at_most", "at_least"], key="targets_direction",
                                format_func={"at_most": "at most (≤)",
                                             "at_least": "at least (≥)"}.get)
        value = c.number_input("Value", value=0.0, step=0.5, key="targets_value")
        a, b, c = st.columns(3)
        plan = a.selectbox("Plan", [ALL, *options["plan"]], key="targets_plan")
        segment = b.selectbox("Segment", [ALL, *options["segment"]], key="targets_segment")
        priority = c.selectbox("Ticket priority (support KPIs)",
                               [ALL, *priorities.priorities()], key="targets_priority")
        if st.form_submit_button("Save target", type="primary", icon=":material/flag:"):
            wrong = priority != ALL and kpi not in targets.SUPPORT_KPIS
            done("Ticket priority: only the support times have targets per priority; pick All."
                 if wrong else workspace_ui.write(
                     "set_target", kpi, direction, value, workspace_ui.editor_name(),
                     plan="" if plan == ALL else plan, segment="" if segment == ALL else segment,
                     priority="" if priority == ALL else priority),
                 f"Target saved for {targets.KPIS[kpi].label}.")
    if not rows.empty:
        with st.form("targets_delete"):
            labels = workspace_ui.target_choices(rows)
            chosen = st.selectbox("Remove a target", list(labels), format_func=labels.get,
                                  key="targets_remove")
            if st.form_submit_button("Remove target", icon=":material/delete:"):
                done(workspace_ui.write("delete_target", chosen[0], plan=chosen[1],
                                        segment=chosen[2], priority=chosen[3]),
                     "Target removed.")
