"""Value conversions the user asks for or the rules allow: `--values TABLE.COLUMN=RAW:VALUE,...`
(raw values replaced before any check, matched trimmed and in any letter case) and credits (a
negative mrr, counted as 0 with a warning, as a missing one is).

    values = parse(["customers.churned=Joined:active,Left:churned"])
    # {"customers": {"churned": {"joined": "active", "left": "churned"}}}

Raw values and their replacements reach SQL only as bound parameters.
"""

from __future__ import annotations

from data.importer.errors import Pending, show
from data.importer.headers import mapping_problems
from data.importer.rules import FILE_ALIASES, schema_types
from data.importer.staged import StagedFile
from data.words import count

# (table, column) whose negative values are credits: counted as 0, never a reason to refuse a file.
CREDITS = (("customers", "mrr"), ("mrr_history", "mrr"), ("subscriptions", "mrr"))


def parse(items: list[str]) -> dict[str, dict[str, dict[str, str]]]:
    """`TABLE.COLUMN=RAW:VALUE[,RAW:VALUE...]` options -> {table: {column: {raw key: value}}}.
    RAW is matched trimmed and in any case (an empty RAW: blank cells); an empty VALUE: null.
    ValueError names the option that does not read."""
    values: dict[str, dict[str, dict[str, str]]] = {}
    for item in items:
        target, sep, pairs = item.partition("=")
        table, dot, column = target.partition(".")
        if not sep or not dot or not pairs.strip():
            raise ValueError(f"--values {item!r}: expected TABLE.COLUMN=RAW:VALUE[,RAW:VALUE...]")
        table = FILE_ALIASES.get(table.strip(), table.strip())
        column_values = values.setdefault(table, {}).setdefault(column.strip(), {})
        for pair in pairs.split(","):
            raw, colon, value = pair.rpartition(":")
            if not colon:
                raise ValueError(f"--values {item!r}: expected RAW:VALUE, found {pair!r}")
            column_values[raw.strip().lower()] = value.strip()
    return values


def normalise(values: dict | None) -> dict[str, dict[str, dict[str, str]]]:
    """Canonical table keys, raw values trimmed and lower-cased (as they are matched)."""
    return {FILE_ALIASES.get(t, t): {c: {str(r).strip().lower(): str(v).strip() for r, v in m.items()}
                                     for c, m in cols.items()}
            for t, cols in (values or {}).items()}


def problems(values: dict) -> list[Pending]:
    """A --values option naming no table or column of the schema."""
    return mapping_problems(values, "--values ")


def missing(src: StagedFile) -> list[Pending]:
    """A --values option for a column the file does not have."""
    return [Pending(src.key, column, f"a column for --values {src.key}.{column}",
                    "no such column in the file", line=1 if src.kind == "csv" else None)
            for column in src.values
            if column not in src.columns and column in schema_types()[src.key]]


def expression(src: StagedFile, column: str, staged_col: str, params: dict) -> str:
    """The staged text of `column` with the user's values replaced (the text itself when none);
    adds the bound parameters it uses to `params`."""
    pairs = src.values.get(column)
    if not pairs:
        return staged_col
    whens = []
    for raw, value in pairs.items():
        n = len(params)
        params[f"raw{n}"], params[f"value{n}"] = raw, value
        whens.append(f"when lower(trim(coalesce({staged_col}, ''))) = $raw{n} then $value{n}")
    return f"(case {' '.join(whens)} else {staged_col} end)"


def notes(con, src: StagedFile) -> list[str]:
    """One line per --values column: how many cells each raw value replaced (one scan per file).
    Runs on stage_<key>, before typing."""
    wanted = [(column, raw, value) for column, pairs in src.values.items()
              if column in src.columns for raw, value in pairs.items()]
    if not wanted:
        return []
    params = {f"raw{i}": raw for i, (_, raw, _) in enumerate(wanted)}
    counts = con.execute("select " + ", ".join(
        f"count(*) filter (where lower(trim(coalesce({src.columns[column]}, ''))) = $raw{i})"
        for i, (column, _, _) in enumerate(wanted)) + f" from {src.table}", params).fetchone()
    lines = []
    for column in dict.fromkeys(c for c, _, _ in wanted):
        parts = [f"{show(raw) if raw else 'blank'} -> {show(value) if value else 'empty'}: {n:,}"
                 for (c, raw, value), n in zip(wanted, counts) if c == column]
        total = sum(n for (c, _, _), n in zip(wanted, counts) if c == column)
        lines.append(f"{src.key}.{column}: {count(total, 'values')} replaced with --values "
                     f"({'; '.join(parts)})")
    return lines


def credits(con, staged: dict[str, StagedFile]) -> list[str]:
    """Negative amounts of CREDITS set to 0 in the typed tables; one warning per column."""
    warnings = []
    for key, column in CREDITS:
        src = staged.get(key)
        if src is None or column not in src.columns:
            continue
        n, total = con.execute(f"select count(*) filter (where {column} < 0), "
                               f"coalesce(sum({column}) filter (where {column} < 0), 0) "
                               f"from {src.typed}").fetchone()
        if n:
            con.execute(f"update {src.typed} set {column} = 0 where {column} < 0")
            warnings.append(f"{count(n, f'{key}.{column} values')} below 0 (credits, "
                            f"{total:,.2f} in all): counted as 0, as a missing {column} is")
    return warnings
