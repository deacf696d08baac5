"""Outreach: the retention team's own contacts (save campaigns, check-ins): how many customers
answer, what they do after answering, by channel and campaign, and whether contacted customers
stay compared with customers like them who were not contacted."""

import streamlit as st

import charts
from app import frame
from words import narrative
from views import catalog
import settings
from app import tiles
from app import ui

# The rate and the volume first: what a phone shows without scrolling sideways. The first
# contact's date is in the CSV only: with it the last column was cut off at 1440 px.
CAMPAIGN_COLUMNS = {
    "group": st.column_config.TextColumn("Campaign"),
    "response_rate_pct": st.column_config.NumberColumn("Response rate", format="%.1f%%"),
    "contacts": st.column_config.NumberColumn("Contacts", format="localized"),
    "actions_per_response": st.column_config.NumberColumn("Actions / engagement",
                                                          format="%.2f"),
    "median_response_h": st.column_config.NumberColumn("Median response (h)", format="%.1f"),
    "customers": st.column_config.NumberColumn("Customers", format="localized"),
    "channels": st.column_config.TextColumn("Channels"),
    "last_contact_date": st.column_config.DateColumn("Last contact", format="D MMM YYYY"),
}
TILE_ITEMS = [f"outreach.tile.{kpi}" for kpi in catalog.OUTREACH_TILES]
DAYS = catalog.OUTREACH_DAYS

f, con = frame.frame("Outreach")
grain = frame.grain()

# Without an outreach file the page says what would fill it, once (data/needs.py).
if not ui.available("outreach.contacts"):
    st.stop()
totals = ui.ask("outreach.contacts", f)
if ui.empty(totals, f"None of {'these' if ui.filtered() else 'the'} customers was contacted "
                    f"up to {ui.as_of():%d %b %Y}."):
    st.stop()

st.caption("Everything on this page about retention shows association, not cause: the team "
           "chooses whom to contact.")

# The tiles' small trends are read off the monthly series, as on the Overview.
monthly = ui.ask("outreach.contacts", f, "outreach_kpis")
with_retention = bool(ui.offered(["outreach.retention"]))
with_campaigns = bool(ui.offered(["outreach.campaigns"]))
retention = (ui.ask("outreach.tile.retention_gap_pct", f, grain=grain) if with_retention
             else None)
kpis = ui.compute("outreach_tiles", totals, retention, settings.MIN_N)
if kpis is not None:
    shown = set(ui.offered(TILE_ITEMS))
    kpis = kpis[[f"outreach.tile.{kpi}" in shown for kpi in kpis["kpi"]]]
    trends = {"contacts": "contacts", "response_rate_pct": "response_rate_pct",
              "actions_per_response": "actions_per_response"}
    for column, (_, row) in zip(st.columns(4), kpis.iterrows()):
        tiles.n_tile(row, charts.sparkline(monthly, trends.get(row["kpi"], "")), column=column)
    st.caption(f"Tiles: every contact of the selected customers up to {ui.as_of():%d %b %Y}; "
               f"the retention gap compares customers {DAYS} days after a contact, by "
               f"{grain}" + (", every campaign together: save campaigns go to customers "
                             "already at risk (each campaign below)" if with_campaigns else "")
               + f". Trend lines: last 12 complete months. ⚠ marks a value on fewer than "
               f"{settings.MIN_N} units.")
    ui.missing_lines(TILE_ITEMS)

