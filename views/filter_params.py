"""The dashboard's public link format: every filter's URL parameter, the values it accepts, and the
check the app runs on a link before its widgets read it. Shared by the app (frame) and the board
pack's command line, which must read the same links; no Streamlit here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from queries.base import GRAINS, Filters


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
    # docs/definitions.md, Metrics early support experience; picking a group leaves out customers younger than 90 days.
    "early_tickets": MultiFilter("Tickets in first 90 days", "early_tickets", "early_tickets",
                                 "Support experience"),
    "early_csat": MultiFilter("CSAT in first 90 days", "early_csat", "early_csat",
                              "Support experience"),
}
INTEGER_PARAMS = ("products",)  # values are whole numbers

# URL value -> basis of the metrics API. "Returned": customers who came back (activity retention);
# a snapshot offers only the bases its data has (snapshot_info's "bases").
BASES = {"Customers": "logo", "MRR": "mrr", "Returned": "activity"}
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
            if len(values) != 1 or values[0] not in info.get("bases", BASES):
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
        value = iso_date(text, "")
    except ValueError:
        return None
    return value if info["min_date"] <= value <= info["max_date"] else None


def url_value(value):
    """A widget's value as the URL writes it."""
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return value.isoformat() if isinstance(value, date) else str(value)


# Link parameters a command line or an alert rule may set (the as-of date has its own option, and
# an alert is always on the latest complete month) -> Filters field.
FIELDS = {key: m.field for key, m in MULTI.items()}
CLI_DATES = tuple(key for key in DATES if key != "as_of")


def parse_filters(items: list[str], what: str = "--filter") -> tuple[Filters, str, str]:
    """['plan=Growth', 'plan=Starter', 'grain=quarter'] -> (Filters, grain, basis). Errors start
    with `what` (the option or field the items came from)."""
    values: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise ValueError(f"{what} {item!r}: expected KEY=VALUE")
        if key not in (*FIELDS, *CLI_DATES, "grain", "basis"):
            allowed = ", ".join([*FIELDS, *CLI_DATES, "grain", "basis"])
            raise ValueError(f"{what} {item!r}: unknown key {key!r}; use one of {allowed}")
        values.setdefault(key, []).append(value)
    f = Filters()
    for key, field in FIELDS.items():
        if key in values:
            found = values[key]
            if key in INTEGER_PARAMS:
                if not all(v.isdigit() for v in found):
                    raise ValueError(f"{what} products=: whole numbers expected, got {found}")
                found = [int(v) for v in found]
            f = replace(f, **{field: tuple(found)})
    for key in CLI_DATES:
        if key in values:
            f = replace(f, **{key: iso_date(values[key][-1], f"{what} {key}")})
    grain = values.get("grain", ["month"])[-1]
    if grain not in GRAINS:
        raise ValueError(f"{what} grain={grain}: use one of {', '.join(GRAINS)}")
    basis = values.get("basis", ["Customers"])[-1]
    if basis not in BASES:
        raise ValueError(f"{what} basis={basis}: use one of {', '.join(BASES)}")
    return f, grain, BASES[basis]


def iso_date(text: str, what: str) -> date:
    """YYYY-MM-DD, or a ValueError that names `what`."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what}: expected YYYY-MM-DD, got {text!r}") from None
