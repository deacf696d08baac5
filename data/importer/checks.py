"""Check SQL: every rule as one query over typed_<key> yielding (row_id, found, ref_row).
"""

from __future__ import annotations

from data import activity_input, dates, outreach_input, shapes
from data.importer.errors import ImportRejected, Pending
from data.importer.lines import resolve
from data.importer.rules import KINDS, MAX_SHOWN, MAX_TEXT_CHARS, REQUIRED, RULES, schema_types
from data.importer.staged import StagedFile


def checks(src: StagedFile, staged: dict[str, StagedFile]) -> list[tuple[str, str, str]]:
    """Every check of one staged file as (column, expected, SQL of (row_id, found, ref_row))."""
    return (type_checks(src) + rule_checks(src) + key_checks(src)
            + orphan_checks(src, staged.get("customers")) + activity_input.checks(src, staged)
            + outreach_input.checks(src, staged))


def rows_where(src: StagedFile, condition: str, found: str) -> str:
    return f"select row_id, {found} as found, null as ref_row from {src.typed} where {condition}"


def type_checks(src: StagedFile) -> list[tuple[str, str, str]]:
    types = schema_types()[src.key]
    checks = []
    signup = shapes.signup_check(src.columns) if src.key == "customers" else None
    if signup:
        column, expected, condition = signup
        checks.append((column, expected, rows_where(src, condition, "'an empty value'")))
    for column in src.columns:
        macro, words = KINDS[types[column]]
        if column in src.formats:
            words = dates.words(src.formats[column], types[column] == "TIMESTAMP")
        raw = f"raw_{column}" if macro else column
        if column in REQUIRED[src.key] and not (signup and column == "signup_date"):
            checks.append((column, f"{words} (required)",
                           rows_where(src, f"nv({raw}) is null", "'an empty value'")))
        if column in src.ambiguous:
            continue  # one problem for the whole column, see date_formats
        if macro:
            checks.append((column, words, rows_where(
                src, f"{column} is null and nv({raw}) is not null", f"shown({raw})")))
        else:
            checks.append(length_check(src, column, column))
    checks += [length_check(src, header, staged_col) for header, staged_col in src.extras.items()]
    return checks


def length_check(src: StagedFile, column: str, expression: str) -> tuple[str, str, str]:
    return (column, f"text of at most {MAX_TEXT_CHARS:,} characters", rows_where(
        src, f"length({expression}) > {MAX_TEXT_CHARS}",
        f"'a value of ' || format('{{:,}}', length({expression})) || ' characters'"))


def rule_checks(src: StagedFile) -> list[tuple[str, str, str]]:
    return [
        (column, expected, rows_where(src, condition, found))
        for column, expected, others, condition, found in RULES.get(src.key, [])
        if column in src.columns and set(others) <= set(src.columns)
    ]


def key_checks(src: StagedFile) -> list[tuple[str, str, str]]:
    """Unique ids, one MRR row per customer and month, one category per churn reason."""
    if src.key in ("customers", "tickets"):
        column = "customer_id" if src.key == "customers" else "ticket_id"
        return [(column, f"a unique {column}", duplicates(src, column, f"shown({column})"))]
    if src.key == "mrr_history":
        found = "'customer ' || shown(customer_id) || ' month ' || cast(month as varchar)"
        return [("month", "one row per customer and month",
                 duplicates(src, "customer_id, month", found))]
    if src.key == "churn_reason_categories":
        select = f"""
            with keyed as (
                select row_id, reason_key(reason) as k, trim(category) as category
                from {src.typed} where nv(reason) is not null and nv(category) is not null
            ),
            ranked as (
                select *, first_value(row_id) over w as first_row,
                       first_value(category) over w as first_category
                from keyed window w as (partition by k order by row_id)
            )
            select row_id, shown(category) || ' for reason ' || shown(k)
                           || ' ({{ref}} maps it to ' || shown(first_category) || ')' as found,
                   first_row as ref_row
            from ranked where category <> first_category"""
        return [("category", "one category per reason", select)]
    return []


def duplicates(src: StagedFile, key: str, found: str) -> str:
    """Every row after the first with the same key (no part of it null)."""
    not_null = " and ".join(f"{part} is not null" for part in key.split(", "))
    return f"""
        with ranked as (
            select row_id, {found} as found, min(row_id) over (partition by {key}) as first_row
            from {src.typed} where {not_null}
        )
        select row_id, found || ' again (first on {{ref}})' as found, first_row as ref_row
        from ranked where row_id > first_row"""


def orphan_checks(src: StagedFile, customers: StagedFile | None) -> list[tuple[str, str, str]]:
    """tickets / NPS / MRR / activity / outreach rows whose customer_id is not in the customers file."""
    if src.key not in ("tickets", "nps_responses", "mrr_history", "activity", "outreach",
                      *shapes.INPUT_TABLES) \
            or "customer_id" not in src.columns:
        return []
    if customers is None or not customers.usable or not customers.rows:
        return []  # the customers file has its own problems; orphans would only be noise
    select = f"""
        select row_id, shown(customer_id) as found, null as ref_row from {src.typed} as own
        where customer_id is not null and not exists (
            select 1 from {customers.typed} as cust where cust.customer_id = own.customer_id)"""
    return [("customer_id", "a customer_id present in the customers file", select)]


def run_check(con, select: str) -> tuple[int, list[tuple]]:
    """(number of offending rows, the first MAX_SHOWN as (row, found, ref_row))."""
    rows = con.execute(
        f"select row_id, found, ref_row, count(*) over () from ({select}) "
        f"order by row_id limit {MAX_SHOWN}"
    ).fetchall()
    return (rows[0][3] if rows else 0), [row[:3] for row in rows]


def post_checks(con, staged: dict[str, StagedFile]) -> None:
    """Rules only the converted values can break (a churn date before a signup date computed
    from tenure); ImportRejected naming the file and line, like every other problem."""
    pending, total = [], 0
    for key, column, expected, select in (shapes.post_checks(staged)
                                          + outreach_input.post_checks(staged)):
        count, shown = run_check(con, select)
        total += count
        pending += [Pending(key, column, expected, found, row=row) for row, found, _ in shown]
    if pending:
        raise ImportRejected(resolve(pending, staged), total)
