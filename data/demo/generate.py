"""Seeded demo data that tells the story of the research behind the product (docs/definitions.md, Data model).

    python -m data.demo --out data/retention.duckdb [--customers N] [--seed S] [--as-of YYYY-MM-DD]

Everything is drawn vectorised from `numpy.random.default_rng(seed)` (activity and outreach from
streams of their own, so that adding activity changed no other table), in a fixed order, and
inserted in a fixed row order, so the same arguments give the same tables row for row. The story:

- signups over the 3 years before as-of, growing and seasonal; the last one on the as-of day so
  the data's default as-of equals the argument;
- each customer's churn time comes from a proportional-hazards model (Weibull baseline with shape
  < 1, so churn is concentrated early in life). The hazard falls with products held and with an
  expansion in the first 3 months, differs by acquisition channel, segment and region, and rises
  with a bad early support experience, which is decided per customer *before* its tickets are drawn;
- a price increase on PRICE_INCREASE makes some Starter/Growth customers leave for Price;
- churn reasons come from data/churn_reasons.csv in case/whitespace variants, with a
  segment-dependent mix, plus a few unmapped texts that land in `Other`.
- outreach (data/demo/outreach.py): save campaigns aimed at customers about to leave, whose
  responders are sometimes kept longer (a modest effect), onboarding e-mails, check-in calls and
  meetings, in-app announcements; response rates and delays by channel.

The hazard constants were calibrated by simulation (200k customers, several seeds) to the
research figures that tests/unit/test_generate.py checks.
"""

from __future__ import annotations

import argparse
import csv
import functools
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np
import pandas as pd

import settings
from data import build, snapshots
from data.demo import outreach as generate_outreach
from data.demo.sampling import pick as _pick

DEFAULT_AS_OF = date(2026, 11, 18)  # fixed and mid-month: the current month is incomplete
PRICE_INCREASE = date(2025, 7, 1)

EPOCH = date(1970, 1, 1)
DAY_S = 86_400
MONTH_DAYS = 30.4375
SIGNUP_YEARS = 3

Progress = Callable[[float, str], None]

# --- customer attributes -------------------------------------------------------------------------
SEGMENTS = ["SMB", "Mid-market", "Enterprise"]
SEGMENT_P = [0.62, 0.28, 0.10]
PLANS = ["Starter", "Growth", "Enterprise"]
PLAN_P_BY_SEGMENT = [[0.70, 0.27, 0.03], [0.20, 0.65, 0.15], [0.02, 0.28, 0.70]]
REGIONS = ["NA", "EMEA", "APAC", "LATAM"]
REGION_P = [0.45, 0.30, 0.15, 0.10]
INDUSTRIES = [
    "Software", "Retail & e-commerce", "Healthcare", "Financial services",
    "Manufacturing", "Education", "Media", "Professional services",
]
INDUSTRY_P = [0.22, 0.16, 0.11, 0.12, 0.10, 0.08, 0.08, 0.13]
INDUSTRY_NULL_P = 0.03
CHANNELS = ["Inbound", "Outbound", "Partner", "Self-serve"]
CHANNEL_P_BY_SEGMENT = [[0.35, 0.10, 0.10, 0.45], [0.40, 0.30, 0.20, 0.10], [0.25, 0.50, 0.20, 0.05]]
PRODUCTS_P_BY_SEGMENT = [  # products_count 1..5; 5 is rare
    [0.42, 0.30, 0.17, 0.09, 0.02],
    [0.30, 0.30, 0.22, 0.14, 0.04],
    [0.20, 0.28, 0.26, 0.20, 0.06],
]
MRR_NULL_P = 0.005
# Plan drives the MRR level (log-normal median and sigma); each extra product adds 35 %.
PLAN_MRR_MEDIAN = [120.0, 650.0, 4000.0]
PLAN_MRR_SIGMA = [0.45, 0.45, 0.60]
NAME_PREFIXES = [
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent",
    "Tyrell", "Cyberdyne", "Wonka", "Aperture", "Oscorp", "Pied Piper", "Dunder", "Massive",
    "Northwind", "Contoso", "Fabrikam",
]
NAME_SUFFIXES = ["Corp", "Inc", "Labs", "Group", "Ltd", "GmbH", "Systems", "Holdings"]

# Signups per month relative to an average month (post-holiday and September peaks, summer dip).
SIGNUP_SEASON = [1.15, 1.05, 1.10, 1.00, 1.00, 0.95, 0.85, 0.80, 1.05, 1.10, 1.05, 0.75]
SIGNUP_WEEKDAY = [1.0, 1.0, 1.0, 1.0, 0.95, 0.35, 0.30]  # Monday .. Sunday
SIGNUP_GROWTH_PER_YEAR = 1.45  # about 3x more signups per month at the end than at the start


# --- churn model ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hazard:
    """Proportional hazards: H(t) = scale * multipliers * (t / 24 months) ** shape."""

    scale: float = 1.0
    shape: float = 0.7  # < 1: the hazard falls with age, churn is concentrated early
    products: tuple = (1.0, 0.60, 0.34, 0.19, 0.12)  # products_count 1..5
    early_expansion: float = 0.45  # expanded in the first 3 months
    channel: tuple = (1.0, 1.2, 0.8, 1.3)  # CHANNELS order
    segment: tuple = (1.1, 1.0, 0.75)
    region: tuple = (1.0, 0.95, 1.1, 1.2)
    bad_early_support: float = 3.0


