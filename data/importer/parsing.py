"""Type parsing: the strict macros every text value is parsed by (into typed_<key>,
data/importer/typed.py), and date columns that ISO did not read re-read in their own common
format (data/dates.py).
"""

from __future__ import annotations

from data import dates
from data.words import count
from data.importer.errors import Pending
from data.importer.rules import schema_types
from data.importer.staged import StagedFile


# Strict ISO shapes: DuckDB's casts alone would also take 2024-1-5, and '3.5' -> 4 for integers.
MACROS = dates.CLOCK_MACROS + r"""
create or replace temp macro nv(v) as nullif(trim(v), '');
-- The common ISO shape by a cast; any other time (one-digit hour, AM/PM, Z, an offset) by clock_us.
create or replace temp macro as_timestamp(v) as
    case when regexp_full_match(nv(v), '\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?')
         then try_cast(replace(nv(v), 'T', ' ') as timestamp)
         when regexp_full_match(nv(v), '\d{4}-\d{2}-\d{2}[ T]\s*TIME_RE')
         then try_cast(left(nv(v), 10) as timestamp)
              + to_microseconds(clock_us(trim(substr(nv(v), 12)))) end;
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
""".replace("TIME_RE", dates.TIME_RE)


def date_formats(con, src: StagedFile, date_format: str | None) -> list[Pending]:
    """Re-read the date columns ISO did not read in their own format (data/dates.py); a problem
    for a slash column whose day and month cannot be told apart."""
    types = schema_types()[src.key]
    columns = [c for c in src.columns if types[c] in ("DATE", "TIMESTAMP")]
    if not columns or not src.rows:
        return []
    unread = con.execute("select " + ", ".join(
        f"count(*) filter (where {c} is null and nv(rawtext_{c}) is not null)" for c in columns
    ) + f" from {src.typed}").fetchone()
    problems = []
    for column, n_unread in zip(columns, unread):
        if not n_unread:
            continue
        fmt, first_row = dates.detect(con, src.typed, f"raw_{column}", date_format)
        if fmt == dates.AMBIGUOUS:
            src.ambiguous[column] = first_row
            found = con.execute(f"select shown(raw_{column}) from {src.typed} where row_id = $row",
                                {"row": first_row}).fetchone()[0]
            problems.append(Pending(src.key, column, dates.AMBIGUOUS_EXPECTED, found, row=first_row))
        elif fmt != dates.ISO:
            src.formats[column] = fmt
            parsed = dates.expression(fmt, f"raw_{column}", types[column] == "TIMESTAMP")
            # Every value's own text is kept first: one ISO value in this column is a problem
            # quoting it.
            con.execute(f"update {src.typed} set rawtext_{column} = raw_{column}, {column} = {parsed}")
    return problems


def time_notes(con, src: StagedFile) -> list[str]:
    """How many date-times of each column gave a UTC offset (or Z: stored as UTC) or a 12-hour
    time (AM/PM), one scan per file; none when no column did."""
    types = schema_types()[src.key]
    columns = [c for c in src.columns if types.get(c) == "TIMESTAMP" and src.columns[c] != "converted"]
    if not columns or not src.rows:
        return []
    zone = r"([Zz]|[+-]\d{2}:?\d{2})$"
    counts = con.execute("select " + ", ".join(
        f"count(*) filter (where rawtext_{c} is not null and {c} is not null and "
        f"regexp_matches(nv(rawtext_{c}), "
        f"'\\d:\\d{{2}}(:\\d{{2}}(\\.\\d+)?)?\\s*([AaPp][Mm])?\\s*{zone}')), "
        f"count(*) filter (where rawtext_{c} is not null and {c} is not null and "
        f"regexp_matches(nv(rawtext_{c}), "
        f"'\\d\\s*[AaPp][Mm]\\s*{zone[:-1]}?$'))" for c in columns) + f" from {src.typed}").fetchone()
    notes = []
    for i, column in enumerate(columns):
        offset, twelve = counts[2 * i], counts[2 * i + 1]
        if offset:
            notes.append(f"{src.key}.{column}: {count(offset, 'values')} with Z or a UTC offset, "
                         "stored as UTC")
        if twelve:
            notes.append(f"{src.key}.{column}: {count(twelve, 'values')} with a 12-hour time "
                         "(AM/PM), stored as 24-hour")
    return notes
