"""Support × retention: how long customers stay by their early support experience, the tickets
and the activity before churn, and the retention drivers of the research (products held, early
expansion)."""

import streamlit as st

import charts
from app import frame
from words import narrative
import settings
from app import ui
from views.filter_params import DIMENSION_LABELS

# Published figures of the research the product builds on (docs/definitions.md, Metrics): two-year retention
# about 30% with one product and 80% with four; 62% of customers without expansion in their
# first 3 months churned within two years, i.e. 38% retained.
RESEARCH_PRODUCTS = {"1": 30.0, "4+": 80.0}
RESEARCH_EXPANSION = {"No expansion": 38.0}


def pre_churn_columns(events: str, top: str, top_label: str) -> dict:
    """The columns of a table of events before churn (pre_churn_tickets: events 'tickets',
    pre_churn_activity: 'activity'), its top kinds in column `top`."""
    return {
        "category": st.column_config.TextColumn("Reason category"),
        "churned_customers": st.column_config.NumberColumn("Churned customers", format="%d"),
        f"{events}_per_customer": st.column_config.NumberColumn(
            f"{events.capitalize()} / customer", format="%.2f"),
        f"baseline_{events}_per_customer": st.column_config.NumberColumn(
            f"Baseline {events} / customer", format="%.2f"),
        top: st.column_config.TextColumn(top_label),
    }


PRE_CHURN_COLUMNS = pre_churn_columns("tickets", "top_ticket_categories", "Top ticket categories")
PRE_CHURN_ACTIVITY_COLUMNS = pre_churn_columns("activity", "top_kinds", "Top kinds of activity")

# The choices' short words; the sentences below use DIMENSION_LABELS' full ones.
SPLIT_CHOICES = {"early_tickets": "Tickets", "early_frt_sla": "First-response target",
                 "early_csat": "CSAT"}

f, con = frame.frame("Support × retention")

st.caption("Everything on this page shows association, not cause: customers with a bad early "
           "experience may differ in other ways too.")

ui.heading("support_x.early")
# Each split needs its ticket column (data/needs.py); without tickets, one line.
curves = None
if ui.available("support_x.early"):
    groupings = {m: DIMENSION_LABELS[m] for m in ("early_tickets", "early_frt_sla", "early_csat")
                 if ui.offered([f"support_x.{m}"])}
    left, right = st.columns([2, 1])
    # Radio buttons wrap on a phone; a segmented control of these long labels scrolled sideways.
    by = left.radio("Split customers by their first 90 days", list(groupings),
                    format_func=SPLIT_CHOICES.get, horizontal=True, key="support_x_by")
    if "early_frt_sla" in groupings:
        sla = right.number_input("First-response target (hours)", 0.5, 240.0,
                                 float(settings.SLA_HOURS), step=0.5, key="support_x_sla",
                                 disabled=by != "early_frt_sla",
                                 help="Used by the first-response split: every early ticket "
                                 "answered within this many hours, or any breach.")
    else:
        sla = float(settings.SLA_HOURS)
    ui.missing_lines([f"support_x.{m}" for m in ("early_frt_sla", "early_csat")], quiet=True)
    curves, p_value, at_year = (ui.ask("support_x.early", f, fn, by=by, sla_h=sla)
                                for fn in ("survival", "logrank_p", "survival_at"))
    excluded = ui.ask("support_x.early", f, "early_support_excluded")
