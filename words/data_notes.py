"""What the pages say about the data itself: the share left in Other, the data-quality notes,
the import's assumptions (churned without a date, signups from tenure, rows left out) and events
dated before a customer's signup. No streamlit here."""

from __future__ import annotations

from datetime import date

import pandas as pd

from words.formatting import count


def other_share(totals: pd.DataFrame) -> float:
    """% of lost customers whose reason fell into Other (unmapped), from churn_reasons."""
    other = totals.loc[totals["category"] == "Other", "share_pct"]
    return float(other.sum()) if not other.empty else 0.0

def other_warning(other_pct: float, lost: int, other_reasons: pd.DataFrame | None,
                  threshold: float) -> str | None:
    """The Churn reasons page's warning when more than `threshold` % of the `lost` customers are in
    Other, telling those who gave no reason from those whose reason the mapping does not list
    (`other_reasons`: raw_reasons of category Other, with its status column); else None."""
    if other_pct <= threshold:
        return None
    text = (f"{other_pct:.0f}% of lost customers are in Other (more than {threshold:g}%)")
    if other_reasons is None or other_reasons.empty:
        return text + "."
    by_status = other_reasons.groupby("status")["customers_lost"].sum()
    none, unmapped = int(by_status.get("no reason", 0)), int(by_status.get("unmapped", 0))
    texts = int((other_reasons["status"] == "unmapped").sum())
    parts = []
    if unmapped:
        parts.append(f"{unmapped:,} of {lost:,} gave a reason the mapping does not list "
                     f"({texts:,} distinct {'text' if texts == 1 else 'texts'}: map them on the "
                     "Reason mapping page so they reach the team that owns them)")
    if none:
        parts.append(f"{none:,} of {lost:,} gave no reason (no mapping can place them; ask for "
                     "one when customers cancel)")
    return text + (": " + "; ".join(parts) if parts else "") + "."

