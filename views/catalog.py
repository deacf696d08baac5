"""What each page shows, written once: its sections, each with the metric calls of its default
view, the charts it draws (the names `ui.show` gives them, which are also their CSVs' names), the key of
its definition (words/definitions.py) and what it needs of the data (data/needs.py).

A section also carries its heading on the page and in the board pack (`title`) and what is said
when the data is there but has nothing to show yet (`empty`); the pages draw from it with
`ui.heading(key)`, `ui.ask(key, f, ...)` (its calls, as written here, the view's grain in place)
and `ui.draw(key, chart, ...)` (its chart's name and definition), the board pack with
`views.compare.ask` on its connection.

Everything that lists a page's content reads this table: the navigation (app/frame.py), the
default views kept beside each snapshot (views/default_views.py), "what this data can show"
(views/needs.py: the Data page, the importer's summary, the board pack's left-out line), the
board pack and the page tests. A new section is one entry here and its drawing on the page.

Calls are (function name, arguments[, filter fields that replace the default filters]); in
filter overrides EACH stands for one call per value of that dimension (a compare chart), and an
argument FirstOf(fn, column) for the value of `column` in the first row of another call.
"""

from __future__ import annotations

from data.needs import (ACTIVITY, CHURN, DATED, HISTORY, NO_CHURN, OUTREACH, REASONS, RESPONSES,
                        TICKETS, UNDATED_ONLY, column, split, table)
from queries.outreach import RETENTION_DAYS as OUTREACH_DAYS
from queries.outreach import TILE_KPIS as OUTREACH_TILES
from queries.risk import HORIZON_DAYS as RISK_DAYS
from queries.risk import MAX_DRIVER_CUSTOMERS as RISK_DRIVER_CUSTOMERS
from queries.risk_list import TOP_ROWS as RISK_SHOWN
from views.section import (COMPARE_DIMENSIONS, EACH, EACH_DIMENSION, FirstOf, Page, Section,
                           tile)


# The Churn reasons page's category picker starts at the first category of churn_reasons (the
# one with the most customers lost), whatever the categories of the data are.
TOP_CATEGORY = FirstOf("churn_reasons", "category")

# The Overview's tiles are read off the monthly series its trend lines plot.
OVERVIEW_SERIES = (
    ("period_movements", {"grain": "month"}),
    ("revenue_retention", {"grain": "month"}),
    ("support_kpis", {"grain": "month", "resolution": False}),
    ("nps", {"grain": "quarter"}),
    ("nps", {"grain": "month"}),
)
# What changed: the reasons behind a change in churn, overall and per segment.
CHANGE_REASONS = (
    ("churn_reasons", {"grain": "month"}),
    ("churn_reasons", {"grain": "month"}, {"segments": EACH}),
)

# The churn score (queries/risk.py): its track record, then the list's head and its totals
# (kept as a thousand rows and four numbers; the whole list is the call list, made on a click).
RISK_CALLS = (
    ("risk_backtest", {"horizon_days": RISK_DAYS}),
    ("churn_risk_top", {"horizon_days": RISK_DAYS}),
    ("churn_risk_totals", {"horizon_days": RISK_DAYS}),
)
# The Overview's tile: the track record and the list's totals.
RISK_TILE_CALLS = (RISK_CALLS[0], RISK_CALLS[2])