if curves is not None and not ui.empty(curves, ui.nothing() if ui.filtered() else
                                       ui.says("support_x.early")):
    reading = narrative.survival_reading(at_year, p_value, groupings[by], excluded,
                                         settings.MIN_N)
    st.markdown(ui.markdown_text(reading))
    a, b = st.columns([3, 2])
    with a:
        chart = charts.survival_curves(
            curves, f"Share still active by days since signup, by {groupings[by]}",
            subtitle="Kaplan–Meier estimate with 95% band · customers younger than 90 days "
            "left out", min_n=settings.MIN_N)
        ui.draw(f"support_x.{by}", chart,
                n=int(at_year["customers"].sum()) if at_year is not None else None,
                note=narrative.p_text(p_value))
    with b:
        if not ui.empty(at_year):
            chart = charts.hbars(
                at_year, "group", "survival_pct",
                "Still active after 1 year", "Still active at day 365 (%)",
                subtitle="Kaplan–Meier estimate per group", n_col="customers",
                reliable_col="is_reliable", percent=True, text_fmt="{:.0f}",
                hover_extra={"at_risk": "Still observed at day 365"},
            )
            ui.draw(f"support_x.{by}", chart, 1,
                    n=int(at_year["customers"].sum()), note="grey: fewer than "
                    f"{settings.MIN_N} customers still observed at day 365", narrow=True)

ui.heading("support_x.products")
left, right = st.columns(2)


def two_year_retention(key: str, title: str, references, subtitle: str) -> None:
    """Two-year retention per group of section `key`'s query against the research's figures."""
    data = ui.ask(key, f) if ui.available(key) else None
    # The research's horizon is two years: before anyone reaches it nothing is set against it.
    too_young = ui.nothing() if ui.filtered() else ui.says(key)
    if not ui.empty(data, too_young):
        chart = charts.hbars(
            data, "group", "retained_pct", title,
            "Retained after 24 months (%)", n_col="customers", reliable_col="is_reliable",
            percent=True, text_fmt="{:.0f}", references=references, color=charts.PALETTE[0],
            subtitle=subtitle,
        )
        ui.draw(key, chart, n=int(data["customers"].sum()),
                note=narrative.excluded_text(data), says=too_young)


with left:
    two_year_retention("support_x.products", "Two-year retention by products held",
                       RESEARCH_PRODUCTS,
                       "Complete 2-year horizons only · ◆ published research figure")
with right:
    two_year_retention("support_x.expansion", "Two-year retention by early expansion",
                       RESEARCH_EXPANSION,
                       "Any MRR increase in the 3 months after signup · ◆ published research")

ui.heading("support_x.pre_churn")
before = ui.ask("support_x.pre_churn", f) if ui.available("support_x.pre_churn") else None
if not ui.empty(before, ui.no_churn()):
    chart = charts.grouped_bars(
        ui.compute("pre_churn_long", before), "category", "tickets_per_customer", "series",
        "Tickets per customer in the 90 days before churn, by reason",
        "Tickets per customer (90 days)", "Churn reason category",
        subtitle="Churned customers vs retained customers over 90 days at the same tenure",
        n_col="customers",
    )
    ui.draw("support_x.pre_churn", chart, n=int(before["churned_customers"].sum()),
            unit="churned customers")
    # Tickets without a category would all read "Unknown 100%": the column says nothing then.
    shown = [c for c in PRE_CHURN_COLUMNS
             if c != "top_ticket_categories" or ui.offered(["support.by.category"])]
    st.dataframe(before, hide_index=True, width="stretch", height="content",
                 column_config=PRE_CHURN_COLUMNS, column_order=shown)

ui.heading("support_x.pre_churn_activity")
usage = (ui.ask("support_x.pre_churn_activity", f)
         if ui.available("support_x.pre_churn_activity") else None)
if not ui.empty(usage, ui.no_churn()):
    chart = charts.grouped_bars(
        ui.compute("pre_churn_long", usage, "activity_per_customer"), "category",
        "activity_per_customer", "series",
        "Activity per customer in the 90 days before churn, by reason",
        "Activities per customer (90 days)", "Churn reason category",
        subtitle="Churned customers vs retained customers over 90 days at the same tenure: "
        "usage that fades is the earliest warning",
        n_col="customers",
    )
    ui.draw("support_x.pre_churn_activity", chart, n=int(usage["churned_customers"].sum()),
            unit="churned customers")
    st.dataframe(usage, hide_index=True, width="stretch", height="content",
                 column_config=PRE_CHURN_ACTIVITY_COLUMNS,
                 column_order=list(PRE_CHURN_ACTIVITY_COLUMNS))
