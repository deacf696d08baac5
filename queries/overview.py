"""The Overview tiles: each KPI for the last complete month against the month before."""

from __future__ import annotations

import numpy as np
import pandas as pd

import settings
from queries.base import Filters
from queries.movements import period_movements
from queries.profile import table_profile
from queries.revenue import revenue_retention
from queries.support import nps, support_kpis

# The tiles, in the order kpi_tiles makes them: what alert rules and targets can name.
TILE_KPIS = ("active_customers", "churn_rate_pct", "crr_pct", "mrr", "nrr_pct", "csat_pct",
             "frt_median_h", "nps", "clv")
COLUMNS = [
    "kpi", "label", "unit", "value", "previous", "delta", "n", "is_reliable",
    "period", "previous_period", "higher_is_better", "note",
]
# The tiles read off a dated table of their own, and how its rows are named in a tile's note.
TILE_TABLES = {"csat_pct": ("tickets", "tickets"), "frt_median_h": ("tickets", "tickets"),
               "nps": ("nps_responses", "NPS responses")}


def _last_complete_months(moves: pd.DataFrame) -> pd.DataFrame:
    return moves[moves["is_complete"]].tail(6).reset_index(drop=True)


def kpi_summary(con, f: Filters, min_n: int = settings.MIN_N) -> pd.DataFrame:
    """Row per Overview tile (see kpi_tiles), computed from the selection's series. Reads only the
    months the tiles need of the revenue, support and NPS series (the board pack's shortcut; the
    Overview page already has the whole series for its charts and calls kpi_tiles itself).
    """
    moves = period_movements(con, f, grain="month")
    months = _last_complete_months(moves)
    if len(months) < 2:
        return pd.DataFrame(columns=COLUMNS)
    before = months["period"].iloc[-2]
    return kpi_tiles(
        moves,
        revenue_retention(con, f, grain="month", since=before),
        support_kpis(con, f, grain="month", since=before, resolution=False),
        nps(con, f, grain="month", since=months["period"].iloc[-4:].iloc[0]),
        min_n,
        table_profile(con),
    )


def kpi_tiles(moves: pd.DataFrame, revenue: pd.DataFrame, support: pd.DataFrame,
              monthly_nps: pd.DataFrame, min_n: int = settings.MIN_N,
              spans: pd.DataFrame | None = None) -> pd.DataFrame:
    """Row per Overview tile: kpi, label, unit, value, previous, delta, n, is_reliable, period,
    previous_period, higher_is_better, note. `period` is the last complete month of the
    selection, `previous_period` the month before; NPS and CLV use trailing 3-month windows ending
    in them. n is the denominator behind the value (customers at the start, rated tickets,
    responses...). note (or None) says what the tile's number is not: a tile whose table does not
    cover both whole periods it compares shows no change and says which days it covers; an MRR
    tile without an MRR history says it is today's MRR of the customers active then.

    From the monthly series of the selection: period_movements, revenue_retention, support_kpis
    and nps, each at month grain (any rows before the months the tiles read are ignored), and
    table_profile (`spans`: each table's first and last date; None = not checked).
    """
    months = _last_complete_months(moves)
    if len(months) < 2:
        return pd.DataFrame(columns=COLUMNS)
    now, before = months.iloc[-1], months.iloc[-2]
    rows = []

    def tile(kpi, label, unit, value, previous, n, higher_is_better=True):
        value = None if value is None or pd.isna(value) else float(value)
        previous = None if previous is None or pd.isna(previous) else float(previous)
        note = notes.get(kpi)
        if kpi in uncovered:
            previous = None  # no change between periods the data does not wholly cover
        delta = value - previous if value is not None and previous is not None else None
        rows.append(dict(
            kpi=kpi, label=label, unit=unit, value=value, previous=previous, delta=delta,
            n=int(n) if n is not None and not pd.isna(n) else 0,
            is_reliable=n is not None and not pd.isna(n) and n >= min_n,
            period=now["period"], previous_period=before["period"],
            higher_is_better=higher_is_better, note=note,
        ))

    notes, uncovered = _coverage_notes(months, moves, spans)

    tile("active_customers", "Active customers", "customers",
         now["end_customers"], before["end_customers"], now["end_customers"])
    tile("churn_rate_pct", "Churn rate", "%", now["churn_rate_pct"], before["churn_rate_pct"],
         now["start_customers"], higher_is_better=False)
    tile("crr_pct", "Customer retention rate (CRR)", "%", now["crr_pct"], before["crr_pct"],
         now["start_customers"])
    tile("mrr", "MRR", "$", now["end_mrr"], before["end_mrr"], now["end_customers"])

    revenue = revenue.set_index("period")
    tile("nrr_pct", "Net revenue retention (NRR)", "%",
         _at(revenue, "nrr_pct", now["period"]), _at(revenue, "nrr_pct", before["period"]),
         _at(revenue, "customers", now["period"]) or 0)

    support = support.set_index("period")
    tile("csat_pct", "CSAT", "%", _at(support, "csat_pct", now["period"]),
         _at(support, "csat_pct", before["period"]), _at(support, "csat_n", now["period"]))
    answered = _at(support, "tickets", now["period"]) * (
        1 - (_at(support, "unanswered_pct", now["period"]) or 0) / 100
    ) if _at(support, "tickets", now["period"]) is not None else 0
    tile("frt_median_h", "First response time (median)", "h",
         _at(support, "frt_median_h", now["period"]), _at(support, "frt_median_h", before["period"]),
         round(answered), higher_is_better=False)

    scores = monthly_nps.set_index("period")
    nps_now, n_now = _trailing_nps(scores, months["period"].iloc[-3:])
    nps_before, _ = _trailing_nps(scores, months["period"].iloc[-4:-1])
    tile("nps", "NPS (trailing 3 months)", "pts", nps_now, nps_before, n_now)

    clv_now, clv_n = _clv(months.iloc[-3:])
    clv_before, _ = _clv(months.iloc[-4:-1])
    tile("clv", "Customer lifetime value (3-month churn)", "$", clv_now, clv_before, clv_n)
    return pd.DataFrame(rows, columns=COLUMNS)


