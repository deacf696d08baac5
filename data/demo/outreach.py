"""The demo's outreach: what a retention team does, drawn for data/demo/generate.py
(docs/definitions.md, Data model outreach).

Drawn vectorised from a random stream of its own, in two steps around the rest of the demo:

1. `save_campaigns` (right after the customers' churn is drawn): a health score flags customers
   at risk and the team calls, meets or e-mails them. Most flags are true: a customer whose churn
   is coming is flagged 2 to 11 weeks before it, more often when its first months of support went
   badly (its activity fades in those weeks too, data/demo/generate.py) and more often the bigger the
   account (Enterprise has a customer-success manager, SMB an e-mail sequence). Some are false
   alarms on customers with a high churn hazard who were not about to leave. A responder to a save
   contact is kept for a while with probability SAVE_P: its churn moves SAVE_DELAY days later (or
   past the as-of date: still active). The effect is real but modest, and the customers contacted
   are the risky ones: contacted customers retain *worse* than comparable ones not contacted, and
   only the responders' difference hints at the effect. An association, as the page says.
2. `routine` (after every customer's final churn is known): onboarding e-mails and an in-app tour
   for new customers, quarterly check-in calls (Mid-market) and meetings (Enterprise), and in-app
   feature announcements (SMB), during each customer's active life.

Responses depend on the channel (phone > meeting > email > in-app), come hours to days later, and
are recorded only up to the end of the as-of day and before the customer left; a responder takes
0-3 follow-up actions. No contact before the signup day or on or after the churn day.
"""

from __future__ import annotations

import numpy as np

from data.demo.sampling import pick as _pick

DAY_S = 86_400
CHANNELS = ["email", "phone", "meeting", "in-app"]
EMAIL, PHONE, MEETING, IN_APP = range(4)
# Share of contacts answered, by channel; at-risk customers answer less.
RESPONSE_P = [0.22, 0.55, 0.42, 0.09]
AT_RISK_RESPONSE = 0.75
# Hours to a response (log-normal median and sigma), by channel: a call is returned the same
# day, a meeting invitation accepted within a day or two, an e-mail answered within days.
RESPONSE_MEDIAN_H = [20.0, 3.0, 26.0, 1.5]
RESPONSE_SIGMA = [1.1, 0.9, 0.8, 1.2]
ACTIONS_P = [0.35, 0.35, 0.20, 0.10]  # 0..3 follow-up actions per response

CAMPAIGNS = ["Save: usage drop", "Save: support recovery", "Save: renewal risk",
             "Onboarding welcome", "Onboarding tour", "Quarterly check-in", "Feature announcement"]
(SAVE_USAGE, SAVE_SUPPORT, SAVE_RENEWAL, WELCOME, TOUR, CHECK_IN, ANNOUNCEMENT) = range(7)
NO_CAMPAIGN_P = 0.08  # ad-hoc check-ins and saves logged without a campaign

# Save campaigns. Share of upcoming churns flagged, by segment (SMB, Mid-market, Enterprise);
# a bad start with support makes a flag likelier.
FLAG_P_BY_SEGMENT = [0.25, 0.40, 0.55]
FLAG_BAD_EARLY = 1.4
FLAG_DAYS_BEFORE = (14, 80)  # the flag comes this many days before the churn (uniform)
FALSE_ALARMS_PER_YEAR = 0.04  # for an average-hazard customer, scaled by its hazard
SAVE_CHANNEL_P_BY_SEGMENT = [[0.70, 0.25, 0.0, 0.05], [0.35, 0.50, 0.15, 0.0],
                             [0.15, 0.45, 0.40, 0.0]]
SAVE_P = 0.15
SAVE_DELAY = (30, 180)  # days the churn of a saved customer moves (uniform)

# Routine contacts.
WELCOME_P = 0.92
TOUR_P = 0.60
TOUR_DAY = 14
CHECK_IN_DAYS = (0, 91, 182)  # every N days after signup by segment; 0 = none
CHECK_IN_SKIP_P = 0.25  # a check-in that did not happen
ANNOUNCEMENT_DAYS = 120  # SMB customers see an in-app announcement about every N days


