"""Line numbers: staged rows and reader byte offsets back to the physical lines of the file, for
the problems shown only (header = line 1; a value with quoted newlines spans several lines).
"""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

from data.importer.errors import Pending, Problem
from data.importer.rules import FILE_KEYS, MAX_LINE_BYTES, MAX_SHOWN, WHITESPACE
from data.importer.staged import StagedFile


def resolve(pending: list[Pending], staged: dict[str, StagedFile]) -> list[Problem]:
    """The first MAX_SHOWN problems, in file order then line order, with their line numbers."""
    order = {key: i for i, key in enumerate(("mapping",) + FILE_KEYS)}

    def position(p: Pending) -> int:
        src = staged.get(p.key)
        staged_col = src and (src.columns.get(p.column) or src.extras.get(p.column))
        return int(staged_col[1:]) if staged_col and staged_col[1:].isdigit() else 0

    def sort_key(p: Pending):
        return (order.get(p.key, 0), p.row is not None, p.line or 0, p.row or 0, position(p))

    shown = sorted(pending, key=sort_key)[:MAX_SHOWN]
    wanted: dict[str, set[int]] = {}
    for p in shown:
        for row in (p.row, p.ref_row):
            if row is not None:
                wanted.setdefault(p.key, set()).add(row)
    lines = {key: row_lines(staged[key], rows) for key, rows in wanted.items()}
    problems = []
    for p in shown:
        src = staged.get(p.key)
        name = src.name if src else p.key
        unit = "row" if src and src.rows_numbered else "line"
        # .get: a line the csv module cannot place is printed as unknown, never a traceback.
        line = lines[p.key].get(p.row) if p.row is not None else p.line
        found = p.found
        if p.ref_row is not None:
            found = found.replace("{ref}", f"{unit} {lines[p.key].get(p.ref_row, '?')}")
        problems.append(Problem(name, line, p.column, f"expected {p.expected}, found {found}", unit))
    return problems


def row_lines(src: StagedFile, rows: set[int]) -> dict[int, int]:
    """Staged row (0-based) -> physical line where its record starts (Parquet, a database's
    result: 1-based row)."""
    if src.kind in ("parquet", "database"):
        return {row: row + 1 for row in rows}
    if src.kind == "xlsx":
        return {row: row + 2 for row in rows}  # the sheet's own row numbers: its header is row 1
    # Record 0 is the header; staged row r is record r + 1. csv.reader splits records exactly
    # like DuckDB's reader for files it read without errors (quotes only open a field).
    first = 1 if src.has_header else 0
    wanted = {row + first for row in rows}
    if src.delimiter == WHITESPACE:
        # One record per line.
        with open(src.path, encoding="utf-8-sig") as handle:
            return _record_lines(((number, not text.strip())
                                  for number, text in enumerate(handle, 1)), wanted, first)
    with csv_field_limit(), open(src.path, encoding="utf-8-sig", newline="") as handle:
        return _record_lines(_csv_records(csv.reader(handle, delimiter=src.delimiter)),
                             wanted, first)


def _csv_records(reader):
    """(line where it starts, blank?) of each record csv.reader reads."""
    end = 0
    for fields in reader:
        start, end = end + 1, reader.line_num
        yield start, not fields


def _record_lines(records, wanted: set[int], first: int) -> dict[int, int]:
    """Record - first -> the line it starts on, for the wanted records among `records` ((line,
    blank?) in order; blank lines are no record: DuckDB skips them)."""
    lines: dict[int, int] = {}
    record = 0
    for start, blank in records:
        if blank:
            continue
        if record in wanted:
            lines[record - first] = start
            if len(lines) == len(wanted):
                break
        record += 1
    return lines


def lines_at_bytes(path: Path, positions: list[int]) -> list[int]:
    """1-based line of each byte offset, counting newlines in one streaming pass."""
    result = {}
    targets = sorted(set(positions))
    newlines, offset, i = 0, 0, 0
    with open(path, "rb") as handle:
        while i < len(targets) and (chunk := handle.read(1 << 20)):
            while i < len(targets) and targets[i] < offset + len(chunk):
                result[targets[i]] = newlines + chunk.count(b"\n", 0, targets[i] - offset) + 1
                i += 1
            newlines += chunk.count(b"\n")
            offset += len(chunk)
    return [result.get(pos, newlines + 1) for pos in positions]


@contextlib.contextmanager
def csv_field_limit():
    # csv refuses fields over 128 KB by default; long values are judged by the checks instead.
    old = csv.field_size_limit(MAX_LINE_BYTES)
    try:
        yield
    finally:
        csv.field_size_limit(old)
