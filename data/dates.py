"""Date formats of an import's date columns (docs/definitions.md, Data model "Dates").

A date column is ISO (YYYY-MM-DD, optional time) or one consistent common format: YYYY/MM/DD,
DD.MM.YYYY, DD/MM/YYYY, MM/DD/YYYY or YYYYMMDD, each with an optional time: one- or two-digit hours,
seconds optional (with a fraction), 12-hour with AM/PM, and `Z` or a `+HH:MM` / `-HHMM` offset,
which is taken off so the value is stored as UTC (ISO also takes `T` before the time). The importer parses
every column as ISO first (the common case costs nothing more); only a column with values ISO does
not read is looked at again: the format most of its values have is its format, and the values
that do not have it are reported as problems. A slash column whose values all have day and month
<= 12 cannot be read without `--date-format`.
"""

from __future__ import annotations

# A time after the date: hours (1 or 2 digits), minutes, seconds and a fraction optional, AM/PM,
# and Z or an offset from UTC. clock_us(text) is its microseconds since midnight UTC (0 for no
# time, null for one that does not read); the macros join data/importer/parsing.py's.
TIME_RE = r'(\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?\s*([AaPp][Mm])?\s*([Zz]|[+-]\d{2}:?\d{2})?'
CLOCK_MACROS = rf"""
create or replace temp macro clock_of(p) as
    case when p.h = '' then null
         when (p.ap = '' and cast(p.h as integer) > 23)
              or (p.ap <> '' and cast(p.h as integer) not between 1 and 12)
              or cast(p.m as integer) > 59 or cast(nullif(p.s, '') as integer) > 59 then null
         else (((case when p.ap = '' then cast(p.h as bigint)
                      when upper(p.ap) = 'AM' then cast(p.h as bigint) % 12
                      else cast(p.h as bigint) % 12 + 12 end) * 60
                + cast(p.m as bigint)
                - case when p.z in ('', 'Z', 'z') then 0
                       else (case when left(p.z, 1) = '-' then -1 else 1 end)
                            * (cast(substr(p.z, 2, 2) as bigint) * 60
                               + cast(right(p.z, 2) as bigint)) end) * 60
               + coalesce(cast(nullif(p.s, '') as bigint), 0)) * 1000000
              + coalesce(cast(rpad(substr(nullif(p.f, ''), 2), 6, '0') as bigint), 0)
    end;
create or replace temp macro clock_us(t) as
    case when t is null or t = '' then 0
         else clock_of(regexp_extract(t, '^{TIME_RE}$', ['h', 'm', 's', 'f', 'ap', 'z'])) end;
"""

ISO = "YYYY-MM-DD"
AMBIGUOUS = "ambiguous"
_TIME = rf"(\s+{TIME_RE})?"
_ISO_RE = rf"\d{{4}}-\d{{2}}-\d{{2}}([ T]\s*{TIME_RE})?"
_SLASH_RE = r"\d{1,2}/\d{1,2}/\d{4}"
# YYYYMMDD only with a plausible year, month and day, so a column of 8-digit ids is not read as dates.
_COMPACT_RE = r"(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
# name -> (regex of the date part, strptime pattern of the date part)
FORMATS = {
    "YYYY/MM/DD": (r"\d{4}/\d{1,2}/\d{1,2}", "%Y/%m/%d"),
    "DD.MM.YYYY": (r"\d{1,2}\.\d{1,2}\.\d{4}", "%d.%m.%Y"),
    "DD/MM/YYYY": (_SLASH_RE, "%d/%m/%Y"),
    "MM/DD/YYYY": (_SLASH_RE, "%m/%d/%Y"),
    "YYYYMMDD": (_COMPACT_RE, "%Y%m%d"),
}
CHOICES = (ISO, *FORMATS)
SLASHED = ("DD/MM/YYYY", "MM/DD/YYYY")
# The same choices in strftime's spelling (as Python and spreadsheet exports document them).
STRFTIME = {"%Y-%m-%d": ISO, **{pattern: name for name, (_, pattern) in FORMATS.items()}}


