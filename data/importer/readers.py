"""The readers: a CSV, Parquet file or a database's table read into the temp table stage_<key>
(columns c1..cN, all text), with the problems of its bytes, structure and header.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

import duckdb

from data import db_input
from data.importer.errors import Pending, file_problem, show
from data.importer.headers import match_headers
from data.importer.inserts import quote
from data.importer.lines import csv_field_limit, lines_at_bytes
from data.importer.parsing import type_values
from data.importer.rules import (DELIMITERS, MAX_LINE_BYTES, MAX_READER_ERRORS, READ_BUFFER_BYTES,
                                 schema_types)
from data.importer import values
from data.importer.staged import DatabaseTable, StagedFile


def stage(con, key: str, path: Path, mapping: dict[str, str],
          optional: tuple[str, ...] = (),
          replace: dict[str, dict[str, str]] | None = None) -> tuple[StagedFile, list[Pending]]:
    """Read one file into stage_<key>; return it with the problems of its bytes and header.
    `optional`: required columns another file stands in for; `replace`: this file's --values."""
    if isinstance(path, DatabaseTable):
        src = StagedFile(key, path.relation, kind="database", optional=optional,
                         values=replace or {})
        return src, stage_database(con, src, path, mapping)
    src = StagedFile(key, Path(path), optional=optional, values=replace or {})
    try:
        head = read_head(src.path)
    except OSError as exc:
        return src, [file_problem(src, "(file)", "a readable file", exc.strerror or str(exc))]
    if head.startswith(b"PAR1"):
        src.kind = "parquet"
        return src, stage_parquet(con, src, mapping)
    if src.path.suffix.lower() == ".parquet":
        return src, [file_problem(src, "(file)", "a Parquet file", "other content")]
    problems = sniff_bytes(src, head)
    if problems:
        return src, problems
    return src, stage_csv(con, src, mapping)


def sniff_bytes(src: StagedFile, head: bytes) -> list[Pending]:
    """Problems visible in the raw bytes: not text at all, or not UTF-8."""
    if not head.removeprefix(codecs.BOM_UTF8).strip():
        return [file_problem(src, "(file)", "a header line naming the columns", "an empty file", 1)]
    if head.startswith(b"PK\x03\x04"):
        return [file_problem(src, "(file)", "a CSV or Parquet file",
                              "a ZIP archive (an Excel .xlsx file? Save it as CSV)", None)]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return [file_problem(src, "(encoding)", "UTF-8 text",
                              "UTF-16 text (save the file as UTF-8)", 1)]
    bad = first_non_utf8(src.path)
    if bad:
        line, byte = bad
        why = ("a NUL byte (UTF-16 text without a BOM, or a binary file? Save it as UTF-8 CSV)"
               if byte == 0 else
               f"byte 0x{byte:02X} (Latin-1 or Windows-1252? Save the file as UTF-8)")
        return [file_problem(src, "(encoding)", "UTF-8 text", why, line)]
    return []


def stage_csv(con, src: StagedFile, mapping: dict[str, str]) -> list[Pending]:
    delimiter, headers = read_header(src.path)
    src.delimiter, src.headers = delimiter, headers
    if len(headers) == 1 and headers[0].strip().lower() not in schema_types()[src.key] \
            and headers[0] not in mapping.values():
        return [file_problem(src, "(header)", "columns separated by comma, semicolon or tab",
                              f"a single column {show(headers[0])}", 1)]
    problems = match_headers(src, mapping)
    if problems:
        return problems
    names = {f"c{i}": "varchar" for i in range(1, len(headers) + 1)}
    rejects = f"rejects_{src.key}"
    try:
        con.execute(
            f"""
            create or replace temp table {src.table} as
            select * from read_csv($path, header = true, auto_detect = false, delim = $delim,
                                   quote = '"', escape = '"', columns = {struct(names)},
                                   allow_quoted_nulls = false,
                                   max_line_size = $max_line, buffer_size = $buffer,
                                   store_rejects = true,
                                   rejects_table = '{rejects}', rejects_scan = '{rejects}_scan',
                                   rejects_limit = $max_errors)
            """,
            {"path": str(src.path), "delim": delimiter, "max_line": MAX_LINE_BYTES,
             "buffer": READ_BUFFER_BYTES, "max_errors": MAX_READER_ERRORS},
        )
        errors = con.execute(
            f"select line_byte_position, error_type, error_message from {rejects} "
            "order by line_byte_position"
        ).fetchall()
        con.execute(f"drop table {rejects}; drop table {rejects}_scan")
    except duckdb.Error as exc:
        return [file_problem(src, "(file)", "a readable CSV file", str(exc).splitlines()[0], None)]
    if errors:
        return reader_problems(src, errors)
    return after_staging(con, src)


