"""Support KPIs: response and resolution times against targets, satisfaction, volume and
backlog, and breakdowns by channel, category and priority."""

import streamlit as st

import charts
from app import frame
import settings
from app import priorities
from views import catalog, targets
from app import ui
from app import workspace_ui

f, con = frame.frame("Support KPIs")
grain = frame.grain()


def nps_chart() -> None:
    """NPS comes from its own file: drawn with or without tickets."""
    if not ui.available("support.nps"):
        return
    scores = ui.ask("support.nps", f, grain=grain)
    if not ui.empty(scores, ui.nothing() if ui.filtered() else
                    ui.says("support.nps")):
        # Surveys go out now and then: periods without a response are left out, not drawn as 0.
        answered = scores[scores["responses"] > 0]
        chart = charts.time_lines(answered, "period", {"nps": "NPS"}, "Net promoter score",
                                  "NPS (−100 to 100)", grain=grain, n_col="responses",
                                  min_n=settings.MIN_N,
                                  subtitle=f"{grain.capitalize()}s without survey responses "
                                           "left out")
        ui.draw("support.nps", chart, n=int(scores["responses"].sum()), unit="responses",
                kpi="nps")


# Without a tickets file the page says so once (data/needs.py), and shows what NPS it has.
kpis = ui.ask("support.tickets", f, grain=grain) if ui.available("support.tickets") else None
if kpis is None or kpis.empty or not kpis["tickets"].sum():
    if kpis is not None:
        st.info("No support tickets for these customers." if ui.filtered() else
                ui.says("support.tickets"))
    nps_chart()
    st.stop()

by_priority = bool(ui.offered(["support.priority"]))
priorities = priorities.priorities() if by_priority else []
tickets = int(kpis["tickets"].sum())


def priority_split():
    # Only computed when a priority is picked or the breakdown asks for it: at 10M tickets each
    # split costs as much as the totals (exact medians).
    return ui.ask("support.by.channel", f, grain=grain, by="priority")


ui.heading("support.tickets")
if by_priority:
    choice = st.segmented_control("Priority", ["All", *priorities], default="All", required=True,
                                  key="support_priority")
else:
    choice = "All"
    ui.missing_lines(["support.priority"], quiet=True)
priority = None if choice == "All" else choice
source = kpis if priority is None else priority_split()
has_rows = source is not None and (priority is None or (source["group"] == priority).any())
if source is not None and not has_rows:
    st.info(f"No {priority}-priority tickets for these customers.")
if has_rows:
    shown_n = tickets if priority is None else int(
        source.loc[source["group"] == priority, "tickets"].sum())
    left, right = st.columns(2)
    for column, (kind, median, p90, name, key) in zip((left, right), (
        ("first_response_h", "frt_median_h", "frt_p90_h", "First response time", "support.frt"),
        ("resolution_h", "resolution_median_h", "resolution_p90_h", "Resolution time",
         "support.resolution"),
    )):
        with column:
            if not ui.available(key):
                continue
            has_target = workspace_ui.target(median, priority or "") is not None
            n_col = "frt_n" if kind == "first_response_h" else "resolved_n"
            chart = charts.time_lines(
                source, "period", {median: "median", p90: "90th percentile"},
                f"{name}, {choice.lower() if priority else 'all'} tickets", "Hours", grain=grain,
                subtitle="Tickets created in the period" + (
                    " · dashed: the median's target" if has_target else
                    " · no target set for the median (Targets & notes)"),
                n_col=n_col, min_n=settings.MIN_N,
                only=("group", priority) if priority else None,
            )
            ui.draw(key, chart, words={"choice": choice}, n=shown_n, unit="tickets",
                    kpi=median, priority=priority or "")

ui.heading("support.csat")
a, b = st.columns(2)
c, d = st.columns(2)
with a:
    if ui.available("support.csat"):
        chart = charts.time_lines(kpis, "period", {"csat_pct": "CSAT %"}, "CSAT",
                                  "Rated 4–5 (% of rated tickets)", grain=grain, n_col="csat_n",
                                  min_n=settings.MIN_N, percent=True)
        ui.draw("support.csat", chart, n=int(kpis["csat_n"].sum()), unit="rated tickets",
                kpi="csat_pct")
