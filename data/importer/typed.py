"""typed_<key>: every value of a file parsed once, straight from its reader, into the schema's types.

One scan per file makes the table (row_id, each schema column in its type, the extras as text):
- a Parquet column whose type already is the schema's (or converts exactly: a DATE for a
  TIMESTAMP column, any whole-number type for an INTEGER one) is taken as it is, with the range
  checks the text rules imply (a whole number of at most 9 digits, a finite number, a year of 4
  digits); any other Parquet type is read as its text, as before;
- a CSV's values are text: DuckDB's typed CSV casts take '3.5' as 4, '0x10' as 16 and '2024-1-5'
  as a date, so they would let through what the rules refuse. Each text value is parsed by the
  strict macros of data/importer/parsing.py in the same scan.
Each typed column keeps its text only where the text differs from the value's own (`rawtext_<c>`,
null for the common case, so a clean file stores no second copy of its values); `raw_<c>` (a
virtual column: that text, else the value's) is what the checks quote in a problem's "found".
"""

from __future__ import annotations

from data.importer import values
from data.importer.inserts import quote
from data.importer.rules import KINDS, schema_types
from data.importer import scratch
from data.importer.staged import StagedFile

# The type each parsing macro returns (the typed column's type: a SMALLINT column is checked as an
# INTEGER, so 40000 is "not between 1 and 5", never a conversion error).
MACRO_TYPES = {"as_date": "DATE", "as_timestamp": "TIMESTAMP", "as_whole": "INTEGER",
               "as_money": "DECIMAL(12,2)", "as_number": "DOUBLE"}
WHOLE_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
               "UINTEGER", "UBIGINT")
# Dates and date-times whose text is 4-digit-year ISO (no "(BC)", no 5-digit year).
YEARS = ("0001-01-01", "9999-12-31")


def native(macro: str, source_type: str, col: str) -> str | None:
    """SQL taking a Parquet value of `source_type` to what `macro` makes of its text, without the
    text; None when only the text path is exact (a FLOAT, a DECIMAL with more than 2 places...)."""
    in_years = f"cast({col} as date) between date '{YEARS[0]}' and date '{YEARS[1]}'"
    if macro in ("as_date", "as_timestamp") and source_type in ("DATE", "TIMESTAMP"):
        target = MACRO_TYPES[macro]
        return f"case when {in_years} then cast({col} as {target}) end"
    if macro == "as_whole" and source_type in WHOLE_TYPES:
        return f"case when {col} between -999999999 and 999999999 then cast({col} as integer) end"
    if macro == "as_money" and (source_type in WHOLE_TYPES or (
            source_type.startswith("DECIMAL(") and int(source_type[:-1].split(",")[1]) <= 2)):
        return f"try_cast({col} as decimal(12, 2))"
    if macro == "as_number" and source_type == "DOUBLE":
        return f"case when isfinite({col}) then {col} end"
    if macro == "as_number" and source_type in WHOLE_TYPES:
        return f"cast({col} as double)"
    return None


def create(con, src: StagedFile, relation: str, params: dict | None = None,
           source_types: dict[str, str] | None = None) -> None:
    """typed_<key> from `relation` (SQL of a table or subquery with row_id and the staged columns
    c1..cN): text, or a Parquet file's own types (`source_types`: staged column -> DuckDB type)."""
    types = schema_types()[src.key]
    params = dict(params or {})
    source_types = source_types or {}
    columns = ["row_id bigint"]
    parsed, kept = ["row_id"], ["row_id"]
    for column, staged_col in src.columns.items():
        macro = KINDS[types[column]][0]
        given = source_types.get(staged_col, "VARCHAR")
        text = staged_col if given == "VARCHAR" else f"cast({staged_col} as varchar)"
        text = values.expression(src, column, text, params)
        if not macro:
            columns.append(f"{column} varchar")
            parsed.append(f"{text} as {column}")
            kept.append(column)
            continue
        columns += [f"{column} {MACRO_TYPES[macro]}", f"rawtext_{column} varchar",
                    f"raw_{column} varchar generated always as "
                    f"(coalesce(rawtext_{column}, cast({column} as varchar))) virtual"]
        direct = native(macro, given, staged_col) if not src.values.get(column) else None
        if direct:
            # Only a value its check refuses needs its text (the value's own text otherwise).
            parsed += [f"{direct} as {column}", f"{staged_col} as given_{column}"]
            kept += [column, f"case when {column} is null and given_{column} is not null "
                             f"then cast(given_{column} as varchar) end"]
        else:
            parsed += [f"{macro}({text}) as {column}", f"{text} as given_{column}"]
            kept += [column, f"case when given_{column} is distinct from cast({column} as varchar) "
                             f"then given_{column} end"]
    for staged_col in src.extras.values():
        given = source_types.get(staged_col, "VARCHAR")
        columns.append(f"{staged_col} varchar")
        parsed.append(staged_col if given == "VARCHAR" else f"cast({staged_col} as varchar) as {staged_col}")
        kept.append(staged_col)
    names = [c.split(" ")[0] for c in columns if " generated " not in c]
    # In the scratch database (data/importer/scratch.py): in memory, or a file for a large import.
    scratch.ensure(con)
    con.execute(f"create or replace table {scratch.SCHEMA}.{src.typed} ({', '.join(columns)})")
    con.execute(f"insert into {src.typed} ({', '.join(names)}) select {', '.join(kept)} "
                f"from (select {', '.join(parsed)} from {relation})", params)


def parquet_relation(src: StagedFile) -> str:
    """The Parquet file's columns as c1..cN with its row numbers (0-based) as row_id; the file's
    path is the bound parameter $path."""
    select = ", ".join(f"{quote(header)} as c{i}" for i, header in enumerate(src.headers, 1))
    return f"(select file_row_number as row_id, {select} from read_parquet($path, file_row_number = true))"
