"""Reason mapping: every raw churn reason with its count, category and owning team. Editors map
the reasons the mapping does not list and save a new mapping version (a new snapshot, so links
pinned to older snapshots keep theirs), written in the background while the page shows its
progress; everyone else reads."""


import streamlit as st

from app import auth
from app import frame
from app import sharing
from app import database
from app import mapping, ui

ROW_PX = 35  # st.data_editor's row height: the editor shows up to 15 rows before it scrolls
STATUS = {"unmapped": "Not mapped (in Other)", "mapped": "Mapped", "no reason": "No reason given"}
# Counts first, the spelling last: on a phone the first columns are the ones in view.
REASON_COLUMNS = {
    "reason": st.column_config.TextColumn("Reason (as matched)", help="Lower-cased, trimmed, "
                                          "runs of spaces collapsed: how the mapping matches it."),
    "customers_lost": st.column_config.NumberColumn("Customers lost", format="localized"),
    "share_pct": st.column_config.NumberColumn("Share of lost customers", format="%.1f%%"),
    "category": st.column_config.TextColumn("Category"),
    "owner_team": st.column_config.TextColumn("Team that owns the fix"),
    "status": st.column_config.TextColumn("Status"),
    "from_file": st.column_config.NumberColumn(
        "With the file's category", format="localized",
        help="Lost customers whose category your export gave (customers.churn_category): it wins "
        "over the mapping for them."),
    "file_category": st.column_config.TextColumn("The file's category"),
    "example": st.column_config.TextColumn("As customers wrote it", help="Its most frequent spelling."),
}
READ_ONLY = ["reason", "customers_lost", "share_pct"]

f, con = frame.frame("Reason mapping", needs_customers=False)
info = database.current()


@st.fragment(run_every=1.0)
def remap_progress(job: mapping.Job) -> None:
    """The running re-mapping's progress, redrawn every second; the whole page runs again when
    it has finished (to show the result and switch to the new snapshot)."""
    if job.finished is not None:
        st.rerun()
    st.progress(min(job.fraction, 1.0), text=f"Saving the new mapping version: {job.step}… "
                f"({job.seconds:,.0f} s)")
    st.caption(f"Mapping {ui.markdown_text(job.what)}, started by {job.by}. Every page keeps "
               "showing the current mapping until the new snapshot is ready, then switches to "
               "it at once; you can leave this page meanwhile.")


def remap_outcome(outcome: mapping.Saved) -> None:
    """What the finished re-mapping this session started did."""
    if outcome.error_id is not None:
        st.error(f"Nothing was saved: writing the new snapshot failed (error id "
                 f"{outcome.error_id}). The current mapping is unchanged.", icon=":material/error:")
    elif outcome.problems:
        st.error("Nothing was saved:\n\n" + "\n".join(
            f"- {ui.markdown_text(str(p))}" for p in outcome.problems), icon=":material/rule:")
    elif outcome.stale:
        st.warning("The data changed since this page was opened (an import, or another "
                   "editor saved a mapping). Nothing was saved: reload the page and "
                   "map again.", icon=":material/sync_problem:")
    else:
        st.session_state["mapping_saved"] = outcome.meta
        sharing.follow_latest()
        st.rerun()


job = mapping.current_job()
if (job is not None and job.finished is not None
        and st.session_state.get("mapping_job") == job.job_id):
    del st.session_state["mapping_job"]
    remap_outcome(job.outcome)
running = job if job is not None and job.finished is None else None
saved = st.session_state.pop("mapping_saved", None)
if saved is not None:
    st.success(
        f"Saved mapping version {saved.version} as snapshot `{saved.snapshot_id}`: lost customers "
        f"in Other went from {saved.other_before_pct or 0:.1f}% to {saved.other_after_pct or 0:.1f}%."
        " Every page now uses it; links shared earlier keep their own snapshot and mapping.",
        icon=":material/check_circle:")

table = ui.query_all("reason_mapping")
categories = ui.query_all("mapping_categories")
if table is None or categories is None:
    st.stop()
if table.empty:
    st.info(f"No customer churned by {info['default_as_of']:%d %b %Y}: there is no churn reason "
            "to map yet.")
    st.stop()

unmapped = table[table["status"] == "unmapped"]
no_reason = table[table["status"] == "no reason"]
lost = int(table["customers_lost"].sum())
a, b, c = st.columns(3)
a.metric("Customers lost", f"{lost:,}", border=True,
         help=f"Every customer who churned by {info['default_as_of']:%d %b %Y}, the data's as-of "
         "date: the mapping is one per snapshot, so the filters do not apply here.")
