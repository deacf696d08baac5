"""`python -m data.load`: the command line of the importer (data/importer).

    python -m data.load --out PATH --customers FILE [--tickets FILE] [--nps FILE] [--mrr FILE]
        [--activity FILE [--inactive-days N]] [--outreach FILE] [--subscriptions FILE] [--churn-events FILE]
        [--reasons FILE] [--map TABLE.COLUMN=HEADER ...] [--values TABLE.COLUMN=RAW:VALUE,...]
        [--as-of YYYY-MM-DD] [--date-format FMT] [--skip-bad-rows]
    python -m data.load --out PATH --activity FILE [...]     (a transactions export on its own)
    python -m data.load --out PATH --from postgresql://USER@HOST:PORT/DB --customers TABLE_OR_SELECT
        [--tickets TABLE_OR_SELECT] [...]                    (tables of a database: data/db_input.py)

Problems go to stderr (exit 1, nothing changed); on success the import summary
(data/import_summary.py) goes to stdout. main() parses, then hands the files to _run_import, or `--reasons`
alone to data/remap.py (re-maps the live snapshot's churn reasons without re-importing).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from datetime import date
from pathlib import Path

import settings
from data import dates, db_input, import_summary
from data.importer import values as value_map
from data.importer.errors import ImportRejected
from data.importer.flow import load
from data.importer.rules import DERIVED, REQUIRED, schema_types

# --- the help text: every file's columns and the shapes (docs/definitions.md, Data model)
# -------------------------------
# The option that reads each file key's file.
OPTIONS = {"customers": "--customers", "tickets": "--tickets", "nps_responses": "--nps",
           "mrr_history": "--mrr", "activity": "--activity", "outreach": "--outreach",
           "subscriptions": "--subscriptions",
           "churn_events": "--churn-events", "churn_reason_categories": "--reasons"}
TYPES = {"VARCHAR": "text", "DATE": "date", "TIMESTAMP": "date-time", "INTEGER": "whole number",
         "SMALLINT": "whole number", "DECIMAL(12,2)": "number", "DOUBLE": "number"}
# What a column means or allows, beyond its type (the rules themselves are in data/importer/rules.py).
NOTES = {
    "customers.signup_date": "or tenure_months",
    "customers.churn_date": ">= signup_date; empty while active",
    "customers.mrr": "below 0 = a credit, counted as 0 with a warning",
    "customers.churn_category": "the export's own category of a churned customer; wins over the "
                                "reason mapping",
    "customers.products_count": ">= 1",
    "customers.churned": "true/false, yes/no, y/n, 1/0 (1.0/0.0...), churned/active/stayed; "
                         "blank = active; other words via --values",
    "customers.tenure_months": ">= 0, instead of signup_date",
    "tickets.first_response_at": ">= created_at; or first_response_minutes/_hours",
    "tickets.resolved_at": ">= created_at; or resolution_minutes/_hours",
    "tickets.agent_replies": ">= 0",
    "tickets.csat": "1-5",
    "tickets.ces": "1-5, 5 = easiest",
    "tickets.first_response_minutes": ">= 0", "tickets.first_response_hours": ">= 0",
    "tickets.resolution_minutes": ">= 0", "tickets.resolution_hours": ">= 0",
    "nps_responses.score": "0-10",
    "mrr_history.month": "first day of the month",
    "mrr_history.mrr": "below 0 = a credit, counted as 0",
    "activity.amount": ">= 0; optional",
    "activity.kind": "purchase, login, a feature's name...",
    "outreach.contacted_at": "not before the customer's signup_date",
    "outreach.channel": "email, phone, in-app, meeting...",
    "outreach.campaign": "e.g. Q3 save campaign",
    "outreach.responded_at": ">= contacted_at; empty = no response",
    "outreach.actions": ">= 0: follow-ups after the response",
    "subscriptions.end_date": "empty while running; > the last day it counts",
    "subscriptions.mrr": "below 0 = a credit, counted as 0",
}

SHAPES = """\
Shapes real exports come in (each conversion is counted in the summary printed after the import):
  churn as events     --churn-events FILE (customer_id, churn_date, churn_reason): a customer's
                      churn is its latest event; a customer flagged not churned stays active.
  churn as a flag     customers.churned; churned without any date = churned on the as-of date.
  tenure              customers.tenure_months: signup_date = as-of minus that many months.
  subscriptions       --subscriptions FILE (customer_id, start_date, end_date, mrr): month M's MRR
                      is the sum over subscriptions active on M's last day (the as-of day for the
                      as-of month); customers.mrr, when not given, is the latest month's.
  transactions        --activity FILE (customer_id, occurred_at, amount, kind): purchases, logins
                      or feature use. Without --customers, or with a customers file lacking
                      signup_date, a customer signed up on the day of its first activity.
                      --inactive-days N: a customer without a churn date churned on its last
                      activity + N days when that is on or before the as-of date.
  durations           tickets.first_response_minutes|_hours, resolution_minutes|_hours:
                      timestamp = created_at + duration (not together with the timestamp).
  dates               ISO YYYY-MM-DD or one format per column: YYYY/MM/DD, DD.MM.YYYY, DD/MM/YYYY,
                      MM/DD/YYYY, YYYYMMDD; a column whose day and month are all <= 12 needs
                      --date-format DD/MM/YYYY or MM/DD/YYYY (or %d/%m/%Y, %m/%d/%Y).
  times               after the date (ISO also after T): H:MM or HH:MM, seconds optional, 12-hour
                      with AM/PM, Z or +HH:MM/-HHMM (taken off: stored as UTC, counted).
  values              --values TABLE.COLUMN=RAW:VALUE[,RAW:VALUE...] replaces values before every
                      check (RAW trimmed, any case; empty RAW = blank cells), e.g.
                      --values customers.churned=Joined:active. Repeat for more columns.
  bad rows            --skip-bad-rows imports the rows that pass and leaves out the others,
                      counted per rule with their first lines; without it nothing is imported
                      unless every row passes. A file whose rows all fail, and problems of a whole
                      file (encoding, header, columns), still stop the import.