OVERVIEW = Page("dashboard.py", "Overview", ":material/dashboard:", view="Overview", sections=(
    Section("overview.tiles", "the KPI tiles", (), "section", calls=OVERVIEW_SERIES,
            empty="Not enough history for the tiles: they compare the last two complete months."),
    tile("overview", "active_customers", "active customers"),
    tile("overview", "churn_rate_pct", "churn rate", *HISTORY),
    tile("overview", "crr_pct", "customer retention rate", *HISTORY),
    tile("overview", "mrr", "MRR", column("customers.mrr")),
    tile("overview", "nrr_pct", "net revenue retention", table("mrr_history")),
    tile("overview", "csat_pct", "CSAT", TICKETS, column("tickets.csat")),
    tile("overview", "frt_median_h", "first response time", TICKETS,
         column("tickets.first_response_at")),
    tile("overview", "nps", "NPS", table("nps_responses")),
    tile("overview", "clv", "lifetime value", *HISTORY, column("customers.mrr")),
    # MRR at risk: the At risk page's churn score and its track record (the caption).
    Section("overview.tile.mrr_at_risk", "MRR at risk in the next 90 days",
            (*HISTORY, column("customers.mrr")), "tile", churn=True, calls=RISK_TILE_CALLS),
    Section("overview.churn_rate", "the monthly churn rate", HISTORY,
            calls=(("period_movements", {"grain": "month"}),),
            charts=("overview_churn_rate",), definition="churn_rate"),
    Section("overview.churn_reasons", "the top churn reasons", REASONS, churn=True,
            calls=(("churn_reasons", {}), *CHANGE_REASONS),
            charts=("overview_churn_reasons",), definition="churn_category", title="What changed"),
    # Churn without dates (a picture of one moment), in place of the monthly tiles and chart:
    # the churn share, retention by tenure, and the churn share by a dimension when the data
    # names no reasons (app/shape_ui.py draws them).
    # Not in the kept default view: its calls are made only on such data (cheap, computed live).
    Section("overview.tile.churn_share", "the churn share", (UNDATED_ONLY, CHURN), "tile",
            definition="churn_share"),
    Section("overview.tenure_retention", "retention by tenure", (UNDATED_ONLY, CHURN),
            charts=("overview_tenure_retention", "overview_churn_share_by_{dimension}"),
            definition="tenure_retention"),
    # No churn at all (activity only): customers active, new and returning per month.
    Section("overview.activity", "activity tiles (active and returning customers)",
            (NO_CHURN, ACTIVITY), "tile", charts=("overview_activity_months",), definition="activity_active"),
))

COHORT_SERIES = (
    ("cohort_retention", {"grain": "month", "basis": "logo"}),
    ("average_retention", {"grain": "month", "basis": "logo"}),
)

COHORTS = Page("pages/2_Cohorts.py", "Cohorts", ":material/grid_on:", view="Cohorts", sections=(
    Section("cohorts.heatmap", "the retention triangle", HISTORY, calls=COHORT_SERIES[:1],
            charts=("cohort_heatmap",), definition="retention", title="Retention triangle"),
    Section("cohorts.curves", "retention curves", HISTORY, calls=COHORT_SERIES,
            charts=("retention_curves",), definition="average_curve", title="Retention curves"),
    Section("cohorts.compare", "retention compared by group",
            (*HISTORY, split(*COMPARE_DIMENSIONS)),
            # compare mode, by plan: one weighted average curve per plan
            calls=(("average_retention", {"grain": "month", "basis": "logo"}, {"plans": EACH}),),
            charts=("retention_by_{dimension}",), definition="average_curve",
            title="Compare groups"),
    *(Section(f"cohorts.by.{d}", f"retention by {d.replace('_', ' ')}", (CHURN, split(d)),
              "option") for d in COMPARE_DIMENSIONS),
    Section("cohorts.by.early_tickets", "retention by early tickets", (CHURN, TICKETS), "option"),
    Section("cohorts.by.early_csat", "retention by early CSAT",
            (CHURN, TICKETS, column("tickets.csat")), "option"),
    Section("cohorts.month_k", "retention at one age across cohorts", HISTORY,
            charts=("retention_at_{grain}_{age}",), definition="retention",
            title="Retention at one age across cohorts"),
    Section("cohorts.customers", "the customers behind a cell", (),
            title="Customers behind a cell"),
    Section("cohorts.basis_mrr", "MRR-weighted retention", (column("customers.mrr"), DATED),
            "choice", definition="revenue_basis"),
    # Churn without dates: retention by tenure in place of the triangle and cohort curves, and
    # the churn share and tenure curves compared by group (app/shape_ui.py draws them).
    Section("cohorts.tenure_retention", "retention by tenure", (UNDATED_ONLY, CHURN),
            charts=("tenure_retention",), definition="tenure_retention"),
    Section("cohorts.tenure_compare", "churn share and retention by tenure by group",
            (UNDATED_ONLY, CHURN, split(*COMPARE_DIMENSIONS)),
            charts=("churn_share_by_{dimension}", "tenure_retention_by_{dimension}"),
            definition="tenure_retention"),
    Section("cohorts.basis_activity", "activity retention (customers who came back)", (ACTIVITY,),
            "choice", definition="activity_returned"),
    Section("cohorts.compare_activity", "activity retention compared by group",
            (ACTIVITY, split(*COMPARE_DIMENSIONS)), charts=("retention_by_{dimension}",),
            definition="activity_average"),
    Section("cohorts.activity_revenue", "revenue per customer by age",
            (ACTIVITY, column("activity.amount")), charts=("revenue_per_customer",),
            definition="activity_revenue", title="Revenue per customer by age"),
))