b.metric("Reasons not mapped", f"{len(unmapped):,}", border=True,
         help=f"{int(unmapped['customers_lost'].sum() - unmapped['from_file'].sum()):,} lost "
         "customers gave a reason the mapping does not list and have no category from the file: "
         "they count in Other.")
c.metric("Gave no reason", f"{int(no_reason['customers_lost'].sum()):,}", border=True,
         help="Lost customers without a churn reason: they count in Other, and no mapping can "
         "place them.")

st.subheader("Reasons not mapped")
is_live = mapping.is_live()
if running is not None:
    remap_progress(running)  # for viewers too: the numbers here are about to change
elif unmapped.empty:
    st.success("Every reason customers gave is in the mapping.", icon=":material/check_circle:")
elif not auth.is_editor():
    st.info("Only editors can map reasons" + (
        " (sign in as an editor in the sidebar)." if auth.editor_sign_in_available() else ".")
        + " Until then these count in Other.", icon=":material/lock:")
    st.dataframe(unmapped, hide_index=True, width="stretch", column_config=REASON_COLUMNS,
                 column_order=READ_ONLY + ["from_file", "example"],
                 key="mapping_unmapped")
elif not is_live:
    st.info("This is an older snapshot, shared in a link. Open the latest data to map its "
            "reasons.", icon=":material/history:")
else:
    st.caption("Pick a category from the list, or type a new one; the team is the category's "
               "own when left blank. Saving writes a new snapshot with this mapping in the "
               "background: every page switches to it when it is ready, and links pinned to "
               "older snapshots keep theirs.")
    # Keyed by snapshot: after a save the new snapshot's editor starts empty, instead of
    # applying the saved edits to the rows that moved up into their places.
    edited = st.data_editor(
        unmapped[READ_ONLY].assign(category=None, new_category=None, owner_team=None,
                                   example=unmapped["example"]),
        key=f"mapping_editor_{info['snapshot_id']}", hide_index=True, width="stretch",
        num_rows="fixed", placeholder="",
        column_order=["reason", "customers_lost", "category", "new_category", "owner_team",
                      "share_pct", "example"], height=ROW_PX * (min(len(unmapped), 15) + 1) + 3,
        disabled=READ_ONLY + ["example"],
        column_config={
            **{k: REASON_COLUMNS[k] for k in READ_ONLY + ["example"]},
            "category": st.column_config.SelectboxColumn(
                "Category", options=list(categories["category"]),
                help="A category the mapping has."),
            "new_category": st.column_config.TextColumn(
                "…or a new category", max_chars=200,
                help="Type a category the mapping does not have yet; it wins over the list."),
            "owner_team": st.column_config.TextColumn(
                "Team that owns the fix", max_chars=200,
                help="Blank: the team the category already has."),
        })
    submitted = st.button("Save as a new mapping version", type="primary",
                          icon=":material/save:", key="mapping_save")
    if submitted:
        rows = mapping.chosen_rows(edited)
        if not rows:
            st.warning("Pick or type a category for at least one reason, then save.")
        else:
            started = mapping.start(rows)
            if isinstance(started, mapping.Saved):
                st.error("Only editors can save a mapping.", icon=":material/lock:")
            else:
                st.session_state["mapping_job"] = started.job_id
                st.rerun()

with st.expander(f"Categories in the mapping ({len(categories):,})", icon=":material/category:"):
    st.dataframe(categories, hide_index=True, width="stretch", key="mapping_categories",
                 column_config={"category": REASON_COLUMNS["category"],
                                "owner_team": REASON_COLUMNS["owner_team"],
                                "reasons": st.column_config.NumberColumn("Reasons mapped")})

from_file = int(table["from_file"].sum())
if from_file:
    st.info(f"{from_file:,} of {lost:,} lost customers have the category your export gave them "
            "(customers.churn_category): it wins over the mapping for them, on every page. The "
            "table below shows, per reason, how many and which category.",
            icon=":material/description:")
st.subheader("Every reason given")
st.dataframe(table.assign(status=table["status"].map(STATUS)), hide_index=True, width="stretch",
             column_config=REASON_COLUMNS, column_order=list(REASON_COLUMNS), key="mapping_all",
             placeholder="—")
ui.download(table, "churn_reasons_mapping", "Download as CSV")

st.subheader("Mapping versions")
ui.mapping_versions()
