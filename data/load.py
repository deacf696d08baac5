"""Validated import of a user's exports into a new database snapshot (docs/definitions.md, Data model).

    python -m data.load --out PATH --customers FILE [...]      (data/load_cli.py)
    python -m data.load --out PATH --from postgresql://... --customers TABLE_OR_SELECT [...]

    meta = load(out, {"customers": Path("customers.csv"), "tickets": Path("tickets.parquet")},
                mapping={"customers": {"signup_date": "Start Date"}})
    meta = load(out, {"customers": "crm.customers", "tickets": "select * from t where ..."},
                database="postgresql://reader@db.internal/crm")     (data/db_input.py)

Every file is read by DuckDB (read_csv / read_parquet) as text into a staging table; each rule of
docs/definitions.md, Data model is then one SQL query yielding (row, found) pairs. Only when no rule is broken are the
parsed values inserted into the schema tables, and build.finalize derives customer_facts. The build
happens inside snapshots.building, so on any problem the live database is left exactly as it was.
The shapes real exports come in (churn events or a churn flag, tenure, subscriptions, durations,
dates in a common non-ISO format; docs/definitions.md, Data model) are checked the same way and converted by
data/shapes.py and data/dates.py before the insert; the command line is data/load_cli.py.

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

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import hashlib
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

import settings
from data import (activity_input, build, dates, db_input, import_summary, outreach_input,
                  shapes, snapshots)

MAX_SHOWN = 50
MAX_TEXT_CHARS = 1_000_000
MAX_LINE_BYTES = 16 * 1024 * 1024
# DuckDB's CSV reader buffer defaults to 16 x max_line_size (1 GiB for 64 MB lines), more than the
# importer's whole DuckDB memory limit: a 2 GB import failed allocating it. Two lines' worth is
# enough for the reader and as fast (measured on 360 MB: 0.65 s vs 0.77 s).
READ_BUFFER_BYTES = 2 * MAX_LINE_BYTES
# Reader errors (wrong field count, bad quoting) recorded per file; more only adds noise.
MAX_READER_ERRORS = 1000

# files keys, in report order; each is the schema table it fills.
FILE_KEYS = ("customers", "tickets", "nps_responses", "mrr_history", "activity", "outreach",
             "subscriptions", "churn_events", "churn_reason_categories")
FILE_ALIASES = {"nps": "nps_responses", "mrr": "mrr_history", "reasons": "churn_reason_categories"}

# docs/definitions.md, Data model: only these columns must be present (and non-empty) in a user's file.
REQUIRED = {
    "customers": ("customer_id", "signup_date"),
    "tickets": ("ticket_id", "customer_id", "created_at"),
    "nps_responses": ("customer_id", "responded_at", "score"),
    "mrr_history": ("customer_id", "month", "mrr"),
    "activity": ("customer_id", "occurred_at"),
    "outreach": outreach_input.REQUIRED,
    "churn_reason_categories": ("reason", "category"),
    **shapes.REQUIRED,
}
# Computed by the importer, never read from a file.
DERIVED = {"churn_reason_categories": ("reason_key",)}

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}

# Per DuckDB type of a schema column: the parsing macro and the words for a problem.
KINDS = {
    "VARCHAR": (None, "a value"),
    "DATE": ("as_date", "an ISO date YYYY-MM-DD"),
    "TIMESTAMP": ("as_timestamp", "an ISO date-time YYYY-MM-DD HH:MM[:SS]"),
    "INTEGER": ("as_whole", "a whole number"),
    "SMALLINT": ("as_whole", "a whole number"),
    "DECIMAL(12,2)": ("as_money", "a number like 1234.50"),
    "DOUBLE": ("as_number", "a number like 12.5"),
}

# Strict ISO shapes: DuckDB's casts alone would also take 2024-1-5, and '3.5' -> 4 for integers.
MACROS = r"""
create or replace temp macro nv(v) as nullif(trim(v), '');
create or replace temp macro as_timestamp(v) as
    case when regexp_full_match(nv(v), '\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?')
         then try_cast(replace(nv(v), 'T', ' ') as timestamp) end;
create or replace temp macro as_date(v) as cast(as_timestamp(v) as date);
create or replace temp macro as_whole(v) as
    case when regexp_full_match(nv(v), '[+-]?\d{1,9}(\.0*)?')
         then try_cast(split_part(nv(v), '.', 1) as integer) end;
create or replace temp macro as_money(v) as
    case when regexp_full_match(nv(v), '[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?')
         then try_cast(nv(v) as decimal(12, 2)) end;
create or replace temp macro as_number(v) as
    case when regexp_full_match(nv(v), '[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?')
         then try_cast(nv(v) as double) end;
create or replace temp macro reason_key(v) as lower(trim(regexp_replace(v, '\s+', ' ', 'g')));
create or replace temp macro one_line(v) as replace(replace(v, chr(13), '\r'), chr(10), '\n');
create or replace temp macro shown(v) as
    case when v is null or v = '' then 'an empty value'
         when length(v) > 60 then '''' || one_line(left(v, 57)) || '...'''
         else '''' || one_line(v) || '''' end;
