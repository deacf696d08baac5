"""Excel workbooks (.xlsx): the first sheet, or `FILE.xlsx#Sheet`, read by fastexcel (Rust
calamine, Arrow out: no Python object per cell) as text straight into stage_<key>, so its values
meet the same checks as a CSV's. Cells come as Excel shows them typed: whole numbers without
`.0`, dates and date-times as ISO text. A problem names the spreadsheet's own row numbers (the
header is row 1), as `FILE.xlsx:row N`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import fastexcel

from data.importer.errors import Pending, file_problem, show
from data.importer.arrow import stage_arrow
from data.importer.inserts import quote
from data.importer.staged import StagedFile

SUFFIXES = (".xlsx", ".xlsm")


def split_sheet(path: Path) -> tuple[Path, str | None]:
    """`book.xlsx#Sheet 2` -> (book.xlsx, "Sheet 2"); any other path as it is, no sheet."""
    text = str(path)
    book, hash_, sheet = text.rpartition("#")
    if hash_ and Path(book).suffix.lower() in SUFFIXES and not Path(text).exists():
        return Path(book), sheet
    return Path(path), None


def is_workbook(path: Path, head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") and path.suffix.lower() in SUFFIXES


def stage_xlsx(con, src: StagedFile, mapping: dict[str, str], after_staging) -> list[Pending]:
    """Read the sheet into stage_<key> (columns c1..cN, text); `after_staging` types it."""
    try:
        reader = fastexcel.read_excel(str(src.path))
        names = reader.sheet_names
        if src.sheet is not None and src.sheet not in names:
            return [file_problem(src, "(sheet)", "a sheet named " + show(src.sheet),
                                 "sheets " + ", ".join(show(n) for n in names))]
        if not names:
            return [file_problem(src, "(sheet)", "a sheet with a header row", "no sheets")]
        sheet = reader.load_sheet(src.sheet if src.sheet is not None else 0, dtypes="string",
                                  whitespace_as_null=False)
        batch = sheet.to_arrow()
    except fastexcel.FastExcelError as exc:
        return [file_problem(src, "(file)", "a readable Excel workbook",
                             str(exc).splitlines()[0] if str(exc) else type(exc).__name__)]
    try:
        problems = stage_arrow(con, src, batch, mapping,
                               lambda field: f"cast({quote(field.name)} as varchar)")
    except duckdb.Error as exc:
        return [file_problem(src, "(file)", "a readable Excel sheet", str(exc).splitlines()[0])]
    return problems or after_staging(con, src)
