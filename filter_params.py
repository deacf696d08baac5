"""The dashboard's public link format for the multi-value filters: URL parameter -> label, Filters
field and queries.DIMENSIONS key. Shared by the app (ui) and the board pack's command line, which
must read the same links; no Streamlit here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MultiFilter:
    label: str
    field: str       # Filters attribute
    dimension: str   # queries.DIMENSIONS key
    group: str       # sidebar heading it is drawn under


MULTI = {
    "plan": MultiFilter("Plan", "plans", "plan", "Customers"),
    "segment": MultiFilter("Segment", "segments", "segment", "Customers"),
    "region": MultiFilter("Region", "regions", "region", "Customers"),
    "industry": MultiFilter("Industry", "industries", "industry", "Customers"),
    "channel": MultiFilter("Acquisition channel", "channels", "acquisition_channel", "Customers"),
    "products": MultiFilter("Products held", "products", "products_count", "Customers"),
    # SPEC §3 early support experience; picking a group leaves out customers younger than 90 days.
    "early_tickets": MultiFilter("Tickets in first 90 days", "early_tickets", "early_tickets",
                                 "Support experience"),
    "early_csat": MultiFilter("CSAT in first 90 days", "early_csat", "early_csat",
                              "Support experience"),
}
INTEGER_PARAMS = ("products",)  # values are whole numbers