"""

# Row rules of docs/definitions.md, Data model beyond types: (column, expected, other columns needed, condition, found),
# written over typed_<key>, where each column holds its parsed value and raw_<column> the text of
# a typed column. A rule runs only when its columns are in the file; a null never breaks it.
RULES = {
    "customers": [
        ("churn_date", "a date on or after signup_date", ("signup_date",), "churn_date < signup_date",
         "shown(raw_churn_date) || ' (signup_date ' || cast(signup_date as varchar) || ')'"),
        ("mrr", "a number >= 0", (), "mrr < 0", "shown(raw_mrr)"),
        ("products_count", "a whole number >= 1", (), "products_count < 1",
         "shown(raw_products_count)"),
    ],
    "tickets": [
        ("first_response_at", "a date-time on or after created_at", ("created_at",),
         "first_response_at < created_at",
         "shown(raw_first_response_at) || ' (created_at ' || cast(created_at as varchar) || ')'"),
        ("resolved_at", "a date-time on or after created_at", ("created_at",),
         "resolved_at < created_at",
         "shown(raw_resolved_at) || ' (created_at ' || cast(created_at as varchar) || ')'"),
        ("agent_replies", "a whole number >= 0", (), "agent_replies < 0", "shown(raw_agent_replies)"),
        ("csat", "a whole number from 1 to 5", (), "csat not between 1 and 5", "shown(raw_csat)"),
        ("ces", "a whole number from 1 to 5", (), "ces not between 1 and 5", "shown(raw_ces)"),
    ],
    "nps_responses": [
        ("score", "a whole number from 0 to 10", (), "score not between 0 and 10", "shown(raw_score)"),
    ],
    "mrr_history": [
        ("month", "the first day of a month YYYY-MM-01", (), "month <> date_trunc('month', month)",
         "shown(raw_month)"),
        ("mrr", "a number >= 0", (), "mrr < 0", "shown(raw_mrr)"),
    ],
    "activity": [
        ("amount", "a number >= 0", (), "amount < 0", "shown(raw_amount)"),
    ],
    "outreach": outreach_input.RULES,
}
for _key, _rules in shapes.RULES.items():
    RULES[_key] = RULES.get(_key, []) + _rules
# Dates outside 1900-2099 are sentinels or typos (9999-12-31 for "never", 0001-01-01 for "unknown"):
# loaded, they would stretch every time axis and the default as-of date.
DATE_RANGE = ("1900-01-01", "2099-12-31")
for _key, _columns in {"customers": ("signup_date", "churn_date"),
                       "tickets": ("created_at", "first_response_at", "resolved_at"),
                       "nps_responses": ("responded_at",), "mrr_history": ("month",),
                       "activity": ("occurred_at",), "outreach": outreach_input.DATE_COLUMNS,
                       **shapes.DATE_COLUMNS}.items():
    _timed = _key in ("tickets", "nps_responses", "activity", "outreach")
    RULES[_key] = RULES.get(_key, []) + [
        (column, f"a date{'-time' if _timed else ''} between "
         f"{DATE_RANGE[0]} and {DATE_RANGE[1]}", (),
         f"cast({column} as date) not between date '{DATE_RANGE[0]}' and date '{DATE_RANGE[1]}'",
         f"shown(raw_{column})")
        for column in _columns
    ]


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
    """The files break rules of docs/definitions.md, Data model; `problems` are the first MAX_SHOWN of `total`."""

    def __init__(self, problems: list[Problem], total: int):
        self.problems = problems
        self.total = total
        lines = [str(p) for p in problems]
        if total > len(problems):
            lines.append(f"... and {total - len(problems)} more ({total} problems in total)")
        super().__init__("\n".join(lines))


@dataclass
class _Staged:
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

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def table(self) -> str:
        return f"stage_{self.key}"

    @property
    def typed(self) -> str:
        return f"typed_{self.key}"


@dataclass
class _Pending:
    """A problem before its line is known: row is the 0-based staged row (None: line given)."""

    key: str
    column: str
    expected: str
    found: str
    row: int | None = None
    line: int | None = None
    ref_row: int | None = None  # another row named in `found` as {ref}


# --- public API ----------------------------------------------------------------------------------
def load(
    out: Path,
    files: dict[str, Path],
    mapping: dict[str, dict[str, str]] | None = None,
    keep: int = settings.SNAPSHOTS_KEEP,
    as_of: date | None = None,
    date_format: str | None = None,
    inactive_days: int | None = None,
    database: str | None = None,
) -> dict:
    """Validate the files and publish them as a new snapshot at `out`; return build.finalize's meta
    with "summary" added (import_summary.summarise: rows, conversions, unmatched reasons).

    `as_of` is the export's date (default: the rule in docs/definitions.md, Metrics); `date_format`
    (one of dates.CHOICES)
    tells day and month apart in slash-dated columns. `inactive_days` (with an activity file):
    a customer without a churn date churned on its last activity + that many days when that is
    on or before the as-of date (data/activity_input.py). Raises ImportRejected (and leaves `out`
    untouched) when any rule of docs/definitions.md, Data model is broken.

    `database`: a postgresql:// URL; each value of `files` is then a table name or a select run
    there (data/db_input.py). Raises db_input.Unavailable (one line, no password) when it cannot
    be reached, before anything is built.
    """
    files = _normalise_keys(files, database is not None)
    mapping = _normalise_mapping(mapping)
    with contextlib.ExitStack() as stack:
        if database is not None:
            files = _relations(files)
            db = db_input.connect(database)
            stack.callback(db.close)
            files = {key: _DatabaseTable(rel, db, database) for key, rel in files.items()}
        with snapshots.building(Path(out), keep) as (tmp, snapshot_id):
            con = duckdb.connect(str(tmp))
            try:
                meta = _build(con, files, mapping, snapshot_id, as_of, date_format, inactive_days,
                              database)
            finally:
                con.close()
    return meta


def _relations(tables: dict[str, str]) -> dict[str, db_input.Relation]:
    """Each table option as a table name or a query; ImportRejected naming the bad ones."""
    relations, problems = {}, []
    for key, text in tables.items():
        try:
            relations[key] = db_input.relation(key, text)
        except ValueError as exc:
            problems.append(Problem(key, None, "(table)", f"expected {exc}, found {_show(text)}"))
    if problems:
        raise ImportRejected(problems, len(problems))
    return relations


@dataclass(frozen=True)
class _DatabaseTable:
    """A table option bound to the open connection it is read through."""

    relation: db_input.Relation
    connection: object = field(repr=False)
    url: str = field(repr=False)  # may hold the password: never in a repr


def validate(
    files: dict[str, Path], mapping: dict[str, dict[str, str]] | None = None,
    date_format: str | None = None,
) -> list[Problem]:
    """The problems `load` would report (at most MAX_SHOWN), without building anything."""
    con = duckdb.connect()
    try:
        build.create_schema(con)
        staged, problems, _total = _stage_and_check(
            con, _normalise_keys(files), _normalise_mapping(mapping), date_format
        )
    finally:
        con.close()
    return problems


# --- building ------------------------------------------------------------------------------------
def _build(con, files: dict[str, Path], mapping: dict, snapshot_id: str,
           as_of: date | None = None, date_format: str | None = None,
           inactive_days: int | None = None, database: str | None = None) -> dict:
    try:
        build.create_schema(con)
        staged, problems, total = _stage_and_check(con, files, mapping, date_format)
        if inactive_days and "activity" not in staged:
            problems.append(Problem("(arguments)", None, "--inactive-days",
                                    "expected an activity file (--activity) to measure "
                                    "inactivity on, found none"))
            total += 1
        if problems:
            raise ImportRejected(problems, total)
        read = {st.key: st for st in staged.values()}  # the files given, before any stands in
        activity_notes = activity_input.derive_customers(con, staged, _Staged)
        shapes.prepare(con, staged)
        given_as_of = as_of
        as_of_source = "given"
        if as_of is None:
            as_of = shapes.default_as_of(con, staged, build.build_day())
            as_of_source = "data" if as_of else "build day"
            as_of = as_of or build.build_day()
        rows = {st.key: st.rows for st in read.values()}
        notes, warnings, assumed = shapes.convert(con, staged, as_of)
        notes = activity_notes + notes + activity_input.inactive_churn(con, staged, as_of,
                                                                       inactive_days)
        _post_checks(con, staged)
        for st in staged.values():
            _insert(con, st)
        if "churn_reason_categories" not in staged:
            build.load_reason_mapping(con)
        notes += activity_input.map_inactivity_reason(con, inactive_days)
        notes += outreach_input.summary(con, staged)
        source = {
            "files": {st.key: _source_of(st) for st in read.values()},
            "mapping": mapping,
            "as_of": given_as_of,
            "date_formats": {f"{st.key}.{c}": f for st in staged.values() for c, f in st.formats.items()},
        }
        if database is not None:
            source["database"] = db_input.redact(database)
        if assumed:
            source["assumed"] = assumed
        meta = build.finalize(con, snapshot_id, "import", source, as_of=as_of)
        from views.needs import describe  # the summary's "what this data can show"
        meta["summary"] = import_summary.summarise(
            con, {st.key: st.name for st in read.values()}, rows, notes, warnings,
            source["date_formats"], as_of_source,
            describe(meta["capabilities"], as_of))
        return meta
    except build.IntegrityError as exc:
        problems = [Problem("database", None, "(keys)", f"expected valid keys, found {p}")
                    for p in exc.problems]
        raise ImportRejected(problems, len(problems)) from None
    except OSError as exc:
        # A file that became unreadable mid-import, or a full disk while building.
        name = Path(exc.filename).name if exc.filename else "import"
        problem = Problem(name, None, "(file)", f"expected a readable file, found {exc.strerror}")
        raise ImportRejected([problem], 1) from None
    except duckdb.Error as exc:
        # A rule the checks above missed (or a disk/IO failure): report it, never a traceback.
        message = str(exc).splitlines()[0]
        problem = Problem("database", None, "(import)", f"expected the data to load, found {message}")
        raise ImportRejected([problem], 1) from None


def _source_of(st: _Staged) -> dict:
    """What the snapshot's meta records of where a table came from: a file's name and hash, or a
    database table's name / the query as given (the URL, redacted, is recorded once)."""
    if st.kind == "database":
        return {"name": st.name, st.path.label: st.path.text}
    return {"name": st.name, "sha256": _sha256(st.path)}