CHURN_REASONS = Page("pages/3_Churn_reasons.py", "Churn reasons", ":material/logout:",
                     view="Churn reasons", sections=(
    Section("churn.lost", "customers lost", (CHURN,), "tile", churn=True,
            calls=(("churn_reasons", {}),)),
    Section("churn.mrr_lost", "MRR lost", (CHURN, column("customers.mrr")), "tile", churn=True),
    Section("churn.by_category", "customers lost by reason", REASONS, churn=True,
            charts=("churn_customers_by_category",), definition="churn_category"),
    Section("churn.mrr_by_category", "MRR lost by reason", (*REASONS, column("customers.mrr")),
            churn=True, charts=("churn_mrr_by_category",), definition="churn_category"),
    Section("churn.owners", "which team owns the fix", REASONS, "tile", churn=True,
            title="Who owns the fix"),
    Section("churn.trend", "churn reasons over time", (*REASONS, DATED), churn=True,
            calls=(("churn_reasons", {"grain": "month"}),),
            charts=("churn_by_reason_per_{grain}",), definition="churn_category",
            title="Over time"),
    Section("churn.by_segment", "the reason mix by segment", (*REASONS, split("segment")),
            churn=True, calls=(("churn_reasons", {}, {"segments": EACH}),),
            charts=("churn_reasons_by_segment",), definition="churn_category", title="By segment"),
    Section("churn.raw", "the raw reasons behind a category",
            (CHURN, column("customers.churn_reason")), churn=True,
            # the Other warning asks for the Other category's reasons: no reason vs unmapped
            calls=(("raw_reasons", {"category": TOP_CATEGORY}),
                   ("raw_reasons", {"category": "Other"})),
            charts=("raw_reasons",), definition="churn_category",
            title="The raw reasons behind a category"),
))

SUPPORT_KPIS = Page("pages/4_Support_KPIs.py", "Support KPIs", ":material/support_agent:",
                    view="Support KPIs", sections=(
    Section("support.tickets", "support KPIs", (TICKETS,), "section",
            calls=(("support_kpis", {"grain": "month"}),), title="Response and resolution times",
            empty="No support tickets up to {as_of:%d %b %Y}."),
    Section("support.frt", "first response time", (TICKETS, column("tickets.first_response_at")),
            charts=("first_response_h_{choice}",), definition="frt"),
    Section("support.resolution", "resolution time", (TICKETS, column("tickets.resolved_at")),
            charts=("resolution_h_{choice}",), definition="resolution"),
    Section("support.csat", "CSAT", (TICKETS, column("tickets.csat")), charts=("csat",),
            definition="csat", title="Satisfaction and effort"),
    Section("support.ces", "customer effort", (TICKETS, column("tickets.ces")), charts=("ces",),
            definition="ces"),
    Section("support.one_touch", "one-touch resolution",
            (TICKETS, column("tickets.resolved_at"), column("tickets.agent_replies")),
            charts=("one_touch",), definition="one_touch"),
    Section("support.nps", "the net promoter score", (table("nps_responses"),),
            calls=(("nps", {"grain": "month"}),), charts=("nps",), definition="nps",
            empty="No NPS responses up to {as_of:%d %b %Y}."),
    Section("support.volume", "ticket volume", (TICKETS,), charts=("volume_backlog",),
            definition="ticket_period", title="Volume and backlog"),
    Section("support.backlog", "the backlog", (TICKETS, column("tickets.resolved_at")),
            charts=("volume_backlog",), definition="backlog"),
    Section("support.priority", "times and targets per priority",
            (TICKETS, column("tickets.priority")), "choice"),
    Section("support.by.channel", "a breakdown by channel", (TICKETS, split("ticket_channel")),
            "choice", calls=(("support_kpis", {"grain": "month", "by": "channel"}),),
            charts=("{metric}_by_channel",), title="Breakdown"),
    Section("support.by.category", "a breakdown by ticket category",
            (TICKETS, split("ticket_category")), "choice", charts=("{metric}_by_category",)),
    Section("support.by.priority", "a breakdown by priority", (TICKETS, split("ticket_priority")),
            "choice", charts=("{metric}_by_priority",)),
))

# The research's horizon is two years: before anyone reaches it there is nothing to set against.
TWO_YEARS = "No customer is two years past signup by {as_of:%d %b %Y} yet."

EARLY_SUPPORT = (
    ("survival", {"by": "early_tickets"}),
    ("logrank_p", {"by": "early_tickets"}),
    ("survival_at", {"by": "early_tickets", "day": 365}),
    ("early_support_excluded", {}),
)

