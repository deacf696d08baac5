"""Churn reasons: categories with their owning team, lost customers and MRR, the trend, the mix
by segment, the raw reasons behind one category, and how much is left in Other."""

import streamlit as st

import charts
import frame
import narrative
import settings
import ui
from formatting import format_value

REASON_COLUMNS = {
    "category": st.column_config.TextColumn("Reason category"),
    "owner_team": st.column_config.TextColumn("Team that owns the fix"),
    "customers_lost": st.column_config.NumberColumn("Customers lost", format="%d"),
    "mrr_lost": st.column_config.NumberColumn("MRR lost", format="dollar"),
    "share_pct": st.column_config.NumberColumn("Share of lost customers", format="%.1f%%"),
}

f, con = frame.frame("Churn reasons")
grain = frame.grain()
totals = ui.query("churn_reasons", f)

if not ui.empty(totals):
    lost = int(totals["customers_lost"].sum())
    other = narrative.other_share(totals)
    a, b, c = st.columns(3)
    a.metric("Customers lost", f"{lost:,}", border=True,
             help="Churned on or before the as-of date, within the filters.")
    b.metric("MRR lost", format_value(totals["mrr_lost"].sum(), "$"), border=True,
             help="Their MRR at churn (an empty MRR counts as 0).")
    c.metric("Share left in Other", f"{other:.1f}%", border=True,
             help="Lost customers who gave no reason, or one the reason mapping does not list.")
    warning = narrative.other_warning(other, lost, ui.query("raw_reasons", f, category="Other"),
                                      settings.OTHER_WARNING_PCT)
    if warning:
        st.warning(warning, icon=":material/warning:")

    left, right = st.columns(2)
    with left:
        chart = charts.hbars(
            totals, "category", "customers_lost", "Customers lost by reason",
            "Customers lost", subtitle="Bar label: customers · hover: team that owns the fix",
            hover_extra={"owner_team": "Team that owns the fix", "share_pct": "Share (%)"},
        )
        ui.show(chart, "churn_customers_by_category", "churn_category", n=lost,
                unit="churned customers")
    with right:
        by_mrr = ui.query("churn_reasons", f)  # same cached frame, plotted by MRR lost
        chart = charts.hbars(
            by_mrr, "category", "mrr_lost", "MRR lost by reason", "MRR lost ($ per month)",
            subtitle="Monthly recurring revenue of the churned customers, at churn",
            hover_extra={"owner_team": "Team that owns the fix"}, money=True,
        )
        ui.show(chart, "churn_mrr_by_category", "churn_category", n=lost,
                unit="churned customers")

    st.subheader("Who owns the fix")
    st.dataframe(totals, hide_index=True, width="stretch", column_config=REASON_COLUMNS)

st.subheader("Over time")
trend = ui.query("churn_reasons", f, grain=grain)
if not ui.empty(trend):
    chart = charts.stacked_bars(
        trend, "period", "customers_lost", "category",
        f"Customers lost per {grain}, by reason", "Customers lost", grain=grain,
        subtitle=f"Stacked by reason category · the last {grain} may be incomplete",
    )
    ui.show(chart, f"churn_by_reason_per_{grain}", "churn_category",
            n=int(trend["customers_lost"].sum()), unit="churned customers")

st.subheader("By segment")
segments = ui.compare("churn_reasons", f, "segment")
if not ui.empty(segments):
    chart = charts.stacked_share(
        segments, "group", "category", "customers_lost", "Reason mix by segment",
        "Share of the segment's lost customers (%)",
        subtitle="Each bar: one segment's churned customers split by reason",
    )
    ui.show(chart, "churn_reasons_by_segment", "churn_category",
            n=int(segments["customers_lost"].sum()), unit="churned customers")

st.subheader("The raw reasons behind a category")
if totals is not None and not totals.empty:
    category = st.selectbox("Category", list(totals["category"]), key="churn_category")
    raw = ui.query("raw_reasons", f, category=category)
    if not ui.empty(raw):
        chart = charts.hbars(
            raw, "reason", "customers_lost", f"Raw reasons mapped to {category}",
            "Customers lost", subtitle="As customers wrote them (spellings folded together)",
            hover_extra={"mrr_lost": "MRR lost ($)"}, top=25, color=charts.color_for(category),
        )
        ui.show(chart, "raw_reasons", "churn_category",
                n=int(raw["customers_lost"].sum()), unit="churned customers",
                note=f"top 25 of {len(raw):,} reasons" if len(raw) > 25 else "")
