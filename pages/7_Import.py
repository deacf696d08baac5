"""Import data (editors only): upload exports, validate exactly like `python -m data.load`,
switch to the new snapshot only when everything is valid."""

import streamlit as st

import auth
import frame
import sharing
import ui
import uploads

f, con = frame.frame("Import data", needs_customers=False)
auth.require_editor()

result = st.session_state.pop("import_result", None)
if result is not None and result.ok:
    meta = result.meta
    st.success(
        f"Imported snapshot `{meta['snapshot_id']}` (data as of {meta['default_as_of']:%d %b %Y}). "
        "Every page now shows it; links shared earlier keep their own snapshot.",
        icon=":material/check_circle:",
    )
    st.dataframe(
        {"table": list(meta["tables"]), "rows": list(meta["tables"].values())},
        hide_index=True, width="content",
    )
elif result is not None and result.error:
    st.error(result.error, icon=":material/error:")
elif result is not None:
    shown = len(result.problems)
    more = f" (the first {shown} are listed)" if result.total > shown else ""
    st.error(f"{result.total} problem(s) found{more}. Nothing was changed: the dashboard still "
             "shows the previous data.", icon=":material/rule:")
    st.dataframe(result.problems, hide_index=True, width="stretch", key="import_problems")
    ui.download(result.problems, "import_problems", "Download the problems as CSV")

st.write(
    "Upload your exports as CSV (comma, semicolon or tab; UTF-8) or Parquet. Only a customers "
    "file is required. The files are checked against every rule of the data model; the "
    "dashboard switches to the new data only when all of them pass."
)
with st.form("import_form", border=True):
    files = {}
    left, right = st.columns(2)
    for i, (key, label, help_text) in enumerate(uploads.SLOTS):
        files[key] = (left if i % 2 == 0 else right).file_uploader(
            label, type=uploads.FILE_TYPES, key=f"import_{key}", help=help_text)
    mapping = st.text_area(
        "Column mapping (optional)", key="import_mapping", height=90,
        placeholder="customers.signup_date=Start Date\ntickets.created_at=Created",
        help="One line per column whose header differs in your export: TABLE.COLUMN=Header.",
    )
    submitted = st.form_submit_button("Validate and import", type="primary",
                                      icon=":material/upload:")

if submitted:
    with st.spinner("Validating and building a new snapshot…"):
        outcome = uploads.import_uploads(files, mapping)
    st.session_state["import_result"] = outcome
    if outcome.ok:
        sharing.follow_latest()
    st.rerun()