SUPPORT_X_RETENTION = Page(
    "pages/5_Support_x_retention.py", "Support × retention", ":material/join_inner:",
    view="Support x retention", sections=(
        Section("support_x.early", "retention by early support experience", (CHURN, TICKETS),
                "section", calls=EARLY_SUPPORT,
                definition="early_support", title="Retention by early support experience",
                empty="No customer is 90 days past signup by {as_of:%d %b %Y} yet."),
        # Each split: the survival curves and the share still active after a year.
        Section("support_x.early_tickets", "retention by tickets in the first 90 days",
                (CHURN, TICKETS), definition="survival",
                charts=("survival_by_early_tickets", "survival_365_by_early_tickets")),
        Section("support_x.early_frt_sla",
                "retention by first-response target in the first 90 days",
                (CHURN, TICKETS, column("tickets.first_response_at")), definition="survival",
                charts=("survival_by_early_frt_sla", "survival_365_by_early_frt_sla")),
        Section("support_x.early_csat", "retention by CSAT in the first 90 days",
                (CHURN, TICKETS, column("tickets.csat")), definition="survival",
                charts=("survival_by_early_csat", "survival_365_by_early_csat")),
        Section("support_x.products", "two-year retention by products held",
                (*HISTORY, column("customers.products_count")),
                calls=(("retention_by_products", {"horizon_months": 24}),),
                charts=("retention_by_products",), definition="products",
                title="Retention drivers from the research",
                empty=TWO_YEARS),
        Section("support_x.expansion", "two-year retention by early expansion",
                (*HISTORY, table("mrr_history")),
                calls=(("early_expansion_retention", {"horizon_months": 24}),),
                charts=("retention_by_early_expansion",), definition="early_expansion",
                empty=TWO_YEARS),
        Section("support_x.pre_churn", "support in the 90 days before churn", (*HISTORY, TICKETS),
                churn=True, calls=(("pre_churn_tickets", {}),), charts=("pre_churn_tickets",),
                definition="churn_category", title="Support in the 90 days before churn"),
        Section("support_x.pre_churn_activity", "activity in the 90 days before churn",
                (*HISTORY, ACTIVITY), churn=True, calls=(("pre_churn_activity", {}),),
                charts=("pre_churn_activity",), definition="pre_churn_activity",
                title="Activity in the 90 days before churn"),
    ))

OUTREACH_PAGE = Page(
    "pages/10_Outreach.py", "Outreach", ":material/campaign:", view="Outreach",
    listed_when="outreach.contacts", sections=(
        Section("outreach.contacts", "outreach: response rates, actions and retention of "
                "contacted customers", (OUTREACH,), "section",
                calls=(("outreach_totals", {}), ("outreach_kpis", {"grain": "month"}))),
        tile("outreach", "contacts", "contacts", OUTREACH),
        tile("outreach", "response_rate_pct", "response rate", OUTREACH, RESPONSES),
        tile("outreach", "actions_per_response", "actions per engagement", OUTREACH, RESPONSES,
             column("outreach.actions")),
        Section("outreach.tile.retention_gap_pct", "the 90-day retention gap",
                (*HISTORY, OUTREACH),
                "tile", calls=(("outreach_retention", {"days": OUTREACH_DAYS, "grain": "month"}),)),
        Section("outreach.response_rate", "response rate over time", (OUTREACH, RESPONSES),
                charts=("outreach_response_rate",), definition="outreach_response_rate",
                title="Response rate over time"),
        Section("outreach.by.channel", "response rate by channel",
                (OUTREACH, RESPONSES, split("outreach_channel")), "choice",
                calls=(("outreach_kpis", {"grain": "month", "by": "channel"}),),
                charts=("outreach_response_time",), definition="outreach_response_time"),
        Section("outreach.campaigns", "the campaigns table", (OUTREACH, column("outreach.campaign")),
                calls=(("outreach_totals", {"by": "campaign"}),), title="Campaigns"),
        Section("outreach.retention", "retention of contacted and not contacted customers",
                (*HISTORY, OUTREACH),
                calls=(("outreach_retention", {"days": OUTREACH_DAYS, "grain": "month",
                                               "by": "campaign"}),),
                charts=("outreach_retention",), definition="outreach_retention",
                title=f"Do contacted customers stay? Retention {OUTREACH_DAYS} days after contact"),
    ))