HAZARD = Hazard()
# Share of customers expanding in the first 3 months: more products, more expansion.
EXPANSION_P_BY_PRODUCTS = [0.30, 0.38, 0.46, 0.54, 0.60]
# Share of customers whose first 90 days of support go badly, by segment (SMB gets the long queue).
BAD_EARLY_P_BY_SEGMENT = [0.25, 0.18, 0.12]
# A cancellation drawn within this many days after as-of is kept as scheduled with this probability.
SCHEDULED_WINDOW_DAYS = 60
SCHEDULED_P = 0.05
# Price increase: share of Starter / Growth / Enterprise customers active then who leave within
# PRICE_CHURN_DAYS, for Price.
PRICE_CHURN_P = [0.05, 0.025, 0.0]
PRICE_CHURN_DAYS = 120

# --- churn reasons -------------------------------------------------------------------------------
CATEGORIES = [
    "Wrong fit", "Failed onboarding", "Missing features", "Low usage", "Poor ROI / value",
    "Organizational change", "Price", "Competitor", "Product quality", "Support experience",
]
CATEGORY_P_BY_SEGMENT = [
    [10, 12, 8, 15, 12, 10, 12, 8, 6, 7],  # SMB: fit, onboarding, usage, money
    [7, 8, 13, 10, 13, 12, 9, 12, 9, 7],  # Mid-market
    [3, 5, 15, 4, 12, 22, 5, 15, 12, 7],  # Enterprise: reorganisations, competitors, gaps
]
OTHER_P = 0.07  # churns given a reason outside the taxonomy
UNMAPPED_REASONS = [
    "no reason given", "other", "went in-house", "project ended", "see notes", "N/A",
    "Merged accounts", "duplicate account",
]
# Raw-text variants of a mapped reason; all normalise to the same key (lower, trim, collapse).
VARIANT_P = [0.55, 0.15, 0.08, 0.07, 0.08, 0.07]


def _variants(reason: str) -> list[str]:
    return [
        reason,
        reason[0].upper() + reason[1:],
        reason.upper(),
        reason.title(),
        " " + reason + "  ",
        reason.replace(" ", "  ", 1) if " " in reason else reason + " ",
    ]


# --- tickets -------------------------------------------------------------------------------------
TICKET_CHANNELS = ["chat", "email", "phone", "web"]
TICKET_CHANNEL_P = [0.30, 0.40, 0.10, 0.20]
FRT_MEDIAN_H = [0.05, 1.0, 0.02, 1.5]  # by channel
TICKET_CATEGORIES = ["bug", "billing", "how-to", "feature request", "onboarding", "account"]
CATEGORY_P_EARLY = [0.12, 0.10, 0.28, 0.07, 0.35, 0.08]  # first 90 days: onboarding questions
CATEGORY_P_LATER = [0.24, 0.13, 0.30, 0.15, 0.05, 0.13]
RESOLUTION_MEDIAN_H = [48.0, 8.0, 3.0, 120.0, 24.0, 6.0]  # by category, after the first response
PRIORITIES = ["low", "normal", "high", "urgent"]
PRIORITY_P = [0.25, 0.50, 0.18, 0.07]
PRIORITY_SPEED = [1.4, 1.0, 0.5, 0.25]  # multiplies FRT and resolution time
TICKETS_PER_YEAR = 8.0
TICKET_RATE_BY_SEGMENT = [0.8, 1.2, 1.8]
EARLY_TICKET_BOOST = 1.6  # onboarding: more tickets in the first 90 days
EARLY_TICKET_DECAY = 0.55
BAD_EARLY_FRT_MEDIAN_H = 10.0
UNANSWERED_P = 0.02
AUTO_CLOSE_P = 0.95  # unanswered tickets auto-closed after AUTO_CLOSE_DAYS; the rest stay open
AUTO_CLOSE_DAYS = 7
STUCK_OPEN_P = 0.001
CSAT_RATED_P = (0.40, 0.18)  # resolved, open
# Customers about to leave write in more in their last 90 days, most of all those who leave over
# support or product problems: extra tickets (Poisson mean) by churn-reason category.
PRE_CHURN_EXTRA_TICKETS = {"Support experience": 2.0, "Product quality": 1.6,
                           "Missing features": 1.0}
PRE_CHURN_EXTRA_DEFAULT = 0.4
CES_RATED_P = 0.25

# --- NPS -----------------------------------------------------------------------------------------
NPS_RESPONSE_P = 0.30
NPS_SURVEY_DAY = 15  # surveys go out on the 15th of Jan / Apr / Jul / Oct
NPS_WINDOW_DAYS = 21

