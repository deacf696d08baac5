"""The importer: validated import of a user's exports into a new database snapshot (the data
model: docs/definitions.md).

    python -m data.load --out PATH --customers FILE [...]      (data/importer/cli.py)
    python -m data.load --out PATH --from postgresql://... --customers TABLE_OR_SELECT [...]

    meta = load(out, {"customers": Path("customers.csv"), "tickets": Path("tickets.parquet")},
                mapping={"customers": {"signup_date": "Start Date"}})
    meta = load(out, {"customers": "crm.customers", "tickets": "select * from t where ..."},
                database="postgresql://reader@db.internal/crm")     (data/db_input.py)

Every file is read by DuckDB (read_parquet in the file's own types, read_csv with each text value
parsed by strict macros in the same scan) straight into typed_<key> (data/importer/typed.py);
each rule of docs/definitions.md, Data model, is then one SQL query yielding (row, found) pairs,
all of a file's row rules counted in one scan first. Only when no rule is broken are the
parsed values inserted into the schema tables, and build.finalize derives customer_facts. The build
happens inside snapshots.building, so on any problem the live database is left exactly as it was.
The shapes real exports come in (churn events or a churn flag, tenure, subscriptions, durations,
dates in a common non-ISO format; docs/definitions.md, Data model) are checked the same way and converted by
data/shapes.py and data/dates.py before the insert.

The modules, in the order an import runs through them:
    rules.py    files, required and derived columns, type words, row rules (tables only)
    errors.py   Problem, Pending, ImportRejected
    staged.py   StagedFile: one input as staged (its headers, columns, temp tables)
    flow.py     load / validate: stage, check, convert, insert, publish
    readers.py  CSV, Parquet, workbooks and database tables read (into stage_<key> as text only
                for a workbook, a database or --values)
    headers.py  headers to schema columns (names, --map)
    typed.py    typed_<key>: each value parsed once, a value's text kept where it differs
    scratch.py  where typed_<key> lives: in memory, or a scratch file for a large import
    parsing.py  the strict macros; dates in a common format
    checks.py   every rule as SQL yielding (row, found)
    lines.py    rows and byte offsets back to the file's physical lines
    inserts.py  checked values into the schema tables
    cli.py      `python -m data.load` (and `python -m data.importer`)

Each problem reads `FILE:LINE: column: expected …, found …`. LINE is the physical line in the file
(header = line 1; a value with quoted newlines spans several lines), computed only for the rows
shown; Parquet files have no lines, so they say `FILE:row N:` (N = 1-based data row), and a
database's tables and queries `TABLE:row N:` (N = 1-based row of the result).

Decisions worth knowing:
- Text values longer than MAX_TEXT_CHARS (1,000,000 characters) are rejected, naming the column:
  such a cell is almost always a broken export (an unclosed quote swallowing the file, a pasted blob)
  and would be matched, grouped and rendered by every page. CSV lines up to MAX_LINE_BYTES are read
  so that the value check, not the reader, reports them.
- Blank text stays as it is (round trips keep '' apart from null); typed values are trimmed and an
  empty one is null. Decimals are rounded to the column's 2 places; whole numbers may be written
  `3.0` (float exports) but not `3.5`.
- A tickets / NPS / MRR file with a header and no rows loads as an empty table; a customers file
  must have at least one row.
- Extra columns are kept as VARCHAR columns of their table (Parquet extras are cast to text too).
"""

from data.importer.errors import ImportRejected, Problem
from data.importer.flow import load, validate
from data.importer.rules import MAX_SHOWN, MAX_TEXT_CHARS

__all__ = ["ImportRejected", "MAX_SHOWN", "MAX_TEXT_CHARS", "Problem", "load", "validate"]
