"""Plain-language summaries generated from the metrics API's frames. No streamlit here.

Every sentence is computed from the data handed in; nothing is canned except the grammar.
"""

from __future__ import annotations


import pandas as pd

import settings
from words.formatting import count


def month_words(value) -> str:
    return f"{pd.Timestamp(value):%B %Y}"

def _moved(now: float, before: float, flat: float) -> str:
    if abs(now - before) < flat:
        return "held steady"
    return "rose" if now > before else "fell"

def _kpi(kpis: pd.DataFrame, name: str) -> pd.Series | None:
    rows = kpis[kpis["kpi"] == name]
    if rows.empty or pd.isna(rows.iloc[0]["value"]):
        return None
    return rows.iloc[0]

def overview_summary(kpis: pd.DataFrame, reasons: pd.DataFrame | None,
                     by_segment: pd.DataFrame | None, min_n: int = settings.MIN_N,
                     history: pd.DataFrame | None = None) -> list[str]:
    """Sentences on what changed in the last complete month.

    kpis: queries.kpi_tiles. reasons: churn_reasons(grain="month"). by_segment: the same per
    segment with a `group` column (or None). history: period_movements(grain="month"), whose
    previous calendar year gives the longer trend the month is set against.
    """
    if kpis is None or kpis.empty:
        return []
    first = kpis.iloc[0]
    period, previous = first["period"], first["previous_period"]
    out = []
    churn = _kpi(kpis, "churn_rate_pct")
    if churn is not None and pd.notna(churn["previous"]):
        out.append(_churn_sentence(churn, period, previous, history))
        driver = _driver(reasons, by_segment, period, previous,
                         rising=churn["value"] >= churn["previous"])
        if driver:
            out.append(driver)
        if not churn["is_reliable"]:
            out.append(f"That rate rests on fewer than {min_n} customers: read it with care.")
    sentence = _customers_sentence(_kpi(kpis, "active_customers"), _kpi(kpis, "mrr"))
    if sentence:
        out.append(sentence)
    nrr = _kpi(kpis, "nrr_pct")
    if nrr is not None:
        shown = round(float(nrr["value"]), 1)
        out.append(f"Net revenue retention was {shown:.1f}% "
                   + ("(expansion outweighed contraction and churn)." if shown > 100 else
                      "(the customers at the start of the month spent as much at its end)."
                      if shown == 100 else
                      "(customers at the start of the month spent less by its end)."))
    support = []
    csat, frt = _kpi(kpis, "csat_pct"), _kpi(kpis, "frt_median_h")
    if csat is not None and pd.notna(csat["previous"]):
        moved = _moved(csat["value"], csat["previous"], 0.5)
        support.append(f"CSAT {moved} {'at' if moved == 'held steady' else 'to'} "
                       f"{csat['value']:.1f}% (from {csat['previous']:.1f}%, "
                       f"{count(csat['n'], 'ratings')})")
    if frt is not None and pd.notna(frt["previous"]):
        support.append(f"the median first response took {frt['value']:.1f} h "
                       f"(from {frt['previous']:.1f} h)")
    if support:
        text = "; ".join(support)
        out.append(text[0].upper() + text[1:] + ".")
    return out

def _customers_sentence(active, mrr) -> str:
    """'Active customers grew by 250 to 10,250; MRR fell 5.0% to $95,000.' The MRR clause only
    when the tile compares two months; without an MRR history it says the MRR is today's (the
    tile's note), not what the customers paid then."""
    if active is None or pd.isna(active["previous"]):
        return ""
    change = active["value"] - active["previous"]
    words = (f"Active customers {'grew' if change > 0 else 'shrank' if change < 0 else 'held'}"
             + (f" by {abs(change):,.0f} to" if change else " at") + f" {active['value']:,.0f}")
    if mrr is not None and pd.notna(mrr["previous"]) and mrr["previous"]:
        today = str(mrr.get("note") or "").startswith("today's MRR")
        name = "their MRR at today's rates" if today else "MRR"
        pct = (mrr["value"] - mrr["previous"]) / mrr["previous"] * 100
        words += (f"; {name} {_moved(mrr['value'], mrr['previous'], 0.005 * mrr['previous'])}"
                  f" {abs(pct):.1f}% to ${mrr['value']:,.0f}" if abs(pct) >= 0.5
                  else f"; {name} held at ${mrr['value']:,.0f}")
        if today:
            words += " (the data has no MRR history: not what they paid then)"
    return words + "."