# --- activity ------------------------------------------------------------------------------------
# Product usage (no amounts: the demo is a subscription business). Drawn from a random stream of
# its own, so adding it left every other table exactly as before.
ACTIVITY_STREAM = 1
ACTIVITY_KINDS = ["login", "report", "export", "integration"]
ACTIVITY_KIND_P = [0.55, 0.25, 0.12, 0.08]
ACTIVITY_PER_MONTH = 1.2  # an average customer's sessions a month, before the fade
ACTIVITY_PER_EXTRA_PRODUCT = 0.3  # each product beyond the first adds 30 % usage
# Usage fades over the last ACTIVITY_FADE_DAYS before a churn, linearly down to this share of the
# customer's usual level on the churn day: the earliest warning a subscription team can get.
ACTIVITY_FADE_DAYS = 90
ACTIVITY_FADE_FLOOR = 0.15

# --- outreach (data/demo/outreach.py) ---------------------------------------------------------
OUTREACH_STREAM = 2


def generate(
    out: Path,
    customers: int = 20_000,
    seed: int = 42,
    as_of: date = DEFAULT_AS_OF,
    progress: Progress | None = None,
    after_build: Callable | None = None,
) -> dict:
    """Build a demo database at `out` (an atomic snapshot) and return build.finalize's meta;
    `after_build` as build.finalize's."""
    if customers < 1:
        raise ValueError("customers must be at least 1")
    report = progress or (lambda fraction, step: None)
    rng = np.random.default_rng(seed)
    activity_rng = np.random.default_rng([seed, ACTIVITY_STREAM])
    outreach_rng = np.random.default_rng([seed, OUTREACH_STREAM])
    source = {"generator": "data.demo", "seed": seed, "customers": customers,
              "as_of": as_of.isoformat()}
    with snapshots.building(Path(out), keep=settings.SNAPSHOTS_KEEP) as (tmp, snapshot_id):
        con = duckdb.connect(str(tmp))
        try:
            con.execute("set enable_progress_bar = false")
            build.create_schema(con)
            build.load_reason_mapping(con)
            _fill(con, rng, activity_rng, outreach_rng, customers, as_of, report)
            report(0.60, "checks and derived tables")
            meta = build.finalize(con, snapshot_id, "demo", source, after_build, as_of=as_of)
        finally:
            con.close()
    report(1.0, "done")
    return meta


def _fill(con: duckdb.DuckDBPyConnection, rng: np.random.Generator,
          activity_rng: np.random.Generator, outreach_rng: np.random.Generator, n: int,
          as_of: date, report: Progress) -> None:
    """Draw and insert every table (activity and outreach from streams of their own; the save
    campaigns right after the churn they move, everything else after them)."""
    ids = {"id_width": max(7, len(str(n)))}
    # One writer thread inserts a table while this thread draws the next: numpy and DuckDB both
    # release the GIL, so the two overlap on 2 cores. Every draw stays on this thread, in order,
    # and the connection is only ever used by one thread at a time.
    with ThreadPoolExecutor(max_workers=1) as writer:
        report(0.0, "customers")
        cust = _customers(rng, n, as_of)
        saves = generate_outreach.save_campaigns(outreach_rng, cust, _day(as_of))
        report(0.04, "MRR history")
        mrr = _mrr_history(rng, cust, as_of)
        written = writer.submit(_insert_customers_and_history, con, cust, mrr, ids)
        del mrr
        report(0.08, "tickets")
        tickets = _tickets(rng, cust, as_of)
        written.result()
        report(0.22, "writing tickets, NPS responses")
        written = writer.submit(_insert_tickets, con, tickets, ids)
        del tickets
        nps = _nps(rng, cust, as_of)
        written.result()
    report(0.55, "writing NPS responses")
    _insert_nps(con, nps, ids)
    del nps
    report(0.57, "activity")
    _insert_activity(con, _activity(activity_rng, cust, as_of), ids)
    report(0.59, "outreach")
    _insert_outreach(con, generate_outreach.combine(
        saves, generate_outreach.routine(outreach_rng, cust, _day(as_of))), ids)


# --- customers -----------------------------------------------------------------------------------
def _day(d: date) -> int:
    return (d - EPOCH).days


def _signup_days(rng: np.random.Generator, n: int, as_of: date) -> np.ndarray:
    """Sorted signup days (days since epoch) over the SIGNUP_YEARS before as-of, last on as-of."""
    end = _day(as_of)
    days = np.arange(end - int(SIGNUP_YEARS * 365.25), end + 1)
    stamps = days.astype("datetime64[D]")
    month = stamps.astype("datetime64[M]").astype(int) % 12
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
    age_years = (days - days[0]) / 365.25
    weight = (SIGNUP_GROWTH_PER_YEAR ** age_years) * np.take(SIGNUP_SEASON, month) \
        * np.take(SIGNUP_WEEKDAY, weekday)
    signup = np.sort(rng.choice(days, size=n, p=weight / weight.sum()))
    signup[-1] = end  # someone signs up on the as-of day: the data's default as-of is as_of
    return signup.astype(np.int32)


