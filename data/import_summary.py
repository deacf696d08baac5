"""What an import did, for the lines `python -m data.load` prints after it (and the import page).

    summary = summarise(con, files, rows, notes, formats, as_of_source)   # JSON-safe dict
    print("\n".join(lines(summary)))

Per table the rows read and loaded; each conversion with its count (data/shapes.py, data/dates.py);
warnings, which never block an import: churned customers without a date, raw churn reasons that
match no mapping row (with their counts and share of churned customers), an as-of date that no
data date gave; and what this data can show.
"""

from __future__ import annotations

import json

from data.words import count

# How many unmatched reasons are listed by name; the rest are counted in one line.
MAX_REASONS = 10

# Dated event tables: (table, its date column, what a row is called). A row dated before its
# customer's signup date counts in no per-customer number (early support, activity retention,
# the 90 days before churn); the summary counts them per table.
EVENT_TABLES = (("tickets", "created_at", "tickets"), ("activity", "occurred_at", "activity rows"),
                ("nps_responses", "responded_at", "NPS responses"),
                ("outreach", "contacted_at", "outreach contacts"))

AS_OF_SOURCES = {
    "given": "given with --as-of",
    "data": "the latest date in the data up to today",
    "build day": "the day of the import: the files hold no date up to today",
}


def with_can_show(meta: dict, describe) -> dict:
    """The summary of `meta` with "what this data can show": `describe(capabilities, as_of)`,
    views/needs.py's judgement, given by the entry point that prints or shows it."""
    caps = meta.get("capabilities")
    lines = describe(caps, meta.get("default_as_of")) if caps is not None else []
    return {**meta["summary"], "can_show": list(lines)}


def summarise(con, files: dict[str, str], rows: dict[str, int], notes: list[str],
              warnings: list[str], formats: dict[str, str], as_of_source: str,
              can_show: list[str], left_out: list[str] | None = None) -> dict:
    """The summary of the snapshot just built on `con` (its meta row is written); `can_show` is
    views/needs.py's describe() of it (filled by with_can_show where it is shown); `left_out`:
    data/importer/skipping.py's lines of the rows --skip-bad-rows left out."""
    as_of, tables = con.execute("select default_as_of, tables from meta").fetchone()
    churned, no_reason = con.execute(
        "select count(*), count(*) filter (where nullif(trim(churn_reason), '') is null) "
        "from customers where churn_date <= $as_of", {"as_of": as_of}).fetchone()
    unmatched = con.execute(
        """
        with churned as (
            select churn_reason,
                   lower(trim(regexp_replace(churn_reason, '\\s+', ' ', 'g'))) as reason_key
            from customers
            where churn_date <= $as_of and nullif(trim(churn_reason), '') is not null
              -- a category the export gives wins over the mapping: never in Other
              and nullif(trim(churn_category), '') is null
        ),
        final as (
            select min(churn_reason) as reason, count(*) as customers
            from churned anti join churn_reason_categories using (reason_key)
            group by reason_key
        )
        select * from final order by customers desc, reason
        """,
        {"as_of": as_of},
    ).fetchall()
    conversions = list(notes) + [
        f"{column} read as {fmt}" for column, fmt in sorted(formats.items())
    ]
    warnings = list(warnings)
    if as_of_source == "build day":
        warnings.append(f"as-of date {as_of} is {AS_OF_SOURCES['build day']}; pass --as-of with "
                        "the export's date")
    if churned and no_reason:
        warnings.append(f"{no_reason:,} of {count(churned, 'churned customers')} gave no churn "
                        "reason")
    return {
        "before_signup": before_signup(con),
        "as_of": str(as_of),
        "as_of_source": as_of_source,
        "files": files,
        "rows_read": rows,
        "tables": tables if isinstance(tables, dict) else json.loads(tables),
        "conversions": conversions,
        "warnings": warnings,
        "churned": churned,
        "unmatched_reasons": [{"reason": r, "customers": n,
                               "share_pct": round(100 * n / churned, 1)} for r, n in unmatched],
        "can_show": list(can_show),
        "left_out": list(left_out or []),
    }


def before_signup(con) -> dict[str, int]:
    """{table: rows dated before their customer's signup date} for the event tables with any."""
    out = {}
    for table, column, _ in EVENT_TABLES:  # names from the fixed list above, never user input
        n = con.execute(
            f"select count(*) from {table} as evt join customers as cust using (customer_id) "
            f"where evt.{column}::date < cust.signup_date").fetchone()[0]
        if n:
            out[table] = n
    return out


def before_signup_line(counts: dict[str, int]) -> str | None:
    """The summary's warning on events dated before the signup, or None when there are none."""
    parts = [count(counts[table], noun) for table, _, noun in EVENT_TABLES if counts.get(table)]
    if not parts:
        return None
    return (f"dated before their customer's signup date: {', '.join(parts)}; they count in no "
            "per-customer number (early support, activity retention, the 90 days before churn)")


def lines(summary: dict) -> list[str]:
    """The printed summary, one string per line."""
    out = [f"As of {summary['as_of']} ({AS_OF_SOURCES[summary['as_of_source']]})."]
    out.append("Rows:")
    read = summary["rows_read"]
    for key, name in summary["files"].items():
        if key in ("subscriptions", "churn_events"):
            out.append(f"  {key:<24} {read.get(key, 0):>10,} read from {name} (converted below)")
    for table, loaded in summary["tables"].items():
        source = summary["files"].get(table)
        origin = (f" (from {read.get(table, 0):,} rows of {source})" if source
                  else " (converted)" if table == "mrr_history" and "subscriptions" in summary["files"]
                  else "")
        out.append(f"  {table:<24} {loaded:>10,}{origin}")
    if summary.get("left_out"):
        out.append("Rows left out (--skip-bad-rows; every other row was imported):")
        out += [f"  - {line}" if not line.startswith(" ") else f"  {line}"
                for line in summary["left_out"]]
    if summary["conversions"]:
        out.append("Conversions:")
        out += [f"  - {note}" for note in summary["conversions"]]
    reasons = summary["unmatched_reasons"]
    # .get: summaries of snapshots imported before the count existed have no such key
    early = before_signup_line(summary.get("before_signup") or {})
    if summary["warnings"] or reasons or early:
        out.append("Warnings (the import went ahead):")
        out += [f"  - {warning}" for warning in summary["warnings"]]
    if early:
        out.append(f"  - {early}")
    if reasons:
        total = sum(r["customers"] for r in reasons)
        share = round(100 * total / summary["churned"], 1)
        one = len(reasons) == 1
        out.append(f"  - {count(len(reasons), 'churn reasons')} {'matches' if one else 'match'} no "
                   f"mapping row and {'counts' if one else 'count'} as Other "
                   f"({count(total, 'churned customers')}, {share}% of {summary['churned']:,}):")
        for r in reasons[:MAX_REASONS]:
            out.append(f"      {r['reason']!r}: {r['customers']:,} ({r['share_pct']}%)")
        if len(reasons) > MAX_REASONS:
            rest = reasons[MAX_REASONS:]
            out.append(f"      ... and {len(rest):,} more "
                       f"({count(sum(r['customers'] for r in rest), 'customers')})")
        out.append("    Map them with --reasons FILE (reason,category,owner_team) or on the Reason "
                   "mapping page.")
    if summary["can_show"]:
        out.append("What this data can show:")
        out += [f"  {line}" for line in summary["can_show"]]
    return out