ui.heading("outreach.response_rate")
if ui.available("outreach.response_rate"):
    by_channel = bool(ui.offered(["outreach.by.channel"]))
    series = ui.ask("outreach.by.channel", f, grain=grain, by="channel" if by_channel else "none")
    if not ui.empty(series):
        left, right = st.columns(2)
        with left:
            chart = charts.time_lines(
                series, "period", {"response_rate_pct": "Response rate"},
                "Response rate" + (" by channel" if by_channel else ""),
                "Contacts answered (% of contacts)", grain=grain, n_col="contacts",
                min_n=settings.MIN_N, percent=True, group="group" if by_channel else None,
                subtitle=f"Contacts made in the {grain}, answered by the as-of date")
            ui.draw("outreach.response_rate", chart, n=int(series["contacts"].sum()),
                    unit="contacts")
        with right:
            chart = charts.time_lines(
                series, "period", {"median_response_h": "Median time to response"},
                "Median time to response" + (" by channel" if by_channel else ""),
                "Hours from contact to response", grain=grain, n_col="responses",
                min_n=settings.MIN_N, group="group" if by_channel else None,
                subtitle=f"Answered contacts made in the {grain}")
            ui.draw("outreach.by.channel", chart, n=int(series["responses"].sum()),
                    unit="responses")
    ui.missing_lines(["outreach.by.channel"], quiet=True)

ui.heading("outreach.campaigns")
if ui.available("outreach.campaigns"):
    campaigns = ui.ask("outreach.campaigns", f)
    if not ui.empty(campaigns):
        st.dataframe(campaigns, hide_index=True, width="stretch", height="content",
                     column_config=CAMPAIGN_COLUMNS, column_order=list(CAMPAIGN_COLUMNS),
                     key="outreach_campaigns")
        left, right = st.columns([5, 1], vertical_alignment="center")
        with left:
            ui.caption("outreach_response_rate", n=int(campaigns["contacts"].sum()),
                       unit="contacts", note="actions per engagement: Σ actions of answered "
                       "contacts / answered contacts · contacts without a campaign: "
                       "“No campaign”")
        with right:
            ui.download(campaigns, "outreach_campaigns", label="CSV")

ui.heading("outreach.retention")
if with_retention and retention is not None:
    reading = narrative.outreach_reading(retention, grain, settings.MIN_N)
    st.markdown(ui.markdown_text(reading))
    no_window = (f"No contacted customer has {DAYS} days behind their first contact by "
                 f"{ui.as_of():%d %b %Y} yet, or none has a comparable customer who was not "
                 "contacted.")
    # Split by campaign where the data names campaigns: all campaigns together mix save
    # campaigns, sent to customers already at risk, with check-ins sent to anyone, and the
    # overall gap then read as "outreach makes customers leave".
    if with_campaigns:
        st.caption(narrative.OUTREACH_SELECTION)
        by_campaign = ui.ask("outreach.retention", f, grain=grain)
        chart = charts.grouped_bars(
            by_campaign, "campaign", "retention_pct", "group",
            f"Still a customer {DAYS} days after contact, by campaign",
            f"Still a customer at day {DAYS} (%)", "Campaign", percent=True,
            n_col="customers", text_fmt="{:.1f}", min_n=settings.MIN_N,
            subtitle=f"Each campaign's contacted customers against customers contacted by none "
                     f"in that {grain}, of the same plan, segment and age band (weighted to the "
                     "campaign's mix)")
        ui.draw("outreach.retention", chart, n=int(by_campaign["customers"].sum()),
                unit=f"customers across the bars (each once per {grain} of contact)",
                says=no_window)
    else:
        chart = charts.hbars(
            retention, "group", "retention_pct",
            f"Still a customer {DAYS} days after the index date",
            f"Still a customer at day {DAYS} (%)", n_col="customers",
            min_n=settings.MIN_N, percent=True, text_fmt="{:.1f}",
            subtitle=f"Per {grain} of contact · not contacted: same plan, segment and age band, "
                     "weighted to the contacted customers' mix")
        ui.draw("outreach.retention", chart, n=int(retention["customers"].sum()),
                unit=f"customers (each once per {grain} of contact)",
                note=narrative.p_text(retention["p_value"].iloc[0]), says=no_window)
elif not with_retention:
    ui.available("outreach.retention")  # the one line saying which column would fill it