with b:
    if ui.available("support.ces"):
        chart = charts.time_lines(kpis, "period", {"ces_mean": "CES"}, "Customer effort score",
                                  "Mean CES (1–5, 5 = easiest)", grain=grain, n_col="ces_n",
                                  min_n=settings.MIN_N)
        ui.draw("support.ces", chart, n=int(kpis["ces_n"].sum()), unit="rated tickets")
with c:
    if ui.available("support.one_touch"):
        chart = charts.time_lines(kpis, "period", {"one_touch_pct": "One-touch %"},
                                  "One-touch resolution", "Resolved with ≤ 1 reply (%)",
                                  grain=grain, n_col="one_touch_n", min_n=settings.MIN_N,
                                  percent=True)
        ui.draw("support.one_touch", chart, n=int(kpis["resolved_n"].sum()),
                unit="resolved tickets")
with d:
    nps_chart()

ui.heading("support.volume")
with_backlog = bool(ui.offered(["support.backlog"]))
chart = charts.time_lines(
    kpis, "period", {"tickets": "Tickets created", **({"backlog_end": "Backlog"} if with_backlog
                                                      else {})},
    f"Tickets created per {grain}" + (" and open at its end" if with_backlog else ""), "Tickets",
    grain=grain, subtitle=(f"Backlog: created and not resolved by the end of the {grain}"
                           if with_backlog else None))
ui.draw("support.backlog" if with_backlog else "support.volume", chart, n=tickets,
        unit="tickets")
ui.missing_lines(["support.backlog"], quiet=True)

ui.heading("support.by.channel")
# A breakdown over a dimension with one value, or a metric without its column, is not offered.
dim_labels = {"channel": "Channel", "category": "Ticket category", "priority": "Priority"}
dims = {d: dim_labels[d] for d in dim_labels if ui.offered([f"support.by.{d}"])}
metric_items = {"frt_median_h": "support.frt", "resolution_median_h": "support.resolution",
                "csat_pct": "support.csat", "one_touch_pct": "support.one_touch",
                "tickets": "support.volume"}
metric_labels = {"frt_median_h": "First response, median (h)", "resolution_median_h":
                 "Resolution, median (h)", "csat_pct": "CSAT (%)", "one_touch_pct":
                 "One-touch (%)", "tickets": "Tickets"}
metrics = {m: metric_labels[m] for m, key in metric_items.items() if ui.offered([key])}


# The breakdown's own two pickers rerun only this block, not the page above it: a change
# costs the server about half the CPU of a whole-page rerun (README, Performance).
@st.fragment
def breakdown() -> None:
    split = None
    if dims:
        left, right = st.columns(2)
        dim = left.selectbox("Break down by", list(dims), format_func=dims.get,
                             key="support_by")
        metric = right.selectbox("Metric", list(metrics), format_func=metrics.get,
                                 key="support_metric")
        split = (priority_split() if dim == "priority"
                 else ui.ask("support.by.channel", f, grain=grain, by=dim))
    ui.missing_lines([f"support.by.{d}" for d in dim_labels], quiet=bool(dims))
    if split is not None and not ui.empty(split):
        n_col = {"frt_median_h": "frt_n", "resolution_median_h": "resolved_n",
                 "csat_pct": "csat_n", "one_touch_pct": "one_touch_n"}.get(metric)
        chart = charts.time_lines(split, "period", {metric: metrics[metric]},
                                  f"{metrics[metric]} by {dims[dim].lower()}", metrics[metric],
                                  grain=grain, n_col=n_col, min_n=settings.MIN_N,
                                  percent=metric.endswith("_pct"), group="group")
        # The breakdown's chart, with the definition of the metric it splits.
        ui.draw(f"support.by.{dim}", chart, words={"metric": metric},
                definition=catalog.ITEMS[metric_items[metric]].definition, n=tickets,
                unit="tickets", kpi=metric if metric in targets.KPIS else None)


breakdown()