def _post_checks(con, staged: dict[str, _Staged]) -> None:
    """Rules only the converted values can break (a churn date before a signup date computed
    from tenure); ImportRejected naming the file and line, like every other problem."""
    pending, total = [], 0
    for key, column, expected, select in (shapes.post_checks(staged)
                                          + outreach_input.post_checks(staged)):
        count, shown = _run_check(con, select)
        total += count
        pending += [_Pending(key, column, expected, found, row=row) for row, found, _ in shown]
    if pending:
        raise ImportRejected(_resolve(pending, staged), total)


def _insert(con, st: _Staged) -> None:
    """Copy the parsed values of a checked file into its schema table, extra columns added."""
    if st.key in shapes.INPUT_TABLES:
        return  # converted into other tables by data/shapes.py
    for header in st.extras:
        con.execute(f"alter table {st.key} add column {_quote(header)} varchar")
    targets = list(st.columns) + [_quote(header) for header in st.extras]
    values = list(st.columns) + list(st.extras.values())
    source = st.typed
    if st.key == "churn_reason_categories":
        targets.append("reason_key")
        values.append("reason_key(reason)")
        # The same reason twice with the same category is harmless: keep its first row.
        source += " qualify row_number() over (partition by reason_key(reason) order by row_id) = 1"
    con.execute(f"insert into {st.key} ({', '.join(targets)}) select {', '.join(values)} from {source}")
    con.execute(f"drop table {st.typed}")


