"""What a snapshot's data holds: the facts that decide what it can show.

Real exports lack tables and columns. Computed once when a snapshot is built (build.finalize, and
data.build.upgrade for snapshots built before), and stored in it (table `capabilities`), are the facts
about the data that decide what can be drawn:

- the row count of each table,
- how many rows of each optional column hold a value (a blank text is no value),
- how many distinct values each filter / breakdown dimension has (and whether some rows lack one),
- the first churn date, and churned customers with a reason the mapping knows,
- the shape of churn (`churn_shape`): dated, undated (a churned flag without dates: the file is a
  picture of one moment), mixed (some churned customers dated, some not) or none (no churn at
  all, e.g. an activity export alone), from how many churned customers the import found without
  a date (meta.source "assumed", data/shapes.py).

What each chart, tile, filter and breakdown needs of them, and the line that says what is
missing, is views/needs.py (by the needs of data/needs.py). No streamlit, no queries/ here.

    caps = capabilities.read(con)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import duckdb

from data import shapes

# Bump when compute() changes what it stores: data.build.upgrade then recomputes every kept snapshot.
VERSION = "4"

# Optional columns of docs/definitions.md, Data model whose absence changes what a page can show.
OPTIONAL_COLUMNS = {
    "customers": ("name", "churn_date", "churn_reason", "plan", "mrr", "region", "segment",
                  "industry", "acquisition_channel", "products_count"),
    "tickets": ("first_response_at", "resolved_at", "channel", "category", "priority",
                "agent_replies", "csat", "ces"),
    "activity": ("amount", "kind"),
    "outreach": ("campaign", "responded_at", "actions"),
}
TABLES = ("customers", "tickets", "nps_responses", "mrr_history", "activity", "outreach",
          "churn_reason_categories")

# Dimension -> (table, column). Customer dimensions are the shared filters' (queries.DIMENSIONS
# keys); ticket_* are the Support KPIs breakdowns, outreach_* the Outreach page's.
DIMENSIONS = {
    **{c: ("customers", c) for c in ("plan", "segment", "region", "industry",
                                      "acquisition_channel", "products_count")},
    **{f"ticket_{c}": ("tickets", c) for c in ("channel", "category", "priority")},
    **{f"outreach_{c}": ("outreach", c) for c in ("channel", "campaign")},
}
# Dimensions whose rows without a value are not offered as an 'Unknown' group (the products
# filter takes whole numbers).
NO_UNKNOWN_GROUP = ("products_count",)


# Shapes of churn (Capabilities.churn_shape).
DATED, UNDATED, MIXED, NONE = "dated", "undated", "mixed", "none"


# --- the facts ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Capabilities:
    """Facts about one snapshot's data (see the module docstring); JSON round-trips."""

    tables: dict[str, int] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)      # "tickets.ces" -> rows with a value
    values: dict[str, int] = field(default_factory=dict)       # dimension -> distinct values
    unknown: dict[str, bool] = field(default_factory=dict)     # dimension -> some rows lack one
    first_churn_date: date | None = None
    default_as_of: date | None = None
    churned: int = 0                 # customers churned on or before default_as_of
    churned_with_reason: int = 0     # ... of them with a churn_reason
    churned_reason_mapped: int = 0   # ... with a reason the mapping lists
    churned_undated: int = 0         # ... of them marked churned without a date (the import put
    #                                  them on its as-of date)

    def rows(self, table: str) -> int:
        return int(self.tables.get(table, 0))

    def filled(self, table: str, column: str) -> int:
        return int(self.columns.get(f"{table}.{column}", 0)) if self.rows(table) else 0

    def groups(self, dimension: str) -> int:
        """How many groups a breakdown by this dimension draws ('Unknown' included)."""
        known = int(self.values.get(dimension, 0))
        other = self.unknown.get(dimension, False) and dimension not in NO_UNKNOWN_GROUP
        return known + (1 if other and known else 0)

    @property
    def churned_dated(self) -> int:
        """Churned customers (by default_as_of) whose churn date the files gave."""
        return max(self.churned - self.churned_undated, 0)

    @property
    def churn_shape(self) -> str:
        """What the churn in this data lets a page claim: "dated" (every churned customer has a
        date: monthly churn, retention and their history), "undated" (none has: the churn share
        and retention by tenure, no history), "mixed" (the dated ones keep their history, the
        others are left out of it) or "none" (no customer has churned or has a churn date)."""
        if not self.churned and not self.filled("customers", "churn_date"):
            return NONE
        if not self.churned_undated:
            return DATED
        return MIXED if self.churned_dated else UNDATED

    def churn_by(self, as_of: date) -> bool:
        """Someone churned on or before this date."""
        return self.first_churn_date is not None and self.first_churn_date <= as_of

    def to_json(self) -> str:
        data = dict(self.__dict__)
        for key in ("first_churn_date", "default_as_of"):
            data[key] = data[key].isoformat() if data[key] else None
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Capabilities:
        data = json.loads(text)
        for key in ("first_churn_date", "default_as_of"):
            data[key] = date.fromisoformat(data[key]) if data.get(key) else None
        return cls(**data)