def _churn_sentence(churn, period, previous, history) -> str:
    """'Churn rose to 2.8% in October 2026 from 2.4% in September, still below the 2025 monthly
    average of 3.4%. It counts the customers who left in the month as a share of the 11,978
    customers active at its start.'"""
    value, before = churn["value"], churn["previous"]
    moved = _moved(value, before, 0.05)
    head = (f"Churn held steady at {value:.1f}% in {month_words(period)} (from {before:.1f}% in "
            f"{pd.Timestamp(previous):%B})" if moved == "held steady" else
            f"Churn {moved} to {value:.1f}% in {month_words(period)} from {before:.1f}% in "
            f"{pd.Timestamp(previous):%B}")
    trend = _year_average(history, period)
    if trend is not None:
        year, average, months = trend
        span = "" if len(months) == 12 else f" ({months[0]:%b}–{months[-1]:%b})"
        if abs(value - average) < 0.05:
            head += f", level with the {year} monthly average of {average:.1f}%{span}"
        else:
            side = "below" if value < average else "above"
            still = (moved == "rose" and side == "below") or (moved == "fell" and side == "above")
            head += (f", {'still ' if still else ''}{side} the {year} monthly average of "
                     f"{average:.1f}%{span}")
    return head + (f". It counts the customers who left in the month as a share of the "
                   f"{count(churn['n'], 'customers')} active at its start.")

def _year_average(history, period) -> tuple[int, float, list] | None:
    """(year, mean of its complete months' churn rates, those months) for the calendar year
    before `period`'s, or None when the history has no complete month in it."""
    if history is None or history.empty or "churn_rate_pct" not in history.columns:
        return None
    year = pd.Timestamp(period).year - 1
    months = pd.to_datetime(history["period"])
    mask = (months.dt.year == year) & history["churn_rate_pct"].notna()
    if "is_complete" in history.columns:
        mask &= history["is_complete"].astype(bool)
    if not mask.any():
        return None
    return year, float(history.loc[mask, "churn_rate_pct"].mean()), sorted(months[mask])

def _driver(reasons, by_segment, period, previous, rising: bool) -> str:
    """'Customers lost with a Competitor reason rose most: 31 in October 2026 against 18 in
    September (+13): 16 more in SMB, 3 fewer in the other segments.' The category whose lost
    customers moved most in the direction of the churn change, then the segment where it moved
    most and how the rest of the segments add up to the category's change."""
    if reasons is None or reasons.empty:
        return ""
    now, before = _lost(reasons, "category", period), _lost(reasons, "category", previous)
    change = now.sub(before, fill_value=0).sort_index()
    if change.empty:
        return ""
    top = change.idxmax() if rising else change.idxmin()
    total = int(change[top])
    if (total <= 0) if rising else (total >= 0):
        return ""
    words = (f"Customers lost {_with_reason(top)} {'rose' if rising else 'fell'} most: "
             f"{int(now.get(top, 0)):,} in {month_words(period)} against {int(before.get(top, 0)):,} "
             f"in {pd.Timestamp(previous):%B} ({total:+,})")
    # Where it moved, only when the data tells segments apart: with one segment (or none, all
    # "Unknown") "all 841 more in Unknown" says nothing.
    if by_segment is not None and not by_segment.empty and by_segment["group"].nunique() > 1:
        mine = by_segment[by_segment["category"] == top]
        seg = _lost(mine, "group", period).sub(_lost(mine, "group", previous),
                                                fill_value=0).sort_index()
        if not seg.empty:
            where = seg.idxmax() if rising else seg.idxmin()
            here = int(seg[where])
            where = "customers without a segment" if where == "Unknown" else where
            more = "more" if rising else "fewer"
            if here == total:
                words += f", all {abs(total):,} {more} in {where}"
            elif abs(here) < abs(total) and here * total > 0:
                words += f", {abs(here):,} of the {abs(total):,} {more} in {where}"
            elif here * total > 0:  # this segment moved further than the whole category
                rest = total - here
                words += (f": {abs(here):,} {more} in {where}, {abs(rest):,} "
                          f"{'more' if rest > 0 else 'fewer'} in the other segments")
    return words + "."

def _with_reason(category: str) -> str:
    """'with a Price reason', 'with an Onboarding reason'; Other holds the reasons the mapping
    does not list and the customers who gave none: 'with no mapped reason (Other)'."""
    if category == "Other":
        return "with no mapped reason (Other)"
    article = "an" if str(category)[:1].lower() in "aeiou" else "a"
    return f"with {article} {category} reason"

