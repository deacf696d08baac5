"""The importer's record of one input as staged: where it came from, how its headers matched the
schema's columns, and the temp tables stage_<key> (text) and typed_<key> (parsed) that hold it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from data import db_input


@dataclass
class StagedFile:
    """A user's file read into the temp table stage_<key> (columns c1..cN, all text)."""

    key: str
    path: Path | db_input.Relation  # a database's table or query: kind "database"
    kind: str = "csv"
    delimiter: str = ","
    headers: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # schema column -> staging column
    extras: dict[str, str] = field(default_factory=dict)  # header kept as is -> staging column
    rows: int = 0
    usable: bool = False  # read without structural errors, so row checks make sense
    formats: dict[str, str] = field(default_factory=dict)  # date column -> dates format, when not ISO
    ambiguous: dict[str, int] = field(default_factory=dict)  # date column -> its first slash row
    optional: tuple[str, ...] = ()  # required columns another file stands in for
    notes: list[str] = field(default_factory=list)  # what the summary says of how it was read
    skipped: int = 0  # rows left out (--skip-bad-rows)
    skip_reasons: list[dict] = field(default_factory=list)  # per broken rule: rows, first lines
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # --values: column -> raw -> value
    sheet: str | None = None  # an Excel workbook's sheet (FILE.xlsx#Sheet); None: the first
    has_header: bool = True  # False: a text file whose first line holds data (column_1...)

    @property
    def rows_numbered(self) -> bool:
        """Problems name rows (Parquet, a database, a workbook) rather than a text file's lines."""
        return self.kind in ("parquet", "database", "xlsx")

    @property
    def name(self) -> str:
        return self.path.name + (f"#{self.sheet}" if self.sheet is not None else "")

    @property
    def table(self) -> str:
        return f"stage_{self.key}"

    @property
    def typed(self) -> str:
        return f"typed_{self.key}"


@dataclass(frozen=True)
class DatabaseTable:
    """A table option bound to the open connection it is read through."""

    relation: db_input.Relation
    connection: object = field(repr=False)
    url: str = field(repr=False)  # may hold the password: never in a repr
