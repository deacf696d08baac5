"""`--skip-bad-rows`: rows that break a row rule are left out instead of refusing the import.

Every check of a file is run as usual; with the option, the rows each check finds are collected in
one temp table, counted per reason (with the first few lines), and deleted from typed_<key> before
the next file is checked (so the tickets of a customer left out are checked against the customers
that remain). A file whose every row breaks a rule is never left out whole: its problems are
reported and nothing is imported, as without the option. Problems of a whole file (its bytes,
header, an ambiguous date column) and of the arguments refuse the import either way.
"""

from __future__ import annotations

from data.importer.lines import row_lines
from data.importer.staged import StagedFile
from data.words import count

# Lines listed per reason; the count says how many there are in all.
FIRST_LINES = 5


def leave_out(con, src: StagedFile, checks: list[tuple[str, str, str]]) -> bool:
    """Delete the rows of `src` that any of `checks` (column, expected, SQL of row_id...) finds and
    record why in src.skip_reasons; False (nothing deleted) when that would leave no row."""
    if not checks:
        return True
    con.execute("create or replace temp table bad_rows (row_id bigint, reason integer)")
    for i, (_, _, select) in enumerate(checks):
        con.execute(f"insert into bad_rows select row_id, {i} from ({select})")
    left_out = con.execute("select count(distinct row_id) from bad_rows").fetchone()[0]
    if left_out and left_out >= src.rows:
        con.execute("drop table bad_rows")
        return False
    by_reason = con.execute(f"""
        select reason, count(distinct row_id), list(distinct row_id order by row_id)[1:{FIRST_LINES}]
        from bad_rows group by reason order by min(row_id)""").fetchall()
    con.execute(f"delete from {src.typed} where row_id in (select row_id from bad_rows)")
    con.execute("drop table bad_rows")
    src.skipped = left_out
    lines = row_lines(src, {row for _, _, rows in by_reason for row in rows})
    unit = "row" if src.rows_numbered else "line"
    src.skip_reasons = [
        {"column": checks[reason][0], "expected": checks[reason][1], "rows": n,
         "first": [lines.get(row) for row in rows], "unit": unit}
        for reason, n, rows in by_reason]
    return True


def summary_lines(src: StagedFile) -> list[str]:
    """What the import summary says of the rows left out of one file."""
    if not src.skipped:
        return []
    out = [f"{src.name}: {count(src.skipped, 'rows')} of {src.rows:,} left out"]
    for reason in src.skip_reasons:
        first = ", ".join(str(n) if n is not None else "?" for n in reason["first"])
        more = ", ..." if reason["rows"] > len(reason["first"]) else ""
        unit = reason["unit"] + ("s" if len(reason["first"]) > 1 else "")
        out.append(f"    {reason['rows']:,} x {reason['column']}: expected {reason['expected']} "
                   f"({unit} {first}{more})")
    return out