def _lost(frame: pd.DataFrame, key: str, period) -> pd.Series:
    """customers_lost in `period` per value of `key`."""
    return frame[frame["period"] == period].groupby(key)["customers_lost"].sum()

def top_categories_sentence(reasons: pd.DataFrame) -> str:
    """'Organizational change (14%), Product quality (13%) and Competitor (11%) account for 38%'"""
    if reasons is None or reasons.empty:
        return ""
    ranked = reasons[reasons["customers_lost"] > 0].sort_values("customers_lost", ascending=False)
    lost = int(ranked["customers_lost"].sum())
    if not lost:
        return ""
    if len(ranked) == 1:
        only = ranked.iloc[0]["category"]
        return (f"The 1 customer lost is in {only}." if lost == 1 else
                f"All {lost:,} customers lost are in {only}.")
    top = ranked.head(3)
    parts = [f"{r.category} ({r.share_pct:.0f}%)" for r in top.itertuples()]
    listed = ", ".join(parts[:-1]) + " and " + parts[-1]
    if len(top) == len(ranked):
        return f"{listed}: all {lost:,} customers lost."
    return (f"{listed} account for {top['share_pct'].sum():.0f}% of the "
            f"{lost:,} customers lost.")

def cell_summary(members: pd.DataFrame, cohort_label: str, age: int, unit: str,
                 came_back: str | None = None) -> str:
    """'64 of 78 customers who signed up in Jan 2024 were retained at month 3 (82.1%).'
    On an activity basis, `came_back` names the column to count (came_back: in that period;
    came_back_later: then or later) and the sentence says 'came back in month 3 (or later)'."""
    total = len(members)
    kept = int(members[came_back or "is_retained"].sum())
    reached = int(members["has_reached_age"].sum()) if "has_reached_age" in members else total
    verb = (("was" if total == 1 else "were") + " retained at" if came_back is None else
            "came back in" + (" or after" if came_back == "came_back_later" else ""))
    text = (f"{kept:,} of {count(total, 'customers')} who signed up in {cohort_label} {verb} "
            f"{unit} {age} ({kept / total * 100:.1f}%)." if total else "")
    if came_back is not None:
        return text  # a period that is not over is marked on the triangle; members' ages differ
    if reached < total:
        text += (f" Only {reached:,} of them {'has' if reached == 1 else 'have'} reached that age "
                 "so far: this cell is incomplete.")
    return text

def survival_reading(at_year: pd.DataFrame | None, p_value, grouping: str,
                     excluded: int | None, min_n: int = settings.MIN_N) -> str:
    """One paragraph: the best and worst group at one year with N, the p-value, the caveat."""
    if at_year is None or at_year.empty:
        return ""
    ranked = at_year[at_year["survival"].notna()].sort_values("survival", ascending=False)
    if ranked.empty:
        return ""
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    text = (f"After one year, {best['survival'] * 100:.0f}% of customers in “{best['group']}” "
            f"were still active (N = {int(best['customers']):,})")
    if len(ranked) > 1:
        gap = (best["survival"] - worst["survival"]) * 100
        text += (f" against {worst['survival'] * 100:.0f}% in “{worst['group']}” "
                 f"(N = {int(worst['customers']):,}), a gap of {gap:.0f} points")
    text += f", split by {grouping}. " if len(ranked) > 1 else ". "
    if p_value is not None and not pd.isna(p_value):
        text += ("The log-rank test says a difference this large is unlikely to be chance "
                 f"(p = {p_value:.2g}). " if p_value < 0.05 else
                 f"The difference may well be chance (log-rank p = {p_value:.2g}). ")
    thin = at_year[~at_year["is_reliable"].astype(bool)]
    if not thin.empty:
        text += (f"Fewer than {min_n} customers are still observed at one year in: "
                 + ", ".join(map(str, thin["group"])) + ". ")
    if excluded:
        text += (f"{count(excluded, 'customers')} younger than 90 days "
                 f"{'is' if int(excluded) == 1 else 'are'} left out. ")
    return text + "This is an association, not proof that support caused the difference."

