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
from data.importer.lines import csv_field_limit, lines_at_bytes, row_lines
from data.importer.rules import (DELIMITERS, MAX_LINE_BYTES, MAX_READER_ERRORS, MAX_SHOWN,
                                 READ_BUFFER_BYTES, WHITESPACE, schema_types)
from data.importer import sheets, typed, values
from data.importer.arrow import stage_arrow
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
    book, sheet = sheets.split_sheet(Path(path))
    src = StagedFile(key, book, optional=optional, values=replace or {}, sheet=sheet)
    try:
        head = read_head(src.path)
    except OSError as exc:
        return src, [file_problem(src, "(file)", "a readable file", exc.strerror or str(exc))]
    if sheets.is_workbook(src.path, head):
        src.kind = "xlsx"
        return src, sheets.stage_xlsx(con, src, mapping, after_staging)
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
        return [file_problem(src, "(file)", "a CSV, Parquet or Excel .xlsx file",
                              "a ZIP archive (an Excel workbook? Name it .xlsx)", None)]
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
    if len(headers) == 1 and len(headers[0].split()) > 1:
        delimiter, headers = WHITESPACE, headers[0].split()
    if not any(ch.isalpha() for header in headers for ch in header):
        # No letter in the first line: it is data (CDNOW as published), not a header.
        src.has_header = False
        headers = [f"column_{i}" for i in range(1, len(headers) + 1)]
        src.notes.append(f"{src.name} has no header line (its first line holds no letter): its "
                         f"columns were read as column_1 to column_{len(headers)}")
    if delimiter == WHITESPACE:
        src.notes.append(f"{src.name} read as columns separated by spaces or tabs")
    src.delimiter, src.headers = delimiter, headers
    if len(headers) == 1 and headers[0].strip().lower() not in schema_types()[src.key] \
            and headers[0] not in mapping.values():
        return [file_problem(src, "(header)",
                             "columns separated by comma, semicolon, tab or spaces",
                             f"a single column {show(headers[0])}", 1)]
    problems = match_headers(src, mapping)
    if problems:
        return problems
    if delimiter == WHITESPACE:
        return stage_whitespace(con, src)
    names = {f"c{i}": "varchar" for i in range(1, len(headers) + 1)}
    rejects = f"rejects_{src.key}"
    read = f"""read_csv($path, header = $header, auto_detect = false, delim = $delim,
                          quote = '"', escape = '"', columns = {struct(names)},
                          allow_quoted_nulls = false,
                          max_line_size = $max_line, buffer_size = $buffer,
                          store_rejects = true,
                          rejects_table = '{rejects}', rejects_scan = '{rejects}_scan',
                          rejects_limit = $max_errors)"""
    params = {"path": str(src.path), "header": src.has_header, "delim": delimiter,
              "max_line": MAX_LINE_BYTES, "buffer": READ_BUFFER_BYTES, "max_errors": MAX_READER_ERRORS}
    try:
        if src.values:
            # --values counts its replacements on the text as read (values.notes): staged first.
            con.execute(f"create or replace temp table {src.table} as select * from {read}", params)
        else:
            # The rows numbered as read, 0-based: the row_id a problem's line is found from.
            typed.create(con, src, f"(select row_number() over () - 1 as row_id, * from {read})",
                         params)
        errors = con.execute(
            f"select line_byte_position, error_type, error_message from {rejects} "
            "order by line_byte_position"
        ).fetchall()
        con.execute(f"drop table {rejects}; drop table {rejects}_scan")
    except duckdb.Error as exc:
        return [file_problem(src, "(file)", "a readable CSV file", str(exc).splitlines()[0], None)]
    if errors:
        con.execute(f"drop table if exists {src.typed}")
        return reader_problems(src, errors)
    return after_staging(con, src, typed_already=not src.values)


def stage_whitespace(con, src: StagedFile) -> list[Pending]:
    """A text file whose columns are separated by runs of spaces or tabs (aligned columns, no
    quoting): each line read whole, then split in SQL; a line with another number of fields than
    the first is a problem naming its line."""
    fields = len(src.headers)
    try:
        con.execute(
            """
            create or replace temp table whitespace_lines as
            select fields from (
                select regexp_split_to_array(trim(line), '\\s+') as fields
                from read_csv($path, header = $header, auto_detect = false, delim = $never,
                              quote = '', escape = '', columns = {'line': 'varchar'},
                              max_line_size = $max_line, buffer_size = $buffer)
            ) where fields <> ['']
            """,
            {"path": str(src.path), "header": src.has_header, "never": "\x01",
             "max_line": MAX_LINE_BYTES, "buffer": READ_BUFFER_BYTES})
        bad = con.execute(
            "select rowid, len(fields), count(*) over () from whitespace_lines "
            f"where len(fields) <> {fields} order by rowid limit {MAX_SHOWN}").fetchall()
        if not bad:
            select = ", ".join(f"fields[{i}] as c{i}" for i in range(1, fields + 1))
            con.execute(f"create or replace temp table {src.table} as "
                        f"select {select} from whitespace_lines order by rowid")
        con.execute("drop table whitespace_lines")
    except duckdb.Error as exc:
        return [file_problem(src, "(file)", "a readable text file", str(exc).splitlines()[0], None)]
    if bad:
        lines = row_lines(src, {row for row, _, _ in bad})
        return [Pending(src.key, "(row)", f"{fields} fields like the first line", f"{n}",
                        line=lines.get(row)) for row, n, _ in bad]
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
    try:
        if src.values:
            # --values replaces raw text (and counts it, values.notes): staged as text first.
            select = ", ".join(f"cast({quote(header)} as varchar) as c{i}"
                               for i, header in enumerate(src.headers, 1))
            con.execute(f"create or replace temp table {src.table} as "
                        f"select {select} from read_parquet($path)", {"path": str(src.path)})
        else:
            # Each column in the file's own type (data/importer/typed.py converts it exactly).
            source_types = {f"c{i}": row[1] for i, row in enumerate(described, 1)}
            typed.create(con, src, typed.parquet_relation(src), {"path": str(src.path)},
                         source_types)
    except duckdb.Error as exc:
        return [file_problem(src, "(file)", "a readable Parquet file", str(exc).splitlines()[0], None)]
    return after_staging(con, src, typed_already=not src.values)


def stage_database(con, src: StagedFile, table: DatabaseTable,
                    mapping: dict[str, str]) -> list[Pending]:
    """Stream a database table's or query's rows (Arrow batches) into stage_<key> as text, so
    they meet the same checks as a file's values (data/db_input.py says how each type reads)."""
    try:
        cursor, reader = db_input.read(table.connection, src.path, table.url)
    except db_input.ReadFailed as exc:
        return [file_problem(src, exc.column, exc.expected, exc.found)]
    try:
        problems = stage_arrow(con, src, reader, mapping,
                               lambda field: db_input.as_text(field.name, field.type))
        if problems:
            return problems
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


def after_staging(con, src: StagedFile, typed_already: bool = False) -> list[Pending]:
    """Type the staged text (stage_<key>) into typed_<key>, unless the reader made typed_<key>
    itself (`typed_already`); count the rows."""
    if not typed_already:
        missing = values.missing(src)
        if missing:
            return missing
        src.notes += values.notes(con, src)
        typed.create(con, src, f"(select rowid as row_id, * from {src.table})")
        con.execute(f"drop table {src.table}")
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