# --- staging and checking ------------------------------------------------------------------------
def _stage_and_check(con, files: dict[str, Path], mapping: dict, date_format: str | None = None):
    """Stage every file and run every check. Returns (staged, problems shown, total count)."""
    con.execute(MACROS)
    pending: list[_Pending] = []
    total = 0
    staged: dict[str, _Staged] = {}
    pending += _mapping_problems(mapping)
    if "customers" not in files and not activity_input.customers_optional(files):
        pending.append(_Pending("customers", "(file)", "a customers file (required)", "none"))
    for key in FILE_KEYS:
        if key in files:
            st, found = _stage(con, key, files[key], _valid_mapping(key, mapping),
                               activity_input.optional_columns(key, files))
            staged[key] = st
            pending += found
            header_line = 1 if st.kind == "csv" else None
            pending += [_file_problem(st, column, expected, found, header_line)
                        for column, expected, found in
                        shapes.header_problems(key, st.columns, set(files))]
            if st.usable:
                pending += _date_formats(con, st, date_format)
    total += len(pending)
    for key in FILE_KEYS:
        if key in staged and staged[key].usable:
            for column, expected, select in _checks(staged[key], staged):
                count, shown = _run_check(con, select)
                total += count
                pending += [_Pending(key, column, expected, found, row=row, ref_row=ref)
                            for row, found, ref in shown]
    return staged, _resolve(pending, staged), total


def _stage(con, key: str, path: Path, mapping: dict[str, str],
           optional: tuple[str, ...] = ()) -> tuple[_Staged, list[_Pending]]:
    """Read one file into stage_<key>; return it with the problems of its bytes and header.
    `optional`: required columns another file stands in for."""
    if isinstance(path, _DatabaseTable):
        st = _Staged(key, path.relation, kind="database", optional=optional)
        return st, _stage_database(con, st, path, mapping)
    st = _Staged(key, Path(path), optional=optional)
    try:
        head = _head(st.path)
    except OSError as exc:
        return st, [_file_problem(st, "(file)", "a readable file", exc.strerror or str(exc))]
    if head.startswith(b"PAR1"):
        st.kind = "parquet"
        return st, _stage_parquet(con, st, mapping)
    if st.path.suffix.lower() == ".parquet":
        return st, [_file_problem(st, "(file)", "a Parquet file", "other content")]
    problems = _sniff_bytes(st, head)
    if problems:
        return st, problems
    return st, _stage_csv(con, st, mapping)


def _sniff_bytes(st: _Staged, head: bytes) -> list[_Pending]:
    """Problems visible in the raw bytes: not text at all, or not UTF-8."""
    if not head.removeprefix(codecs.BOM_UTF8).strip():
        return [_file_problem(st, "(file)", "a header line naming the columns", "an empty file", 1)]
    if head.startswith(b"PK\x03\x04"):
        return [_file_problem(st, "(file)", "a CSV or Parquet file",
                              "a ZIP archive (an Excel .xlsx file? Save it as CSV)", None)]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return [_file_problem(st, "(encoding)", "UTF-8 text",
                              "UTF-16 text (save the file as UTF-8)", 1)]
    bad = _first_non_utf8(st.path)
    if bad:
        line, byte = bad
        why = ("a NUL byte (UTF-16 text without a BOM, or a binary file? Save it as UTF-8 CSV)"
               if byte == 0 else
               f"byte 0x{byte:02X} (Latin-1 or Windows-1252? Save the file as UTF-8)")
        return [_file_problem(st, "(encoding)", "UTF-8 text", why, line)]
    return []


