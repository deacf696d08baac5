"""What each chart, tile, filter and breakdown choice needs of a snapshot's data (ITEMS), judged
against its stored facts (data/capabilities.py): the one place that knows what a snapshot can show.

Pages, the board pack and the Data page ask `line(caps, key)`: None when the item can be drawn,
else the one line that says which file or column would fill it. `describe(caps)` lists every item
with ✓ or that line, for the Data page and the importer's printed summary. No streamlit, no
queries/ here.

    caps = capabilities.read(con)
    needs.line(caps, "support.ces")
    # 'Add `ces` to your tickets file to see customer effort — README, Your data'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from data.capabilities import DIMENSIONS, MIXED, NONE, UNDATED, Capabilities
from data.words import count

README = "README, Your data"
FILE_WORDS = {
    "tickets": "a tickets file (`--tickets`)",
    "nps_responses": "an NPS file (`--nps`)",
    "mrr_history": "an MRR history file (`--mrr`)",
    "activity": "an activity file (`--activity`: purchases, logins or feature use)",
    "outreach": ("an outreach file (`--outreach FILE`: customer_id, contacted_at, channel, "
                 "responded_at, optionally campaign and actions)"),
}


@dataclass(frozen=True)
class Need:
    """One thing an item needs: a table with rows, a column with a value, a breakdown with more
    than one group (any of `dims`), or churned customers whose reasons the mapping knows."""

    kind: str                      # "table" | "column" | "split" | "mapped" | a SHAPES key
    table: str = ""
    column: str = ""
    dims: tuple[str, ...] = ()

    def met(self, caps: Capabilities) -> bool:
        if self.kind == "table":
            return caps.rows(self.table) > 0
        if self.kind == "column":
            return caps.filled(self.table, self.column) > 0
        if self.kind == "split":
            return any(caps.groups(d) > 1 for d in self.dims)
        if self.kind == "mapped":
            return caps.churned_with_reason == 0 or caps.churned_reason_mapped > 0
        if self.kind in SHAPES:
            return SHAPES[self.kind](caps.churn_shape)
        raise ValueError(f"unknown need {self.kind!r}")

    def fix(self, caps: Capabilities) -> str:
        """What would fill it, as the start of a sentence."""
        if self.kind == "table":
            return f"Add {FILE_WORDS.get(self.table, f'a {self.table} file')}"
        if self.kind == "column" and (self.table, self.column) == ("customers", "churn_date") \
                and caps.rows("activity"):
            return ("Add `churn_date` to your customers file (or import with `--inactive-days N`: "
                    "a customer churns N days after their last activity)")
        if self.kind == "column":
            return _add_column(caps, self.table, self.column)
        if self.kind == "dated":
            return ("Your churned customers have no churn date (a churned flag only): add "
                    "`churn_date` to your customers file or churn events (`--churn-events`)")
        if self.kind in SHAPES:
            return "Not for this shape of churn"
        if self.kind == "split":
            table = DIMENSIONS[self.dims[0]][0]
            names = [DIMENSIONS[d][1] for d in self.dims]
            if len(names) > 1:
                listed = ", ".join(f"`{n}`" for n in names[:-1]) + f" or `{names[-1]}`"
                return f"Add {listed} with more than one value to your {table} file"
            if caps.rows(table) and caps.values.get(self.dims[0], 0):
                return f"Every row of your {table} file has the same `{names[0]}`: add more values"
            return _add_column(caps, table, names[0])
        return ("None of the churn reasons matches the reason mapping: map them (Reason mapping "
                "page, or a reasons file `--reasons`)")


def _add_column(caps: Capabilities, table: str, column: str) -> str:
    if not caps.rows(table) and table in FILE_WORDS:
        return f"Add {FILE_WORDS[table]} with `{column}`"
    return f"Add `{column}` to your {table} file"


def table(name: str) -> Need:
    return Need("table", name)


def column(name: str) -> Need:
    t, c = name.split(".")
    return Need("column", t, c)


def split(*dimensions: str) -> Need:
    """A breakdown by one of these dimensions draws more than one group: something to compare."""
    return Need("split", DIMENSIONS[dimensions[0]][0], dims=dimensions)


# Needs on the shape of churn (Capabilities.churn_shape). "dated": a monthly history of churn and
# retention (not drawn when no churned customer has a date: such a file is a picture of one
# moment). "undated" and "no_churn": what such data shows in place of that history (the churn
# share and retention by tenure; activity tiles): replacements, never listed as missing.
SHAPES = {
    "dated": lambda shape: shape != UNDATED,
    "undated": lambda shape: shape == UNDATED,
    "no_churn": lambda shape: shape == NONE,
}
REPLACEMENTS = ("undated", "no_churn")
DATED = Need("dated")
UNDATED_ONLY = Need("undated")
NO_CHURN = Need("no_churn")
MAPPED = Need("mapped")
TICKETS = table("tickets")
ACTIVITY = table("activity")
OUTREACH = table("outreach")
RESPONSES = column("outreach.responded_at")
CHURN = column("customers.churn_date")
HISTORY = (CHURN, DATED)
REASONS = (CHURN, column("customers.churn_reason"), MAPPED)


@dataclass(frozen=True)
class Item:
    page: str
    label: str                   # what it shows, in words ("customer effort")
    needs: tuple[Need, ...]
    kind: str = "chart"          # chart | tile | filter | choice | option (one of a choice's
    #                              values) | section (a page part's items, said once)
    churn: bool = False          # also needs churn on or before the as-of date


# key -> Item, in page order. Keys are "<page>.<item>"; filters are "filter.<URL parameter>".
ITEMS: dict[str, Item] = {
    # Overview
    "overview.tile.active_customers": Item("Overview", "active customers", (), "tile"),
    "overview.tile.churn_rate_pct": Item("Overview", "churn rate", HISTORY, "tile"),
    "overview.tile.crr_pct": Item("Overview", "customer retention rate", HISTORY, "tile"),
    "overview.tile.mrr": Item("Overview", "MRR", (column("customers.mrr"),), "tile"),
    "overview.tile.nrr_pct": Item("Overview", "net revenue retention", (table("mrr_history"),),
                                  "tile"),
    "overview.tile.csat_pct": Item("Overview", "CSAT", (TICKETS, column("tickets.csat")), "tile"),
    "overview.tile.frt_median_h": Item("Overview", "first response time",
                                       (TICKETS, column("tickets.first_response_at")), "tile"),
    "overview.tile.nps": Item("Overview", "NPS", (table("nps_responses"),), "tile"),
    "overview.tile.clv": Item("Overview", "lifetime value", (*HISTORY, column("customers.mrr")),
                              "tile"),
    "overview.churn_rate": Item("Overview", "the monthly churn rate", HISTORY),
    # Churn without dates: the share of the file's customers who churned, and retention by tenure.
    "overview.tile.churn_share": Item("Overview", "the churn share", (UNDATED_ONLY, CHURN), "tile"),
    "overview.tenure_retention": Item("Overview", "retention by tenure", (UNDATED_ONLY, CHURN)),
    # No churn at all (an activity export alone): customers active and returning per month.
    "overview.activity": Item("Overview", "activity tiles (active and returning customers)",
                              (NO_CHURN, ACTIVITY), "tile"),
    "overview.churn_reasons": Item("Overview", "the top churn reasons", REASONS, churn=True),
    # Cohorts
    "cohorts.heatmap": Item("Cohorts", "the retention triangle", HISTORY),
    "cohorts.curves": Item("Cohorts", "retention curves", HISTORY),
    "cohorts.tenure_retention": Item("Cohorts", "retention by tenure", (UNDATED_ONLY, CHURN)),
    "cohorts.tenure_compare": Item("Cohorts", "churn share and retention by tenure by group",
                                   (UNDATED_ONLY, CHURN,
                                    split("plan", "segment", "region", "industry",
                                          "acquisition_channel", "products_count"))),
    "cohorts.compare": Item("Cohorts", "retention compared by group",
                            (*HISTORY, split("plan", "segment", "region", "industry",
                                          "acquisition_channel", "products_count"))),
    **{f"cohorts.by.{d}": Item("Cohorts", f"retention by {d.replace('_', ' ')}", (CHURN, split(d)),
                               "option")
       for d in ("plan", "segment", "region", "industry", "acquisition_channel", "products_count")},
    "cohorts.by.early_tickets": Item("Cohorts", "retention by early tickets", (CHURN, TICKETS),
                                     "option"),
    "cohorts.by.early_csat": Item("Cohorts", "retention by early CSAT",
                                  (CHURN, TICKETS, column("tickets.csat")), "option"),
    "cohorts.month_k": Item("Cohorts", "retention at one age across cohorts", HISTORY),
    "cohorts.customers": Item("Cohorts", "the customers behind a cell", ()),
    "cohorts.basis_mrr": Item("Cohorts", "MRR-weighted retention",
                              (column("customers.mrr"), DATED), "choice"),
    "cohorts.basis_activity": Item("Cohorts", "activity retention (customers who came back)",
                                   (ACTIVITY,), "choice"),
    "cohorts.compare_activity": Item("Cohorts", "activity retention compared by group",
                                     (ACTIVITY, split("plan", "segment", "region", "industry",
                                                      "acquisition_channel", "products_count"))),
    "cohorts.activity_revenue": Item("Cohorts", "revenue per customer by age",
                                     (ACTIVITY, column("activity.amount"))),
    # Churn reasons
    "churn.lost": Item("Churn reasons", "customers lost", (CHURN,), "tile", churn=True),
    "churn.mrr_lost": Item("Churn reasons", "MRR lost", (CHURN, column("customers.mrr")), "tile",
                           churn=True),
    "churn.by_category": Item("Churn reasons", "customers lost by reason", REASONS, churn=True),
    "churn.mrr_by_category": Item("Churn reasons", "MRR lost by reason",
                                  (*REASONS, column("customers.mrr")), churn=True),
    "churn.owners": Item("Churn reasons", "which team owns the fix", REASONS, "tile", churn=True),
    "churn.trend": Item("Churn reasons", "churn reasons over time", (*REASONS, DATED),
                        churn=True),
    "churn.by_segment": Item("Churn reasons", "the reason mix by segment",
                             (*REASONS, split("segment")), churn=True),
    "churn.raw": Item("Churn reasons", "the raw reasons behind a category",
                      (CHURN, column("customers.churn_reason")), churn=True),
    # Support KPIs
    "support.tickets": Item("Support KPIs", "support KPIs", (TICKETS,), "section"),
    "support.frt": Item("Support KPIs", "first response time",
                        (TICKETS, column("tickets.first_response_at"))),
    "support.resolution": Item("Support KPIs", "resolution time",
                               (TICKETS, column("tickets.resolved_at"))),
    "support.csat": Item("Support KPIs", "CSAT", (TICKETS, column("tickets.csat"))),
    "support.ces": Item("Support KPIs", "customer effort", (TICKETS, column("tickets.ces"))),
    "support.one_touch": Item("Support KPIs", "one-touch resolution",
                              (TICKETS, column("tickets.resolved_at"),
                               column("tickets.agent_replies"))),
    "support.nps": Item("Support KPIs", "the net promoter score", (table("nps_responses"),)),
    "support.volume": Item("Support KPIs", "ticket volume", (TICKETS,)),
    "support.backlog": Item("Support KPIs", "the backlog", (TICKETS, column("tickets.resolved_at"))),
    "support.priority": Item("Support KPIs", "times and targets per priority",
                             (TICKETS, column("tickets.priority")), "choice"),
    "support.by.channel": Item("Support KPIs", "a breakdown by channel",
                               (TICKETS, split("ticket_channel")), "choice"),
    "support.by.category": Item("Support KPIs", "a breakdown by ticket category",
                                (TICKETS, split("ticket_category")), "choice"),
    "support.by.priority": Item("Support KPIs", "a breakdown by priority",
                                (TICKETS, split("ticket_priority")), "choice"),
    # Support x retention
    "support_x.early": Item("Support × retention", "retention by early support experience",
                            (CHURN, TICKETS), "section"),
    "support_x.early_tickets": Item("Support × retention",
                                    "retention by tickets in the first 90 days", (CHURN, TICKETS)),
    "support_x.early_frt_sla": Item("Support × retention",
                                    "retention by first-response target in the first 90 days",
                                    (CHURN, TICKETS, column("tickets.first_response_at"))),
    "support_x.early_csat": Item("Support × retention", "retention by CSAT in the first 90 days",
                                 (CHURN, TICKETS, column("tickets.csat"))),
    "support_x.products": Item("Support × retention", "two-year retention by products held",
                               (*HISTORY, column("customers.products_count"))),
    "support_x.expansion": Item("Support × retention", "two-year retention by early expansion",
                                (*HISTORY, table("mrr_history"))),
    "support_x.pre_churn": Item("Support × retention", "support in the 90 days before churn",
                                (*HISTORY, TICKETS), churn=True),
    "support_x.pre_churn_activity": Item("Support × retention",
                                         "activity in the 90 days before churn",
                                         (*HISTORY, ACTIVITY), churn=True),
    # Outreach: shown only when the snapshot has contacts.
    "outreach.contacts": Item("Outreach", "outreach: response rates, actions and retention of "
                              "contacted customers", (OUTREACH,), "section"),
    "outreach.tile.contacts": Item("Outreach", "contacts", (OUTREACH,), "tile"),
    "outreach.tile.response_rate_pct": Item("Outreach", "response rate", (OUTREACH, RESPONSES),
                                            "tile"),
    "outreach.tile.actions_per_response": Item("Outreach", "actions per engagement",
                                               (OUTREACH, RESPONSES,
                                                column("outreach.actions")), "tile"),
    "outreach.tile.retention_gap_pct": Item("Outreach", "the 90-day retention gap",
                                            (*HISTORY, OUTREACH), "tile"),
    "outreach.response_rate": Item("Outreach", "response rate over time", (OUTREACH, RESPONSES)),
    "outreach.by.channel": Item("Outreach", "response rate by channel",
                                (OUTREACH, RESPONSES, split("outreach_channel")), "choice"),
    "outreach.campaigns": Item("Outreach", "the campaigns table",
                               (OUTREACH, column("outreach.campaign"))),
    "outreach.retention": Item("Outreach", "retention of contacted and not contacted customers",
                               (*HISTORY, OUTREACH)),
    # Shared filters (sidebar): a filter over a dimension without values is not drawn.
    "filter.plan": Item("Filters", "the plan filter", (column("customers.plan"),), "filter"),
    "filter.segment": Item("Filters", "the segment filter", (column("customers.segment"),),
                           "filter"),
    "filter.region": Item("Filters", "the region filter", (column("customers.region"),), "filter"),
    "filter.industry": Item("Filters", "the industry filter", (column("customers.industry"),),
                            "filter"),
    "filter.channel": Item("Filters", "the acquisition channel filter",
                           (column("customers.acquisition_channel"),), "filter"),
    "filter.products": Item("Filters", "the products held filter",
                            (column("customers.products_count"),), "filter"),
    "filter.early_tickets": Item("Filters", "the early tickets filter", (TICKETS,), "filter"),
    "filter.early_csat": Item("Filters", "the early CSAT filter",
                              (TICKETS, column("tickets.csat")), "filter"),
}

# Compare-by choices of the Cohorts page: dimension -> need (more than one group).
COMPARE = {d: split(d) for d in ("plan", "segment", "region", "industry", "acquisition_channel",
                                 "products_count")}


def missing(caps: Capabilities, key: str) -> Need | None:
    """The first need of ITEMS[key] the data does not meet, or None."""
    for need in ITEMS[key].needs:
        if not need.met(caps):
            return need
    return None


def shows(caps: Capabilities, key: str) -> bool:
    return missing(caps, key) is None


def line(caps: Capabilities, key: str) -> str | None:
    """None when the item can be drawn; else one line naming the file or column that would
    fill it: 'Add `ces` to your tickets file to see customer effort — README, Your data'."""
    need = missing(caps, key)
    if need is None:
        return None
    return f"{need.fix(caps)} to see {ITEMS[key].label} — {README}"


def lines(caps: Capabilities, keys) -> list[str]:
    """One line per missing thing for several items (a row of tiles): items that the same file
    or column would fill share a line ('Add a tickets file (`--tickets`) to see CSAT and first
    response time — …')."""
    by_fix: dict[str, list[str]] = {}
    for key in keys:
        need = missing(caps, key)
        if need is not None and need.kind not in REPLACEMENTS:
            by_fix.setdefault(need.fix(caps), []).append(ITEMS[key].label)
    return [f"{fix} to see {_and(labels)} — {README}" for fix, labels in by_fix.items()]


def _and(words: list[str]) -> str:
    words = list(dict.fromkeys(words))  # a tile and a chart of the same thing: named once
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def no_churn(as_of: date, filtered: bool = False) -> str:
    """Data present, no event yet: the message for a churn chart with nothing to draw."""
    who = " among these customers" if filtered else ""
    return f"No churn{who} up to {as_of:%d %b %Y}"


OK, ABSENT, NOT_YET = "ok", "absent", "not yet"


def status(caps: Capabilities, key: str, as_of: date | None = None) -> tuple[str, str]:
    """(OK, ''), (ABSENT, what would fill it) or (NOT_YET, the no-churn message) for one item."""
    need = missing(caps, key)
    if need is not None:
        return ABSENT, need.fix(caps)
    as_of = as_of or caps.default_as_of
    if ITEMS[key].churn and as_of is not None and not caps.churn_by(as_of):
        return NOT_YET, no_churn(as_of)
    return OK, ""


def report(caps: Capabilities, as_of: date | None = None) -> list[tuple[str, str, str, str]]:
    """(page, what it shows, state, words) for every chart, tile and choice of every page."""
    out = []
    for key, item in ITEMS.items():
        need = missing(caps, key)
        if need is not None and need.kind in REPLACEMENTS:
            continue  # drawn in place of what this shape of churn cannot show
        if item.kind not in ("filter", "section", "option"):
            state, words = status(caps, key, as_of)
            label = item.label.removeprefix("the ")
            out.append((item.page, label[0].upper() + label[1:], state, words))
    return out


MARKS = {OK: "✓", ABSENT: "✗", NOT_YET: "–"}


def shape_line(caps: Capabilities) -> str:
    """What the shape of churn (Capabilities.churn_shape) lets the pages show, in one line."""
    shape, dated, undated = caps.churn_shape, caps.churned_dated, caps.churned_undated
    if shape == UNDATED:
        return (f"Churn without dates: {count(undated, 'churned customers')}, none with a churn "
                "date — the churn share and retention by tenure (Kaplan–Meier over tenure "
                "months), by every dimension; no monthly churn, retention or MRR history")
    if shape == MIXED:
        return (f"Churn partly dated: the monthly history of the {count(dated, 'churned customers')}"
                f" with a churn date; {undated:,} without one left out of every number")
    if shape == NONE:
        return ("No churn: no customer has churned or has a churn date — activity retention "
                "(who came back) when there is activity; `--inactive-days N` turns inactivity "
                "into churn")
    return (f"Dated churn: {count(dated, 'churned customers')} with a churn date — monthly "
            "churn, retention and their history")


def describe(caps: Capabilities, as_of: date | None = None) -> list[str]:
    """What this data can show, one line per page item ('✓ Support KPIs: CSAT', '✗ Support KPIs:
    Customer effort — add `ces` to your tickets file', '– Churn reasons: Customers lost — no churn
    up to 30 Sep 2024'). The Data page shows the same list; the importer prints it."""
    return [f"{shape_line(caps)}."] + [
        f"{MARKS[state]} {page}: {label}" + (f" — {words[0].lower()}{words[1:]}" if words else "")
        for page, label, state, words in report(caps, as_of)]


def left_out(caps: Capabilities, keys) -> str | None:
    """One line for everything a document leaves out for lack of data, or None: 'Left out for
    lack of data: CSAT and first response time (add a tickets file (`--tickets`)); NPS (add an
    NPS file (`--nps`)) — README, Your data.'"""
    by_fix: dict[str, list[str]] = {}
    for key in dict.fromkeys(keys):
        need = missing(caps, key)
        if need is not None and need.kind not in REPLACEMENTS:
            by_fix.setdefault(need.fix(caps), []).append(ITEMS[key].label)
    if not by_fix:
        return None
    parts = [f"{_and(labels)} ({fix[0].lower()}{fix[1:]})" for fix, labels in by_fix.items()]
    return f"Left out for lack of data: {'; '.join(parts)} — {README}."


def by_page(caps: Capabilities, as_of: date | None = None) -> dict[str, tuple[list[str], list[str]]]:
    """describe() grouped for reading: page -> (what it shows, [what it cannot show, and why])."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for page, label, state, words in report(caps, as_of):
        shown, not_shown = out.setdefault(page, ([], []))
        if state == OK:
            shown.append(label)
        else:
            not_shown.append(f"{MARKS[state]} {label} — {words[0].lower()}{words[1:]}")
    return out
