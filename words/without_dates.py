"""Sentences for data whose churn has no dates (a picture of one moment: the churn share and
retention by tenure) or no churn at all (who came back). No streamlit here."""

from __future__ import annotations

import pandas as pd

import settings
from words.formatting import count
from words.narrative import month_words, overview_summary


def churn_share_sentence(share: pd.DataFrame | None, as_of) -> str:
    """'1,869 of the 7,043 customers in the file (26.5%) are marked churned as of 30 Sep 2024.'
    share: queries.churn_share without a breakdown."""
    if share is None or share.empty or not int(share["customers"].sum()):
        return ""
    row = share.iloc[0]
    return (f"{int(row['churned']):,} of the {count(row['customers'], 'customers')} in the file "
            f"({row['churn_share_pct']:.1f}%) are marked churned as of {as_of:%d %b %Y}.")

def tenure_sentence(curve: pd.DataFrame | None, months: int = 12) -> str:
    """'By tenure, 79.9% of customers are still active after 12 months (95% band 79.0–80.8%;
    Kaplan–Meier over tenure months, 5,201 customers still observed then).' curve:
    queries.tenure_survival without a breakdown. Nothing when nobody is observed that long."""
    if curve is None or curve.empty:
        return ""
    upto = curve[curve["tenure_months"] <= months]
    later = curve[curve["tenure_months"] > months]
    if upto.empty or (later.empty and int(upto["tenure_months"].max()) < months):
        return ""
    row = upto.iloc[-1]
    unit = "month" if months == 1 else "months"
    return (f"By tenure, {row['survival'] * 100:.1f}% of customers are still active after "
            f"{months} {unit} (95% band {row['ci_lower'] * 100:.1f}–{row['ci_upper'] * 100:.1f}%; "
            "Kaplan–Meier over tenure months).")

def share_spread_sentence(by_group: pd.DataFrame | None, dimension: str,
                          min_n: int = settings.MIN_N) -> str:
    """'By plan, the churn share runs from 2.8% in “Two year” (N = 1,695) to 42.7% in
    “Month-to-month” (N = 3,875).' over the groups with at least min_n customers;
    by_group: queries.churn_share by a dimension. Nothing with fewer than two such groups."""
    if by_group is None or by_group.empty:
        return ""
    ranked = by_group[by_group["customers"] >= min_n].sort_values(
        ["churn_share_pct", "group"])
    if len(ranked) < 2:
        return ""
    low, high = ranked.iloc[0], ranked.iloc[-1]
    return (f"By {dimension}, the churn share runs from {low['churn_share_pct']:.1f}% in "
            f"“{low['group']}” (N = {int(low['customers']):,}) to {high['churn_share_pct']:.1f}% "
            f"in “{high['group']}” (N = {int(high['customers']):,}).")

def widest_spread(spreads: dict[str, pd.DataFrame], min_n: int = settings.MIN_N) -> str:
    """share_spread_sentence for the dimension whose reliable groups differ most (dimension
    label -> queries.churn_share by it)."""
    best, gap = "", -1.0
    for label, frame in spreads.items():
        sentence = share_spread_sentence(frame, label, min_n)
        if not sentence:
            continue
        shares = frame.loc[frame["customers"] >= min_n, "churn_share_pct"]
        if shares.max() - shares.min() > gap:
            best, gap = sentence, shares.max() - shares.min()
    return best

def undated_summary(share: pd.DataFrame | None, curve: pd.DataFrame | None,
                    spreads: dict[str, pd.DataFrame], kpis: pd.DataFrame | None, as_of,
                    min_n: int = settings.MIN_N) -> list[str]:
    """What the Overview and the board pack say of churn without dates: the churn share, why
    there is no monthly rate, retention by tenure at 12 months, the widest churn-share gap
    between groups, then the sentences of the tiles with dates of their own (support, NPS)."""
    out = [churn_share_sentence(share, as_of)]
    if out[0]:
        out.append("The file has no churn dates: it shows the customers of one moment, not "
                   "those who left before, so there is no monthly churn rate or retention "
                   "history to report.")
    out += [tenure_sentence(curve), widest_spread(spreads, min_n)]
    if kpis is not None and not kpis.empty:
        dated = kpis[kpis["kpi"].isin(["nrr_pct", "csat_pct", "frt_median_h", "nps"])]
        out += overview_summary(dated.reset_index(drop=True), None, None, min_n)
    return [sentence for sentence in out if sentence]

INACTIVE_DAYS_HINT = (
    "No customer in this data has churned or has a churn date, so churn and retention are not "
    "drawn; the pages show the customers who came back instead. To count inactivity as churn, "
    "import again with `--inactive-days N`: a customer then churns N days after their last "
    "activity (README, Your data).")

def activity_summary(tiles: pd.DataFrame | None) -> list[str]:
    """Sentences for data without churn (queries.activity_tiles): who was active in the last
    complete month against the month before."""
    if tiles is None or tiles.empty:
        return []
    rows = tiles.set_index("kpi")
    period, previous = rows.iloc[0]["period"], rows.iloc[0]["previous_period"]
    active, new, back = rows.loc["active"], rows.loc["new"], rows.loc["returning"]
    text = (f"{int(active['value']):,} customers were active in {month_words(period)} "
            f"({int(active['previous']):,} in {pd.Timestamp(previous):%B}): "
            f"{int(new['value']):,} new and {int(back['value']):,} returning")
    share = rows.loc["returning_pct"]
    if pd.notna(share["value"]):
        text += (f", {share['value']:.1f}% of the {count(share['n'], 'customers')} who had "
                 "signed up before")
    return [text + "."]