def _stage_csv(con, st: _Staged, mapping: dict[str, str]) -> list[_Pending]:
    delimiter, headers = _read_header(st.path)
    st.delimiter, st.headers = delimiter, headers
    if len(headers) == 1 and headers[0].strip().lower() not in _schema()[st.key] \
            and headers[0] not in mapping.values():
        return [_file_problem(st, "(header)", "columns separated by comma, semicolon or tab",
                              f"a single column {_show(headers[0])}", 1)]
    problems = _match_headers(st, mapping)
    if problems:
        return problems
    names = {f"c{i}": "varchar" for i in range(1, len(headers) + 1)}
    rejects = f"rejects_{st.key}"
    try:
        con.execute(
            f"""
            create or replace temp table {st.table} as
            select * from read_csv($path, header = true, auto_detect = false, delim = $delim,
                                   quote = '"', escape = '"', columns = {_struct(names)},
                                   allow_quoted_nulls = false,
                                   max_line_size = $max_line, buffer_size = $buffer,
                                   store_rejects = true,
                                   rejects_table = '{rejects}', rejects_scan = '{rejects}_scan',
                                   rejects_limit = $max_errors)
            """,
            {"path": str(st.path), "delim": delimiter, "max_line": MAX_LINE_BYTES,
             "buffer": READ_BUFFER_BYTES, "max_errors": MAX_READER_ERRORS},
        )
        errors = con.execute(
            f"select line_byte_position, error_type, error_message from {rejects} "
            "order by line_byte_position"
        ).fetchall()
        con.execute(f"drop table {rejects}; drop table {rejects}_scan")
    except duckdb.Error as exc:
        return [_file_problem(st, "(file)", "a readable CSV file", str(exc).splitlines()[0], None)]
    if errors:
        return _reader_problems(st, errors)
    return _after_staging(con, st)


def _stage_parquet(con, st: _Staged, mapping: dict[str, str]) -> list[_Pending]:
    try:
        described = con.execute("describe select * from read_parquet($path)",
                                {"path": str(st.path)}).fetchall()
    except duckdb.Error as exc:
        return [_file_problem(st, "(file)", "a readable Parquet file", str(exc).splitlines()[0], None)]
    st.headers = [row[0] for row in described]
    problems = _match_headers(st, mapping)
    if problems:
        return problems
    # Typed Parquet values go through the same text checks as CSV: one set of rules.
    select = ", ".join(
        f"cast({_quote(header)} as varchar) as c{i}" for i, header in enumerate(st.headers, 1)
    )
    try:
        con.execute(f"create or replace temp table {st.table} as "
                    f"select {select} from read_parquet($path)", {"path": str(st.path)})
    except duckdb.Error as exc:
        return [_file_problem(st, "(file)", "a readable Parquet file", str(exc).splitlines()[0], None)]
    return _after_staging(con, st)


def _stage_database(con, st: _Staged, table: _DatabaseTable,
                    mapping: dict[str, str]) -> list[_Pending]:
    """Stream a database table's or query's rows (Arrow batches) into stage_<key> as text, so
    they meet the same checks as a file's values (data/db_input.py says how each type reads)."""
    try:
        cursor, reader = db_input.read(table.connection, st.path, table.url)
    except db_input.ReadFailed as exc:
        return [_file_problem(st, exc.column, exc.expected, exc.found)]
    try:
        st.headers = list(reader.schema.names)
        problems = _match_headers(st, mapping)
        if problems:
            return problems
        select = ", ".join(f"{db_input.as_text(field.name, field.type)} as c{i}"
                           for i, field in enumerate(reader.schema, 1))
        # DuckDB scans the Arrow stream through this local name in the SQL (a replacement scan):
        # con.register refuses to run while an earlier result on the connection is unfinished.
        database_rows = reader  # noqa: F841
        con.execute(f"create or replace temp table {st.table} as "
                    f"select {select} from database_rows")
    except (duckdb.Error, OSError) as exc:
        # A value the driver cannot convert, or the connection lost mid-stream.
        return [_file_problem(st, f"({st.path.label})", f"the rows of the {st.path.label}",
                              db_input.clean(exc, table.url))]
    finally:
        # DuckDB may still hold the stream: release it, or the connection stays busy with this
        # result and the next table cannot be read.
        reader.close()
        cursor.close()
    return _after_staging(con, st)


def _after_staging(con, st: _Staged) -> list[_Pending]:
    _type_values(con, st)
    st.rows = con.execute(f"select count(*) from {st.typed}").fetchone()[0]
    st.usable = True
    if st.rows == 0 and st.key == "customers":
        return [_file_problem(st, "(file)", "at least one customer row after the header",
                              "none", 2 if st.kind == "csv" else None)]
    return []


def _type_values(con, st: _Staged) -> None:
    """Parse every value once into typed_<key> (row_id, columns, raw_<typed column>, extras c<i>):
    the checks and the insert all read it, so no value is parsed twice."""
    types = _schema()[st.key]
    select = ["rowid as row_id"]
    for column, staged_col in st.columns.items():
        macro = KINDS[types[column]][0]
        if macro:
            select += [f"{macro}({staged_col}) as {column}", f"{staged_col} as raw_{column}"]
        else:
            select.append(f"{staged_col} as {column}")
    select += list(st.extras.values())
    con.execute(f"create or replace temp table {st.typed} as "
                f"select {', '.join(select)} from {st.table}")
    con.execute(f"drop table {st.table}")