def save_campaigns(rng: np.random.Generator, c: dict, as_of_day: int) -> dict:
    """Save contacts of at-risk customers; moves the churn of the customers they keep (c["churn"],
    c["reason"], c["reason_category"] updated in place). Returns the contacts (see _contacts)."""
    n, signup, churn = c["n"], c["signup"].astype(np.int64), c["churn"].astype(np.int64)
    churns = churn >= 0
    # True flags: an upcoming churn, seen some weeks before it.
    flag_p = np.take(FLAG_P_BY_SEGMENT, c["segment"]) * np.where(c["bad_early"], FLAG_BAD_EARLY, 1.0)
    lead = rng.integers(FLAG_DAYS_BEFORE[0], FLAG_DAYS_BEFORE[1] + 1, n)
    flagged = churns & (rng.random(n) < flag_p)
    true_day = churn - lead
    # False alarms: a risky customer flagged while nowhere near leaving.
    life_end = np.where(churns, np.minimum(churn, as_of_day + 1), as_of_day + 1)
    hazard = np.exp(c["log_hazard"] - c["log_hazard"].mean())
    alarms = rng.poisson(FALSE_ALARMS_PER_YEAR * hazard * (life_end - signup) / 365.25)
    alarm_cust = np.repeat(np.arange(n), alarms)
    alarm_day = signup[alarm_cust] + (rng.random(len(alarm_cust))
                                      * (life_end - signup)[alarm_cust]).astype(np.int64)
    cust = np.concatenate([np.flatnonzero(flagged), alarm_cust])
    day = np.concatenate([true_day[flagged], alarm_day])
    # Not in the first week (nothing to judge yet), not after the as-of day, before any churn.
    keep = (day >= signup[cust] + 7) & (day <= as_of_day) & (~churns[cust] | (day < churn[cust]))
    cust, day = cust[keep], day[keep]
    k = len(cust)
    channel = _pick(rng, SAVE_CHANNEL_P_BY_SEGMENT, c["segment"][cust])
    campaign = np.where(c["bad_early"][cust], SAVE_SUPPORT,
                        np.where(rng.random(k) < 0.6, SAVE_USAGE, SAVE_RENEWAL))
    out = _contacts(rng, c, as_of_day, cust, day, channel, campaign, at_risk=True)

    # A responder is kept for a while with probability SAVE_P: its churn moves later.
    saved = out["responded"] >= 0
    saved &= churns[cust] & (rng.random(k) < SAVE_P)
    moved = churn.copy()
    later = churn[cust[saved]] + rng.integers(SAVE_DELAY[0], SAVE_DELAY[1] + 1, int(saved.sum()))
    np.maximum.at(moved, cust[saved], later)
    # Moved past the as-of date: still a customer (a cancellation scheduled after it, drawn
    # in data/demo/generate.py, stays as it is unless a save moved it).
    moved = np.where((moved != churn) & (moved > as_of_day), -1, moved)
    became_active = churns & (moved < 0)
    c["churn"] = moved.astype(np.int32)
    c["reason"] = np.where(became_active, -1, c["reason"])
    c["reason_category"] = np.where(became_active, -1, c["reason_category"])
    c["price_churn"] = c["price_churn"] & ~became_active
    out["saved"] = int(saved.sum())
    return out


