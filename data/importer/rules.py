"""The importer's rule tables: files and their keys, required and derived columns, how each
schema type is parsed and worded, and the row rules beyond types (data/importer/checks.py runs them).
"""

from __future__ import annotations

import functools

from data import build, outreach_input, shapes


MAX_SHOWN = 50
MAX_TEXT_CHARS = 1_000_000
MAX_LINE_BYTES = 16 * 1024 * 1024
# DuckDB's CSV reader buffer defaults to 16 x max_line_size (1 GiB for 64 MB lines), more than the
# importer's whole DuckDB memory limit: a 2 GB import failed allocating it. Two lines' worth is
# enough for the reader and as fast (measured on 360 MB: 0.65 s vs 0.77 s).
READ_BUFFER_BYTES = 2 * MAX_LINE_BYTES
# Reader errors (wrong field count, bad quoting) recorded per file; more only adds noise.
MAX_READER_ERRORS = 1000

# files keys, in report order; each is the schema table it fills.
FILE_KEYS = ("customers", "tickets", "nps_responses", "mrr_history", "activity", "outreach",
             "subscriptions", "churn_events", "churn_reason_categories")
FILE_ALIASES = {"nps": "nps_responses", "mrr": "mrr_history", "reasons": "churn_reason_categories"}

# docs/definitions.md, Data model: only these columns must be present (and non-empty) in a user's file.
REQUIRED = {
    "customers": ("customer_id", "signup_date"),
    "tickets": ("ticket_id", "customer_id", "created_at"),
    "nps_responses": ("customer_id", "responded_at", "score"),
    "mrr_history": ("customer_id", "month", "mrr"),
    "activity": ("customer_id", "occurred_at"),
    "outreach": outreach_input.REQUIRED,
    "churn_reason_categories": ("reason", "category"),
    **shapes.REQUIRED,
}
# Computed by the importer, never read from a file.
DERIVED = {"churn_reason_categories": ("reason_key",)}

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
# A text file whose header splits on none of DELIMITERS but on runs of blanks (aligned columns).
WHITESPACE = "whitespace"

# Per DuckDB type of a schema column: the parsing macro and the words for a problem.
KINDS = {
    "VARCHAR": (None, "a value"),
    "DATE": ("as_date", "an ISO date YYYY-MM-DD"),
    "TIMESTAMP": ("as_timestamp", "an ISO date-time YYYY-MM-DD HH:MM[:SS]"),
    "INTEGER": ("as_whole", "a whole number"),
    "SMALLINT": ("as_whole", "a whole number"),
    "DECIMAL(12,2)": ("as_money", "a number like 1234.50"),
    "DOUBLE": ("as_number", "a number like 12.5"),
}

# Row rules of the data model (docs/definitions.md) beyond types: (column, expected, other columns
# needed, condition, found), written over typed_<key>, where each column holds its parsed value
# and raw_<column> the text of a typed column. A rule runs only when its columns are in the file;
# a null never breaks it.
RULES = {
    "customers": [
        ("churn_date", "a date on or after signup_date", ("signup_date",), "churn_date < signup_date",
         "shown(raw_churn_date) || ' (signup_date ' || cast(signup_date as varchar) || ')'"),
        ("products_count", "a whole number >= 1", (), "products_count < 1",
         "shown(raw_products_count)"),
    ],
    "tickets": [
        ("first_response_at", "a date-time on or after created_at", ("created_at",),
         "first_response_at < created_at",
         "shown(raw_first_response_at) || ' (created_at ' || cast(created_at as varchar) || ')'"),
        ("resolved_at", "a date-time on or after created_at", ("created_at",),
         "resolved_at < created_at",
         "shown(raw_resolved_at) || ' (created_at ' || cast(created_at as varchar) || ')'"),
        ("agent_replies", "a whole number >= 0", (), "agent_replies < 0", "shown(raw_agent_replies)"),
        ("csat", "a whole number from 1 to 5", (), "csat not between 1 and 5", "shown(raw_csat)"),
        ("ces", "a whole number from 1 to 5", (), "ces not between 1 and 5", "shown(raw_ces)"),
    ],
    "nps_responses": [
        ("score", "a whole number from 0 to 10", (), "score not between 0 and 10", "shown(raw_score)"),
    ],
    "mrr_history": [
        ("month", "the first day of a month YYYY-MM-01", (), "month <> date_trunc('month', month)",
         "shown(raw_month)"),
    ],
    "activity": [
        ("amount", "a number >= 0", (), "amount < 0", "shown(raw_amount)"),
    ],
    "outreach": outreach_input.RULES,
}
for _key, _rules in shapes.RULES.items():
    RULES[_key] = RULES.get(_key, []) + _rules
# Dates outside 1900-2099 are sentinels or typos (9999-12-31 for "never", 0001-01-01 for "unknown"):
# loaded, they would stretch every time axis and the default as-of date.
DATE_RANGE = ("1900-01-01", "2099-12-31")
for _key, _columns in {"customers": ("signup_date", "churn_date"),
                       "tickets": ("created_at", "first_response_at", "resolved_at"),
                       "nps_responses": ("responded_at",), "mrr_history": ("month",),
                       "activity": ("occurred_at",), "outreach": outreach_input.DATE_COLUMNS,
                       **shapes.DATE_COLUMNS}.items():
    _timed = _key in ("tickets", "nps_responses", "activity", "outreach")
    RULES[_key] = RULES.get(_key, []) + [
        (column, f"a date{'-time' if _timed else ''} between "
         f"{DATE_RANGE[0]} and {DATE_RANGE[1]}", (),
         f"cast({column} as date) not between date '{DATE_RANGE[0]}' and date '{DATE_RANGE[1]}'",
         f"shown(raw_{column})")
        for column in _columns
    ]



@functools.cache
def schema_types() -> dict[str, dict[str, str]]:
    """{table: {column: DuckDB type}} of the importable tables, from schema.sql itself."""
    tables = [k for k in FILE_KEYS if k not in shapes.INPUT_TABLES]
    schema: dict[str, dict[str, str]] = {
        table: {column: data_type for column, data_type, _ in columns}
        for table, columns in build.schema_columns().items() if table in tables}
    for table, columns in shapes.INPUT_COLUMNS.items():
        schema.setdefault(table, {}).update(columns)
    return schema
