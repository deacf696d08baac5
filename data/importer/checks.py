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


class Counted(str):
    """A check's SQL that also says how to count its rows cheaply: `where` (a condition over
    `table`, counted with the file's other conditions in one scan by count_rows) or `count` (a
    query of one number, 0 when the check finds nothing). The check itself (window functions,
    sorting, the problems' words) runs only when the count is not 0."""

    table: str | None
    where: str | None
    count: str | None

    def __new__(cls, select: str, table: str | None = None, where: str | None = None,
                count: str | None = None):
        check = super().__new__(cls, select)
        check.table, check.where, check.count = table, where, count
        return check


def rows_where(src: StagedFile, condition: str, found: str) -> Counted:
    return Counted(f"select row_id, {found} as found, null as ref_row from {src.typed} "
                   f"where {condition}", table=src.typed, where=condition)


def count_rows(con, found: list[tuple[str, str, str]]) -> list[int | None]:
    """Per check, 0 when it certainly finds no row (None: not counted, run it). The conditions of
    one table are counted in a single scan; a clean file costs one scan, not one per rule."""
    counts: list[int | None] = [None] * len(found)
    by_table: dict[str, list[int]] = {}
    for i, (_, _, select) in enumerate(found):
        if isinstance(select, Counted) and select.where:
            by_table.setdefault(select.table, []).append(i)
        elif isinstance(select, Counted) and select.count:
            counts[i] = con.execute(select.count).fetchone()[0]
    for table, indexes in by_table.items():
        row = con.execute("select " + ", ".join(
            f"count(*) filter (where {found[i][2].where})" for i in indexes) + f" from {table}").fetchone()
        for i, n in zip(indexes, row):
            counts[i] = n
    return counts


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
            # A typed value is present or its text is kept (rawtext_<c>, data/importer/typed.py):
            # no value's text is made to find the empty ones.
            empty = f"{column} is null and nv(rawtext_{column}) is null" if macro else f"nv({raw}) is null"
            checks.append((column, f"{words} (required)",
                           rows_where(src, empty, "'an empty value'")))
        if column in src.ambiguous:
            continue  # one problem for the whole column, see date_formats
        if macro:
            # Where the value is null, raw_<c> is its kept text (rawtext_<c>): the condition reads
            # that, not raw_<c>, which would write every value of the column as text to test it.
            checks.append((column, words, rows_where(
                src, f"{column} is null and nv(rawtext_{column}) is not null", f"shown({raw})")))
        else:
            checks.append(length_check(src, column, column))
    checks += [length_check(src, header, staged_col) for header, staged_col in src.extras.items()]
    return checks


def length_check(src: StagedFile, column: str, expression: str) -> tuple[str, str, str]:
    return (column, f"text of at most {MAX_TEXT_CHARS:,} characters", rows_where(
        # strlen (bytes, kept with the string) first: a text has no more characters than bytes,
        # so only the rare long one has its characters counted.
        src, f"strlen({expression}) > {MAX_TEXT_CHARS} and length({expression}) > {MAX_TEXT_CHARS}",
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
    # Counted first by a grouping (a hash aggregate): the window below sorts every row. Grouped
    # by the key's 64-bit hash, not its text: equal keys hash alike, so a file with a repeated
    # key is never counted 0; a collision only runs the exact check below, which finds nothing.
    count = (f"select count(*) from (select 1 from {src.typed} where {not_null} "
             f"group by hash({key}) having count(*) > 1)")
    return Counted(f"""
        with ranked as (
            select row_id, {found} as found, min(row_id) over (partition by {key}) as first_row
            from {src.typed} where {not_null}
        )
        select row_id, found || ' again (first on {{ref}})' as found, first_row as ref_row
        from ranked where row_id > first_row""", count=count)


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