def _date_formats(con, st: _Staged, date_format: str | None) -> list[_Pending]:
    """Re-read the date columns ISO did not read in their own format (data/dates.py); a problem
    for a slash column whose day and month cannot be told apart."""
    types = _schema()[st.key]
    columns = [c for c in st.columns if types[c] in ("DATE", "TIMESTAMP")]
    if not columns or not st.rows:
        return []
    unread = con.execute("select " + ", ".join(
        f"count(*) filter (where {c} is null and nv(raw_{c}) is not null)" for c in columns
    ) + f" from {st.typed}").fetchone()
    problems = []
    for column, count in zip(columns, unread):
        if not count:
            continue
        fmt, first_row = dates.detect(con, st.typed, f"raw_{column}", date_format)
        if fmt == dates.AMBIGUOUS:
            st.ambiguous[column] = first_row
            found = con.execute(f"select shown(raw_{column}) from {st.typed} where row_id = $row",
                                {"row": first_row}).fetchone()[0]
            problems.append(_Pending(st.key, column, dates.AMBIGUOUS_EXPECTED, found, row=first_row))
        elif fmt != dates.ISO:
            st.formats[column] = fmt
            parsed = dates.expression(fmt, f"raw_{column}", types[column] == "TIMESTAMP")
            con.execute(f"update {st.typed} set {column} = {parsed}")
    return problems


def _match_headers(st: _Staged, mapping: dict[str, str]) -> list[_Pending]:
    """Fill st.columns / st.extras from the headers; problems for missing or ambiguous ones."""
    schema = [c for c in _schema()[st.key] if c not in DERIVED.get(st.key, ())]
    mapped_headers = set(mapping.values())
    problems = []
    header_line = 1 if st.kind == "csv" else None
    seen: dict[str, str] = {}
    for i, raw in enumerate(st.headers, 1):
        header = raw.strip() or f"column_{i}"
        fold = header.lower()
        if fold in seen:
            problems.append(_file_problem(st, header, "each column name once",
                                          f"{_show(seen[fold])} and {_show(raw)}", header_line))
            continue
        seen[fold] = raw
        target = next((c for c, h in mapping.items() if h == raw or h.strip().lower() == fold), None)
        if target is None and fold in schema and raw not in mapped_headers:
            if fold in mapping:
                problems.append(_file_problem(
                    st, fold, f"one column for {fold}",
                    f"{_show(raw)} and the mapped {_show(mapping[fold])}", header_line))
                continue
            target = fold
        if target is not None:
            st.columns[target] = f"c{i}"
        elif fold not in DERIVED.get(st.key, ()):
            st.extras[header] = f"c{i}"
    listed = "columns " + ", ".join(_show(h) for h in st.headers) if st.headers else "no columns"
    required = tuple(shapes.required_missing(st.key, st.columns)) if st.key in (
        "customers", *shapes.INPUT_TABLES) else tuple(c for c in REQUIRED[st.key] if c not in st.columns)
    required = tuple(c for c in required if c not in st.optional)
    for column in dict.fromkeys(required + tuple(c for c in mapping if c in schema)):
        if column not in st.columns:
            wanted = (f"a column named {_show(mapping[column])} (mapped to {column})"
                      if column in mapping else f"a column named {column}")
            problems.append(_file_problem(st, column, wanted, listed, header_line))
    return problems


def _reader_problems(st: _Staged, errors: list[tuple]) -> list[_Pending]:
    """DuckDB's rejected rows (wrong field count, bad quotes, over-long lines) as problems."""
    lines = _lines_at_bytes(st.path, [max(pos - 1, 0) for pos, _, _ in errors])
    problems = []
    for (_, kind, message), line in zip(errors, lines):
        fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
        if fields:
            expected, found = f"{fields[1]} fields like the header", f"{fields[2]}"
        elif kind == "UNQUOTED VALUE":
            expected, found = 'a value quoted with " on both sides', "an unterminated or stray quote"
        elif kind == "LINE SIZE OVER MAXIMUM":
            expected = f"a line of at most {MAX_LINE_BYTES // 1024 // 1024} MB"
            found = "a longer one (an unclosed quote?)"
        elif kind == "INVALID ENCODING":
            expected, found = "UTF-8 text", "invalid bytes"
        else:
            expected, found = "a well-formed CSV row", message.splitlines()[0]
        problems.append(_file_problem(st, "(row)", expected, found, line))
    return problems


# --- the checks ----------------------------------------------------------------------------------
def _checks(st: _Staged, staged: dict[str, _Staged]) -> list[tuple[str, str, str]]:
    """Every check of one staged file as (column, expected, SQL of (row_id, found, ref_row))."""
    return (_type_checks(st) + _rule_checks(st) + _key_checks(st)
            + _orphan_checks(st, staged.get("customers")) + activity_input.checks(st, staged)
            + outreach_input.checks(st, staged))


