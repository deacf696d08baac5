"""Every metric of docs/definitions.md, Metrics in words and as a formula: the one place the app's captions and the
Data & definitions page take their wording from. No streamlit here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from words.formatting import count


@dataclass(frozen=True)
class Definition:
    name: str
    formula: str
    text: str


DEFINITIONS: dict[str, Definition] = {
    "as_of": Definition(
        "As-of date",
        "latest signup, ticket, NPS response or activity date (or the date pinned in the link)",
        "The date the data describes. Nothing at or after the end of that day exists: a later "
        "churn counts as still active, later tickets and responses are ignored.",
    ),
    "active": Definition(
        "Active customer",
        "signup_date <= d and (churn_date is empty or churn_date > d)",
        "A customer who has signed up and not yet churned on day d.",
    ),
    "cohort": Definition(
        "Cohort",
        "customers whose signup date falls in the same week, month or quarter",
        "Customers who signed up in the same period (weeks start on Monday).",
    ),
    "retention": Definition(
        "Retention at age k",
        "retained at age k / cohort size × 100",
        "Retained at age k: not churned, or churned after as-of, or churned after "
        "signup date + k periods. Ages count from each customer's own signup date.",
    ),
    "complete_cell": Definition(
        "Complete cell",
        "last day of the cohort period + k periods <= as-of",
        "Every customer who could belong to the cohort has reached age k. Incomplete cells are "
        "never shown as final: they are faded and marked, or hidden.",
    ),
    "average_curve": Definition(
        "Average retention curve",
        "Σ retained / Σ cohort size at age k, over complete cells only",
        "Size-weighted across cohorts (larger cohorts count more); each point states how many "
        "cohorts and customers are behind it.",
    ),
    "revenue_basis": Definition(
        "MRR basis",
        "Σ mrr of retained customers / Σ mrr of the cohort × 100",
        "The same retention, each customer weighted by their MRR (current, or at churn). An "
        "empty MRR counts as 0.",
    ),
    "activity_returned": Definition(
        "Returned in period k",
        "customers of the cohort with any activity in calendar period cohort + k / cohort size × 100",
        "For businesses without cancellation dates: a customer counts at age k when they came "
        "back (a purchase, a login, feature use) in that period itself. Age 0 is the signup "
        "period. A customer without any activity counts in the cohort but never returns; "
        "activity dated before the customer's signup date is not a return.",
    ),
    "activity_returned_unbounded": Definition(
        "Returned in period k or later",
        "customers of the cohort with any activity in period cohort + k or any later period up to "
        "as-of / cohort size × 100",
        "“On or after”: a customer counts at age k while they come back at some point from "
        "then on, so the curve never rises; a customer who skips a period is not lost.",
    ),
    "activity_complete_cell": Definition(
        "Complete cell (activity)",
        "last day of calendar period cohort + k <= as-of",
        "The period has ended, so nobody of the cohort can still come back in it. The newest "
        "column (the as-of period) is always incomplete.",
    ),
    "activity_average": Definition(
        "Average activity curve",
        "Σ returned / Σ cohort size at age k, over complete cells only",
        "Size-weighted across cohorts (larger cohorts count more), as for the other bases; each "
        "point states how many cohorts and customers are behind it.",
    ),
    "activity_revenue": Definition(
        "Revenue per customer by age",
        "Σ amount of the cohort's activity in periods 0..k / cohort size",
        "The repeat-purchase curve: what a customer has spent, on average, by the end of the "
        "k-th period after signup (complete cells only, size-weighted). Activity without an "
        "amount counts 0; activity dated before the signup date does not count.",
    ),
    "pre_churn_activity": Definition(
        "Activity before churn",
        "activity in the 90 days before churn per churned customer, against retained customers "
        "over 90 days at the same tenure",
        "Churned: churn_date − 90 days <= activity < churn_date and on or after the signup "
        "date, by churn reason category. "
        "Baseline: customers not churned by as-of, over tenure days [30t − 90, 30t) where t is "
        "the churned customer's tenure in 30-day blocks (rounded). Usage that drops before a "
        "churn is the earliest warning a subscription team gets.",
    ),
    "signup_from_activity": Definition(
        "Signup date from activity",
        "signup_date = the date of the customer's first activity",
        "When the customers file is missing or has no signup date, customers are the ones in the "
        "activity file, signed up on the day of their first activity.",
    ),
    "inactive_churn": Definition(
        "Churn by inactivity",
        "churn_date = last activity date + N days, when that is on or before as-of",
        "Set on import with --inactive-days N for customers without a churn date; their churn "
        "reason reads “Inactive N days”.",
    ),
    "nrr": Definition(
        "Net revenue retention (NRR)",
        "(start MRR + expansion − contraction − churned MRR) / start MRR × 100",
        "Revenue kept and grown from customers active at the period start, from the monthly "
        "MRR history.",
    ),
    "grr": Definition(
        "Gross revenue retention (GRR)",
        "(start MRR − contraction − churned MRR) / start MRR × 100",
        "Like NRR, without expansion: it cannot exceed 100%.",
    ),
    "survival": Definition(
        "Survival (Kaplan–Meier)",
        "S(t) = Π over churn days ≤ t of (1 − churned that day / at risk that day)",
        "Share of customers expected to still be active t days after signup, using every "
        "customer's full history (those still active are censored at the as-of date). The band "
        "is the 95% confidence interval (Greenwood, log(−log) scale).",
    ),
    "tenure_retention": Definition(
        "Retention by tenure (Kaplan–Meier over tenure months)",
        "S(m) = Π over months ≤ m with a churn of (1 − churned at that tenure / at risk at it); "
        "duration = months of tenure, event = churned",
        "For a file of churned and active customers without churn dates (a snapshot of one "
        "moment): the share of customers expected to still be active after m months, reading "
        "each churned customer's tenure as the month they left and each active customer's as "
        "still running. Customers who left before the file was made are not in it. The band is "
        "the 95% confidence interval (Greenwood, log(−log) scale).",
    ),
    "churn_share": Definition(
        "Churn share",
        "customers marked churned / customers in the file × 100",
        "Of every customer in the file (signed up by the as-of date), the share marked churned. "
        "Not a rate per month: the file has no churn dates, and customers who left before it "
        "was made are not in it.",
    ),
    "activity_active": Definition(
        "Customers active (activity)",
        "customers with a purchase, login or other activity in the month",
        "New customers are those whose signup month it is; returning customers signed up "
        "earlier and came back in the month.",
    ),
    "logrank": Definition(
        "Log-rank test",
        "p-value of the test that all groups share one survival curve",
        "A small p (below 0.05) means the difference between the curves is unlikely to be "
        "chance. It shows association, not cause.",
    ),
    "period_movements": Definition(
        "Period movements",
        "S = active the day before the period · N = signups in the period · E = active at its end",
        "The current period ends at the as-of date and is marked incomplete.",
    ),
    "crr": Definition(
        "Customer retention rate (CRR)",
        "(E − N) / S × 100",
        "Customers at the end of the period who were already customers at its start, as a share "
        "of the customers at its start.",
    ),
    "churn_rate": Definition(
        "Churn rate",
        "customers active at the period start who churned in it / customers active at its start × 100",
        "Share of the customers active at the period start who churned during the period.",
    ),
    "active_customers": Definition(
        "Active customers",
        "customers active on the last day of the period",
        "Signed up on or before that day and not churned by it.",
    ),
    "mrr": Definition(
        "MRR",
        "Σ MRR of the customers active at the period end, in the month that holds it",
        "With an MRR history (or subscriptions): what the customers active at the period's end "
        "(the as-of day for the current period) paid in that month, from the history; a customer "
        "without a row for it counts 0. Without a history: their MRR in the customers file, "
        "which is today's MRR (or their MRR at churn), not what they paid then. An empty MRR "
        "counts as 0.",
    ),
    "clv": Definition(
        "Customer lifetime value (simple)",
        "average MRR of active customers / monthly churn rate (as a fraction)",
        "Over the trailing 3 complete months. A rough guide, not a forecast.",
    ),
    "ticket_period": Definition(
        "Ticket period",
        "a ticket belongs to the period in which it was created",
        "Ticket metrics cover the tickets of the customers the filters select.",
    ),
    "frt": Definition(
        "First response time (FRT)",
        "first_response_at − created_at, in hours; median and 90th percentile",
        "Over tickets answered by the as-of date (continuous quantiles). The share never "
        "answered by then is reported separately.",
    ),
    "resolution": Definition(
        "Resolution time",
        "resolved_at − created_at, in hours; median and 90th percentile",
        "Over tickets resolved by the as-of date.",
    ),
    "backlog": Definition(
        "Backlog",
        "tickets created before the end of day d and not resolved by then",
        "Open tickets at the end of the period.",
    ),
    "csat": Definition(
        "CSAT %",
        "rated tickets with CSAT 4 or 5 / rated tickets × 100",
        "Whether or not the ticket is resolved yet; unrated tickets are left out.",
    ),
    "ces": Definition(
        "Customer effort score (CES)",
        "mean CES of rated tickets (1–5, 5 = easiest)",
        "Higher is better.",
    ),
    "nps": Definition(
        "Net promoter score (NPS)",
        "% of responses 9–10 − % of responses 0–6",
        "From −100 to 100.",
    ),
    "one_touch": Definition(
        "One-touch resolution %",
        "tickets resolved with at most 1 agent reply / tickets resolved × 100",
        "Over tickets resolved by the as-of date.",
    ),
    "early_support": Definition(
        "Early support experience",
        "tickets created on or after signup and before signup + 90 days, for customers with "
        "signup + 90 days <= as-of",
        "Buckets: ticket count (0 / 1–2 / 3+); first-response target met on every early ticket "
        "vs any breach; CSAT all 4–5 / any below 4 / none rated. Younger customers are left out.",
    ),
    "churn_category": Definition(
        "Churn reason category",
        "raw reason (lower-cased, trimmed, spaces collapsed) → category and owning team",
        "From the editable reason mapping; reasons it does not list fall into Other.",
    ),
    "products": Definition(
        "Retention by products held",
        "retained at the horizon / customers whose horizon is complete × 100",
        "Complete cohorts only: every customer counted has been a customer for the whole horizon.",
    ),
    "early_expansion": Definition(
        "Retention by early expansion",
        "retained at the horizon / customers × 100, split by any MRR increase in months 1–3",
        "Early expansion: any of the 3 months after the signup month with MRR above the signup "
        "month's (from the MRR history).",
    ),
    "outreach_contacts": Definition(
        "Contacts",
        "outreach rows with contacted_at before the end of the as-of day, for the selected "
        "customers",
        "Every contact counts: a customer reached twice counts twice. A contact's period is the "
        "week, month or quarter of contacted_at.",
    ),
    "outreach_response_rate": Definition(
        "Response rate",
        "contacts answered before the end of the as-of day / contacts × 100",
        "Denominator: every contact of the period, channel or campaign. A response recorded "
        "after the as-of date does not count yet.",
    ),
    "outreach_response_time": Definition(
        "Time to response",
        "responded_at − contacted_at, in hours; median over answered contacts",
        "Over contacts answered by the as-of date (continuous median, as for first response "
        "time). Unanswered contacts are left out, not counted as slow.",
    ),
    "outreach_actions": Definition(
        "Actions per engagement",
        "Σ actions of answered contacts / answered contacts",
        "Actions are the follow-ups a contact led to (a renewal call booked, a feature "
        "enabled); an empty count is 0. Denominator: contacts answered by the as-of date, not "
        "every contact.",
    ),
    "outreach_retention": Definition(
        "Retention after contact",
        "not churned by index + 90 days / customers × 100, contacted vs not contacted",
        "Per period of contact (week, month or quarter), a contacted customer's index date is "
        "their first contact in it; a customer not contacted in that period is indexed on its "
        "first day. Both sides must be active at their index, and only index dates with "
        "index + 90 days on or before the as-of date count. Customers are compared within the "
        "same period, plan, segment and age band at the index (0–3, 3–12, 12+ months since "
        "signup); the not-contacted rate is each such group's rate weighted by the contacted "
        "customers in it (groups without customers on both sides are left out). A customer "
        "counts once per period. The log-rank p compares the two survival curves over the 90 "
        "days from the index, within those groups. By campaign: each campaign's contacted "
        "customers against the same customers contacted by no campaign in that period, weighted "
        "to that campaign's own mix. An association, not proof that the contact caused it: the "
        "team chooses whom to call, and save campaigns go to customers already at risk (a risk "
        "plan, segment and age band do not capture), so their gap reflects who was chosen.",
    ),
    "churn_risk": Definition(
        "Churn risk",
        "probability of churning within the next 90 days, from a model fitted on the windows "
        "before the as-of date",
        "A probability learned from this business's own history, not a verdict: of 100 customers "
        "at 30%, about 30 left within the horizon in the past. Fitted (gradient boosting) on the "
        "customers active at each of the four 90-day cutoffs before the as-of date and who of them "
        "churned in the 90 days after; each signal is read as known by the end of its cutoff day "
        "(tenure, plan and the other dimensions, MRR and its change over 3 months, tickets, "
        "first-response breaches, CSAT below 4 and open tickets in 90 days, the latest NPS, "
        "activity in 30 days against the 60 before, outreach contacts and responses), each only "
        "when the data has it. Drivers: the signals that raise a customer's risk most (by at least "
        "1 point) against a typical value (the median, or most common value, of customers who "
        "stayed), named for the fifth of customers with the highest risk (at most 50,000). They say what the score "
        "reads, not what causes churn: save campaigns go to customers already at risk.",
    ),
    "risk_backtest": Definition(
        "Track record",
        "fitted on the windows before cutoff = as-of − 90 days, judged on who churned in "
        "(cutoff, as-of]",
        "The score is checked the way it is used: fitted only on what was known at the cutoff, "
        "then compared with who left in the 90 days after. AUC: the chance that a customer who left "
        "was ranked above one who stayed (0.5 = a coin toss). Baseline: the same method on tenure "
        "and plan alone. Top tenth: the share of the horizon's churners among the 10% of customers "
        "with the highest risk at the cutoff. Filters pick the customers the record is read on.",
    ),
    "risk_calibration": Definition(
        "Calibration",
        "per tenth of customers by risk at the cutoff: mean predicted risk × 100 and churned / "
        "customers × 100",
        "When the two bars match, a 20% risk meant one in five left. Calibration error: the mean "
        "gap between them over the ten tenths, in percentage points.",
    ),
    "mrr_at_risk": Definition(
        "MRR at risk",
        "Σ churn risk × MRR over active customers",
        "The MRR expected to leave within the next 90 days if the past holds: each active "
        "customer's MRR (customers' mrr, empty counts 0) weighted by their churn risk.",
    ),
    "min_n": Definition(
        "Minimum N",
        "a rate on fewer than the minimum number of units (default 30) is unreliable",
        "Such points are drawn hollow and labelled; read them with care.",
    ),
    "filters": Definition(
        "Filters",
        "filters select customers first; ticket metrics then cover their tickets",
        "Plan, segment, region, industry, channel and products restrict the customers; the "
        "signup range restricts the cohorts; the as-of date pins the day the data describes.",
    ),
}


def caption(key: str, n: int | float | None = None, as_of: date | None = None,
            unit: str = "customers") -> str:
    """One-line chart caption: 'definition · N · as of'."""
    d = DEFINITIONS[key]
    parts = [f"{d.name}: {d.formula}"]
    if n is not None:
        parts.append(f"N = {count(n, unit)}")
    if as_of is not None:
        parts.append(f"as of {as_of:%d %b %Y}")
    return " · ".join(parts)