def routine(rng: np.random.Generator, c: dict, as_of_day: int) -> dict:
    """Onboarding, check-ins and announcements during each customer's active life (final churn)."""
    n, signup = c["n"], c["signup"].astype(np.int64)
    churns = c["churn"] >= 0
    life_end = np.where(churns, np.minimum(c["churn"], as_of_day + 1), as_of_day + 1).astype(np.int64)
    customers = np.arange(n)
    # Onboarding: a welcome e-mail in the first 3 days, an in-app tour at two weeks.
    welcome = rng.random(n) < WELCOME_P
    welcome_day = signup + rng.integers(0, 3, n)
    tour = rng.random(n) < TOUR_P
    tour_day = signup + TOUR_DAY
    # Check-ins every CHECK_IN_DAYS[segment] days after signup; SMB gets announcements instead.
    every = np.where(c["segment"] == 0, ANNOUNCEMENT_DAYS, np.take(CHECK_IN_DAYS, c["segment"]))
    regular = np.maximum((life_end - signup - 1) // every, 0)
    reg_cust = np.repeat(customers, regular)
    nth = np.arange(len(reg_cust)) - np.repeat(np.cumsum(regular) - regular, regular) + 1
    jitter = rng.integers(-10, 11, len(reg_cust))
    reg_day = signup[reg_cust] + nth * every[reg_cust] + jitter
    reg_keep = rng.random(len(reg_cust)) >= CHECK_IN_SKIP_P
    smb = c["segment"][reg_cust] == 0
    reg_channel = np.where(smb, IN_APP, np.where(c["segment"][reg_cust] == 2, MEETING, PHONE))
    reg_campaign = np.where(smb, ANNOUNCEMENT, CHECK_IN)

    cust = np.concatenate([customers[welcome], customers[tour], reg_cust[reg_keep]])
    day = np.concatenate([welcome_day[welcome], tour_day[tour], reg_day[reg_keep]])
    channel = np.concatenate([np.full(int(welcome.sum()), EMAIL), np.full(int(tour.sum()), IN_APP),
                              reg_channel[reg_keep]]).astype(np.int8)
    campaign = np.concatenate([np.full(int(welcome.sum()), WELCOME), np.full(int(tour.sum()), TOUR),
                               reg_campaign[reg_keep]])
    keep = (day >= signup[cust]) & (day < life_end[cust])
    return _contacts(rng, c, as_of_day, cust[keep], day[keep], channel[keep], campaign[keep],
                     at_risk=False)


def _contacts(rng: np.random.Generator, c: dict, as_of_day: int, cust: np.ndarray, day: np.ndarray,
              channel: np.ndarray, campaign: np.ndarray, at_risk: bool) -> dict:
    """Contacts at a working hour of their day, with responses and actions.

    Returns {cust, contacted (seconds), channel, campaign (-1 none), responded (seconds, -1 none),
    actions (-1 none)}."""
    k = len(cust)
    contacted = day * DAY_S + rng.integers(8 * 3600, 18 * 3600, k)
    p = np.take(RESPONSE_P, channel) * (AT_RISK_RESPONSE if at_risk else 1.0)
    answers = rng.random(k) < p
    delay_h = np.take(RESPONSE_MEDIAN_H, channel) * np.exp(
        np.take(RESPONSE_SIGMA, channel) * rng.standard_normal(k))
    responded = contacted + np.ceil(delay_h * 3600).astype(np.int64)
    # Recorded only up to the end of the as-of day, and from a customer who has not left yet.
    churn = c["churn"][cust].astype(np.int64)
    horizon = np.where(churn >= 0, np.minimum(churn, as_of_day + 1), as_of_day + 1) * DAY_S
    responded = np.where(answers & (responded < horizon), responded, -1)
    actions = np.where(responded >= 0, _pick(rng, ACTIONS_P, n=k), -1)
    campaign = np.where(rng.random(k) < NO_CAMPAIGN_P, -1, campaign)
    return {"cust": cust.astype(np.int64), "contacted": contacted, "channel": channel.astype(np.int8),
            "campaign": campaign.astype(np.int8), "responded": responded,
            "actions": actions.astype(np.int8)}


def combine(*parts: dict) -> dict:
    """One table of contacts in contact order (ties by customer, then as drawn)."""
    keys = ("cust", "contacted", "channel", "campaign", "responded", "actions")
    out = {key: np.concatenate([p[key] for p in parts]) for key in keys}
    order = np.lexsort((out["cust"], out["contacted"]))
    return {key: value[order] for key, value in out.items()}