def _customers(rng: np.random.Generator, n: int, as_of: date) -> dict:
    """Attributes, early experience, expansion plan and churn of every customer (signup order)."""
    c = {"n": n, "signup": _signup_days(rng, n, as_of)}
    c["segment"] = _pick(rng, SEGMENT_P, n=n)
    c["plan"] = _pick(rng, PLAN_P_BY_SEGMENT, c["segment"])
    c["region"] = _pick(rng, REGION_P, n=n)
    c["industry"] = np.where(rng.random(n) < INDUSTRY_NULL_P, -1, _pick(rng, INDUSTRY_P, n=n))
    c["channel"] = _pick(rng, CHANNEL_P_BY_SEGMENT, c["segment"])
    c["products"] = _pick(rng, PRODUCTS_P_BY_SEGMENT, c["segment"]) + 1
    c["name_prefix"] = rng.integers(0, len(NAME_PREFIXES), n, dtype=np.int8)
    c["name_suffix"] = rng.integers(0, len(NAME_SUFFIXES), n, dtype=np.int8)
    c["mrr_null"] = rng.random(n) < MRR_NULL_P
    c["base_mrr"] = _base_mrr(rng, c)
    # Decided before any ticket is drawn: the tickets of the first 90 days are then made to match.
    c["bad_early"] = rng.random(n) < np.take(BAD_EARLY_P_BY_SEGMENT, c["segment"])
    expands = rng.random(n) < np.take(EXPANSION_P_BY_PRODUCTS, c["products"] - 1)
    # Month (1..3 after the signup month) of the early expansion, 0 for none.
    c["expansion_month"] = np.where(expands, rng.integers(1, 4, n), 0).astype(np.int8)
    c["log_hazard"] = _log_hazard(c)
    c["churn"], c["price_churn"] = _churn_days(rng, c, as_of)
    c["reason"] = _churn_reasons(rng, c)
    return c


def _base_mrr(rng: np.random.Generator, c: dict) -> np.ndarray:
    plan = c["plan"]
    level = np.take(PLAN_MRR_MEDIAN, plan) * np.exp(np.take(PLAN_MRR_SIGMA, plan) * rng.standard_normal(c["n"]))
    return np.round(level * (1 + 0.35 * (c["products"] - 1)))


def _log_hazard(c: dict) -> np.ndarray:
    h = HAZARD
    return (
        np.log(h.scale)
        + np.log(np.take(h.products, c["products"] - 1))
        + np.where(c["expansion_month"] > 0, np.log(h.early_expansion), 0.0)
        + np.log(np.take(h.channel, c["channel"]))
        + np.log(np.take(h.segment, c["segment"]))
        + np.log(np.take(h.region, c["region"]))
        + np.where(c["bad_early"], np.log(h.bad_early_support), 0.0)
    )


