"""The flow of an import: stage every input, check every rule, convert the shapes, insert, and
publish through snapshots.building (or reject with every problem, leaving the live file as it was).
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

import settings
from data import (activity_input, dates, build, db_input, import_summary, outreach_input, shapes,
                  snapshots)
from data.importer import scratch, skipping
from data.importer import values as value_map
from data.importer.checks import checks, count_rows, post_checks, run_check
from data.importer.errors import ImportRejected, Pending, Problem, file_problem, show
from data.importer.headers import mapping_problems, normalise_mapping, valid_mapping
from data.importer.inserts import insert, sha256, source_of
from data.importer.lines import resolve
from data.importer.parsing import MACROS, date_formats, time_notes
from data.importer.readers import stage
from data.importer.rules import FILE_ALIASES, FILE_KEYS
from data.importer.staged import DatabaseTable, StagedFile


@dataclass(frozen=True)
class Options:
    """How the rows are read beyond the files and their headers."""

    values: dict | None = None  # --values: {table: {column: {raw: value}}}
    skip_bad_rows: bool = False
    # path -> its SHA-256 (a Future), computed in a thread while DuckDB reads and checks.
    digests: dict = field(default_factory=dict)


def load(
    out: Path,
    files: dict[str, Path],
    mapping: dict[str, dict[str, str]] | None = None,
    keep: int = settings.SNAPSHOTS_KEEP,
    as_of: date | None = None,
    date_format: str | None = None,
    inactive_days: int | None = None,
    database: str | None = None,
    values: dict[str, dict[str, dict[str, str]]] | None = None,
    skip_bad_rows: bool = False,
) -> dict:
    """Validate the files and publish them as a new snapshot at `out`; return build.finalize's meta
    with "summary" added (import_summary.summarise: rows, conversions, unmatched reasons).

    `as_of` is the export's date (default: the rule in docs/definitions.md, Metrics);
    `date_format` (one of dates.CHOICES) tells day and month apart in slash-dated columns.
    `inactive_days` (with an activity file): a customer without a churn date churned on its last
    activity + that many days when that is on or before the as-of date (data/activity_input.py).
    Raises ImportRejected (and leaves `out` untouched) when any rule of the data model is broken.

    `database`: a postgresql:// URL; each value of `files` is then a table name or a select run
    there (data/db_input.py). Raises db_input.Unavailable (one line, no password) when it cannot
    be reached, before anything is built.

    `values`: {table: {column: {raw: value}}} (`--values`, data/importer/values.py), replaced
    before any check. `skip_bad_rows`: rows breaking a row rule are left out and counted instead
    of refusing the import (data/importer/skipping.py); problems of a whole file still refuse it.
    """
    files = normalise_keys(files, database is not None)
    mapping = normalise_mapping(mapping)
    with contextlib.ExitStack() as stack:
        if database is not None:
            files = relations(files)
            db = db_input.connect(database)
            stack.callback(db.close)
            files = {key: DatabaseTable(rel, db, database) for key, rel in files.items()}
        hashing = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="sha256"))
        digests = {} if database is not None else {
            path: hashing.submit(sha256, path) for path in files.values() if Path(path).is_file()}
        with snapshots.building(Path(out), keep) as (tmp, snapshot_id):
            con = duckdb.connect(str(tmp), config={
                "memory_limit": settings.IMPORT_MEMORY_LIMIT,
                "max_temp_directory_size": settings.IMPORT_SPILL_LIMIT})
            typed_file = None
            try:
                typed_file = scratch.attach(con, files, tmp)
                meta = build_snapshot(con, files, mapping, snapshot_id, as_of, date_format,
                                      inactive_days, database,
                                      Options(values, skip_bad_rows, digests))
            finally:
                con.close()
                scratch.remove(typed_file)
    return meta


def relations(tables: dict[str, str]) -> dict[str, db_input.Relation]:
    """Each table option as a table name or a query; ImportRejected naming the bad ones."""
    relations, problems = {}, []
    for key, text in tables.items():
        try:
            relations[key] = db_input.relation(key, text)
        except ValueError as exc:
            problems.append(Problem(key, None, "(table)", f"expected {exc}, found {show(text)}"))
    if problems:
        raise ImportRejected(problems, len(problems))
    return relations


def validate(
    files: dict[str, Path], mapping: dict[str, dict[str, str]] | None = None,
    date_format: str | None = None,
) -> list[Problem]:
    """The problems `load` would report (at most MAX_SHOWN), without building anything."""
    con = duckdb.connect()
    try:
        build.create_schema(con)
        scratch.attach(con, {}, None)
        staged, problems, _total = stage_and_check(
            con, normalise_keys(files), normalise_mapping(mapping), date_format
        )
    finally:
        con.close()
    return problems


def build_snapshot(con, files: dict[str, Path], mapping: dict, snapshot_id: str,
                   as_of: date | None = None, date_format: str | None = None,
                   inactive_days: int | None = None, database: str | None = None,
                   options: Options = Options()) -> dict:
    try:
        build.create_schema(con)
        staged, problems, total = stage_and_check(con, files, mapping, date_format,
                                                  options.values, options.skip_bad_rows)
        if inactive_days and "activity" not in staged:
            problems.append(Problem("(arguments)", None, "--inactive-days",
                                    "expected an activity file (--activity) to measure "
                                    "inactivity on, found none"))
            total += 1
        if problems:
            raise ImportRejected(problems, total)
        read = {src.key: src for src in staged.values()}  # the files given, before any stands in
        for src in read.values():
            src.notes += time_notes(con, src)
        credit_warnings = value_map.credits(con, staged)
        activity_notes = activity_input.derive_customers(con, staged, StagedFile)
        shapes.prepare(con, staged)
        given_as_of = as_of
        as_of_source = "given"
        if as_of is None:
            as_of = shapes.default_as_of(con, staged, build.build_day())
            as_of_source = "data" if as_of else "build day"
            as_of = as_of or build.build_day()
        rows = {src.key: src.rows for src in read.values()}
        notes, warnings, assumed = shapes.convert(con, staged, as_of)
        notes = ([n for src in read.values() for n in src.notes] + activity_notes + notes
                 + activity_input.inactive_churn(con, staged, as_of, inactive_days))
        warnings = credit_warnings + warnings
        post_checks(con, staged)
        scratch.final_writes(con)
        for src in staged.values():
            insert(con, src)
        scratch.release(con)
        if "churn_reason_categories" not in staged:
            build.load_reason_mapping(con)
        notes += activity_input.map_inactivity_reason(con, inactive_days)
        notes += outreach_input.summary(con, staged)
        source = {
            "files": {src.key: source_of(src, options.digests) for src in read.values()},
            "mapping": mapping,
            "as_of": given_as_of,
            "date_formats": {f"{src.key}.{c}": f for src in staged.values() for c, f in src.formats.items()},
        }
        if database is not None:
            source["database"] = db_input.redact(database)
        if options.values:
            source["values"] = value_map.normalise(options.values)
        left_out = {src.key: {"rows": src.skipped, "of": src.rows}
                    for src in read.values() if src.skipped}
        if left_out:
            assumed["rows_left_out"] = left_out
        if assumed:
            source["assumed"] = assumed
        # The key rules build.check_integrity re-checks were checked above, file by file, unless
        # a shape's conversion made rows no file held (customers from churn events...).
        converted = any(key in staged for key in shapes.INPUT_TABLES)
        meta = build.finalize(con, snapshot_id, "import", source, as_of=as_of, checked=not converted)
        # "What this data can show" is the pages' judgement: the command line and the Import
        # page add it (import_summary.with_can_show), the data layer knows no page.
        meta["summary"] = import_summary.summarise(
            con, {src.key: src.name for src in read.values()}, rows, notes, warnings,
            source["date_formats"], as_of_source, [],
            [line for src in read.values() for line in skipping.summary_lines(src)])
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


def stage_and_check(con, files: dict[str, Path], mapping: dict, date_format: str | None = None,
                    values: dict | None = None, skip_bad_rows: bool = False):
    """Stage every file and run every check. Returns (staged, problems shown, total count).
    With `skip_bad_rows`, the rows a check finds are left out instead (data/importer/skipping.py)
    unless that would leave a file without rows."""
    con.execute(MACROS)
    pending: list[Pending] = []
    total = 0
    staged: dict[str, StagedFile] = {}
    values = value_map.normalise(values)
    date_format = dates.parse_choice(date_format) if date_format else None
    pending += mapping_problems(mapping) + value_map.problems(values)
    if "customers" not in files and not activity_input.customers_optional(files):
        pending.append(Pending("customers", "(file)", "a customers file (required)", "none"))
    for key in FILE_KEYS:
        if key in files:
            src, found = stage(con, key, files[key], valid_mapping(key, mapping),
                               activity_input.optional_columns(key, files), values.get(key))
            staged[key] = src
            pending += found
            header_line = 1 if src.kind == "csv" else None
            pending += [file_problem(src, column, expected, found, header_line)
                        for column, expected, found in
                        shapes.header_problems(key, src.columns, set(files))]
            if src.usable:
                pending += date_formats(con, src, date_format)
    total += len(pending)
    for key in FILE_KEYS:
        if key in staged and staged[key].usable:
            found = checks(staged[key], staged)
            if skip_bad_rows and not pending and skipping.leave_out(con, staged[key], found):
                continue
            for (column, expected, select), n in zip(found, count_rows(con, found)):
                if n == 0:
                    continue
                count, shown = run_check(con, select)
                total += count
                pending += [Pending(key, column, expected, found, row=row, ref_row=ref)
                            for row, found, ref in shown]
    return staged, resolve(pending, staged), total


def normalise_keys(files: dict[str, Path], tables: bool = False) -> dict[str, Path]:
    """Canonical keys; values as paths, or kept as given (table names or queries) for a database."""
    result = {}
    for key, path in files.items():
        key = FILE_ALIASES.get(key, key)
        if key not in FILE_KEYS:
            raise ValueError(f"unknown file key {key!r}; expected one of {', '.join(FILE_KEYS)}")
        if path is not None:
            result[key] = str(path) if tables else Path(path)
    return result
