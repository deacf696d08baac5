"""A retention team's own work: response rate, time to response and actions per engagement of
its contacts, and whether the customers it contacted stayed (against customers like them who
were not contacted)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

import settings
from queries.base import GRAINS, Filters, check_choice, grain_sql, load_sql, run

# Breakdowns of the contacts: allow-list key -> SQL over a contact row (outreach_contacts.sql;
# its channel and campaign are labels, a blank text being no value, as elsewhere).
OUTREACH_BREAKDOWNS = {
    "none": "'All'",
    "channel": "channel",
    "campaign": "campaign",
}
# The contact of the same breakdown before a contact (outreach_facts, data/build/facts.sql).
PREVIOUS = {"none": "previous_at", "channel": "previous_channel_at",
            "campaign": "previous_campaign_at"}
RETENTION_DAYS = 90
# The filters outreach_contacts.sql applies to outreach_facts' own columns (with the as-of date);
# any other one set needs the join on the selected customers.
CARRIED = {"as_of", "as_of_end", "plans", "segments", "signup_from", "signup_to"}
SELECTED_JOIN = "join selected as cf using (customer_key)"
LOGRANK_COLUMNS = ["events", "observed_minus_expected", "variance"]


def _group(by: str) -> str:
    check_choice("by", by, list(OUTREACH_BREAKDOWNS))
    return OUTREACH_BREAKDOWNS[by]


def contacts_sql(text: str, params: dict) -> str:
    """`text` with outreach_contacts' join on the selected customers, left out when every filter
    set in `params` (Filters.params) is one outreach_facts carries (a plan filter then reads the
    contacts alone)."""
    joined = any(value is not None for key, value in params.items() if key not in CARRIED)
    return text.replace("/*selected_join*/", SELECTED_JOIN if joined else "")


def outreach_kpis(con, f: Filters, grain: str = "month", by: str = "none") -> pd.DataFrame:
    """Row per group x period of contact: period, group, contacts, responses, response_rate_pct,
    median_response_h, actions, actions_per_response, is_complete. `by`: none (group 'All'),
    channel or campaign. Definitions in outreach_kpis.sql."""
    text = grain_sql("outreach_kpis", grain).replace("/*group*/", _group(by))
    params = f.params(con)
    df = run(con, contacts_sql(text, params), params | {"grain": grain})
    df["period"] = pd.to_datetime(df["period"]).dt.date
    return df[["period", "group", *df.columns.drop(["period", "group"])]]


def outreach_totals(con, f: Filters, by: str = "none") -> pd.DataFrame:
    """Row per group over every contact up to the as-of date: group, channels,
    first_contact_date, last_contact_date, customers, contacts, responses, response_rate_pct,
    median_response_h, actions, actions_per_response; most contacts first. No rows without
    contacts. Definitions in outreach_totals.sql."""
    text = load_sql("outreach_totals").replace("/*group*/", _group(by))
    params = f.params(con)
    return run(con, contacts_sql(text.replace("/*previous*/", PREVIOUS[by]), params), params)


def _retention_params(grain: str, days: int) -> dict:
    check_choice("grain", grain, GRAINS)
    if int(days) < 1:
        raise ValueError(f"days must be at least 1, not {days!r}")
    return {"grain": grain, "days": int(days)}


def outreach_retention(con, f: Filters, days: int = RETENTION_DAYS, grain: str = "month",
                       by: str = "none") -> pd.DataFrame:
    """Two rows, Contacted then Not contacted: group, days, customers, retained, retention_pct (the
    not-contacted side weighted to the contacted side's strata), unweighted_retention_pct,
    strata, too_recent, unmatched, and p_value (the stratified log-rank test of the two survival
    curves over the `days` after the index date; NaN when nobody churned). A customer counts once
    per period of contact (`grain`). `by` channel or campaign: the two rows for each channel or
    campaign with a contacted customer, in a first column named `by`, in its order; each is
    compared with the customers contacted by none. Definitions in outreach_retention.sql and
    outreach_subjects.sql."""
    text = grain_sql("outreach_retention", grain).replace("/*group*/", _group(by))
    params = f.params(con)
    df = run(con, contacts_sql(text.replace("/*previous*/", PREVIOUS[by]), params),
             params | _retention_params(grain, days) | {"by_none": by == "none"})
    df["p_value"] = [_logrank_p(*terms) for terms in df[LOGRANK_COLUMNS].itertuples(index=False)]
    df = df.drop(columns=LOGRANK_COLUMNS)
    return df.drop(columns="split") if by == "none" else df.rename(columns={"split": by})


def _logrank_p(events, observed_minus_expected, variance) -> float:
    """p of the stratified log-rank test of two groups from its terms (outreach_logrank.sql):
    NaN when nobody churned; a variance of 0 (every churn with one customer at risk) tells
    nothing, chi-square 0."""
    if pd.isna(events) or events == 0:
        return np.nan
    stat = observed_minus_expected ** 2 / variance if variance > 0 else 0.0
    return float(chi2.sf(stat, 1))


# The Outreach tiles, in order (data/needs.py names each "outreach.tile.<kpi>").
TILE_KPIS = ("contacts", "response_rate_pct", "actions_per_response", "retention_gap_pct")
TILE_COLUMNS = ["kpi", "label", "unit", "value", "n", "n_unit", "n_other", "is_reliable"]


def outreach_tiles(totals: pd.DataFrame, retention: pd.DataFrame | None,
                   min_n: int = settings.MIN_N) -> pd.DataFrame:
    """Row per Outreach tile: kpi, label, unit, value, n (the denominator behind the value, in
    n_unit), n_other (the not-contacted side's N for the retention gap, else null), is_reliable
    (every N >= min_n).

    From outreach_totals (by none: its one row) and outreach_retention, over every contact up to
    the as-of date. The gap is the contacted side's retention minus the weighted not-contacted
    side's, in percentage points (unit "pp"); no gap row without outreach_retention."""
    if totals is None or totals.empty:
        return pd.DataFrame(columns=TILE_COLUMNS)
    row = totals.iloc[0]
    rows = []

    def tile(kpi, label, unit, value, n, n_unit, n_other=None):
        value = None if value is None or pd.isna(value) else float(value)
        rows.append(dict(kpi=kpi, label=label, unit=unit, value=value, n=int(n), n_unit=n_unit,
                         n_other=n_other, is_reliable=min(n, n_other or n) >= min_n))

    tile("contacts", "Contacts", "", row["contacts"], row["contacts"], "contacts")
    tile("response_rate_pct", "Response rate", "%", row["response_rate_pct"], row["contacts"],
         "contacts")
    tile("actions_per_response", "Actions per engagement", "x", row["actions_per_response"],
         row["responses"], "responses")
    if retention is not None and len(retention) == 2:
        contacted, other = retention.iloc[0], retention.iloc[1]
        gap = contacted["retention_pct"] - other["retention_pct"]
        tile("retention_gap_pct", f"{int(contacted['days'])}-day retention gap", "pp", gap,
             contacted["customers"], "contacted", int(other["customers"]))
    return pd.DataFrame(rows, columns=TILE_COLUMNS)