# Beside the retention of contacted customers split by campaign: why a save campaign's gap says
# nothing about what the contact did.
OUTREACH_SELECTION = (
    "Save campaigns go to customers already at risk, so their gap reflects who was chosen, not "
    "what the contact did: the comparison matches plan, segment and age band, not that risk. "
    "Association, not cause.")

def outreach_reading(retention: pd.DataFrame | None, grain: str = "month",
                     min_n: int = settings.MIN_N) -> str:
    """One paragraph on queries.outreach_retention: both sides' retention with N, the gap, the
    log-rank p, who is left out, and the caveat (association, not cause)."""
    if retention is None or len(retention) != 2:
        return ""
    contacted, other = retention.iloc[0], retention.iloc[1]
    days = int(contacted["days"])
    text = ""
    if contacted["customers"] and other["customers"]:
        gap = contacted["retention_pct"] - other["retention_pct"]
        text = (f"{contacted['retention_pct']:.0f}% of contacted customers were still customers "
                f"{days} days after their first contact in the {grain} "
                f"(N = {int(contacted['customers']):,}, a customer counted once per {grain} "
                "contacted), against "
                f"{other['retention_pct']:.0f}% of comparable customers not contacted in that "
                f"{grain} (N = {int(other['customers']):,}, weighted to the same plan, segment "
                f"and age mix): {_gap_words(gap)}. ")
        p_value = contacted["p_value"]
        if p_value is not None and not pd.isna(p_value):
            text += ("The log-rank test says a difference this large is unlikely to be chance "
                     f"({p_text(p_value).removeprefix('log-rank ')}). " if p_value < 0.05 else
                     f"The difference may well be chance ({p_text(p_value)}). ")
        if min(contacted["customers"], other["customers"]) < min_n:
            text += f"Fewer than {min_n} customers on one side: read it with care. "
    if contacted["too_recent"]:
        text += (f"Not counted yet: {count(contacted['too_recent'], 'first contacts')} of a "
                 f"customer in a {grain} made less than {days} days before the as-of date. ")
    if contacted["unmatched"]:
        text += (f"Left out: {count(contacted['unmatched'], 'first contacts')} of a customer in "
                 f"a {grain} without a comparable customer who was not contacted. ")
    return text + ("This is an association, not proof that the contact kept anyone: the team "
                   "chooses whom to contact, often customers already at risk.")

def _gap_words(gap) -> str:
    if gap is None or pd.isna(gap):
        return "no gap to compare"
    if round(gap) == 0:
        return "about the same"
    return f"{abs(gap):.0f} points {'higher' if gap > 0 else 'lower'} for the contacted"

def p_text(p_value) -> str:
    """The log-rank p-value as a chart note."""
    if p_value is None or pd.isna(p_value):
        return "log-rank p not defined (one group, or no churn)"
    return f"log-rank p = {p_value:.3g}" if p_value >= 0.001 else "log-rank p < 0.001"

def excluded_text(df: pd.DataFrame) -> str:
    """Who a retention-driver chart leaves out (its excluded_* columns), as a chart note."""
    parts = []
    if "excluded_incomplete" in df.columns and len(df):
        parts.append(f"{count(df['excluded_incomplete'].iloc[0], 'customers')} younger than the "
                     "horizon left out")
    if "excluded_no_history" in df.columns and len(df) and int(df["excluded_no_history"].iloc[0]):
        parts.append(f"{int(df['excluded_no_history'].iloc[0]):,} without MRR history left out")
    return " · ".join(parts)

def risk_track_record(backtest: dict | None) -> str:
    """The churn score's track record in one sentence ('On the last 90 days, the 10% highest-risk
    customers held 41% of those who left; AUC 0.81 against 0.62 for tenure and plan alone.'), or
    why there is none."""
    if not backtest:
        return ""
    if backtest.get("status") != "ok":
        return f"No churn score: {backtest.get('reason', '')}"
    days = int(backtest["horizon_days"])
    if not backtest.get("churned") or backtest.get("auc") is None:
        return (f"None of the {count(backtest.get('customers', 0), 'customers')} selected had "
                f"churned in the last {days} days, so the score's track record cannot be read here.")
    baseline = backtest.get("baseline_auc")
    against = f" against {baseline:.2f} for tenure and plan alone" if baseline is not None else ""
    return (f"On the last {days} days, the 10% highest-risk customers held "
            f"{backtest['top_decile_capture_pct']:.0f}% of the "
            f"{count(backtest['churned'], 'customers')} who left; AUC {backtest['auc']:.2f}"
            f"{against}.")
