"""The dashboard's public link format: every filter's URL parameter, the values it accepts, and the
check the app runs on a link before its widgets read it. Shared by the app (frame) and the board
pack's command line, which must read the same links; no Streamlit here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from queries.base import GRAINS


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

BASES = {"Customers": "logo", "MRR": "mrr"}  # URL value -> basis of the metrics API
DATES = ("as_of", "signup_from", "signup_to")
FILTER_KEYS = ("grain", "basis", *DATES, *MULTI)
MAX_PARAM_CHARS = 200

# Dimension (queries.DIMENSIONS key) -> the words a sentence or a picker uses for it.
DIMENSION_LABELS = {m.dimension: m.label.lower() for m in MULTI.values()} | {
    "early_tickets": "tickets in the first 90 days",
    "early_frt_sla": "first-response target in the first 90 days",
    "early_csat": "CSAT in the first 90 days",
}


def check_params(params: dict[str, list[str]], info: dict) -> list[str]:
    """Names of URL parameters whose value is invalid (unknown option, bad or out-of-range date,
    repeated single value, oversized). Pure: no Streamlit calls, so tests can feed it anything.
    `info` is a snapshot's: its options per parameter, min_date and max_date."""
    bad = []
    for key, values in params.items():
        if any(len(v) > MAX_PARAM_CHARS for v in values):
            bad.append(key)
        elif key == "grain":
            if len(values) != 1 or values[0] not in GRAINS:
                bad.append(key)
        elif key == "basis":
            if len(values) != 1 or values[0] not in BASES:
                bad.append(key)
        elif key in DATES:
            if len(values) != 1 or parse_date(values[0], info) is None:
                bad.append(key)
        elif key in MULTI:
            allowed = {str(v) for v in info["options"][key]}
            if any(v not in allowed for v in values):
                bad.append(key)
    return bad


def parse_date(text: str, info: dict) -> date | None:
    """A YYYY-MM-DD within the snapshot's dates, else None."""
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if info["min_date"] <= value <= info["max_date"] else None


def url_value(value):
    """A widget's value as the URL writes it."""
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return value.isoformat() if isinstance(value, date) else str(value)
