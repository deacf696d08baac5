"""Header matching: a file's headers to the schema's columns (by name, case-insensitive, or by
--map TABLE.COLUMN=Header); other headers are kept as extra columns.
"""

from __future__ import annotations

from data import shapes
from data.importer.errors import Pending, file_problem, show
from data.importer.rules import DERIVED, FILE_ALIASES, FILE_KEYS, REQUIRED, schema_types
from data.importer.staged import StagedFile


def match_headers(src: StagedFile, mapping: dict[str, str]) -> list[Pending]:
    """Fill src.columns / src.extras from the headers; problems for missing or ambiguous ones."""
    schema = [c for c in schema_types()[src.key] if c not in DERIVED.get(src.key, ())]
    mapped_headers = set(mapping.values())
    problems = []
    header_line = 1 if src.kind == "csv" else None
    seen: dict[str, str] = {}
    for i, raw in enumerate(src.headers, 1):
        header = raw.strip() or f"column_{i}"
        fold = header.lower()
        if fold in seen:
            problems.append(file_problem(src, header, "each column name once",
                                          f"{show(seen[fold])} and {show(raw)}", header_line))
            continue
        seen[fold] = raw
        # One header may feed several columns (a ticket id that is also its customer's id).
        targets = [c for c, h in mapping.items() if h == raw or h.strip().lower() == fold]
        if not targets and fold in schema and raw not in mapped_headers:
            if fold in mapping:
                problems.append(file_problem(
                    src, fold, f"one column for {fold}",
                    f"{show(raw)} and the mapped {show(mapping[fold])}", header_line))
                continue
            targets = [fold]
        for target in targets:
            src.columns[target] = f"c{i}"
        if not targets and fold not in DERIVED.get(src.key, ()):
            src.extras[header] = f"c{i}"
    _mapped_time_wins(src, mapping)
    listed = "columns " + ", ".join(show(h) for h in src.headers) if src.headers else "no columns"
    required = tuple(shapes.required_missing(src.key, src.columns)) if src.key in (
        "customers", *shapes.INPUT_TABLES) else tuple(c for c in REQUIRED[src.key] if c not in src.columns)
    required = tuple(c for c in required if c not in src.optional)
    for column in dict.fromkeys(required + tuple(c for c in mapping if c in schema)):
        if column not in src.columns:
            wanted = (f"a column named {show(mapping[column])} (mapped to {column})"
                      if column in mapping else f"a column named {column}")
            problems.append(file_problem(src, column, wanted, listed, header_line))
    return problems


def _mapped_time_wins(src: StagedFile, mapping: dict[str, str]) -> None:
    """A timestamp the user mapped switches off a duration column matched by its name alone
    (kept as an extra column), so both are never given for the same thing."""
    for target, units in shapes.DURATIONS.items():
        if src.key != "tickets" or target not in mapping:
            continue
        for unit in units:
            if unit in src.columns and unit not in mapping:
                staged_col = src.columns.pop(unit)
                header = src.headers[int(staged_col[1:]) - 1]
                src.extras[header.strip()] = staged_col
                src.notes.append(f"tickets.{target} read from the mapped column "
                                 f"{show(mapping[target])}; the column {show(header)} was not "
                                 f"used for it")


def normalise_mapping(mapping: dict[str, dict[str, str]] | None) -> dict[str, dict[str, str]]:
    return {FILE_ALIASES.get(t, t): dict(cols) for t, cols in (mapping or {}).items()}


def valid_mapping(key: str, mapping: dict[str, dict[str, str]]) -> dict[str, str]:
    """The entries of `mapping` for this file that name a real column (others are problems)."""
    allowed = schema_types()[key]
    return {column: header for column, header in mapping.get(key, {}).items()
            if column in allowed and column not in DERIVED.get(key, ())}


def mapping_problems(mapping: dict[str, dict], option: str = "") -> list[Pending]:
    """A --map (or, with `option` "--values ", a --values) option naming no table or column of
    the schema."""
    problems = []
    for table, columns in mapping.items():
        if table not in FILE_KEYS:
            problems.append(Pending("mapping", f"{option}{table}",
                                    f"a table of {', '.join(FILE_KEYS)}", show(table)))
            continue
        allowed = [c for c in schema_types()[table] if c not in DERIVED.get(table, ())]
        for column in columns:
            if column not in allowed:
                problems.append(Pending("mapping", f"{option}{table}.{column}",
                                        f"a column of {table}: {', '.join(allowed)}",
                                        show(column)))
    return problems
