"""Arrow data staged as text: an Excel sheet (data/importer/sheets.py) or a database table's
stream (data/importer/readers.py) into stage_<key>, the way a CSV's values are, so they meet the
same checks."""

from __future__ import annotations

from data.importer.errors import Pending
from data.importer.headers import match_headers
from data.importer.staged import StagedFile


def stage_arrow(con, src: StagedFile, rows, mapping: dict[str, str], as_text) -> list[Pending]:
    """`rows` (an Arrow table or record batch reader) into stage_<key>: its column names are the
    file's headers (their problems are returned, nothing staged), each column as
    `as_text(field)` (SQL giving text) named c1..cN. A DuckDB error reaches the caller, which
    says what was being read."""
    src.headers = list(rows.schema.names)
    problems = match_headers(src, mapping)
    if problems:
        return problems
    select = ", ".join(f"{as_text(field)} as c{i}" for i, field in enumerate(rows.schema, 1))
    # DuckDB scans the Arrow data through this local name in the SQL (a replacement scan):
    # con.register refuses to run while an earlier result on the connection is unfinished.
    arrow_rows = rows  # noqa: F841
    con.execute(f"create or replace temp table {src.table} as select {select} from arrow_rows")
    return []
