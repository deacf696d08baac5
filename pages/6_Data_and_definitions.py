"""Data & definitions: what data the numbers come from, what is wrong with it, and the exact
definition of every metric."""

import streamlit as st

from app import auth
from words import definitions
from app import frame
from words import data_notes
import settings
from app import database
from app import ui
from views import needs

PROFILE_COLUMNS = {
    "table_name": st.column_config.TextColumn("Table"),
    "row_count": st.column_config.NumberColumn("Rows", format="localized"),
    "first_date": st.column_config.DateColumn("From", format="D MMM YYYY"),
    "last_date": st.column_config.DateColumn("To", format="D MMM YYYY"),
    "about": st.column_config.TextColumn("What it holds"),
}

f, con = frame.frame("Data & definitions", needs_customers=False)
info = database.current()

st.subheader("This data")
a, b, c = st.columns(3)
a.metric("As-of date", f"{info['default_as_of']:%d %b %Y}", border=True,
         help=definitions.DEFINITIONS["as_of"].text)
built = info.get("built_at")
b.metric("Snapshot built", f"{built:%d %b %Y %H:%M} UTC" if built else info["snapshot_id"],
         border=True, help=f"Snapshot `{info['snapshot_id']}`: the database file these numbers "
         "come from; every import or demo build writes a new one, and links pin it.")
c.metric("Source", {"demo": "Demo data", "import": "Imported files"}.get(
    info["source_kind"], str(info["source_kind"])), border=True,
    help="Demo data is generated; imported files are listed with their checksums in the meta table.")

level, notice = auth.access_notice()
(st.warning if level == "warning" else st.info)(notice, icon=":material/lock:")

st.subheader("Tables")
profile = ui.query_all("table_profile")
if profile is not None:
    st.dataframe(profile, hide_index=True, width="stretch", height="content",
                 column_config=PROFILE_COLUMNS, column_order=list(PROFILE_COLUMNS))

st.subheader("What this data can show")
st.caption("Each page and chart: ✓ when the data has what it needs; otherwise what would fill it "
           "(README, Your data). The import prints the same list.")
st.markdown(ui.markdown_text(needs.shape_line(database.capabilities())) + ".")
for page, (shown, not_shown) in needs.by_page(database.capabilities(),
                                                    ui.as_of()).items():
    st.markdown(f"**{page}** — " + (f"✓ {' · '.join(shown)}" if shown else "nothing yet") + "".join(
        f"  \n{line}" for line in not_shown))

ui.heading("data.quality")
said = data_notes.quality_notes(
    *(ui.ask("data.quality", f, i) for i in range(4)), settings.OTHER_WARNING_PCT,
    absent=frozenset(t for t in ("tickets", "mrr_history") if not database.capabilities().rows(t)))
caps = database.capabilities()
said += [("info", line) for line in data_notes.assumption_lines(database.assumed(), ui.as_of(),
                                                                caps.churn_shape, caps.churned)]
for level, text in said:
    (st.warning if level == "warning" else st.info)(ui.markdown_text(text))

st.subheader("Reason mapping versions")
ui.mapping_versions()

st.subheader("Definitions")
st.caption("Every number in the dashboard follows one of these; the SQL of each lives in "
           "queries/sql/, one file per metric.")
for d in definitions.DEFINITIONS.values():
    st.markdown(f"**{ui.markdown_text(d.name)}** — `{d.formula}`  \n{ui.markdown_text(d.text)}")
