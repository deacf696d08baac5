"""What the Overview and Cohorts pages draw when the shape of churn (data/capabilities.py
churn_shape) rules out a monthly history: churn without dates (the churn share and retention by
tenure in place of monthly churn, the triangle and the cohort curves) and data without any churn
(activity tiles, and how `--inactive-days` turns inactivity into churn). Streamlit glue: numbers
from `ui.query`, figures from `charts`, sentences from `narrative`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import streamlit as st

import charts
import queries
import settings
from app import database, tiles, ui
from data import capabilities
from views import catalog, needs
from views.filter_params import MULTI
from words import narrative

from words import without_dates
TENURE_TITLE = "Retention by tenure (Kaplan–Meier over tenure months)"
TENURE_SUBTITLE = ("A snapshot of one moment: each churned customer's tenure read as the month "
                   "they left; customers who left before the file was made are not in it")


def shape() -> str:
    return database.capabilities().churn_shape


def dimensions() -> dict[str, str]:
    """Customer dimensions with more than one group in the data: {dimension: label}."""
    caps = database.capabilities()
    labels = {m.dimension: m.label for m in MULTI.values()}
    return {d: labels[d] for d, need in needs.COMPARE.items() if need.met(caps)}


def file_view(f: queries.Filters) -> queries.Filters:
    """The view of a file whose churned customers have no dates, on the file's own date: an
    earlier as-of date cannot tell who had churned by then (they all sit on the file's date), so
    it would hide the churn. Said once when the view's as-of date is moved."""
    undated = database.assumed().get("churned_without_date")
    if not undated:
        return f
    day = date.fromisoformat(undated["date"])
    if f.as_of is None or f.as_of >= day:
        return f
    st.info(f"This file's churned customers have no churn date: it describes {day:%d %b %Y}, and "
            f"an earlier as-of date cannot tell who had churned by then. Churn here is as of "
            f"{day:%d %b %Y}.", icon=":material/event_busy:")
    return replace(f, as_of=day)


def overview(f: queries.Filters) -> bool:
    """Draw the Overview of a snapshot whose churn has no dates, or of one with activity and no
    churn at all; False (nothing drawn) for dated or mixed churn."""
    if shape() == capabilities.UNDATED:
        _overview_undated(file_view(f))
        return True
    if shape() == capabilities.NONE and ui.offered(["overview.activity"]):
        _overview_activity(f)
        return True
    return False


def _snapshot_tiles(share) -> list[dict]:
    row = share.iloc[0]
    customers = int(row["customers"])
    common = dict(n=customers, n_unit="customers", is_reliable=customers >= settings.MIN_N)
    rows = [
        dict(kpi="churn_share", label="Churn share", unit="%", value=row["churn_share_pct"],
             **common),
        dict(kpi="churned", label="Churned customers", unit="customers", value=row["churned"],
             **common),
        dict(kpi="active_customers", label="Active customers", unit="customers",
             value=customers - int(row["churned"]), **common),
    ]
    if ui.offered(["overview.tile.mrr"]):
        rows.append(dict(kpi="mrr", label="MRR today (active customers)", unit="$",
                         value=row["active_mrr"], **common))
    return rows


def _overview_undated(f: queries.Filters) -> None:
    share = ui.query("churn_share", f)
    if ui.empty(share):
        return
    as_of = f.as_of
    st.subheader(f"Churn as of {as_of:%d %B %Y}")
    cols = st.columns(4)
    for col, row in zip(cols, _snapshot_tiles(share)):
        tiles.n_tile(row, [], column=col)
    st.caption("The file has no churn dates: these tiles describe the customers in it on the "
               "as-of date, not a month against the month before. Customers who left before the "
               "file was made are not in it.")
    kpis = _dated_tiles(f)
    if kpis is not None and not kpis.empty:
        st.subheader(f"{kpis.iloc[0]['period']:%B %Y} against the month before")
        cols = st.columns(5)
        for col, (_, row) in zip(cols, kpis.iterrows()):
            tiles.kpi_tile(row, [], column=col)
    curve = ui.query("tenure_survival", f)
    dims = dimensions()
    spreads = {label.lower(): ui.query("churn_share", f, by=d) for d, label in dims.items()}
    st.subheader("What the data says")
    sentences = without_dates.undated_summary(share, curve, spreads, kpis, as_of, settings.MIN_N)
    st.markdown("\n".join(f"- {ui.markdown_text(s)}" for s in sentences))
    customers = int(share["customers"].iloc[0])
    left, right = st.columns(2)
    with left:
        if curve is not None:
            chart = charts.survival_curves(curve, TENURE_TITLE, TENURE_SUBTITLE, settings.MIN_N,
                                           x="tenure_months")
            ui.show(chart, "overview_tenure_retention", "tenure_retention", n=customers)
    with right:
        if ui.offered(["overview.churn_reasons"]):
            totals = ui.query("churn_reasons", f)
            if not ui.empty(totals, ui.no_churn()):
                chart = charts.hbars(
                    totals, "category", "customers_lost", "Top churn reasons (customers lost)",
                    "Customers lost (in the file)",
                    subtitle=narrative.top_categories_sentence(totals), top=8,
                    hover_extra={"owner_team": "Team that owns the fix",
                                 "mrr_lost": "MRR lost ($)"})
                ui.show(chart, "overview_churn_reasons", "churn_category",
                        n=int(totals["customers_lost"].sum()), unit="churned customers")
        elif dims:
            dimension = next(iter(dims))
            by = ui.query("churn_share", f, by=dimension)
            if not ui.empty(by):
                _share_bars(by, dims[dimension], f"overview_churn_share_by_{dimension}")


def _dated_tiles(f: queries.Filters):
    """The Overview tiles whose data has dates of its own (NRR, CSAT, first response, NPS), for
    the last complete month against the month before; None when there are none."""
    keys = [f"overview.tile.{k}" for k in ("nrr_pct", "csat_pct", "frt_median_h", "nps")]
    wanted = [key.removeprefix("overview.tile.") for key in ui.offered(keys)]
    if not wanted:
        return None
    # The Overview's monthly series (its catalogue section), the quarterly NPS left out.
    series = tuple(ui.ask("overview.tiles", f, i) for i in (0, 1, 2, 4))
    if any(s is None for s in series):
        return None
    kpis = ui.derive("kpi_tiles", queries.kpi_tiles, *series, settings.MIN_N)
    if kpis is None or kpis.empty:
        return None
    return kpis[kpis["kpi"].isin(wanted)].reset_index(drop=True)


def _share_bars(by, label: str, name: str) -> None:
    chart = charts.hbars(
        by.sort_values("churn_share_pct", ascending=False), "group", "churn_share_pct",
        f"Churn share by {label.lower()}", "Churned (% of the group)",
        subtitle="Churned / customers in the file, per group; not a monthly rate",
        n_col="customers", percent=True, text_fmt="{:.1f}")
    ui.show(chart, name, "churn_share", n=int(by["customers"].sum()))


def _overview_activity(f: queries.Filters) -> None:
    cells = ui.query("activity_retention", f, grain="month", mode="bounded")
    if ui.empty(cells):
        return
    found = ui.derive("activity_tiles", queries.activity_tiles, cells, settings.MIN_N)
    st.info(without_dates.INACTIVE_DAYS_HINT, icon=":material/event_busy:")
    if found is None or found.empty:
        st.info(catalog.ITEMS["overview.tiles"].empty)
        return
    period = found.iloc[0]["period"]
    st.subheader(f"{period:%B %Y} against the month before")
    cols = st.columns(len(found))
    for col, (_, row) in zip(cols, found.iterrows()):
        tiles.kpi_tile(row, [], column=col)
    st.caption(f"Tiles: the last complete month ({period:%b %Y}); activity = a purchase, login or "
               f"other activity in the month · as of {ui.as_of():%d %b %Y}")
    st.subheader("What changed")
    st.markdown("\n".join(f"- {ui.markdown_text(s)}" for s in without_dates.activity_summary(found)))
    months = ui.derive("activity_months", queries.activity_months, cells)
    if months is not None and not months.empty:
        chart = charts.time_lines(
            months, "period", {"active": "Active", "returning": "Returning"},
            "Customers active each month", "Customers", grain="month",
            subtitle="Active: a purchase, login or other activity in the month; returning: "
            "active and signed up in an earlier month", complete_col="is_complete")
        ui.show(chart, "overview_activity_months", "activity_active",
                n=int(months["earlier"].iloc[-1] + months["new"].iloc[-1]))
    st.page_link("pages/2_Cohorts.py", label="Who came back, by signup month: Cohorts",
                 icon=":material/grid_on:")


def cohorts_undated(f: queries.Filters, n_customers: int) -> None:
    """The Cohorts page for churn without dates: retention by tenure in place of the triangle
    and the cohort curves, churn share and tenure curves compared by group."""
    f = file_view(f)
    st.info("The churned customers in this file have no churn dates: it is a picture of one "
            "moment, so there is no retention triangle or cohort curve. Retention by tenure "
            "reads each churned customer's tenure as the month they left.",
            icon=":material/event_busy:")
    st.subheader("Retention by tenure")
    curve = ui.query("tenure_survival", f)
    if not ui.empty(curve):
        chart = charts.survival_curves(curve, TENURE_TITLE, TENURE_SUBTITLE, settings.MIN_N,
                                       x="tenure_months")
        ui.show(chart, "tenure_retention", "tenure_retention", n=n_customers)
    st.subheader("Compare groups")
    dims = dimensions()
    if not dims:
        ui.missing_lines(["cohorts.tenure_compare"])
        return
    dimension = st.selectbox("Compare by", list(dims), format_func=dims.get,
                             key="cohorts_compare")
    label = dims[dimension]
    by = ui.query("churn_share", f, by=dimension)
    if not ui.empty(by):
        _share_bars(by, label, f"churn_share_by_{dimension}")
    curves = ui.query("tenure_survival", f, by=dimension)
    p_value = ui.query("tenure_logrank_p", f, by=dimension)
    if not ui.empty(curves):
        chart = charts.survival_curves(curves, f"{TENURE_TITLE}, by {label.lower()}",
                                       TENURE_SUBTITLE, settings.MIN_N, x="tenure_months")
        ui.show(chart, f"tenure_retention_by_{dimension}", "tenure_retention", n=n_customers,
                note=narrative.p_text(p_value))