def _coverage_notes(months: pd.DataFrame, moves: pd.DataFrame,
                    spans: pd.DataFrame | None) -> tuple[dict[str, str], set[str]]:
    """({kpi: note}, kpis whose change is not shown) for the tiles comparing `months`' last two.

    A dated table (TILE_TABLES) is taken to run from its first date to the as-of date (the
    export's date). A tile reading it compares only when that covers every day of the periods
    it reads (the two months, or for NPS the months of both trailing windows); otherwise its note
    names the days of those periods the table covers ("tickets cover 30–31 May only"). The MRR
    tile with an MRR history needs the history from the earlier month on; without a history its
    note says what its MRR is."""
    notes: dict[str, str] = {}
    uncovered: set[str] = set()
    end = pd.Timestamp(months["period_end"].iloc[-1])
    if "is_mrr_history" in moves.columns and not bool(moves["is_mrr_history"].iloc[-1]):
        notes["mrr"] = "today's MRR of the customers active then, not what they paid"
    if spans is None or spans.empty:
        return notes, uncovered
    span = spans.set_index("table_name")

    def first_last(table):
        if table not in span.index or pd.isna(span.at[table, "first_date"]):
            return None, None
        return pd.Timestamp(span.at[table, "first_date"]), pd.Timestamp(span.at[table, "last_date"])

    for kpi, (table, noun) in TILE_TABLES.items():
        first, last = first_last(table)
        reads = months["period"].iloc[-4:] if kpi == "nps" else months["period"].iloc[-2:]
        start = pd.Timestamp(reads.iloc[0])
        if first is None or first <= start:
            continue
        uncovered.add(kpi)
        days = day_span(first, end) if first <= end else day_span(first, last)
        notes[kpi] = f"{noun} cover {days} only"
    first, last = first_last("mrr_history")
    if first is not None and "mrr" not in notes and first > pd.Timestamp(months["period"].iloc[-2]):
        uncovered.add("mrr")
        held = f"{first:%b %Y}" if first == last else f"{first:%b %Y} – {last:%b %Y}"
        notes["mrr"] = f"the MRR history covers {held} only"
    return notes, uncovered


def day_span(first, last) -> str:
    """'31 May', '30–31 May', '28 Apr – 2 May', '30 Dec 2024 – 2 Jan 2025': a run of days as
    briefly as it reads unambiguously (the year only when the run crosses one)."""
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    if first == last:
        return f"{first.day} {first:%b}"
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    if first.month == last.month:
        return f"{first.day}–{last.day} {last:%b}"
    return f"{first.day} {first:%b} – {last.day} {last:%b}"


def _at(frame: pd.DataFrame, column: str, period):
    if frame.empty or period not in frame.index:
        return None
    value = frame.at[period, column]
    return None if pd.isna(value) else value


def _trailing_nps(scores: pd.DataFrame, periods) -> tuple[float | None, int]:
    """NPS over the responses of several months: % promoters - % detractors, response-weighted."""
    window = scores.reindex(list(periods)).dropna(subset=["responses"])
    responses = window["responses"].sum()
    if responses == 0:
        return None, 0
    promoters = (window["promoters_pct"] * window["responses"]).sum() / responses
    detractors = (window["detractors_pct"] * window["responses"]).sum() / responses
    return promoters - detractors, int(responses)


def _clv(window: pd.DataFrame) -> tuple[float | None, int]:
    """Average MRR of active customers at the window's end / monthly churn rate over the window."""
    if len(window) < 3:
        return None, 0
    starts = window["start_customers"].sum()
    churn = window["churned"].sum() / starts if starts else np.nan
    last = window.iloc[-1]
    if not churn or np.isnan(churn) or not last["end_customers"]:
        return None, int(starts)
    return last["end_mrr"] / last["end_customers"] / churn, int(starts)
