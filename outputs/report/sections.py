"""The board pack's sections, one function each, numbers from `queries`, figures from `charts`,
words from `definitions` and `narrative`, exactly as on the pages. What each page shows is read
from the catalogue (views/catalog.py): the sections' headings and definitions, which of them the
data can fill, their calls (`_ask`, the pages' own `views.compare.ask`) and the empty states.
No streamlit here."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

import charts
from words import narrative
from words import without_dates
import queries
from views import catalog, needs
from words.formatting import money
from queries import Filters
from data import capabilities
from views.compare import ask
from outputs.report.blocks import (Section, Shown, bullets, esc, figure_block, n_tiles_block,
                                   tiles_block)

SURVIVAL_DAY = 365
EARLY_SPLITS = {
    "early_frt_sla": "first-response target in the first 90 days",
    "early_csat": "CSAT in the first 90 days",
    "early_tickets": "tickets in the first 90 days",
}


def _ask(con, key: str, f: Filters, which: int | str = 0, **kwargs):
    """Call `which` of catalogue section `key` on this connection, as the page asks it
    (views.compare.ask), `kwargs` in place of some arguments."""
    return ask(lambda name, g, **arguments: getattr(queries, name)(con, g, **arguments),
               catalog.ITEMS[key], f, lambda d: queries.filter_options(con).get(d, []), which,
               **kwargs)


def _definition(key: str) -> str:
    return catalog.ITEMS[key].definition


NO_HISTORY = catalog.ITEMS["overview.tiles"].empty


def overview(con, f: Filters, as_of: date, min_n: int, shown: Shown) -> Section:
    if shown.caps.churn_shape == capabilities.UNDATED:
        return overview_undated(con, f, as_of, min_n, shown)
    if shown.caps.churn_shape == capabilities.NONE and needs.shows(shown.caps,
                                                                   "overview.activity"):
        return overview_activity(con, f, as_of, min_n)
    s = Section(catalog.OVERVIEW.label)
    kpis = queries.kpi_summary(con, f, min_n=min_n)
    if not kpis.empty:  # a tile whose data the snapshot lacks is not drawn
        kpis = kpis[[shown.can(f"overview.tile.{k}") for k in kpis["kpi"]]]
    moves = _ask(con, "overview.churn_rate", f)
    if kpis.empty:
        s.add(f"<p>{esc(NO_HISTORY)}</p>")
    else:
        period = kpis.iloc[0]["period"]
        s.intro = (f"{pd.Timestamp(period):%B %Y} (the last complete month) against the month "
                   "before. NPS and CLV over trailing 3 months.")
        s.add(tiles_block(kpis, min_n))
        reasons = _ask(con, "overview.churn_reasons", f, 1)
        by_segment = _ask(con, "overview.churn_reasons", f, 2)
        sentences = narrative.overview_summary(kpis, reasons, None if by_segment is None or
                                               by_segment.empty else by_segment, min_n,
                                               history=moves)
        s.add(f"<h3>{esc(catalog.ITEMS['overview.churn_reasons'].title)}</h3>"
              + bullets(sentences))
    if not moves.empty and shown.can("overview.churn_rate"):
        chart = charts.time_lines(
            moves, "period", {"churn_rate_pct": "Churn rate"},
            "Monthly churn rate: % of customers at the month's start who churned in it",
            "Churned (% of customers at start)", grain="month", n_col="start_customers",
            min_n=min_n, percent=True,
        )
        s.add(figure_block(chart, _definition("overview.churn_rate"),
                           int(moves["start_customers"].iloc[-1]),
                           as_of=as_of, note="N = customers at the start of the latest month",
                           empty=shown.nothing("churn rate"), kpi="churn_rate_pct"))
    return s


BASIS_WORDS = {"logo": "customer", "mrr": "MRR", "activity": "returned (activity)"}

# --- churn without dates, and no churn at all (capabilities.churn_shape) ---

TENURE_TITLE = "Retention by tenure (Kaplan–Meier over tenure months)"
TENURE_SUBTITLE = ("A snapshot of one moment: each churned customer's tenure read as the month "
                   "they left; customers who left before the file was made are not in it")


def _dimensions(caps) -> dict[str, str]:
    """Customer dimensions with more than one group: {dimension: label}."""
    from views.filter_params import MULTI

    labels = {m.dimension: m.label for m in MULTI.values()}
    return {d: labels[d] for d, need in needs.COMPARE.items() if need.met(caps)}


def overview_undated(con, f: Filters, as_of: date, min_n: int, shown: Shown) -> Section:
    """The Overview of churn without dates: the churn share and what it is made of, retention by
    tenure, the dated tiles (support, NPS), no monthly churn."""
    s = Section(catalog.OVERVIEW.label, f"The customers in the file as of {as_of:%d %B %Y}: it "
                "has no churn dates, so there is no monthly churn rate or retention history.")
    share = queries.churn_share(con, f, min_n=min_n)
    if share.empty:
        s.add(f'<p class="empty">{esc(shown.nothing())}</p>')
        return s
    row = share.iloc[0]
    customers = int(row["customers"])
    common = dict(n=customers, n_unit="customers", is_reliable=customers >= min_n)
    rows = [dict(label="Churn share", unit="%", value=row["churn_share_pct"], **common),
            dict(label="Churned customers", unit="customers", value=row["churned"], **common),
            dict(label="Active customers", unit="customers", value=customers - int(row["churned"]),
                 **common)]
    if needs.shows(shown.caps, "overview.tile.mrr"):
        rows.append(dict(label="MRR today (active customers)", unit="$", value=row["active_mrr"],
                         **common))
    s.add(n_tiles_block(rows, min_n))
    kpis = queries.kpi_summary(con, f, min_n=min_n)
    if not kpis.empty:
        dated = ("nrr_pct", "csat_pct", "frt_median_h", "nps")  # tiles with their own dates
        kpis = kpis[[k in dated and needs.shows(shown.caps, f"overview.tile.{k}")
                     for k in kpis["kpi"]]].reset_index(drop=True)
        if not kpis.empty:
            s.add(f"<h3>{pd.Timestamp(kpis.iloc[0]['period']):%B %Y} against the month "
                  "before</h3>" + tiles_block(kpis, min_n))
    curve = queries.tenure_survival(con, f)
    dims = _dimensions(shown.caps)
    spreads = {label.lower(): queries.churn_share(con, f, by=d, min_n=min_n)
               for d, label in dims.items()}
    s.add("<h3>What the data says</h3>" + bullets(
        without_dates.undated_summary(share, curve, spreads, kpis, as_of, min_n)))
    chart = charts.survival_curves(curve, TENURE_TITLE, TENURE_SUBTITLE, min_n, x="tenure_months")
    s.add(figure_block(chart, "tenure_retention", customers, as_of=as_of, empty=shown.nothing()))
    return s


def overview_activity(con, f: Filters, as_of: date, min_n: int) -> Section:
    """The Overview of data without churn: customers active, new and returning in the last
    complete month, and how `--inactive-days` turns inactivity into churn."""
    s = Section(catalog.OVERVIEW.label, without_dates.INACTIVE_DAYS_HINT.replace("`", ""))
    found = queries.activity_tiles(queries.activity_retention(con, f, grain="month"), min_n)
    if found.empty:
        s.add(f"<p>{esc(NO_HISTORY)}</p>")
        return s
    s.add(f"<h3>{pd.Timestamp(found.iloc[0]['period']):%B %Y} against the month before</h3>"
          + tiles_block(found, min_n))
    s.add("<h3>What changed</h3>" + bullets(without_dates.activity_summary(found)))
    return s


def cohorts_undated(con, f: Filters, as_of: date, min_n: int, shown: Shown) -> Section:
    """Cohorts of churn without dates: retention by tenure, overall and by the first dimension
    with groups, in place of the triangle and the cohort curves."""
    s = Section(catalog.COHORTS.label, "Retention by tenure: the file has no churn dates, so "
                "there is no retention triangle or cohort curve.")
    curve = queries.tenure_survival(con, f)
    n = int(curve.loc[curve["tenure_months"] == 0, "at_risk"].sum()) if not curve.empty else 0
    dims = list(_dimensions(shown.caps).items())[:1]
    if not dims:  # the Overview has the curve of all customers; here it is split when it can be
        s.add(figure_block(charts.survival_curves(curve, TENURE_TITLE, TENURE_SUBTITLE, min_n,
                                                  x="tenure_months"),
                           "tenure_retention", n, as_of=as_of, empty=shown.nothing()))
    for dimension, label in dims:
        by = queries.tenure_survival(con, f, by=dimension)
        p = queries.tenure_logrank_p(con, f, dimension)
        chart = charts.survival_curves(by, f"{TENURE_TITLE}, by {label.lower()}",
                                       TENURE_SUBTITLE, min_n, x="tenure_months")
        s.add(figure_block(chart, "tenure_retention", n, as_of=as_of,
                           note=narrative.p_text(p), empty=shown.nothing()))
        share = queries.churn_share(con, f, by=dimension, min_n=min_n)
        bars = charts.hbars(share.sort_values("churn_share_pct", ascending=False), "group",
                            "churn_share_pct", f"Churn share by {label.lower()}",
                            "Churned (% of the group)",
                            subtitle="Churned / customers in the file, per group; not a monthly "
                            "rate", n_col="customers", percent=True, text_fmt="{:.1f}")
        s.add(figure_block(bars, "churn_share", n, as_of=as_of, empty=shown.nothing()))
    return s


def cohorts(con, f: Filters, as_of: date, min_n: int, grain: str, basis: str,
            shown: Shown) -> Section:
    if basis in ("mrr", "activity") and not shown.can(f"cohorts.basis_{basis}"):
        basis = "logo"
    if basis == "logo" and shown.caps.churn_shape == capabilities.NONE and needs.shows(
            shown.caps, "cohorts.basis_activity"):
        basis = "activity"  # no churn: who came back, as the Cohorts page opens
    if basis != "activity" and shown.caps.churn_shape == capabilities.UNDATED:
        return cohorts_undated(con, f, as_of, min_n, shown)
    s = Section(catalog.COHORTS.label, f"Signup {grain}s, {BASIS_WORDS[basis]} basis.")
    if basis == "activity":
        # Customers who came back in each period: drawn whether or not churn dates exist.
        cells = queries.activity_retention(con, f, grain=grain)
        average = queries.average_activity_retention(con, f, grain=grain)
    elif not (shown.can("cohorts.heatmap") and shown.can("cohorts.curves")):
        return s
    else:
        cells, average = (_ask(con, "cohorts.curves", f, i, grain=grain, basis=basis)
                          for i in (0, 1))
    n = int(cells.loc[cells["age"] == 0, "cohort_size"].sum()) if not cells.empty else 0
    s.add(figure_block(charts.cohort_heatmap(cells, grain, basis, True, min_n),
                       _definition("cohorts.heatmap"), n, as_of=as_of,
                       note="faded cells marked * are incomplete",
                       empty=shown.nothing()))
    s.add(figure_block(charts.retention_curves(cells, average, grain, basis, min_n),
                       _definition("cohorts.curves"), n, as_of=as_of, empty=shown.nothing()))
    return s


def churn(con, f: Filters, as_of: date, min_n: int, shown: Shown) -> Section:
    s = Section(catalog.CHURN_REASONS.label, "Why customers left, and which team owns the fix.")
    drawn = [key for key in ("churn.by_category", "churn.owners", "churn.trend") if shown.can(key)]
    if not drawn:
        return s
    if not shown.churned():
        s.add(f'<p class="empty">{esc(needs.no_churn(as_of))}.</p>')
        return s
    nothing = needs.no_churn(as_of, filtered=shown.filtered) + "."
    totals = _ask(con, "churn.lost", f)
    lost = int(totals["customers_lost"].sum()) if not totals.empty else 0
    if "churn.by_category" in drawn:
        chart = charts.hbars(
            totals, "category", "customers_lost",
            "Churn reasons: customers lost by reason category",
            "Customers lost (all churns up to the as-of date)",
            subtitle=narrative.top_categories_sentence(totals) if not totals.empty else None,
            hover_extra={"owner_team": "Team that owns the fix", "mrr_lost": "MRR lost ($)"},
        )
        s.add(figure_block(chart, _definition("churn.by_category"), lost, "churned customers",
                           as_of, empty=nothing))
    if "churn.owners" in drawn and not totals.empty:
        table = totals.sort_values("mrr_lost", ascending=False)
        rows = "".join(
            f"<tr><td>{esc(r.category)}</td><td>{esc(r.owner_team)}</td>"
            f"<td class='num'>{int(r.customers_lost):,}</td><td class='num'>${r.mrr_lost:,.0f}</td>"
            f"<td class='num'>{r.share_pct:.1f}%</td></tr>" for r in table.itertuples())
        s.add(f"<h3>{esc(catalog.ITEMS['churn.owners'].title)}</h3>"
              "<table><thead><tr><th>Category</th><th>Team that owns the fix</th>"
              "<th>Customers lost</th><th>MRR lost</th><th>Share</th></tr></thead>"
              f"<tbody>{rows}</tbody></table>")
    if "churn.trend" in drawn:
        trend = _ask(con, "churn.trend", f, grain="quarter")
        chart = charts.stacked_bars(trend, "period", "customers_lost", "category",
                                    "Churned customers per quarter, by reason category",
                                    "Customers lost", grain="quarter")
        s.add(figure_block(chart, _definition("churn.trend"), lost, "churned customers", as_of,
                           note="the last quarter runs only to the as-of date", empty=nothing))
    return s


def support(con, f: Filters, as_of: date, min_n: int, shown: Shown) -> Section:
    s = Section(catalog.SUPPORT_KPIS.label,
                "Tickets of the selected customers, by month of creation.")
    drawn = [key for key in ("support.frt", "support.csat", "support.one_touch", "support.volume",
                             "support.backlog") if shown.can(key)]
    if not drawn:
        return s
    kpis = _ask(con, "support.tickets", f)
    tickets = int(kpis["tickets"].sum()) if not kpis.empty else 0
    nothing = shown.nothing("tickets") if shown.filtered else (
        catalog.ITEMS["support.tickets"].says(as_of))
    if "support.frt" in drawn:
        chart = charts.time_lines(
            kpis, "period", {"frt_median_h": "Median", "frt_p90_h": "90th percentile"},
            "First response time: hours from ticket creation to the first agent reply",
            "Hours to first response", n_col="frt_n", min_n=min_n,
        )
        s.add(figure_block(chart, _definition("support.frt"), tickets, "tickets", as_of,
                           empty=nothing,
                           kpi="frt_median_h"))
    rates = {"csat_pct": "CSAT %"} if "support.csat" in drawn else {}
    rates |= {"one_touch_pct": "One-touch %"} if "support.one_touch" in drawn else {}
    if rates:
        title = {2: "Satisfaction and one-touch resolution: % of rated / resolved tickets",
                 "csat_pct": "Satisfaction: % of rated tickets rated 4-5",
                 "one_touch_pct": "One-touch resolution: % of resolved tickets"}
        chart = charts.time_lines(
            kpis, "period", rates, title[len(rates) if len(rates) > 1 else next(iter(rates))],
            "% of tickets", n_col="csat_n" if "csat_pct" in rates else "one_touch_n",
            min_n=min_n, percent=True,
        )
        s.add(figure_block(chart, _definition("support.csat" if "csat_pct" in rates
                                              else "support.one_touch"), tickets,
                           "tickets", as_of, empty=nothing,
                           kpi="csat_pct" if "csat_pct" in rates else None))
    if "support.volume" in drawn:
        lines = {"tickets": "Tickets created"}
        lines |= {"backlog_end": "Open at month end"} if "support.backlog" in drawn else {}
        chart = charts.time_lines(
            kpis, "period", lines,
            "Ticket volume and backlog per month" if len(lines) > 1 else "Ticket volume per month",
            "Tickets",
        )
        s.add(figure_block(chart, _definition("support.backlog"), tickets, "tickets", as_of,
                           empty=nothing))
    return s


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def support_retention(con, f: Filters, as_of: date, min_n: int, shown: Shown) -> Section:
    s = Section(catalog.SUPPORT_X_RETENTION.label,
                "Survival of customers split by their support experience in their first 90 days "
                "(customers younger than 90 days are left out).")
    splits = [by for by in EARLY_SPLITS if shown.can(f"support_x.{by}")]
    if not splits:
        return s
    highlights = []
    for by in splits:
        at = queries.survival_at(con, f, by, day=SURVIVAL_DAY, min_n=min_n)
        if at.empty:
            continue
        p = queries.logrank_p(con, f, by)
        parts = [f"{r.group}: {r.survival * 100:.0f}% (N = {r.customers:,}"
                 + ("" if r.is_reliable else ", unreliable") + ")" for r in at.itertuples()]
        sig = "" if math.isnan(p) else (f" (log-rank {_p(p)}: " + (
            "unlikely to be chance)" if p < 0.05 else "could be chance)"))
        highlights.append(f"By {EARLY_SPLITS[by]}, still active after {SURVIVAL_DAY} days: "
                          + "; ".join(parts) + sig + ".")
    s.add("<h3>Highlights</h3>" + bullets(highlights))
    excluded = _ask(con, "support_x.early", f, "early_support_excluded")
    nothing = shown.nothing() if shown.filtered else (
        catalog.ITEMS["support_x.early"].says(as_of))
    for by in ("early_frt_sla", "early_csat"):
        if by not in splits:
            continue
        curve = queries.survival(con, f, by=by)
        p = queries.logrank_p(con, f, by)
        chart = charts.survival_curves(
            curve, f"Share of customers still active, by {EARLY_SPLITS[by]}",
            subtitle=None if math.isnan(p) else f"log-rank {_p(p)}", min_n=min_n)
        n = int(curve.loc[curve["day"] == 0, "at_risk"].sum()) if not curve.empty else 0
        s.add(figure_block(chart, _definition("support_x.early"), n, as_of=as_of,
                           note=f"{excluded:,} customers younger than 90 days left out",
                           empty=nothing))
    return s


def at_risk(con, f: Filters, as_of: date, min_n: int, shown: Shown) -> Section:
    """The At risk page's first section: the churn score's track record and its calibration,
    and the MRR at risk in the next horizon."""
    days = catalog.RISK_DAYS
    s = Section(catalog.AT_RISK.label, f"Churn risk: a probability of leaving within {days} days "
                "learned from this business's own history, not a verdict; here is how it did on the "
                f"last {days} days, fitted only on what was known before them.")
    if not shown.can("risk.score") or not shown.churned():
        return s
    record = _ask(con, "risk.score", f)
    s.add(f"<p>{esc(narrative.risk_track_record(record))}</p>")
    if record["status"] != "ok" or record["auc"] is None:
        return s
    if shown.can("risk.mrr"):
        totals = _ask(con, "risk.list", f, 1)
        s.add(f"<p>MRR at risk in the next {days} days: {esc(money(totals['mrr_at_risk']))} "
              f"(Σ churn risk × MRR over {totals['customers']:,} active customers); about "
              f"{totals['expected_churners']:,.0f} of them would leave if the past holds.</p>")
    chart = charts.calibration_bars(
        record["calibration"], "Predicted against observed churn, per tenth of risk",
        subtitle=f"Customers active on {date.fromisoformat(record['cutoff']):%d %b %Y}, ranked "
                 "by the risk the score gave them then; calibration error "
                 f"{record['calibration_error_pts']:.1f} points")
    s.add(figure_block(chart, _definition("risk.calibration"), record["customers"], as_of=as_of,
                       note=f"{record['churned']:,} churned in the {days} days after"))
    return s
