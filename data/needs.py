"""What a chart, tile or filter can need of a snapshot's data, judged against its stored facts
(data/capabilities.py): a table with rows, a column with a value, a breakdown with more than one
group, churn reasons the mapping knows. Which page item needs what is views/catalog.py; the
judging and its words are views/needs.py. No streamlit, no page names here."""

from __future__ import annotations

from dataclasses import dataclass

from data.capabilities import DIMENSIONS, NONE, UNDATED, Capabilities

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