# Listed only with dated churn: a score learns when customers leave.
AT_RISK = Page(
    "pages/11_At_risk.py", "At risk", ":material/crisis_alert:", view="At risk",
    listed_when="risk.score", sections=(
        Section("risk.score", "churn risk scores with their track record", HISTORY, "section",
                churn=True, calls=RISK_CALLS[:1], definition="risk_backtest",
                title=f"Track record: the last {RISK_DAYS} days"),
        Section("risk.calibration", "the churn score's calibration", HISTORY, churn=True,
                charts=("risk_calibration",), definition="risk_calibration"),
        Section("risk.list", "customers by churn risk, with drivers", HISTORY, churn=True,
                calls=RISK_CALLS[1:], definition="churn_risk", title="Who is likely to leave next"),
        Section("risk.mrr", "MRR at risk", (*HISTORY, column("customers.mrr")), "tile", churn=True,
                definition="mrr_at_risk"),
        Section("risk.outreach", "a link into Outreach", (*HISTORY, OUTREACH), "choice", churn=True),
    ))

DATA_PAGE = Page("pages/6_Data_and_definitions.py", "Data & definitions", ":material/menu_book:",
                 view="Data", sections=(
    # The quality notes: row counts and rules, the share left in Other, the customers the early
    # support splits leave out, tickets without a first response.
    Section("data.quality", "data-quality notes", (), "section",
            calls=(("data_quality", {}), ("churn_reasons", {}), ("early_support_excluded", {}),
                   ("support_kpis", {"grain": "month", "resolution": False})),
            title="Data quality"),
))

REASON_MAPPING = Page("pages/8_Reason_mapping.py", "Reason mapping", ":material/category:",
                      sections=())
TARGETS_AND_NOTES = Page("pages/9_Targets_and_notes.py", "Targets & notes", ":material/flag:",
                         sections=())
# The Import page is reached from the Data page by editors; it is not in the navigation.
IMPORT = Page("pages/7_Import.py", "Import data", ":material/upload_file:", sections=())

# Navigation order.
PAGES: tuple[Page, ...] = (OVERVIEW, COHORTS, CHURN_REASONS, SUPPORT_KPIS, SUPPORT_X_RETENTION,
                           OUTREACH_PAGE, AT_RISK, DATA_PAGE, REASON_MAPPING,
                           TARGETS_AND_NOTES)

# The shared sidebar: a filter over a dimension without values is not drawn. Every page draws
# the shared header, whose customer count is FRAME_CALLS.
FILTERS: tuple[Section, ...] = (
    Section("filter.plan", "the plan filter", (column("customers.plan"),), "filter"),
    Section("filter.segment", "the segment filter", (column("customers.segment"),), "filter"),
    Section("filter.region", "the region filter", (column("customers.region"),), "filter"),
    Section("filter.industry", "the industry filter", (column("customers.industry"),), "filter"),
    Section("filter.channel", "the acquisition channel filter",
            (column("customers.acquisition_channel"),), "filter"),
    Section("filter.products", "the products held filter", (column("customers.products_count"),),
            "filter"),
    Section("filter.early_tickets", "the early tickets filter", (TICKETS,), "filter"),
    Section("filter.early_csat", "the early CSAT filter", (TICKETS, column("tickets.csat")),
            "filter"),
)
FRAME_CALLS: list[tuple] = [("cohort_retention", {"grain": "quarter"})]

# key -> section, in page order, filters last; and the page each is on.
ITEMS: dict[str, Section] = {s.key: s for s in (*(s for p in PAGES for s in p.sections), *FILTERS)}
PAGE_OF: dict[str, str] = {**{s.key: p.label for p in PAGES for s in p.sections},
                           **{s.key: "Filters" for s in FILTERS}}
# Page views kept beside each snapshot: view name -> its calls.
PAGE_CALLS: dict[str, list[tuple]] = {page.view: page.calls for page in PAGES if page.view}
# What a page asks for with default filters that is deliberately not kept: the rows behind the
# drill-down depend on the cell picked (by default the newest cohort), and the table profile and
# the reason mapping's tables are small reads of the whole snapshot.
NOT_STORED = {"cohort_customers", "table_profile", "reason_mapping", "mapping_versions",
              "mapping_categories"}

__all__ = ["EACH", "EACH_DIMENSION", "FILTERS", "FRAME_CALLS", "ITEMS", "NOT_STORED", "OUTREACH_DAYS",
           "OUTREACH_TILES", "RISK_DAYS", "RISK_DRIVER_CUSTOMERS", "RISK_SHOWN",
           "PAGES", "PAGE_CALLS", "PAGE_OF", "FirstOf", "Page", "Section", "page"]


def page(label_or_script: str) -> Page:
    """The page with this navigation label, view name or script path."""
    for p in (*PAGES, IMPORT):
        if label_or_script in (p.label, p.script, p.view):
            return p
    raise KeyError(label_or_script)