def _rows_where(st: _Staged, condition: str, found: str) -> str:
    return f"select row_id, {found} as found, null as ref_row from {st.typed} where {condition}"


def _type_checks(st: _Staged) -> list[tuple[str, str, str]]:
    types = _schema()[st.key]
    checks = []
    signup = shapes.signup_check(st.columns) if st.key == "customers" else None
    if signup:
        column, expected, condition = signup
        checks.append((column, expected, _rows_where(st, condition, "'an empty value'")))
    for column in st.columns:
        macro, words = KINDS[types[column]]
        if column in st.formats:
            words = dates.words(st.formats[column], types[column] == "TIMESTAMP")
        raw = f"raw_{column}" if macro else column
        if column in REQUIRED[st.key] and not (signup and column == "signup_date"):
            checks.append((column, f"{words} (required)",
                           _rows_where(st, f"nv({raw}) is null", "'an empty value'")))
        if column in st.ambiguous:
            continue  # one problem for the whole column, see _date_formats
        if macro:
            checks.append((column, words, _rows_where(
                st, f"{column} is null and nv({raw}) is not null", f"shown({raw})")))
        else:
            checks.append(_length_check(st, column, column))
    checks += [_length_check(st, header, staged_col) for header, staged_col in st.extras.items()]
    return checks


def _length_check(st: _Staged, column: str, expression: str) -> tuple[str, str, str]:
    return (column, f"text of at most {MAX_TEXT_CHARS:,} characters", _rows_where(
        st, f"length({expression}) > {MAX_TEXT_CHARS}",
        f"'a value of ' || format('{{:,}}', length({expression})) || ' characters'"))


def _rule_checks(st: _Staged) -> list[tuple[str, str, str]]:
    return [
        (column, expected, _rows_where(st, condition, found))
        for column, expected, others, condition, found in RULES.get(st.key, [])
        if column in st.columns and set(others) <= set(st.columns)
    ]


def _key_checks(st: _Staged) -> list[tuple[str, str, str]]:
    """Unique ids, one MRR row per customer and month, one category per churn reason."""
    if st.key in ("customers", "tickets"):
        column = "customer_id" if st.key == "customers" else "ticket_id"
        return [(column, f"a unique {column}", _duplicates(st, column, f"shown({column})"))]
    if st.key == "mrr_history":
        found = "'customer ' || shown(customer_id) || ' month ' || cast(month as varchar)"
        return [("month", "one row per customer and month",
                 _duplicates(st, "customer_id, month", found))]
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


def _duplicates(st: _Staged, key: str, found: str) -> str:
    """Every row after the first with the same key (no part of it null)."""
    not_null = " and ".join(f"{part} is not null" for part in key.split(", "))
    return f"""
        with ranked as (
            select row_id, {found} as found, min(row_id) over (partition by {key}) as first_row
            from {st.typed} where {not_null}
        )
        select row_id, found || ' again (first on {{ref}})' as found, first_row as ref_row
        from ranked where row_id > first_row"""


def _orphan_checks(st: _Staged, customers: _Staged | None) -> list[tuple[str, str, str]]:
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


def _run_check(con, select: str) -> tuple[int, list[tuple]]:
    """(number of offending rows, the first MAX_SHOWN as (row, found, ref_row))."""
    rows = con.execute(
        f"select row_id, found, ref_row, count(*) over () from ({select}) "
        f"order by row_id limit {MAX_SHOWN}"
    ).fetchall()
    return (rows[0][3] if rows else 0), [row[:3] for row in rows]


# --- from rows to lines --------------------------------------------------------------------------
def _resolve(pending: list[_Pending], staged: dict[str, _Staged]) -> list[Problem]:
    """The first MAX_SHOWN problems, in file order then line order, with their line numbers."""
    order = {key: i for i, key in enumerate(("mapping",) + FILE_KEYS)}

    def position(p: _Pending) -> int:
        st = staged.get(p.key)
        staged_col = st and (st.columns.get(p.column) or st.extras.get(p.column))
        return int(staged_col[1:]) if staged_col and staged_col[1:].isdigit() else 0

    def sort_key(p: _Pending):
        return (order.get(p.key, 0), p.row is not None, p.line or 0, p.row or 0, position(p))

    shown = sorted(pending, key=sort_key)[:MAX_SHOWN]
    wanted: dict[str, set[int]] = {}
    for p in shown:
        for row in (p.row, p.ref_row):
            if row is not None:
                wanted.setdefault(p.key, set()).add(row)
    lines = {key: _row_lines(staged[key], rows) for key, rows in wanted.items()}
    problems = []
    for p in shown:
        st = staged.get(p.key)
        name = st.name if st else p.key
        unit = "row" if st and st.kind in ("parquet", "database") else "line"
        # .get: a line the csv module cannot place is printed as unknown, never a traceback.
        line = lines[p.key].get(p.row) if p.row is not None else p.line
        found = p.found
        if p.ref_row is not None:
            found = found.replace("{ref}", f"{unit} {lines[p.key].get(p.ref_row, '?')}")
        problems.append(Problem(name, line, p.column, f"expected {p.expected}, found {found}", unit))
    return problems


