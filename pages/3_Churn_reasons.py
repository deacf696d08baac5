"""Churn reasons: categories with their owning team, lost customers and MRR, the trend, the mix
by segment, the raw reasons behind one category, and how much is left in Other."""

import streamlit as st

import charts
from app import frame
from words import data_notes
import settings
from app import ui
from words.formatting import format_value

REASON_COLUMNS = {
    "category": st.column_config.TextColumn("Reason category"),
    "owner_team": st.column_config.TextColumn("Team that owns the fix"),
    "customers_lost": st.column_config.NumberColumn("Customers lost", format="%d"),
    "mrr_lost": st.column_config.NumberColumn("MRR lost", format="dollar"),
    "share_pct": st.column_config.NumberColumn("Share of lost customers", format="%.1f%%"),
}

f, con = frame.frame("Churn reasons")
grain = frame.grain()
# Everything on this page is about customers who churned: said once when there are none.
if not ui.available("churn.lost"):
    st.stop()
totals = ui.ask("churn.lost", f)
if ui.empty(totals, ui.no_churn()):
    st.stop()

# What the reasons need (data/needs.py): one line per missing file or column, up front.
PARTS = ("churn.by_category", "churn.mrr_by_category", "churn.owners", "churn.trend",
         "churn.by_segment", "churn.raw")
drawn = ui.offered(PARTS)
lost = int(totals["customers_lost"].sum())
other = data_notes.other_share(totals)
metrics = [("Customers lost", f"{lost:,}",
            "Churned on or before the as-of date, within the filters.")]
if ui.offered(["churn.mrr_lost"]):
    metrics.append(("MRR lost", format_value(totals["mrr_lost"].sum(), "$"),
                    "Their MRR at churn (an empty MRR counts as 0)."))
if "churn.by_category" in drawn:
    metrics.append(("Share left in Other", f"{other:.1f}%",
                    "Lost customers who gave no reason, or one the reason mapping does not list."))
for column, (label, value, help_text) in zip(st.columns(3), metrics):
    column.metric(label, value, border=True, help=help_text)
ui.missing_lines(["churn.mrr_lost", *PARTS])
if "churn.by_category" in drawn:
    warning = data_notes.other_warning(other, lost, ui.ask("churn.raw", f, 1),
                                      settings.OTHER_WARNING_PCT)
    if warning:
        st.warning(warning, icon=":material/warning:")

if "churn.by_category" in drawn:
    left, right = st.columns(2)
    with left:
        chart = charts.hbars(
            totals, "category", "customers_lost", "Customers lost by reason",
            "Customers lost", subtitle="Bar label: customers · hover: team that owns the fix",
            hover_extra={"owner_team": "Team that owns the fix", "share_pct": "Share (%)"},
        )
        ui.draw("churn.by_category", chart, n=lost, unit="churned customers")
    if "churn.mrr_by_category" in drawn:
        with right:
            chart = charts.hbars(
                totals, "category", "mrr_lost", "MRR lost by reason", "MRR lost ($ per month)",
                subtitle="Monthly recurring revenue of the churned customers, at churn",
                hover_extra={"owner_team": "Team that owns the fix"}, money=True,
            )
            ui.draw("churn.mrr_by_category", chart, n=lost, unit="churned customers")

if "churn.owners" in drawn:
    ui.heading("churn.owners")
    # Every category in view: at the default height the eleventh row was cut off.
    st.dataframe(totals, hide_index=True, width="stretch", height="content",
                 column_config=REASON_COLUMNS)

if "churn.trend" in drawn:
    ui.heading("churn.trend")
    trend = ui.ask("churn.trend", f, grain=grain)
    if not ui.empty(trend, ui.no_churn()):
        chart = charts.stacked_bars(
            trend, "period", "customers_lost", "category",
            f"Customers lost per {grain}, by reason", "Customers lost", grain=grain,
            subtitle=f"Stacked by reason category · the last {grain} may be incomplete",
        )
        ui.draw("churn.trend", chart, words={"grain": grain},
                n=int(trend["customers_lost"].sum()), unit="churned customers")

if "churn.by_segment" in drawn:
    ui.heading("churn.by_segment")
    segments = ui.ask("churn.by_segment", f)
    if not ui.empty(segments, ui.no_churn()):
        chart = charts.stacked_share(
            segments, "group", "category", "customers_lost", "Reason mix by segment",
            "Share of the segment's lost customers (%)",
            subtitle="Each bar: one segment's churned customers split by reason",
        )
        ui.draw("churn.by_segment", chart, n=int(segments["customers_lost"].sum()),
                unit="churned customers")

if "churn.raw" in drawn:
    ui.heading("churn.raw")
    category = st.selectbox("Category", list(totals["category"]), key="churn_category")
    raw = ui.ask("churn.raw", f, category=category)
    if not ui.empty(raw, f"No churned customer in {category} gave a reason."):
        chart = charts.hbars(
            raw, "reason", "customers_lost", f"Raw reasons mapped to {category}",
            "Customers lost", subtitle="As customers wrote them (spellings folded together)",
            hover_extra={"mrr_lost": "MRR lost ($)"}, top=25, color=charts.color_for(category),
        )
        ui.draw("churn.raw", chart, n=int(raw["customers_lost"].sum()), unit="churned customers",
                note=f"top 25 of {len(raw):,} reasons" if len(raw) > 25 else "")
