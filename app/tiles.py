"""KPI tiles: value, change against the month before, and the small trend (the Overview's); value,
its N and the small trend (the Outreach page's)."""

from __future__ import annotations

import base64

import pandas as pd
import streamlit as st

import charts
from words import definitions
import settings
from words.formatting import count, format_delta, format_value, is_flat
from views.targets import Target, verdict
from app.ui import markdown_text

# Tile labels short enough for a fifth of the page; the full name is in the tile's help.
KPI_SHORT = {
    "crr_pct": "Retention (CRR)", "nrr_pct": "NRR", "frt_median_h": "First response",
    "nps": "NPS (3 months)", "clv": "Lifetime value",
}
KPI_DEFINITION = {
    "active_customers": "active_customers", "churn_rate_pct": "churn_rate", "crr_pct": "crr",
    "mrr": "mrr", "nrr_pct": "nrr", "csat_pct": "csat", "frt_median_h": "frt", "nps": "nps",
    "clv": "clv", "churn_share": "churn_share", "churned": "churn_share",
    "active": "activity_active", "new": "activity_active", "returning": "activity_active",
    "returning_pct": "activity_active",
    "contacts": "outreach_contacts", "response_rate_pct": "outreach_response_rate",
    "actions_per_response": "outreach_actions", "retention_gap_pct": "outreach_retention",
}


def kpi_tile(row, trend: list[float], column=None, target: Target | None = None) -> None:
    """One st.metric: value, delta vs the month before (green when better), and below it the
    small trend of the last complete periods as an SVG image (charts.sparkline_svg) and, when
    the view has a target for the KPI, whether the value meets it ("off by 0.4 pts")."""
    box = (column or st).container(border=True)
    definition = definitions.DEFINITIONS.get(KPI_DEFINITION.get(row["kpi"], ""), None)
    reliable = bool(row["is_reliable"])
    flat = row["delta"] is not None and pd.notna(row["delta"]) and is_flat(row["delta"], row["unit"])
    help_text = f"**{row['label']}**: " + (f"{definition.formula}. " if definition else "") + (
        f"N = {int(row['n']):,}." + ("" if reliable else
                                     f" Fewer than {settings.MIN_N}: unreliable."))
    box.metric(
        KPI_SHORT.get(row["kpi"], row["label"]) + ("" if reliable else " ⚠ low N"),
        format_value(row["value"], row["unit"]),
        format_delta(row["delta"], row["unit"]),
        delta_color=("off" if flat else "normal" if row["higher_is_better"] else "inverse"),
        delta_arrow="off" if flat else "auto",
        # The month alone ("vs Nov"): the heading above the tiles names both months, and a
        # longer text is cut off in a fifth of a 1440-px page.
        delta_description=(f"vs {pd.Timestamp(row['previous_period']):%b}"
                           if pd.notna(row["delta"]) else None),
        help=help_text,
    )
    note = row.get("note")
    if isinstance(note, str) and note:
        # What the number is not (days its table covers, today's MRR): a caption wraps, never cut.
        box.caption(markdown_text(note[0].upper() + note[1:] + "."))
    _trend(box, row, trend)
    said = verdict(row["value"], target)
    if said:
        colour = "green" if said == "on target" else "red"
        # The label can carry a plan or segment name from the data: escaped, never markup.
        aim = target.label().removeprefix("target ")
        box.markdown(f":{colour}[{markdown_text(said)}] ({markdown_text(aim)})")


def n_tile(row, trend: list[float], column=None) -> None:
    """One st.metric without a change: value, the N behind it written under it ("N = 1,204
    contacts", both sides for a comparison: "N = 310 contacted · 5,120 not contacted"), and
    the small trend of the last complete periods. `row` as queries.outreach_tiles makes it."""
    box = (column or st).container(border=True)
    definition = definitions.DEFINITIONS.get(KPI_DEFINITION.get(row["kpi"], ""), None)
    reliable = bool(row["is_reliable"])
    box.metric(
        row["label"] + ("" if reliable else " ⚠ low N"),
        format_value(row["value"], row["unit"]),
        help=f"**{definition.name}**: {definition.formula}." if definition else None,
    )
    n = f"N = {count(row['n'], row['n_unit'])}"
    if pd.notna(row.get("n_other")):
        n += f" · {int(row['n_other']):,} not contacted"
    box.caption(n + ("" if reliable else f" (fewer than {settings.MIN_N}: unreliable)"))
    _trend(box, row, trend)


def _trend(box, row, trend: list[float]) -> None:
    svg = charts.sparkline_svg(trend)
    if svg:
        # A Markdown image (no raw HTML anywhere on a page): only numbers and fixed labels go into
        # the picture and its alt text, and the browser draws it as an <img>, never as page DOM.
        text = markdown_text(
            f"{row['label']}, last {len(trend)} complete periods: from "
            f"{format_value(trend[0], row['unit'])} to {format_value(trend[-1], row['unit'])}")
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        box.markdown(f"![{text}]({uri})")