As-of date: --as-of, else the latest signup, churn, ticket, NPS, activity, outreach contact or
response, or subscription date up to today.
Headers: your own names via --map TABLE.COLUMN=Header (e.g. customers.churned=Churn); one header
may feed several columns; a mapped timestamp wins over a duration column found by its name.
Columns not listed here are kept as text. Files: CSV or text (comma, semicolon, tab or
whitespace-aligned; UTF-8), Parquet, or Excel .xlsx (the first sheet, or FILE.xlsx#Sheet).
A text file whose first line holds no letters (CDNOW as published) has no header: its columns
are column_1, column_2, ... (--map activity.customer_id=column_1).
From a database: --from postgresql://USER@HOST:PORT/DB, then each option above names a table
(schema.table) or is a select run there, e.g. --tickets "select * from support.tickets where
created_at >= '2023-01-01'". The password comes from the URL or PGPASSWORD (or ~/.pgpass, a
service file: libpq's usual variables) and is never printed. Typed columns are read as such; a
timestamptz as its UTC wall-clock time. A problem names TABLE:row N (N-th row of the result)."""


def epilog(schema: dict[str, dict[str, str]], required: dict[str, tuple[str, ...]],
           derived: dict[str, tuple[str, ...]]) -> str:
    """Columns per file (* = required) and the shapes, for argparse's epilog."""
    out = ["Files and their columns (* = required):"]
    for key, option in OPTIONS.items():
        parts = []
        for column, kind in schema[key].items():
            if column in derived.get(key, ()):
                continue
            star = "*" if column in required.get(key, ()) else ""
            note = NOTES.get(f"{key}.{column}")
            parts.append(f"{column}{star} ({TYPES[kind]}{'; ' + note if note else ''})")
        out += textwrap.wrap(", ".join(parts), width=98, initial_indent=f"  {option:<16} ",
                             subsequent_indent=" " * 19)
    return "\n".join(out) + "\n\n" + SHAPES


def _parse_map(items: list[str]) -> dict[str, dict[str, str]]:
    mapping: dict[str, dict[str, str]] = {}
    for item in items:
        target, sep, header = item.partition("=")
        table, dot, column = target.partition(".")
        if not sep or not dot or not header:
            raise argparse.ArgumentTypeError(f"--map {item!r}: expected TABLE.COLUMN=HEADER")
        mapping.setdefault(table.strip(), {})[column.strip()] = header
    return mapping


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, found {text!r}") from None


def _days(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of days >= 1, found {text!r}")
    return int(text)


def _date_choice(text: str) -> str:
    try:
        return dates.parse_choice(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m data.load",
        description="Validated import of your exports into a new database snapshot.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=epilog(schema_types(), REQUIRED, DERIVED))
    parser.add_argument("--out", type=Path, default=settings.DB_PATH)
    parser.add_argument("--from", dest="database", metavar="URL",
                        help="read the tables from this database (postgresql://USER@HOST:PORT/DB): "
                        "every FILE below is then a table name or a select run there")
    # Kept as text: a file path, or with --from a table name or a query (which Path would mangle).
    parser.add_argument("--customers", metavar="FILE",
                        help="required, except with --activity (customers from the activity) or "
                        "with --reasons alone: that re-maps the live snapshot's churn reasons "
                        "without re-importing (data/remap.py)")
    parser.add_argument("--tickets", metavar="FILE")
    parser.add_argument("--nps", metavar="FILE")
    parser.add_argument("--mrr", metavar="FILE")
    parser.add_argument("--activity", metavar="FILE",
                        help="purchases, logins or feature use: customers who come back")
    parser.add_argument("--inactive-days", type=_days, metavar="N",
                        help="with --activity: churn a customer N days after its last activity")
    parser.add_argument("--outreach", metavar="FILE",
                        help="your team's contacts: save campaigns, check-in calls, e-mails")
    parser.add_argument("--subscriptions", metavar="FILE", help="instead of --mrr")
    parser.add_argument("--churn-events", metavar="FILE")
    parser.add_argument("--reasons", metavar="FILE")
    parser.add_argument("--map", action="append", default=[], metavar="TABLE.COLUMN=HEADER",
                        help="read a column from your header (repeat; one header may feed several)")
    parser.add_argument("--values", action="append", default=[],
                        metavar="TABLE.COLUMN=RAW:VALUE[,RAW:VALUE...]",
                        help="replace raw values before the checks, e.g. "
                        "customers.churned=Joined:active (repeat for more columns)")
    parser.add_argument("--skip-bad-rows", action="store_true",
                        help="import the rows that pass and leave out the others (counted per rule "
                        "in the summary); default: nothing is imported unless every row passes")
    parser.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD",
                        help="the export's date (default: the latest date in the data up to today)")
    parser.add_argument("--date-format", type=_date_choice, metavar="FMT",
                        help=f"date format when the values do not tell: {', '.join(dates.CHOICES)} "
                        "or as strftime (%%d/%%m/%%Y)")
    return parser


def main(argv: list[str] | None = None, describe=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        mapping = _parse_map(args.map)
        replace = value_map.parse(args.values)
    except (argparse.ArgumentTypeError, ValueError) as exc:
        parser.error(str(exc))
    data_files = ("customers", "tickets", "nps", "mrr", "activity", "outreach", "subscriptions",
                  "churn_events")
    if args.reasons and not any(getattr(args, key) for key in data_files):
        if args.database:
            parser.error("--reasons alone re-maps the live snapshot from a file; with --from, "
                         "give --customers too")
        from data import remap

        return remap.main(args.out, Path(args.reasons), mapping)
    if args.customers is None and args.activity is None:
        parser.error("the following arguments are required: --customers (or --activity, or "
                     "--reasons alone)")
    if args.inactive_days and args.activity is None:
        parser.error("--inactive-days needs an activity file (--activity)")
    if args.database and db_input.check_url(args.database):
        parser.error(f"--from: {db_input.check_url(args.database)}")
    return _run_import(args, mapping, replace, describe)


def _run_import(args: argparse.Namespace, mapping: dict, replace: dict, describe=None) -> int:
    files = {"customers": args.customers, "tickets": args.tickets, "nps": args.nps,
             "mrr": args.mrr, "activity": args.activity, "outreach": args.outreach,
             "subscriptions": args.subscriptions,
             "churn_events": args.churn_events, "reasons": args.reasons}
    if not args.database:
        files = {key: None if path is None else Path(path) for key, path in files.items()}
    try:
        meta = load(args.out, files, mapping, as_of=args.as_of, date_format=args.date_format,
                    inactive_days=args.inactive_days, database=args.database, values=replace,
                    skip_bad_rows=args.skip_bad_rows)
    except db_input.Unavailable as exc:
        print(f"import failed: {exc}; {args.out} was not changed.", file=sys.stderr)
        return 1
    except ImportRejected as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        more = f" (showing the first {len(exc.problems)})" if exc.total > len(exc.problems) else ""
        print(f"{exc.total} problem(s){more}; {args.out} was not changed.", file=sys.stderr)
        return 1
    except OSError as exc:
        # Publishing failed (e.g. a full disk): snapshots.building left the live path as it was.
        print(f"import failed: {exc}; {args.out} was not changed.", file=sys.stderr)
        return 1
    origin = f" from {db_input.redact(args.database)}" if args.database else ""
    print(f"Imported snapshot {meta['snapshot_id']} into {args.out}{origin}.")
    summary = import_summary.with_can_show(meta, describe) if describe else meta["summary"]
    print("\n".join(import_summary.lines(summary)))
    return 0