def _churn_days(rng: np.random.Generator, c: dict, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """Churn day per customer (-1 = active) and whether the price increase caused it."""
    n, signup = c["n"], c["signup"]
    # Invert H(t) = exp(log_hazard) * (t / 24) ** shape at an Exp(1) draw.
    months = 24.0 * (rng.exponential(size=n) / np.exp(c["log_hazard"])) ** (1.0 / HAZARD.shape)
    churn = signup + np.minimum(months * MONTH_DAYS, 365 * 100).astype(np.int64)

    price_day = _day(PRICE_INCREASE)
    at_risk = (signup < price_day) & (churn > price_day)
    leaves = at_risk & (rng.random(n) < np.take(PRICE_CHURN_P, c["plan"]))
    price_churn_day = price_day + rng.integers(0, PRICE_CHURN_DAYS, n)
    price_churn = leaves & (price_churn_day < churn)
    churn = np.where(price_churn, price_churn_day, churn)

    # docs/definitions.md, Metrics (As-of date): a cancellation may be scheduled after as-of; keep
    # a handful of those, the rest are
    # simply still active customers.
    end = _day(as_of)
    scheduled = (churn > end) & (churn <= end + SCHEDULED_WINDOW_DAYS) & (rng.random(n) < SCHEDULED_P)
    churn = np.where((churn <= end) | scheduled, churn, -1)
    return churn.astype(np.int32), price_churn & (churn >= 0)


@functools.cache
def _reason_texts() -> tuple[list[str], np.ndarray, np.ndarray]:
    """All raw texts, and per category the first index and count of its mapped reasons."""
    with build.DEFAULT_REASONS_CSV.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts, first, count = [], [], []
    for category in CATEGORIES:
        reasons = [row["reason"] for row in rows if row["category"] == category]
        first.append(len(texts) // len(VARIANT_P))
        count.append(len(reasons))
        for reason in reasons:
            texts.extend(_variants(reason))
    texts.extend(UNMAPPED_REASONS)
    return texts, np.array(first), np.array(count)


def _churn_reasons(rng: np.random.Generator, c: dict) -> np.ndarray:
    """Index into _reason_texts() per customer (-1 = no churn)."""
    n, churned = c["n"], c["churn"] >= 0
    texts, first, count = _reason_texts()
    weight = np.asarray(CATEGORY_P_BY_SEGMENT, dtype=float)[c["segment"]]
    # Why people leave depends on how they got there: early leavers never got going, a bad
    # support start shows up as Support experience, the price increase as Price.
    early_leaver = churned & (c["churn"] - c["signup"] < 90)
    col = CATEGORIES.index
    weight[:, [col("Wrong fit"), col("Failed onboarding"), col("Low usage")]] *= \
        np.where(early_leaver, 2.5, 1.0)[:, None]
    weight[:, col("Support experience")] *= np.where(c["bad_early"], 3.0, 1.0)
    weight[:, col("Price")] *= np.where(c["churn"] >= _day(PRICE_INCREASE), 1.5, 1.0)
    category = _pick(rng, weight, np.arange(n))
    category = np.where(c["price_churn"], col("Price"), category)

    reason = first[category] + (rng.random(n) * count[category]).astype(np.int64)
    text = reason * len(VARIANT_P) + _pick(rng, VARIANT_P, n=n)
    unmapped = len(texts) - len(UNMAPPED_REASONS) + rng.integers(0, len(UNMAPPED_REASONS), n)
    text = np.where(rng.random(n) < OTHER_P, unmapped, text)
    # The underlying category, also for reasons written so that the mapping misses them.
    c["reason_category"] = np.where(churned, category, -1)
    return np.where(churned, text, -1)


# --- MRR history ---------------------------------------------------------------------------------
def _month(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each day."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _mrr_history(rng: np.random.Generator, c: dict, as_of: date) -> dict:
    """One row per customer per active month; months 1-3 follow the expansion plan."""
    churned = (c["churn"] >= 0) & (c["churn"] <= _day(as_of))
    # The last active month: the month before the churn day (a churn on the 1st bills nothing
    # that month), at least the signup month; the as-of month for everyone still active.
    last_day = np.where(churned, np.maximum(c["churn"] - 1, c["signup"]), _day(as_of))
    first_month = _month(c["signup"])
    months = np.where(c["mrr_null"], 0, _month(last_day) - first_month + 1)

    start = np.cumsum(months) - months
    cust = np.repeat(np.arange(c["n"]), months)
    age = np.arange(len(cust)) - np.repeat(start, months)

    event, size = rng.random(len(cust)), rng.uniform(0.05, 0.35, len(cust))
    planned = np.repeat(c["expansion_month"], months)
    early = (age >= 1) & (age <= 3)
    # Months 1-3: the planned expansion, or (no plan) only flat or down, so that facts.sql's
    # early_expansion is exactly the plan for everyone still active then.
    up = np.where(early, (planned > 0) & (age == planned), (age > 3) & (event < 0.03))
    down = np.where(early, (planned == 0) & (event < 0.08), (age > 3) & (event > 0.98))
    step = np.where(up, size, 0.0) - np.where(down, size, 0.0)
    log_level = np.cumsum(step)
    log_level -= np.repeat(log_level[start] - step[start], months)  # restart at each customer
    mrr = np.round(c["base_mrr"][cust] * np.exp(log_level), 2)

    has_rows = months > 0
    last_mrr = np.full(c["n"], np.nan)
    last_mrr[has_rows] = mrr[(start + months - 1)[has_rows]]
    month_day = (first_month[cust] + age).astype("datetime64[M]").astype("datetime64[D]").astype(np.int32)
    return {"cust": cust, "month": month_day, "mrr": mrr, "last_mrr": last_mrr}


# --- tickets -------------------------------------------------------------------------------------
def _tickets(rng: np.random.Generator, c: dict, as_of: date) -> dict:
    """Tickets during each customer's active life, numbered in creation order."""
    cust, created, early = _ticket_times(rng, c, as_of)
    n = len(cust)
    t = {"cust": cust, "created": created}
    bad = c["bad_early"][cust] & early
    t["channel"] = _pick(rng, TICKET_CHANNEL_P, n=n)
    t["category"] = np.where(early, _pick(rng, CATEGORY_P_EARLY, n=n), _pick(rng, CATEGORY_P_LATER, n=n))
    t["priority"] = _pick(rng, PRIORITY_P, n=n)
    speed = np.take(PRIORITY_SPEED, t["priority"])

    # FRT log-normal by channel and priority; a bad early experience is a slow queue whatever
    # the channel.
    frt_h = np.where(
        bad,
        BAD_EARLY_FRT_MEDIAN_H * np.exp(0.8 * rng.standard_normal(n)),
        np.take(FRT_MEDIAN_H, t["channel"]) * speed * np.exp(0.9 * rng.standard_normal(n)),
    )
    answered = rng.random(n) >= np.where(bad, 3 * UNANSWERED_P, UNANSWERED_P)
    work_h = np.take(RESOLUTION_MEDIAN_H, t["category"]) * speed * np.exp(1.2 * rng.standard_normal(n))
    resolve_h = np.where(answered, frt_h + work_h, AUTO_CLOSE_DAYS * 24.0)
    resolves = np.where(answered, rng.random(n) >= STUCK_OPEN_P, rng.random(n) < AUTO_CLOSE_P)

    # Nothing exists after the end of the as-of day: later responses/resolutions are still pending.
    horizon = (_day(as_of) + 1) * DAY_S
    first_response = created + np.ceil(frt_h * 3600).astype(np.int64)
    first_response = np.where(answered & (first_response < horizon), first_response, -1)
    resolved = created + np.ceil(resolve_h * 3600).astype(np.int64)
    resolved = np.where(resolves & (resolved < horizon), resolved, -1)
    t["first_response"], t["resolved"] = first_response, resolved

    # One-touch is common for quick questions and live channels; long work needs more replies.
    live = (t["channel"] == TICKET_CHANNELS.index("chat")) | (t["channel"] == TICKET_CHANNELS.index("phone"))
    replies = 1 + rng.poisson(0.25 * np.log2(1 + work_h) * np.where(live, 0.6, 1.0))
    t["replies"] = np.where(first_response >= 0, replies, 0).astype(np.int32)

    # Satisfaction falls with a slow first response (an unanswered ticket counts as 3 days).
    slow = np.log2(1 + np.where(answered, frt_h, 72.0))
    csat = 4.9 - 0.35 * slow - np.where(bad, 0.8, 0.0) + 0.9 * rng.standard_normal(n)
    rated = rng.random(n) < np.where(resolved >= 0, CSAT_RATED_P[0], CSAT_RATED_P[1])
    t["csat"] = np.where(rated, np.clip(np.round(csat), 1, 5), 0).astype(np.int8)
    ces = 4.6 - 0.3 * slow - 0.15 * t["replies"] - np.where(bad, 0.6, 0.0) + 0.9 * rng.standard_normal(n)
    t["ces"] = np.where(rng.random(n) < CES_RATED_P, np.clip(np.round(ces), 1, 5), 0).astype(np.int8)
    return t


def _ticket_times(rng: np.random.Generator, c: dict, as_of: date):
    """(customer index, created_at seconds, created in first 90 days) sorted by creation time."""
    start = c["signup"].astype(np.int64) * DAY_S
    # Active life ends at the end of the churn day (a cancellation call) or of the as-of day.
    last_day = np.where((c["churn"] >= 0) & (c["churn"] <= _day(as_of)), c["churn"], _day(as_of))
    end = (last_day.astype(np.int64) + 1) * DAY_S
    early_end = np.minimum(start + 90 * DAY_S, end)

    rate = TICKETS_PER_YEAR * np.take(TICKET_RATE_BY_SEGMENT, c["segment"]) * rng.gamma(2.0, 0.5, c["n"])
    # Onboarding questions come in the first days: the early intensity falls with age, so that
    # the expected count up to day w of the 90 is proportional to (w / 90) ** EARLY_TICKET_DECAY.
    early_share = ((early_end - start) / (90 * DAY_S)) ** EARLY_TICKET_DECAY
    early_n = rng.poisson(rate * EARLY_TICKET_BOOST * 90 / 365.25 * early_share)
    # A bad early experience needs at least one early ticket to happen in.
    early_n = np.where(c["bad_early"], np.maximum(early_n, 1), early_n)
    later_n = rng.poisson(rate * (end - early_end) / (365.25 * DAY_S))
    # The run-up to a churn: extra tickets in the last 90 days of life (or all of it, if shorter).
    churned = (c["churn"] >= 0) & (c["churn"] <= _day(as_of))
    extra = np.full(len(CATEGORIES), PRE_CHURN_EXTRA_DEFAULT)
    for name, mean in PRE_CHURN_EXTRA_TICKETS.items():
        extra[CATEGORIES.index(name)] = mean
    pre_n = np.where(churned, rng.poisson(extra[np.maximum(c["reason_category"], 0)]), 0)
    pre_start = np.maximum(start, end - 90 * DAY_S)

    customers = np.arange(c["n"])
    cust = np.concatenate([np.repeat(customers, early_n), np.repeat(customers, later_n),
                           np.repeat(customers, pre_n)])
    n_early = int(early_n.sum())
    u = rng.random(len(cust))
    u[:n_early] **= 1.0 / EARLY_TICKET_DECAY  # inverse of the early count curve above
    lo = np.concatenate([np.repeat(start, early_n), np.repeat(early_end, later_n),
                         np.repeat(pre_start, pre_n)])
    hi = np.concatenate([np.repeat(early_end, early_n), np.repeat(end, later_n),
                         np.repeat(end, pre_n)])
    created = lo + (u * (hi - lo)).astype(np.int64)
    # A run-up ticket in the first 90 days is an early ticket like any other there.
    early = (np.arange(len(cust)) < n_early) | (
        (np.arange(len(cust)) >= n_early + int(later_n.sum()))
        & (created < np.repeat(start + 90 * DAY_S, 1)[cust]))

    # Ticket numbers follow creation time. The key is unique but for same-second tickets of one
    # customer, which are interchangeable here, so the faster unstable sort is still deterministic.
    order = np.argsort(created * (c["n"] + 1) + cust)
    return cust[order], created[order], early[order]


# --- NPS -----------------------------------------------------------------------------------------
def _nps(rng: np.random.Generator, c: dict, as_of: date) -> dict:
    """Quarterly survey answered by about NPS_RESPONSE_P of the customers active on its day."""
    end_day = _day(as_of)
    active_until = np.where(c["churn"] >= 0, np.minimum(c["churn"], end_day + 1), end_day + 1)
    risk = c["log_hazard"] - c["log_hazard"].mean()
    parts = {"cust": [np.empty(0, np.int64)], "responded": [np.empty(0, np.int64)],
             "score": [np.empty(0, np.int8)]}
    for survey in _survey_days(int(c["signup"].min()), end_day):
        who = np.flatnonzero((c["signup"] < survey) & (active_until > survey))
        who = who[rng.random(len(who)) < NPS_RESPONSE_P]
        window = np.minimum(NPS_WINDOW_DAYS * DAY_S, (active_until[who].astype(np.int64) - survey) * DAY_S)
        responded = survey * DAY_S + (rng.random(len(who)) * window).astype(np.int64)
        # Scores track churn risk, and drop for customers who leave within the next 6 months.
        leaving = (c["churn"][who] >= 0) & (c["churn"][who] - survey < 180)
        score = 8.0 - 1.3 * risk[who] - np.where(leaving, 2.5, 0.0) + 1.8 * rng.standard_normal(len(who))
        parts["cust"].append(who)
        parts["responded"].append(responded)
        parts["score"].append(np.clip(np.round(score), 0, 10).astype(np.int8))
    return {key: np.concatenate(value) for key, value in parts.items()}


def _survey_days(first_day: int, end_day: int) -> list[int]:
    months = np.arange(_month(np.array([first_day]))[0], _month(np.array([end_day]))[0] + 1)
    quarters = months[months % 3 == 0]
    days = quarters.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + NPS_SURVEY_DAY - 1
    return [int(d) for d in days if first_day < d <= end_day]


# --- activity ------------------------------------------------------------------------------------
def _activity(rng: np.random.Generator, c: dict, as_of: date) -> dict:
    """Sessions during each customer's active life (signup day to the day before churn, or to
    the as-of day), fading before a churn; in customer order, each customer's in no set order."""
    start = c["signup"].astype(np.int64) * DAY_S
    churns = c["churn"] >= 0
    end_day = np.where(churns & (c["churn"] <= _day(as_of)), np.maximum(c["churn"], c["signup"]),
                       _day(as_of) + 1)
    end = end_day.astype(np.int64) * DAY_S
    rate = (ACTIVITY_PER_MONTH / MONTH_DAYS / DAY_S
            * (1 + ACTIVITY_PER_EXTRA_PRODUCT * (c["products"] - 1)) * rng.gamma(2.0, 0.5, c["n"]))
    # Everyone who is still a customer at the end of the signup day uses the product that day
    # (the first session); later sessions come at the customer's rate.
    count = rng.poisson(rate * (end - start)) + (end - start >= DAY_S)
    cust = np.repeat(np.arange(c["n"], dtype=np.int32), count)
    first = np.zeros(len(cust), dtype=bool)
    first[(np.cumsum(count) - count)[end - start >= DAY_S]] = True
    width = np.where(first, DAY_S, np.repeat(end - start, count))
    at = np.repeat(start, count) + (rng.random(len(cust)) * width).astype(np.int64)
    # Thinning: a session d days before a churn (d < the fade window) is kept with probability
    # floor + (1 - floor) * d / window, so the expected usage falls linearly to the floor.
    churn_at = np.where(churns, c["churn"].astype(np.int64) * DAY_S, np.iinfo(np.int64).max)[cust]
    before = (churn_at - at) / (ACTIVITY_FADE_DAYS * DAY_S)
    # The first session is kept whatever: it is the signup itself.
    keep = first | (rng.random(len(cust)) < np.clip(
        ACTIVITY_FADE_FLOOR + (1 - ACTIVITY_FADE_FLOOR) * before, 0, 1))
    kind = _pick(rng, ACTIVITY_KIND_P, n=int(keep.sum()))
    return {"cust": cust[keep], "at": at[keep], "kind": kind}


# --- inserts -------------------------------------------------------------------------------------
# Ids are built in SQL from row numbers: far faster than Python strings for millions of rows.
CUSTOMER_ID_SQL = "'C' || lpad(cust_no::varchar, $id_width, '0')"
DAY_SQL = "date '1970-01-01' + {col}"
SECONDS_SQL = "make_timestamp({col} * 1000000)"


def _insert(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, sql: str, params: dict) -> None:
    """Insert from `frame` (registered as `src`), keeping its row order."""
    con.register("src", frame)
    con.execute(sql, params)
    con.unregister("src")


def _insert_customers(con, c: dict, last_mrr: np.ndarray, ids: dict) -> None:
    frame = pd.DataFrame({
        "cust_no": np.arange(1, c["n"] + 1, dtype=np.int64),
        "signup": c["signup"],
        "churn": c["churn"],
        "reason": c["reason"].astype(np.int32),
        "plan": c["plan"], "segment": c["segment"], "region": c["region"],
        "industry": c["industry"].astype(np.int8), "channel": c["channel"],
        "products": c["products"].astype(np.int32),
        "mrr": last_mrr,
        "name_prefix": c["name_prefix"], "name_suffix": c["name_suffix"],
    })
    texts, _, _ = _reason_texts()
    sql = f"""
        insert into customers
        select
            {CUSTOMER_ID_SQL},
            $prefixes[name_prefix + 1] || ' ' || $suffixes[name_suffix + 1] || ' '
                || lpad(cust_no::varchar, $id_width, '0'),
            {DAY_SQL.format(col="signup")},
            case when churn >= 0 then {DAY_SQL.format(col="churn")} end,
            case when reason >= 0 then $reasons[reason + 1] end,
            $plans[plan + 1],
            case when isnan(mrr) then null else mrr::decimal(12, 2) end,
            $regions[region + 1],
            $segments[segment + 1],
            case when industry >= 0 then $industries[industry + 1] end,
            $channels[channel + 1],
            products,
            cast(null as varchar)
        from src
    """
    _insert(con, frame, sql, {
        **ids, "prefixes": NAME_PREFIXES, "suffixes": NAME_SUFFIXES, "reasons": texts,
        "plans": PLANS, "regions": REGIONS, "segments": SEGMENTS, "industries": INDUSTRIES,
        "channels": CHANNELS,
    })


def _insert_customers_and_history(con, c: dict, m: dict, ids: dict) -> None:
    _insert_customers(con, c, m["last_mrr"], ids)
    _insert_mrr_history(con, m, ids)


def _insert_mrr_history(con, m: dict, ids: dict) -> None:
    frame = pd.DataFrame({"cust_no": m["cust"] + 1, "month": m["month"], "mrr": m["mrr"]})
    sql = f"""
        insert into mrr_history
        select {CUSTOMER_ID_SQL}, {DAY_SQL.format(col="month")}, mrr::decimal(12, 2) from src
    """
    _insert(con, frame, sql, ids)


def _insert_tickets(con, t: dict, ids: dict) -> None:
    frame = pd.DataFrame({
        "ticket_no": np.arange(1, len(t["cust"]) + 1, dtype=np.int64),
        "cust_no": t["cust"] + 1,
        "created": t["created"], "first_response": t["first_response"], "resolved": t["resolved"],
        "channel": t["channel"], "category": t["category"], "priority": t["priority"],
        "replies": t["replies"], "csat": t["csat"], "ces": t["ces"],
    })
    del t
    sql = f"""
        insert into tickets
        select
            'T' || lpad(ticket_no::varchar, $ticket_width, '0'),
            {CUSTOMER_ID_SQL},
            {SECONDS_SQL.format(col="created")},
            case when first_response >= 0 then {SECONDS_SQL.format(col="first_response")} end,
            case when resolved >= 0 then {SECONDS_SQL.format(col="resolved")} end,
            $channels[channel + 1],
            $categories[category + 1],
            $priorities[priority + 1],
            replies,
            nullif(csat, 0),
            nullif(ces, 0)
        from src
    """
    _insert(con, frame, sql, {
        **ids, "ticket_width": max(9, len(str(len(frame)))), "channels": TICKET_CHANNELS,
        "categories": TICKET_CATEGORIES, "priorities": PRIORITIES,
    })


def _insert_nps(con, p: dict, ids: dict) -> None:
    frame = pd.DataFrame({"cust_no": p["cust"] + 1, "responded": p["responded"], "score": p["score"]})
    sql = f"""
        insert into nps_responses
        select {CUSTOMER_ID_SQL}, {SECONDS_SQL.format(col="responded")}, score from src
    """
    _insert(con, frame, sql, ids)


def _insert_activity(con, a: dict, ids: dict) -> None:
    frame = pd.DataFrame({"cust_no": a["cust"].astype(np.int64) + 1, "occurred": a["at"], "kind": a["kind"]})
    sql = f"""
        insert into activity
        select {CUSTOMER_ID_SQL}, {SECONDS_SQL.format(col="occurred")}, null, $kinds[kind + 1] from src
    """
    _insert(con, frame, sql, {**ids, "kinds": ACTIVITY_KINDS})


def _insert_outreach(con, o: dict, ids: dict) -> None:
    frame = pd.DataFrame({"cust_no": o["cust"] + 1, "contacted": o["contacted"],
                          "channel": o["channel"], "campaign": o["campaign"],
                          "responded": o["responded"], "actions": o["actions"]})
    sql = f"""
        insert into outreach
        select
            {CUSTOMER_ID_SQL},
            {SECONDS_SQL.format(col="contacted")},
            $channels[channel + 1],
            case when campaign >= 0 then $campaigns[campaign + 1] end,
            case when responded >= 0 then {SECONDS_SQL.format(col="responded")} end,
            case when actions >= 0 then actions::integer end
        from src
    """
    _insert(con, frame, sql, {**ids, "channels": generate_outreach.CHANNELS,
                              "campaigns": generate_outreach.CAMPAIGNS})


# --- CLI -----------------------------------------------------------------------------------------
def _progress_bar(fraction: float, step: str) -> None:
    filled = int(round(30 * fraction))
    print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {step:<30}", end="", file=sys.stderr)
    if fraction >= 1.0:
        print(file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="live database path")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF, metavar="YYYY-MM-DD")
    args = parser.parse_args(argv)
    if args.customers < 1:
        parser.error("--customers must be at least 1")
    started = time.perf_counter()
    meta = generate(args.out, args.customers, args.seed, args.as_of, progress=_progress_bar)
    counts = ", ".join(f"{table} {count:,}" for table, count in meta["tables"].items())
    print(f"{args.out}: {counts} (as-of {meta['default_as_of']}, {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