def quality_notes(q: dict | None, reasons: pd.DataFrame | None, young: int | None,
                  support: pd.DataFrame | None, other_warning_pct: float,
                  absent: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(level, text) pairs for the Data page's quality section, from data_quality, churn_reasons,
    early_support_excluded and support_kpis (monthly) of the same filters; None = not computed.
    `absent`: tables the snapshot has no rows in ("tickets", "mrr_history"). The page already
    names the file that would fill each, so no note repeats it as a quality problem."""
    if not q or not q["customers"]:
        return [("info", "No customers match these filters: nothing to check.")]
    out = []
    if reasons is not None and not reasons.empty:
        share = other_share(reasons)
        out.append(("warning" if share > other_warning_pct else "info",
                    f"Churn reasons in Other: {share:.1f}% of lost customers — "
                    f"{q['churned_unmapped_reason']:,} with a reason the mapping does not list "
                    f"({count(q['unmapped_reasons'], 'distinct texts')}; add them to the reason "
                    "mapping) "
                    f"and {q['churned_without_reason']:,} with no reason given."))
    if "tickets" not in absent:
        out += _ticket_notes(q, young, support)
    before = before_signup_text(q)
    if before:
        out.append(("warning", before))
    if q["customers_without_mrr"] and "mrr_history" not in absent:
        out.append(("warning", f"{q['customers_without_mrr']:,} customers have no MRR history: "
                               "they are left out of NRR, GRR and early expansion, and count $0 in "
                               "the MRR of every month."))
    return out

def assumption_lines(assumed: dict, as_of, shape: str = "dated", churned: int = 0) -> list[str]:
    """One sentence per assumption the import made (snapshot info "assumed"), for the pages'
    header and the Data page: what was assumed, for how many customers (in the whole snapshot,
    before filters) and which numbers it moves. A churn date put on the import's as-of date only
    moves numbers from that date on, so it is said only for a view that reaches it. `shape`: the
    snapshot's shape of churn (capabilities.churn_shape), `churned` its churned customers: churn
    without any date is said as what it lets the pages show, a mixed file's dateless churners as
    left out of the history."""
    out = []
    undated = assumed.get("churned_without_date")
    day = date.fromisoformat(undated["date"]) if undated else None
    if day and shape in ("undated", "mixed"):
        out.append(_undated_line(undated["customers"], day, shape, churned))
    elif day and as_of >= day:
        out.append(f"The import counted {count(undated['customers'], 'customers')} marked "
                   f"churned without a churn date as churned on {day:%d %b %Y} (its as-of "
                   f"date), so churn in {day:%B %Y} includes them.")
    tenure = assumed.get("signup_from_tenure")
    if tenure:
        day = date.fromisoformat(tenure["date"])
        out.append(f"Signup dates of {count(tenure['customers'], 'customers')} were computed "
                   f"from their tenure in months, counted back from {day:%d %b %Y}: their "
                   "cohorts are right to the month, not the day.")
    left_out = assumed.get("rows_left_out")
    if left_out:
        parts = ", ".join(f"{n['rows']:,} of {n['of']:,} {table.replace('_', ' ')} rows"
                          for table, n in left_out.items())
        out.append(f"The import left out {parts}: they broke a rule of the data and were skipped "
                   "on request (--skip-bad-rows); the numbers here leave them out.")
    return out

# Events of each table that can be dated before their customer's signup (data_quality's counts).
BEFORE_SIGNUP = (("tickets_before_signup", "tickets"), ("activity_before_signup", "activity rows"),
                 ("nps_before_signup", "NPS responses"),
                 ("outreach_before_signup", "outreach contacts"))

def before_signup_text(counts: dict) -> str:
    """'Dated before their customer's signup date: 1,077 tickets, 3 activity rows. They count in
    no per-customer number (...)', from data_quality's (or the import's) counts per table; ''
    when there are none."""
    parts = [count(counts[key], noun) for key, noun in BEFORE_SIGNUP if counts.get(key)]
    if not parts:
        return ""
    return ("Dated before their customer's signup date: " + ", ".join(parts) + ". They count "
            "in no per-customer number (early support, activity retention, the 90 days before "
            "churn) but stay in the period totals; check the export's dates.")

def _ticket_notes(q: dict, young: int | None,
                  support: pd.DataFrame | None) -> list[tuple[str, str]]:
    """The quality notes of a snapshot with tickets."""
    total, without = q["customers"], q["customers_without_tickets"]
    out = [("info", f"{without:,} of {total:,} customers ({100 * without / total:.1f}%) have "
                    "no support ticket by the as-of date: they count in the 0-tickets group "
                    "and in no support KPI.")]
    if q["tickets_after_as_of"]:
        after = q["tickets_after_as_of"]
        out.append(("info", f"{count(after, 'tickets')} of these customers "
                            f"{'was' if after == 1 else 'were'} created after the as-of date and "
                            f"{'is' if after == 1 else 'are'} left out of every number."))
    if young:
        out.append(("info", f"{count(young, 'customers')} {'is' if young == 1 else 'are'} "
                            "younger than 90 days and left out of the early-support groupings."))
    if support is not None and not support.empty:
        # frt_n counts the tickets with a first response: the rest had none (an exact count,
        # not a percentage turned back into one).
        unanswered = int((support["tickets"] - support["frt_n"]).sum())
        out.append(("info", f"{count(unanswered, 'tickets')} had no first response "
                            "by the as-of date; left out of first-response times."))
    elif support is not None:
        out.append(("warning", "No support tickets for these customers: the support pages "
                               "have nothing to show."))
    return out



def _undated_line(undated: int, day: date, shape: str, churned: int) -> str:
    if shape == "mixed":
        dated = max(churned - undated, 0)
        return (f"{undated:,} of the {churned:,} churned customers have no churn date: they are "
                f"left out of every number here, the history of the {count(dated, 'customers')} "
                "churned on a known date.")
    return (f"The file marks {count(undated, 'customers')} churned without a churn date: it is a "
            f"picture of {day:%d %b %Y} that leaves out customers who left before, so the pages "
            "show the churn share and retention by tenure, not a monthly churn rate or a "
            "retention history.")
