"""Type parsing: every staged text value parsed once into typed_<key> by strict macros, and date
columns that ISO did not read re-read in their own common format (data/dates.py).
"""

from __future__ import annotations

from data import dates
from data.importer.errors import Pending
from data.importer.rules import KINDS, schema_types
from data.importer.staged import StagedFile


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



def type_values(con, src: StagedFile) -> None:
    """Parse every value once into typed_<key> (row_id, columns, raw_<typed column>, extras c<i>):
    the checks and the insert all read it, so no value is parsed twice."""
    types = schema_types()[src.key]
    select = ["rowid as row_id"]
    for column, staged_col in src.columns.items():
        macro = KINDS[types[column]][0]
        if macro:
            select += [f"{macro}({staged_col}) as {column}", f"{staged_col} as raw_{column}"]
        else:
            select.append(f"{staged_col} as {column}")
    select += list(src.extras.values())
    con.execute(f"create or replace temp table {src.typed} as "
                f"select {', '.join(select)} from {src.table}")
    con.execute(f"drop table {src.table}")


def date_formats(con, src: StagedFile, date_format: str | None) -> list[Pending]:
    """Re-read the date columns ISO did not read in their own format (data/dates.py); a problem
    for a slash column whose day and month cannot be told apart."""
    types = schema_types()[src.key]
    columns = [c for c in src.columns if types[c] in ("DATE", "TIMESTAMP")]
    if not columns or not src.rows:
        return []
    unread = con.execute("select " + ", ".join(
        f"count(*) filter (where {c} is null and nv(raw_{c}) is not null)" for c in columns
    ) + f" from {src.typed}").fetchone()
    problems = []
    for column, count in zip(columns, unread):
        if not count:
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
            con.execute(f"update {src.typed} set {column} = {parsed}")
    return problems
