"""Cohorts: the retention triangle, curves with the weighted average, compare mode, month-k
across cohorts, and the customers behind one cell. On the Returned basis (activity retention)
the same charts count the customers who came back, and revenue per customer by age is added."""

import streamlit as st

import charts
from app import frame
from words import narrative
import settings
from app import shape_ui, ui
from views.filter_params import MULTI

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
# Activity basis: the list says who came back (beside the signup date) instead of who was
# retained.
ACTIVITY_COLUMNS = {
    "customer_id": CUSTOMER_COLUMNS["customer_id"],
    "signup_date": CUSTOMER_COLUMNS["signup_date"],
    "came_back": st.column_config.CheckboxColumn("Came back in that period"),
    "came_back_later": st.column_config.CheckboxColumn("Came back then or later"),
} | {key: column for key, column in CUSTOMER_COLUMNS.items()
     if key not in ("customer_id", "signup_date", "is_retained", "has_reached_age")}
# Where each optional column comes from: the list leaves out what the data has no value for
# (a telco export has no region or industry). The reason category is derived from the reason.
SOURCES = {key: f"customers.{key}" for key in ("name", "churn_date", "churn_reason", "plan",
                                               "segment", "region", "industry",
                                               "acquisition_channel", "products_count", "mrr")}
SOURCES["churn_category"] = "customers.churn_reason"
MODES = {"bounded": "In that period", "unbounded": "Then or later"}

f, con = frame.frame("Cohorts")
grain, basis = frame.grain(), frame.basis()
unit = charts.GRAIN_WORDS[grain]
n_customers = ui.customer_count(f)
if basis != "activity" and shape_ui.shape() == "undated":
    shape_ui.cohorts_undated(f, n_customers)
    st.stop()  # churn without dates: retention by tenure, no triangle (shape_ui)

if basis == "activity":
    mode = st.segmented_control(
        "Came back", list(MODES), format_func=MODES.get, default="bounded", required=True,
        key="cohorts_returned", bind="query-params",
        help="In that period: customers with a purchase, login or other activity in the k-th "
        "period after their signup period. Then or later: in that period or any later one, so "
        "a customer who skips a period still counts.")
    # charts.ACTIVITY_BASES: the charts' words for the two modes
    chart_basis = "activity" if mode == "bounded" else "activity_later"
    cells = ui.query("activity_retention", f, grain=grain, mode=mode)
    average = ui.query("average_activity_retention", f, grain=grain, mode=mode)
    definition = "activity_returned" if mode == "bounded" else "activity_returned_unbounded"
    average_definition = "activity_average"
else:
    chart_basis, definition, average_definition = basis, "retention", "average_curve"
    cells, average = (ui.ask("cohorts.curves", f, i, grain=grain, basis=basis) for i in (0, 1))
    if not ui.offered(["cohorts.basis_activity"]):
        # What an activity file would add to this page (the Returned basis), said once.
        ui.missing_lines(["cohorts.basis_activity", "cohorts.compare_activity",
                          "cohorts.activity_revenue"], quiet=True)

ui.heading("cohorts.heatmap")
# Without churn dates there is no retention to draw: said once, for every chart of the page.
# The Returned basis needs activity instead (it is only offered with it).
retention = ui.available("cohorts.basis_activity" if basis == "activity" else "cohorts.heatmap")
show_incomplete = st.toggle(
    "Show incomplete cells (faded, marked *)", value=True, key="cohorts_incomplete",
    help="A cell is incomplete while some members of the cohort have not reached that age yet "
    "(on the Returned basis: while its period is not over).",
)
event = None
if retention and not ui.empty(cells):
    heat = charts.cohort_heatmap(cells, grain, chart_basis, show_incomplete, settings.MIN_N)
    event = ui.draw("cohorts.heatmap", heat, definition=definition, n=n_customers,
                    note="click a cell to list its customers below",
                    on_select="rerun", selection_mode="points")

ui.heading("cohorts.curves")
if retention and not ui.empty(cells):
    curves = charts.retention_curves(cells, average, grain, chart_basis, settings.MIN_N)
    ui.draw("cohorts.curves", curves, definition=average_definition, n=n_customers)

if basis == "activity":
    ui.heading("cohorts.activity_revenue")
    if ui.available("cohorts.activity_revenue"):
        spend = ui.query("average_activity_revenue", f, grain=grain)
        spend_cells = ui.query("activity_revenue", f, grain=grain)
        if not ui.empty(spend) and spend_cells is not None:
            chart = charts.revenue_curves(spend_cells, spend, grain, settings.MIN_N)
            ui.draw("cohorts.activity_revenue", chart, n=n_customers)

ui.heading("cohorts.compare")
# Only dimensions with more than one group in the data are offered (data/needs.py).
labels = {m.dimension: m.label for m in MULTI.values()}
dims = {key.removeprefix("cohorts.by."): labels[key.removeprefix("cohorts.by.")]
        for key in ui.offered([f"cohorts.by.{d}" for d in labels])}
groups = None
compare = "cohorts.compare_activity" if basis == "activity" else "cohorts.compare"
if retention and (dims or ui.available(compare)):
    dimension = st.selectbox("Compare by", list(dims), format_func=dims.get,
                             key="cohorts_compare")
    if basis == "activity":
        groups = ui.compare("average_activity_retention", f, dimension, grain=grain, mode=mode)
    else:
        groups = ui.ask("cohorts.compare", f, each=dimension, grain=grain, basis=basis)
if not ui.empty(groups):
    chart = charts.compare_curves(groups, dims[dimension].lower(), grain, chart_basis,
                                  settings.MIN_N)
    ui.draw("cohorts.compare", chart, words={"dimension": dimension},
            definition=average_definition, n=n_customers)

ui.heading("cohorts.month_k")
if retention and not ui.empty(cells):
    max_age = int(cells["age"].max())
    k = st.slider(f"Age ({unit} since signup)", 0, max_age, min(12 if grain == "month" else 4,
                  max_age), key="cohorts_k")
    chart = charts.month_k(cells, k, average, grain, chart_basis, settings.MIN_N)
    ui.draw("cohorts.month_k", chart, words={"grain": grain, "age": k}, definition=definition,
            n=n_customers,
            note="dashed line: the size-weighted average over complete cohorts")

ui.heading("cohorts.customers")
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
        came_back = None if basis != "activity" else (
            "came_back" if mode == "bounded" else "came_back_later")
        st.markdown(ui.markdown_text(narrative.cell_summary(
            members, charts.period_label(cohort, grain), int(age), unit[:-1], came_back)))
        columns = ACTIVITY_COLUMNS if basis == "activity" else CUSTOMER_COLUMNS
        shown = ui.with_values({key: SOURCES.get(key, "") for key in columns})
        st.dataframe(members, hide_index=True, width="stretch", height=360,
                     column_config=columns, column_order=shown)
        ui.download(members, f"cohort_{cohort}_age_{int(age)}_customers",
                    label="Download these customers (CSV)")
