"""python -m outputs.alerts --db PATH --rules FILE.toml [--to ADDR ...] [--webhook URL] [--dry-run]

Checks each rule of the rules file on the latest complete month and prints every breached rule
with its value, threshold, period and a link to the view. Without --dry-run the new breaches go
out as one e-mail (--to, through RETENTION_SMTP_URL) and/or one JSON POST (--webhook); a breach
already sent for a rule and month on a channel is not sent again (remembered in the workspace).
Exit status: 0 nothing breached, 1 some rule breached, 2 error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlencode

from outputs import delivery
import queries
import settings
from outputs.alerts import Result, RuleError, check, load_rules
from data import snapshots, workspace
from data.build import upgrade
from views.filter_params import FIELDS, MULTI

DEFAULT_BASE_URL = "http://localhost:8501"


def view_link(result: Result, snapshot_id: str | None) -> str:
    """The Overview with the rule's filters, pinned to the snapshot the numbers came from."""
    base = (os.environ.get("RETENTION_BASE_URL", "").strip() or DEFAULT_BASE_URL).rstrip("/")
    pairs = result.rule.link_params() + ([("snapshot", snapshot_id)] if snapshot_id else [])
    return f"{base}/?{urlencode(pairs)}" if pairs else f"{base}/"


def message(breached: list[tuple[Result, str]]) -> tuple[str, str]:
    """(subject, text) of one alert message listing these breaches with their links."""
    months = sorted({f"{r.period:%b %Y}" for r, _ in breached})
    subject = (f"Retention alert: {len(breached)} rule{'s' if len(breached) > 1 else ''} "
               f"breached ({', '.join(months)})")
    lines = [f"- {r.line()}\n  {link}" for r, link in breached]
    text = "Breached on the latest complete month:\n" + "\n".join(lines) + "\n"
    return subject, text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m outputs.alerts",
        description="Check alert rules on the latest complete month; send the new breaches.",
        epilog="Exit status: 0 nothing breached, 1 some rule breached, 2 error.")
    parser.add_argument("--db", type=Path, default=settings.DB_PATH, help="the live database")
    parser.add_argument("--rules", type=Path, required=True, help="the rules file (TOML)")
    parser.add_argument("--to", action="append", default=[], metavar="ADDR",
                        help="e-mail the new breaches to this address (repeatable)")
    parser.add_argument("--webhook", metavar="URL", help="POST the new breaches as JSON here")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what is breached; send and remember nothing")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse's usage errors exit 2 already; keep --help at 0
        return int(exc.code or 0)
    try:
        if not args.db.exists():
            raise FileNotFoundError(f"{args.db}: no database (build one with python -m data.load)")
        upgrade.refresh(args.db)  # a database of an older version: derived tables rebuilt first
        path = snapshots.resolve(args.db)
        con = queries.connect(path)
        try:
            options = queries.filter_options(con)
            by_key = {key: options.get(m, []) for key, m in _dimensions().items()}
            rules = load_rules(args.rules, by_key)
            results = check(con, rules)
            snapshot_id = str(queries.meta(con)["snapshot_id"])
        finally:
            con.close()
    except (RuleError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    breached = []
    for result in results:
        link = view_link(result, snapshot_id)
        state = "BREACHED" if result.is_breached else "ok"
        print(f"{state:8} {result.line()}" + (f"\n         {link}" if result.is_breached else ""))
        if result.is_breached:
            breached.append((result, link))
    if not args.dry_run and breached and (args.to or args.webhook):
        try:
            _send(args, breached)
        except delivery.DeliveryError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return 1 if breached else 0


def _dimensions() -> dict[str, str]:
    return {key: MULTI[key].dimension for key in FIELDS}


def _send(args, breached: list[tuple[Result, str]]) -> None:
    """Each channel gets the breaches it has not had yet, in one message; what went out is
    remembered at once, so a failure on the other channel does not resend it."""
    channels = ([("email", lambda s, t: delivery.send_email(args.to, s, t))] if args.to else []) + (
        [("webhook", lambda s, t: delivery.post_webhook(args.webhook, f"*{s}*\n{t}"))]
        if args.webhook else [])
    with workspace.connect(args.db) as ws:
        for channel, send in channels:
            new = [(r, link) for r, link in breached
                   if not workspace.already_sent(ws, r.rule.name, r.period, channel)]
            if not new:
                print(f"{channel}: nothing new to send (already sent for these months)")
                continue
            subject, text = message(new)
            send(subject, text)
            workspace.record_sent(ws, [
                {"rule": r.rule.name, "period": r.period, "kpi": r.rule.kpi, "value": r.value,
                 "threshold": r.rule.threshold} for r, _ in new], channel)
            print(f"{channel}: sent {len(new)} breach{'es' if len(new) > 1 else ''}")


if __name__ == "__main__":
    sys.exit(main())
