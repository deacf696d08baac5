"""Overview: the executive page. KPI tiles with their trend, what changed, top churn reasons."""

import streamlit as st

import charts
from app import frame
from words import definitions, formatting, narrative
from views import catalog
import settings
from app import sharing
from app import tiles
from app import ui
from app import workspace_ui
from app import shape_ui

f, con = frame.frame("Overview")
sharing.board_pack_button(con, f, frame.grain(), frame.basis())
if shape_ui.overview(f):
    st.stop()  # churn without dates, or no churn at all: its own Overview (shape_ui)

# The tiles are read off the monthly series the trend lines plot, not queried again.
moves, revenue, support, scores, monthly_scores = (ui.ask("overview.tiles", f, i)
                                                   for i in range(5))
series = (moves, revenue, support, monthly_scores)
# Each table's first and last date: a tile compares only periods its table wholly covers.
spans = ui.query_all("table_profile")
kpis = None if any(s is None for s in series) else ui.compute(
    "kpi_tiles", *series, settings.MIN_N, spans)

# Each tile's small trend: the last 12 complete periods of the series behind it.
TRENDS = {
    "active_customers": (moves, "end_customers"),
    "churn_rate_pct": (moves, "churn_rate_pct"),
    "crr_pct": (moves, "crr_pct"),
    "mrr": (moves, "end_mrr"),
    "nrr_pct": (revenue, "nrr_pct"),
    "csat_pct": (support, "csat_pct"),
    "frt_median_h": (support, "frt_median_h"),
    "nps": (scores, "nps"),
}

if kpis is not None and not kpis.empty:
    # A tile whose data the snapshot lacks is not drawn; one line per missing file or column.
    keys = [f"overview.tile.{kpi}" for kpi in kpis["kpi"]]
    missing_tiles = [key for key in keys if key not in ui.offered(keys)]
    kpis = kpis[[key not in missing_tiles for key in keys]].reset_index(drop=True)

if kpis is None:
    pass  # ui.query has shown the short error message with its id
elif kpis.empty:
    st.info(catalog.ITEMS["overview.tiles"].empty)
else:
    period = kpis.iloc[0]["period"]
    st.subheader(f"{period:%B %Y} against the month before")
    rows = [kpis.iloc[:5], kpis.iloc[5:]]
    for part in rows:
        cols = st.columns(5)
        for col, (_, row) in zip(cols, part.iterrows()):
            series_frame, column = TRENDS.get(row["kpi"], (None, ""))
            tiles.kpi_tile(row, charts.sparkline(series_frame, column), column=col,
                           target=workspace_ui.target(row["kpi"]))
    st.caption(
        f"Tiles: the last complete month ({period:%b %Y}) of the selection; NPS and CLV over "
        f"trailing 3 months. Trend lines: last 12 complete periods. ⚠ marks a value on fewer "
        f"than {settings.MIN_N} units · as of {ui.as_of():%d %b %Y}"
    )
    ui.missing_lines(missing_tiles)

    ui.heading("overview.churn_reasons")
    # The reasons behind a change only when the data names them (views/needs.py).
    with_reasons = bool(ui.offered(["overview.churn_reasons"]))
    reasons = ui.ask("overview.churn_reasons", f, 1) if with_reasons else None
    by_segment = ui.ask("overview.churn_reasons", f, 2) if with_reasons else None
    sentences = narrative.overview_summary(kpis, reasons, by_segment, settings.MIN_N,
                                           history=moves)
    st.markdown("\n".join(f"- {ui.markdown_text(s)}" for s in sentences) or "Nothing to report.")

# MRR at risk in the next 90 days: the At risk page's churn score, with its track record.
if ui.offered(["overview.tile.mrr_at_risk"]) and ui.customer_count(f):
    risk_record = ui.ask("overview.tile.mrr_at_risk", f, "risk_backtest")
    risk_totals = (ui.ask("overview.tile.mrr_at_risk", f, "churn_risk_totals")
                   if risk_record and risk_record["status"] == "ok" else None)
    if risk_totals is not None:
        tile, words = st.columns([1, 4], vertical_alignment="center")
        tile.metric(f"MRR at risk in the next {catalog.RISK_DAYS} days",
                    formatting.money(risk_totals["mrr_at_risk"]), border=True,
                    help=definitions.DEFINITIONS["mrr_at_risk"].formula)
        with words:
            st.caption(ui.markdown_text(
                f"Σ churn risk × MRR over {risk_totals['customers']:,} active customers: a "
                "probability from history, not a verdict. "
                + narrative.risk_track_record(risk_record)))
            st.page_link("pages/11_At_risk.py", label="Who is at risk, and why",
                         icon=":material/crisis_alert:")
    elif risk_record and risk_record["status"] != "ok":
        st.caption(ui.markdown_text("No MRR-at-risk tile. " + narrative.risk_track_record(
            risk_record)))
else:
    ui.missing_lines(["overview.tile.mrr_at_risk"], quiet=True)

left, right = st.columns(2)
with left:
    if ui.available("overview.churn_rate") and not ui.empty(moves):
        chart = charts.time_lines(
            moves, "period", {"churn_rate_pct": "Churn rate"},
            "Monthly churn rate", "Churned (% of customers at start)", grain="month",
            subtitle="% of the customers at each month's start who churned in it", n_col="start_customers",
            min_n=settings.MIN_N, percent=True,
        )
        ui.draw("overview.churn_rate", chart, n=int(moves["start_customers"].iloc[-1]),
                note="N = customers at the start of the latest month", kpi="churn_rate_pct")
with right:
    totals = ui.ask("overview.churn_reasons", f) if ui.available("overview.churn_reasons") else None
    if not ui.empty(totals, ui.no_churn()):
        chart = charts.hbars(
            totals, "category", "customers_lost",
            "Top churn reasons (customers lost)",
            "Customers lost (up to the as-of date)",
            subtitle=narrative.top_categories_sentence(totals), top=8,
            hover_extra={"owner_team": "Team that owns the fix", "mrr_lost": "MRR lost ($)"},
        )
        ui.draw("overview.churn_reasons", chart, n=int(totals["customers_lost"].sum()),
                unit="churned customers")