def _has(con, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_name = $t and "
        "table_schema = 'main'", {"t": table}).fetchone()[0])


def compute(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> Capabilities:
    """The facts of the database `con` (read-only is enough). `as_of` defaults to meta's."""
    if as_of is None:
        as_of = con.execute("select default_as_of from meta").fetchone()[0]
    tables = {t: int(con.execute(f"select count(*) from {t}").fetchone()[0])  # allow-listed
              for t in TABLES if _has(con, t)}
    columns: dict[str, int] = {}
    values: dict[str, int] = {}
    unknown: dict[str, bool] = {}
    for table, names in OPTIONAL_COLUMNS.items():
        if not tables.get(table):
            continue
        dims = [(d, c) for d, (t, c) in DIMENSIONS.items() if t == table]
        # A blank text is no value: the importer keeps '' apart from null, the pages must not.
        # (A dimension may be a required column: outreach.channel.) A date or number is never
        # blank: counted as it is, not written out as text first.
        text = {row[0] for row in con.execute(
            "select column_name from duckdb_columns() where table_name = $t and schema_name = 'main' "
            "and database_name = current_database() and data_type = 'VARCHAR'", {"t": table}).fetchall()}
        value = {c: f"nullif(trim({c}), '')" if c in text else c
                 for c in (*names, *(c for _, c in dims))}
        parts = [f"count({value[c]})" for c in names]
        parts += [f"count(distinct {value[c]})" for _, c in dims]
        parts += [f"bool_or({value[c]} is null)" for _, c in dims]
        row = con.execute(f"select {', '.join(parts)} from {table}").fetchone()  # allow-listed
        columns |= {f"{table}.{c}": int(n) for c, n in zip(names, row)}
        values |= {d: int(n) for (d, _), n in zip(dims, row[len(names):])}
        unknown |= {d: bool(u) for (d, _), u in zip(dims, row[len(names) + len(dims):])}
    churn = con.execute(
        """
        select
            min(cust.churn_date),
            count(*) filter (where cust.churn_date <= $as_of),
            count(*) filter (where cust.churn_date <= $as_of
                             and nullif(trim(cust.churn_reason), '') is not null),
            count(*) filter (where cust.churn_date <= $as_of and map.reason_key is not null)
        from customers as cust
        left join churn_reason_categories as map
            on map.reason_key = lower(trim(regexp_replace(cust.churn_reason, '\\s+', ' ', 'g')))
        """,
        {"as_of": as_of},
    ).fetchone()
    return Capabilities(
        tables=tables, columns=columns, values=values, unknown=unknown,
        first_churn_date=churn[0], default_as_of=as_of, churned=int(churn[1]),
        churned_with_reason=int(churn[2]), churned_reason_mapped=int(churn[3]),
        churned_undated=_undated(con, as_of),
    )


def _undated(con, as_of: date) -> int:
    """Customers the import found marked churned without a date and put on its as-of date, when
    that date is on or before `as_of` (0 for a demo, a Spark build, or a snapshot imported before
    the import recorded it: those are read as dated)."""
    source = con.execute("select any_value(source) from meta").fetchone()[0]
    undated = shapes.read_assumptions(source).get("churned_without_date")
    if not undated or date.fromisoformat(undated["date"]) > as_of:
        return 0
    return int(undated["customers"])


def store(con: duckdb.DuckDBPyConnection, caps: Capabilities) -> None:
    con.execute("create or replace table capabilities (version varchar not null, facts json not null)")
    con.execute("insert into capabilities values ($v, $facts)", {"v": VERSION, "facts": caps.to_json()})


def stored_version(con) -> str | None:
    """VERSION of the facts stored in a snapshot (None: none stored, built before)."""
    try:
        row = con.execute("select any_value(version) from capabilities").fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def read(con) -> Capabilities:
    """The stored facts; computed on the spot (read-only) when the snapshot has none of today's
    version, so a page never breaks on a snapshot the upgrade has not reached yet."""
    try:
        row = con.execute("select version, facts from capabilities").fetchone()
    except duckdb.CatalogException:
        row = None
    if row is not None and row[0] == VERSION:
        return Capabilities.from_json(row[1])
    return compute(con)
