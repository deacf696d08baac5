"""Check SQL: every rule as one query over typed_<key> yielding (row_id, found, ref_row).
"""

from __future__ import annotations

from data import activity_input, dates, outreach_input, shapes
from data.importer.errors import ImportRejected, Pending
from data.importer.lines import resolve
from data.importer.rules import KINDS, MAX_SHOWN, MAX_TEXT_CHARS, REQUIRED, RULES, schema_types
from data.importer.staged import StagedFile


def checks(st: StagedFile, staged: dict[str, StagedFile]) -> list[tuple[str, str, str]]:
    """Every check of one staged file as (column, expected, SQL of (row_id, found, ref_row))."""
    return (type_checks(st) + rule_checks(st) + key_checks(st)
            + orphan_checks(st, staged.get("customers")) + activity_input.checks(st, staged)
            + outreach_input.checks(st, staged))


def rows_where(st: StagedFile, condition: str, found: str) -> str:
    return f"select row_id, {found} as found, null as ref_row from {st.typed} where {condition}"


def type_checks(st: StagedFile) -> list[tuple[str, str, str]]:
    types = schema_types()[st.key]
    checks = []
    signup = shapes.signup_check(st.columns) if st.key == "customers" else None
    if signup:
        column, expected, condition = signup
        checks.append((column, expected, rows_where(st, condition, "'an empty value'")))
    for column in st.columns:
        macro, words = KINDS[types[column]]
        if column in st.formats:
            words = dates.words(st.formats[column], types[column] == "TIMESTAMP")
        raw = f"raw_{column}" if macro else column
        if column in REQUIRED[st.key] and not (signup and column == "signup_date"):
            checks.append((column, f"{words} (required)",
                           rows_where(st, f"nv({raw}) is null", "'an empty value'")))
        if column in st.ambiguous:
            continue  # one problem for the whole column, see date_formats
        if macro:
            checks.append((column, words, rows_where(
                st, f"{column} is null and nv({raw}) is not null", f"shown({raw})")))
        else:
            checks.append(length_check(st, column, column))
    checks += [length_check(st, header, staged_col) for header, staged_col in st.extras.items()]
    return checks


def length_check(st: StagedFile, column: str, expression: str) -> tuple[str, str, str]:
    return (column, f"text of at most {MAX_TEXT_CHARS:,} characters", rows_where(
        st, f"length({expression}) > {MAX_TEXT_CHARS}",
        f"'a value of ' || format('{{:,}}', length({expression})) || ' characters'"))


def rule_checks(st: StagedFile) -> list[tuple[str, str, str]]:
    return [
        (column, expected, rows_where(st, condition, found))
        for column, expected, others, condition, found in RULES.get(st.key, [])
        if column in st.columns and set(others) <= set(st.columns)
    ]


def key_checks(st: StagedFile) -> list[tuple[str, str, str]]:
    """Unique ids, one MRR row per customer and month, one category per churn reason."""
    if st.key in ("customers", "tickets"):
        column = "customer_id" if st.key == "customers" else "ticket_id"
        return [(column, f"a unique {column}", duplicates(st, column, f"shown({column})"))]
    if st.key == "mrr_history":
        found = "'customer ' || shown(customer_id) || ' month ' || cast(month as varchar)"
        return [("month", "one row per customer and month",
                 duplicates(st, "customer_id, month", found))]
    if st.key == "churn_reason_categories":
        select = f"""
            with keyed as (
                select row_id, reason_key(reason) as k, trim(category) as category
                from {st.typed} where nv(reason) is not null and nv(category) is not null
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


def duplicates(st: StagedFile, key: str, found: str) -> str:
    """Every row after the first with the same key (no part of it null)."""
    not_null = " and ".join(f"{part} is not null" for part in key.split(", "))
    return f"""
        with ranked as (
            select row_id, {found} as found, min(row_id) over (partition by {key}) as first_row
            from {st.typed} where {not_null}
        )
        select row_id, found || ' again (first on {{ref}})' as found, first_row as ref_row
        from ranked where row_id > first_row"""


def orphan_checks(st: StagedFile, customers: StagedFile | None) -> list[tuple[str, str, str]]:
    """tickets / NPS / MRR / activity / outreach rows whose customer_id is not in the customers file."""
    if st.key not in ("tickets", "nps_responses", "mrr_history", "activity", "outreach",
                      *shapes.INPUT_TABLES) \
            or "customer_id" not in st.columns:
        return []
    if customers is None or not customers.usable or not customers.rows:
        return []  # the customers file has its own problems; orphans would only be noise
    select = f"""
        select row_id, shown(customer_id) as found, null as ref_row from {st.typed} as own
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
