"""Import data (editors only): upload exports, validate exactly like `python -m data.load`,
switch to the new snapshot only when everything is valid."""

import streamlit as st

from app import auth
from app import frame
from app import sharing
from app import ui
from app import uploads

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
    if meta.get("summary"):
        # The same summary `python -m data.load` prints: rows, conversions, warnings, what this
        # data can show.
        st.code(uploads.summary_text(meta["summary"]), language=None)
    else:
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
    # A table, not a grid: each message is shown whole (a grid cell cuts it before "found ...").
    st.table(result.problems.set_index("file"))
    ui.download(result.problems, "import_problems", "Download the problems as CSV")

st.write(
    "Upload your exports as CSV or text (comma, semicolon, tab or aligned columns; UTF-8), "
    "Parquet or Excel .xlsx (its first sheet). Only a customers "
    "file is required (or a transactions file on its own). Exports as they come are read: a "
    "churned yes/no flag, tenure in months, churn events, subscriptions, response times in "
    "minutes or hours, day-first dates (README, Your data, lists every column). The files are "
    "checked against every rule of the data model; the dashboard switches to the new data only "
    "when all of them pass."
)
with st.form("import_form", border=True):
    files = {}
    # One row of two slots at a time, so a phone stacks them in this order too.
    for i in range(0, len(uploads.SLOTS), 2):
        for column, (key, label, help_text) in zip(st.columns(2), uploads.SLOTS[i:i + 2]):
            files[key] = column.file_uploader(label, type=uploads.FILE_TYPES, key=f"import_{key}",
                                              help=help_text)
    mapping = st.text_area(
        "Column mapping (optional)", key="import_mapping", height=90,
        placeholder="customers.signup_date=Start Date\ntickets.created_at=Created",
        help="One line per column whose header differs in your export: TABLE.COLUMN=Header.",
    )
    replace = st.text_area(
        "Value replacements (optional)", key="import_values", height=90,
        placeholder="customers.churned=Joined:active\ntickets.priority=P1:urgent,P2:high",
        help="One line per column: TABLE.COLUMN=RAW:VALUE, more pairs after commas. The raw "
        "values (any letter case) are replaced before the checks; the summary counts them.")
    as_of_box, format_box, inactive_box = st.columns(3)
    as_of = as_of_box.date_input(
        "Data as of (optional)", value=None, key="import_as_of", format="YYYY-MM-DD",
        help="The export's date. Empty: the latest date in the files, up to today. A churned "
        "flag without a date counts as churned on this day; tenure counts back from it.")
    date_format = format_box.selectbox(
        "Dates written as", [None, *uploads.DATE_FORMATS], key="import_date_format",
        format_func=lambda v: "Recognise automatically" if v is None else v,
        help="Only needed when no value tells day and month apart (03/04/2024). Times may "
        "follow any date: 7:29, 07:29:05, 7:29 PM, with Z or +02:00 (stored as UTC).")
    inactive_days = inactive_box.number_input(
        "Churned after days without activity (optional)", min_value=1, value=None, step=1,
        key="import_inactive_days",
        help="With an activity file: a customer without a churn date churned this many days "
        "after its last activity.")
    skip_bad_rows = st.checkbox(
        "Leave out rows that break a rule", key="import_skip_bad_rows",
        help="Import the rows that pass and leave out the others; the summary says how many, "
        "why and on which lines. Off: nothing changes unless every row passes. A file whose "
        "rows all break a rule, or whose columns are wrong, still stops the import.")
    submitted = st.form_submit_button("Validate and import", type="primary",
                                      icon=":material/upload:")

if submitted:
    with st.spinner("Validating and building a new snapshot…"):
        outcome = uploads.import_uploads(files, mapping, values_text=replace, options={
            "as_of": as_of, "date_format": date_format, "skip_bad_rows": skip_bad_rows or None,
            "inactive_days": int(inactive_days) if inactive_days else None})
    st.session_state["import_result"] = outcome
    if outcome.ok:
        sharing.follow_latest()
    st.rerun()
