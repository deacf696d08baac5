"""Cohorts: the retention triangle, curves with the weighted average, compare mode, month-k
across cohorts, and the customers behind one cell."""

import streamlit as st

import charts
import frame
import narrative
import settings
import ui
from filter_params import MULTI

CUSTOMER_COLUMNS = {
    "customer_id": st.column_config.TextColumn("Customer"),
    "name": st.column_config.TextColumn("Name"),
    "signup_date": st.column_config.DateColumn("Signed up"),
    "churn_date": st.column_config.DateColumn("Churned"),
    "churn_reason": st.column_config.TextColumn("Reason given"),
    "churn_category": st.column_config.TextColumn("Reason category"),
    "plan": st.column_config.TextColumn("Plan"),
    "segment": st.column_config.TextColumn("Segment"),
    "region": st.column_config.TextColumn("Region"),
    "industry": st.column_config.TextColumn("Industry"),
    "acquisition_channel": st.column_config.TextColumn("Channel"),
    "products_count": st.column_config.NumberColumn("Products"),
    "mrr": st.column_config.NumberColumn("MRR", format="$%.2f"),
    "is_retained": st.column_config.CheckboxColumn("Retained at this age"),
    "has_reached_age": st.column_config.CheckboxColumn("Has reached this age"),
}

f, con = frame.frame("Cohorts")
grain, basis = frame.grain(), frame.basis()
unit = charts.GRAIN_WORDS[grain]
n_customers = ui.customer_count(f)

cells = ui.query("cohort_retention", f, grain=grain, basis=basis)
average = ui.query("average_retention", f, grain=grain, basis=basis)

st.subheader("Retention triangle")
# Without churn dates there is no retention to draw: said once, for every chart of the page.
retention = ui.available("cohorts.heatmap")
show_incomplete = st.toggle(
    "Show incomplete cells (faded, marked *)", value=True, key="cohorts_incomplete",
    help="A cell is incomplete while some members of the cohort have not reached that age yet.",
)
event = None
if retention and not ui.empty(cells):
    heat = charts.cohort_heatmap(cells, grain, basis, show_incomplete, settings.MIN_N)
    event = ui.show(heat, "cohort_heatmap", "retention", n=n_customers,
                    note="click a cell to list its customers below",
                    on_select="rerun", selection_mode="points")

st.subheader("Retention curves")
if retention and not ui.empty(cells):
    curves = charts.retention_curves(cells, average, grain, basis, settings.MIN_N)
    ui.show(curves, "retention_curves", "average_curve", n=n_customers)

st.subheader("Compare groups")
# Only dimensions with more than one group in the data are offered (data/capabilities.py).
labels = {m.dimension: m.label for m in MULTI.values()}
dims = {key.removeprefix("cohorts.by."): labels[key.removeprefix("cohorts.by.")]
        for key in ui.offered([f"cohorts.by.{d}" for d in labels])}
groups = None
if retention and (dims or ui.available("cohorts.compare")):
    dimension = st.selectbox("Compare by", list(dims), format_func=dims.get,
                             key="cohorts_compare")
    groups = ui.compare("average_retention", f, dimension, grain=grain, basis=basis)
if not ui.empty(groups):
    chart = charts.compare_curves(groups, dims[dimension].lower(), grain, basis, settings.MIN_N)
    ui.show(chart, "retention_by_" + dimension, "average_curve", n=n_customers)

st.subheader("Retention at one age across cohorts")
if retention and not ui.empty(cells):
    max_age = int(cells["age"].max())
    k = st.slider(f"Age ({unit} since signup)", 0, max_age, min(12 if grain == "month" else 4,
                  max_age), key="cohorts_k")
    chart = charts.month_k(cells, k, average, grain, basis, settings.MIN_N)
    ui.show(chart, f"retention_at_{grain}_{k}", "retention", n=n_customers,
            note="dashed line: the size-weighted average over complete cohorts")

st.subheader("Customers behind a cell")
if not ui.empty(cells):
    cohorts = sorted(cells["cohort"].unique())
    max_age = int(cells["age"].max())
    # One pair of pickers per grain: a month start is not a quarter's, and a value kept from
    # another grain or filter is not among the options (the browser then sent its label back).
    cohort_key, age_key = f"cohorts_cohort_{grain}", f"cohorts_age_{grain}"
    if st.session_state.get(cohort_key, cohorts[-1]) not in cohorts:
        del st.session_state[cohort_key]
    if not 0 <= st.session_state.get(age_key, 0) <= max_age:
        del st.session_state[age_key]
    picked = ui.selected_cell(event, heat.data if event is not None else None, grain)
    if picked is not None:
        st.session_state[cohort_key], st.session_state[age_key] = picked
    left, right = st.columns(2)
    cohort = left.selectbox(f"Signup {grain}", cohorts, index=len(cohorts) - 1,
                            format_func=lambda c: charts.period_label(c, grain),
                            key=cohort_key)
    age = right.number_input(f"Age ({unit} since signup)", 0, max_age, 0, key=age_key)
    members = ui.query("cohort_customers", f, cohort=cohort, age=int(age), grain=grain)
    if not ui.empty(members):
        st.markdown(ui.markdown_text(narrative.cell_summary(
            members, charts.period_label(cohort, grain), int(age), unit[:-1])))
        st.dataframe(members, hide_index=True, width="stretch", height=360,
                     column_config=CUSTOMER_COLUMNS)
        ui.download(members, f"cohort_{cohort}_age_{int(age)}_customers",
                    label="Download these customers (CSV)")