def parse_choice(text: str) -> str:
    """A --date-format value: one of CHOICES (any case) or its strftime spelling (%d/%m/%Y)."""
    value = text.strip()
    if value in STRFTIME:
        return STRFTIME[value]
    if value.upper() not in CHOICES:
        raise ValueError(f"--date-format {text!r}: expected one of {', '.join(CHOICES)} "
                         f"(or as strftime: {', '.join(STRFTIME)})")
    return value.upper()


def expression(fmt: str, raw: str, timestamp: bool) -> str:
    """SQL parsing the text column `raw` in format `fmt` (None when the value is not in it).
    Only the allow-listed patterns above and a generated column name reach this SQL."""
    if fmt == ISO:
        value = f"as_timestamp({raw})"
    else:
        regex, pattern = FORMATS[fmt]
        value = (f"case when regexp_full_match(nv({raw}), '{regex}{_TIME}') "
                 f"then try_strptime(regexp_extract(nv({raw}), '^\\S+'), '{pattern}') "
                 f"+ to_microseconds(clock_us(trim(regexp_replace(nv({raw}), '^\\S+', '')))) end")
    return value if timestamp else f"cast({value} as date)"


def words(fmt: str, timestamp: bool) -> str:
    """What a problem says a value of this column should look like."""
    if fmt == ISO:
        return "an ISO date-time YYYY-MM-DD HH:MM[:SS]" if timestamp else "an ISO date YYYY-MM-DD"
    time = " [HH:MM[:SS]]" if timestamp else ""
    return f"a date {fmt}{time} like the rest of this column"


def detect(con, table: str, raw: str, wanted: str | None) -> tuple[str, int | None]:
    """(format, row_id of the first value) of one text column of `table`: the format most of its
    values have (ISO on a tie), with the day/month order of a slash column from its values or from
    `wanted` (--date-format); AMBIGUOUS when neither tells it."""
    iso, ymd, dot, compact, slash, first_max, second_max, first_row = con.execute(
        f"""
        select count(*) filter (where regexp_full_match(v, '{_ISO_RE}')),
               count(*) filter (where regexp_full_match(v, '{FORMATS["YYYY/MM/DD"][0]}{_TIME}')),
               count(*) filter (where regexp_full_match(v, '{FORMATS["DD.MM.YYYY"][0]}{_TIME}')),
               count(*) filter (where regexp_full_match(v, '{_COMPACT_RE}{_TIME}')),
               count(*) filter (where regexp_full_match(v, '{_SLASH_RE}{_TIME}')),
               max(try_cast(split_part(v, '/', 1) as integer))
                   filter (where regexp_full_match(v, '{_SLASH_RE}{_TIME}')),
               max(try_cast(split_part(v, '/', 2) as integer))
                   filter (where regexp_full_match(v, '{_SLASH_RE}{_TIME}')),
               min(row_id) filter (where regexp_full_match(v, '{_SLASH_RE}{_TIME}'))
        from (select row_id, nv({raw}) as v from {table}) where v is not null
        """
    ).fetchone()
    counts = {ISO: iso, "YYYY/MM/DD": ymd, "DD.MM.YYYY": dot, "YYYYMMDD": compact, "slash": slash}
    best = max(counts, key=lambda k: (counts[k], k == ISO))
    if best != "slash":
        return best, None
    if wanted in SLASHED:
        return wanted, None
    if first_max > 12:
        return "DD/MM/YYYY", None
    if second_max > 12:
        return "MM/DD/YYYY", None
    return AMBIGUOUS, first_row


AMBIGUOUS_EXPECTED = (
    "a date whose day and month can be told apart (every value here has both <= 12): pass "
    "--date-format DD/MM/YYYY or --date-format MM/DD/YYYY (e.g. --date-format DD/MM/YYYY reads "
    "03/04/2024 as 3 April 2024)"
)
