"""At risk: who is likely to leave next, with a score that shows its track record on the
business's own history first, then the list to act on (highest risk first, with drivers)."""

from datetime import date

import streamlit as st

import charts
from app import exports, frame, ui
from views import catalog
from words import definitions, narrative
from words.formatting import count, money

HORIZON = catalog.RISK_DAYS
# On screen the highest risks only (queries.churn_risk_top): a large snapshot's whole list would
# be megabytes in the browser; the call list (CSV, made on a click) has every customer of the
# selection.
SHOWN = catalog.RISK_SHOWN
# The drivers last: they take the rest of the row and wrap nothing off on a wide screen; the
# MRR itself is in the call list.
LIST_COLUMNS = {
    "risk_pct": st.column_config.ProgressColumn(
        "Churn risk", format="%.0f%%", min_value=0, max_value=100,
        help=f"Probability of churning within {HORIZON} days, from history"),
    "name": st.column_config.TextColumn("Customer"),
    "customer_id": st.column_config.TextColumn("Customer id"),
    "mrr_at_risk": st.column_config.NumberColumn("MRR at risk", format="dollar",
                                                 help="Churn risk × MRR"),
    "drivers": st.column_config.TextColumn("What raises the risk most"),
}

f, con = frame.frame("At risk")
# Without dated churn the page says what would fill it, once (data/needs.py).
if not ui.available("risk.score"):
    st.stop()
ui.missing_lines(["risk.mrr"], quiet=True)
st.caption(f"Churn risk is a probability learned from this business's own history of who left "
           f"within {HORIZON} days, not a verdict about any customer: of 100 customers at 30%, "
           "about 30 left in the past and 70 stayed. Drivers say what the score reads, not what "
           "causes churn.")
with st.spinner("Fitting the churn score on this snapshot's history (once per snapshot)…"):
    record = ui.ask("risk.score", f)
if record is None:
    st.stop()
if record["status"] != "ok":
    st.info(narrative.risk_track_record(record), icon=":material/info:")
    st.stop()
cutoff, as_of = (date.fromisoformat(record[key]) for key in ("cutoff", "as_of"))

ui.heading("risk.score")
st.markdown(ui.markdown_text(narrative.risk_track_record(record)))
if record["auc"] is not None:
    cols = st.columns(4)
    cols[0].metric("AUC", f"{record['auc']:.2f}", border=True,
                   help=definitions.DEFINITIONS["risk_backtest"].text)
    cols[1].metric("Tenure and plan alone", f"{record['baseline_auc']:.2f}", border=True,
                   help="AUC of the same method on tenure and plan only: what the other signals "
                        "add.")
    cols[2].metric("Churners in the top tenth", f"{record['top_decile_capture_pct']:.0f}%",
                   border=True, help="Share of the customers who left among the 10% with the "
                                     "highest risk at the cutoff (10% if the score knew nothing).")
    cols[3].metric("Calibration error", f"{record['calibration_error_pts']:.1f} pts",
                   border=True, help=definitions.DEFINITIONS["risk_calibration"].text)
    st.caption(
        f"Fitted on {count(record['training_rows'], 'customer windows')} before "
        f"{cutoff:%d %b %Y} ({count(record['training_churned'], 'churns')}), then judged on the "
        f"{count(record['customers'], 'customers')} of the selection active on "
        f"{cutoff:%d %b %Y}, {record['churned']:,} of whom churned by {as_of:%d %b %Y} · "
        f"{definitions.DEFINITIONS['risk_backtest'].formula}")
    chart = charts.calibration_bars(
        record["calibration"], "Predicted against observed churn, per tenth of risk",
        subtitle=f"Customers active on {cutoff:%d %b %Y}, ranked by the risk the score gave "
                 f"them then, and the share who churned in the {HORIZON} days after")
    ui.draw("risk.calibration", chart, n=record["customers"])

ui.heading("risk.list")
shown = ui.ask("risk.list", f)
totals = ui.ask("risk.list", f, 1)
if shown is not None and totals is not None and not ui.empty(shown, ui.nothing()):
    cols = st.columns(3)
    cols[0].metric("Active customers scored", f"{totals['customers']:,}", border=True)
    cols[1].metric(f"Expected to leave in {HORIZON} days", f"{totals['expected_churners']:,.0f}",
                   border=True, help="Σ churn risk: how many would leave if the past holds.")
    if ui.offered(["risk.mrr"]):
        cols[2].metric(f"MRR at risk in the next {HORIZON} days", money(totals["mrr_at_risk"]),
                       border=True, help=definitions.DEFINITIONS["mrr_at_risk"].formula)
    # A column the import never had (no names, no MRR) is left out, not shown empty.
    kept = ui.with_values({"risk_pct": "", "name": "customers.name", "customer_id": "",
                           "mrr_at_risk": "customers.mrr", "drivers": ""})
    columns = {key: LIST_COLUMNS[key] for key in kept}
    st.dataframe(shown, hide_index=True, width="stretch", height=420,
                 column_config=columns, column_order=list(columns), key="risk_list")
    left, right = st.columns([4, 1], vertical_alignment="center")
    with left:
        more = (f"the {SHOWN:,} highest shown, " if totals["customers"] > SHOWN else "")
        ui.caption(catalog.ITEMS["risk.list"].definition, n=totals["customers"],
                   note=f"highest risk first · {more}drivers "
                   "named for the fifth of all customers with the highest risk (at most "
                   f"{catalog.RISK_DRIVER_CUSTOMERS:,}) · the call list "
                   "has every customer of the selection with their signals")
    with right:
        exports.prepared_download("at_risk_call_list", "Call list", "churn_risk", f,
                                  horizon_days=HORIZON)
    if ui.offered(["risk.outreach"]):
        st.page_link("pages/10_Outreach.py", label="Outreach: your team's contacts and whether "
                     "contacted customers stayed", icon=":material/campaign:")