def stage_parquet(con, src: StagedFile, mapping: dict[str, str]) -> list[Pending]:
    try:
        described = con.execute("describe select * from read_parquet($path)",
                                {"path": str(src.path)}).fetchall()
    except duckdb.Error as exc:
        return [file_problem(src, "(file)", "a readable Parquet file", str(exc).splitlines()[0], None)]
    src.headers = [row[0] for row in described]
    problems = match_headers(src, mapping)
    if problems:
        return problems
    # Typed Parquet values go through the same text checks as CSV: one set of rules.
    select = ", ".join(
        f"cast({quote(header)} as varchar) as c{i}" for i, header in enumerate(src.headers, 1)
    )
    try:
        con.execute(f"create or replace temp table {src.table} as "
                    f"select {select} from read_parquet($path)", {"path": str(src.path)})
    except duckdb.Error as exc:
        return [file_problem(src, "(file)", "a readable Parquet file", str(exc).splitlines()[0], None)]
    return after_staging(con, src)


def stage_database(con, src: StagedFile, table: DatabaseTable,
                    mapping: dict[str, str]) -> list[Pending]:
    """Stream a database table's or query's rows (Arrow batches) into stage_<key> as text, so
    they meet the same checks as a file's values (data/db_input.py says how each type reads)."""
    try:
        cursor, reader = db_input.read(table.connection, src.path, table.url)
    except db_input.ReadFailed as exc:
        return [file_problem(src, exc.column, exc.expected, exc.found)]
    try:
        src.headers = list(reader.schema.names)
        problems = match_headers(src, mapping)
        if problems:
            return problems
        select = ", ".join(f"{db_input.as_text(field.name, field.type)} as c{i}"
                           for i, field in enumerate(reader.schema, 1))
        # DuckDB scans the Arrow stream through this local name in the SQL (a replacement scan):
        # con.register refuses to run while an earlier result on the connection is unfinished.
        database_rows = reader  # noqa: F841
        con.execute(f"create or replace temp table {src.table} as "
                    f"select {select} from database_rows")
    except (duckdb.Error, OSError) as exc:
        # A value the driver cannot convert, or the connection lost mid-stream.
        return [file_problem(src, f"({src.path.label})", f"the rows of the {src.path.label}",
                              db_input.clean(exc, table.url))]
    finally:
        # DuckDB may still hold the stream: release it, or the connection stays busy with this
        # result and the next table cannot be read.
        reader.close()
        cursor.close()
    return after_staging(con, src)


def after_staging(con, src: StagedFile) -> list[Pending]:
    missing = values.missing(src)
    if missing:
        return missing
    src.notes += values.notes(con, src)
    type_values(con, src)
    src.rows = con.execute(f"select count(*) from {src.typed}").fetchone()[0]
    src.usable = True
    if src.rows == 0 and src.key == "customers":
        return [file_problem(src, "(file)", "at least one customer row after the header",
                              "none", 2 if src.kind == "csv" else None)]
    return []


def reader_problems(src: StagedFile, errors: list[tuple]) -> list[Pending]:
    """DuckDB's rejected rows (wrong field count, bad quotes, over-long lines) as problems."""
    lines = lines_at_bytes(src.path, [max(pos - 1, 0) for pos, _, _ in errors])
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
        problems.append(file_problem(src, "(row)", expected, found, line))
    return problems


def read_head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(4096)


def first_non_utf8(path: Path) -> tuple[int, int] | None:
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


def read_header(path: Path) -> tuple[str, list[str]]:
    """(delimiter, header names): the candidate delimiter that splits the header most."""
    best = (",", [])
    with csv_field_limit():
        for delimiter in DELIMITERS:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                headers = next(csv.reader(handle, delimiter=delimiter), [])
            if len(headers) > len(best[1]):
                best = (delimiter, headers)
    return best


def struct(names: dict[str, str]) -> str:
    # Only generated names c1..cN reach this literal, never a user's header.
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in names.items()) + "}"
