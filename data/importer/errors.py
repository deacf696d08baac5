"""What the importer reports: a Problem (`FILE:LINE: column: expected …, found …`), a Pending
problem before its line is known, and ImportRejected carrying the first MAX_SHOWN of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from data.importer.staged import StagedFile


@dataclass(frozen=True)
class Problem:
    """One broken rule, `FILE:LINE: column: expected …, found …`."""

    file: str
    line: int | None
    column: str
    message: str
    # "row" for Parquet (no lines): printed as FILE:row N.
    unit: str = "line"

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.column}: {self.message}"
        where = f"row {self.line}" if self.unit == "row" else str(self.line)
        return f"{self.file}:{where}: {self.column}: {self.message}"


class ImportRejected(ValueError):
    """The files break rules of the data model (docs/definitions.md); `problems` are the first MAX_SHOWN of `total`."""

    def __init__(self, problems: list[Problem], total: int):
        self.problems = problems
        self.total = total
        lines = [str(p) for p in problems]
        if total > len(problems):
            lines.append(f"... and {total - len(problems)} more ({total} problems in total)")
        super().__init__("\n".join(lines))


@dataclass
class Pending:
    """A problem before its line is known: row is the 0-based staged row (None: line given)."""

    key: str
    column: str
    expected: str
    found: str
    row: int | None = None
    line: int | None = None
    ref_row: int | None = None  # another row named in `found` as {ref}


def file_problem(src: StagedFile, column: str, expected: str, found: str, line: int | None = None):
    return Pending(src.key, column, expected, found, line=line)


def show(value: str) -> str:
    value = value if len(value) <= 60 else value[:57] + "..."
    return "'" + value.replace("\r", "\\r").replace("\n", "\\n") + "'"
