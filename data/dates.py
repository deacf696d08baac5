"""Date formats of an import's date columns (docs/definitions.md, Data model "Dates").

A date column is ISO (YYYY-MM-DD, optional time) or one consistent common format: YYYY/MM/DD,
DD.MM.YYYY, DD/MM/YYYY or MM/DD/YYYY, each with an optional HH:MM[:SS] time. The importer parses
every column as ISO first (the common case costs nothing more); only a column with values ISO does
not read is looked at again: the format most of its values have is its format, and the values
that do not have it are reported as problems. A slash column whose values all have day and month
<= 12 cannot be read without `--date-format`.
"""

from __future__ import annotations

ISO = "YYYY-MM-DD"
AMBIGUOUS = "ambiguous"
_TIME = r"( \d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?"
_ISO_RE = r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?"
_SLASH_RE = r"\d{1,2}/\d{1,2}/\d{4}"
# name -> (regex of the date part, strptime pattern of the date part)
FORMATS = {
    "YYYY/MM/DD": (r"\d{4}/\d{1,2}/\d{1,2}", "%Y/%m/%d"),
    "DD.MM.YYYY": (r"\d{1,2}\.\d{1,2}\.\d{4}", "%d.%m.%Y"),
    "DD/MM/YYYY": (_SLASH_RE, "%d/%m/%Y"),
    "MM/DD/YYYY": (_SLASH_RE, "%m/%d/%Y"),
}
CHOICES = (ISO, *FORMATS)
SLASHED = ("DD/MM/YYYY", "MM/DD/YYYY")


def parse_choice(text: str) -> str:
    """A --date-format value, one of CHOICES (any case)."""
    value = text.strip().upper()
    if value not in CHOICES:
        raise ValueError(f"--date-format {text!r}: expected one of {', '.join(CHOICES)}")
    return value


def expression(fmt: str, raw: str, timestamp: bool) -> str:
    """SQL parsing the text column `raw` in format `fmt` (None when the value is not in it).
    Only the allow-listed patterns above and a generated column name reach this SQL."""
    if fmt == ISO:
        value = f"as_timestamp({raw})"
    else:
        regex, pattern = FORMATS[fmt]
        patterns = ", ".join(f"'{pattern}{time}'" for time in
                             (" %H:%M:%S.%f", " %H:%M:%S", " %H:%M", ""))
        value = (f"case when regexp_full_match(nv({raw}), '{regex}{_TIME}') "
                 f"then try_strptime(nv({raw}), [{patterns}]) end")
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
    iso, ymd, dot, slash, first_max, second_max, first_row = con.execute(
        f"""
        select count(*) filter (where regexp_full_match(v, '{_ISO_RE}')),
               count(*) filter (where regexp_full_match(v, '{FORMATS["YYYY/MM/DD"][0]}{_TIME}')),
               count(*) filter (where regexp_full_match(v, '{FORMATS["DD.MM.YYYY"][0]}{_TIME}')),
               count(*) filter (where regexp_full_match(v, '{_SLASH_RE}{_TIME}')),
               max(try_cast(split_part(v, '/', 1) as integer))
                   filter (where regexp_full_match(v, '{_SLASH_RE}{_TIME}')),
               max(try_cast(split_part(v, '/', 2) as integer))
                   filter (where regexp_full_match(v, '{_SLASH_RE}{_TIME}')),
               min(row_id) filter (where regexp_full_match(v, '{_SLASH_RE}{_TIME}'))
        from (select row_id, nv({raw}) as v from {table}) where v is not null
        """
    ).fetchone()
    counts = {ISO: iso, "YYYY/MM/DD": ymd, "DD.MM.YYYY": dot, "slash": slash}
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