def _row_lines(st: _Staged, rows: set[int]) -> dict[int, int]:
    """Staged row (0-based) -> physical line where its record starts (Parquet, a database's
    result: 1-based row)."""
    if st.kind in ("parquet", "database"):
        return {row: row + 1 for row in rows}
    # Record 0 is the header; staged row r is record r + 1. csv.reader splits records exactly
    # like DuckDB's reader for files it read without errors (quotes only open a field).
    wanted = {row + 1 for row in rows}
    lines: dict[int, int] = {}
    with _csv_field_limit(), open(st.path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=st.delimiter)
        record, end = 0, 0
        for fields in reader:
            start, end = end + 1, reader.line_num
            if not fields:
                continue  # DuckDB skips blank lines
            if record in wanted:
                lines[record - 1] = start
                if len(lines) == len(wanted):
                    break
            record += 1
    return lines


def _lines_at_bytes(path: Path, positions: list[int]) -> list[int]:
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


# --- small helpers -------------------------------------------------------------------------------
@functools.cache
def _schema() -> dict[str, dict[str, str]]:
    """{table: {column: DuckDB type}} of the importable tables, from schema.sql itself."""
    tables = [k for k in FILE_KEYS if k not in shapes.INPUT_TABLES]
    schema: dict[str, dict[str, str]] = {
        table: {column: data_type for column, data_type, _ in columns}
        for table, columns in build.schema_columns().items() if table in tables}
    for table, columns in shapes.INPUT_COLUMNS.items():
        schema.setdefault(table, {}).update(columns)
    return schema


def _normalise_keys(files: dict[str, Path], tables: bool = False) -> dict[str, Path]:
    """Canonical keys; values as paths, or kept as given (table names or queries) for a database."""
    result = {}
    for key, path in files.items():
        key = FILE_ALIASES.get(key, key)
        if key not in FILE_KEYS:
            raise ValueError(f"unknown file key {key!r}; expected one of {', '.join(FILE_KEYS)}")
        if path is not None:
            result[key] = str(path) if tables else Path(path)
    return result


def _normalise_mapping(mapping: dict[str, dict[str, str]] | None) -> dict[str, dict[str, str]]:
    return {FILE_ALIASES.get(t, t): dict(cols) for t, cols in (mapping or {}).items()}


def _valid_mapping(key: str, mapping: dict[str, dict[str, str]]) -> dict[str, str]:
    """The entries of `mapping` for this file that name a real column (others are problems)."""
    allowed = _schema()[key]
    return {column: header for column, header in mapping.get(key, {}).items()
            if column in allowed and column not in DERIVED.get(key, ())}


def _mapping_problems(mapping: dict[str, dict[str, str]]) -> list[_Pending]:
    problems = []
    for table, columns in mapping.items():
        if table not in FILE_KEYS:
            problems.append(_Pending("mapping", table, f"a table of {', '.join(FILE_KEYS)}",
                                     _show(table)))
            continue
        allowed = [c for c in _schema()[table] if c not in DERIVED.get(table, ())]
        for column in columns:
            if column not in allowed:
                problems.append(_Pending("mapping", f"{table}.{column}",
                                         f"a column of {table}: {', '.join(allowed)}",
                                         _show(column)))
    return problems


def _file_problem(st: _Staged, column: str, expected: str, found: str, line: int | None = None):
    return _Pending(st.key, column, expected, found, line=line)


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(4096)


def _first_non_utf8(path: Path) -> tuple[int, int] | None:
    """(line, byte) of the first byte that is not UTF-8, streaming; None when all is well."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(1 << 20)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                # exc.object is the decoder's pending bytes (never a newline) + this chunk.
                return newlines + exc.object.count(b"\n", 0, exc.start) + 1, exc.object[exc.start]
            if not chunk:
                return None
            # NUL is valid UTF-8 but never in a text export: UTF-16 without a BOM, or binary.
            nul = chunk.find(b"\x00")
            if nul >= 0:
                return newlines + chunk.count(b"\n", 0, nul) + 1, 0
            newlines += chunk.count(b"\n")


def _read_header(path: Path) -> tuple[str, list[str]]:
    """(delimiter, header names): the candidate delimiter that splits the header most."""
    best = (",", [])
    with _csv_field_limit():
        for delimiter in DELIMITERS:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                headers = next(csv.reader(handle, delimiter=delimiter), [])
            if len(headers) > len(best[1]):
                best = (delimiter, headers)
    return best


@contextlib.contextmanager
def _csv_field_limit():
    # csv refuses fields over 128 KB by default; long values are judged by the checks instead.
    old = csv.field_size_limit(MAX_LINE_BYTES)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _struct(names: dict[str, str]) -> str:
    # Only generated names c1..cN reach this literal, never a user's header.
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in names.items()) + "}"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _show(value: str) -> str:
    value = value if len(value) <= 60 else value[:57] + "..."
    return "'" + value.replace("\r", "\\r").replace("\n", "\\n") + "'"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --- command line (data/load_cli.py) -------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """`python -m data.load ...`: see data/load_cli.py."""
    from data import load_cli

    return load_cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
