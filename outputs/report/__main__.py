"""python -m outputs.report --out FILE.html [--db PATH] [--snapshot ID] [--as-of YYYY-MM-DD]
                    [--filter plan=Growth ...] [--to ADDR ...]

Writes the board pack of one view as a single self-contained HTML file. --filter takes the
dashboard's URL parameters (repeat a key for several values): plan, segment, region, industry,
channel, products, signup_from, signup_to, grain (week/month/quarter), basis (Customers/MRR).
--to e-mails the file, with the Overview tiles in the message, through RETENTION_SMTP_URL
(see outputs/delivery.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from outputs import delivery
import queries
import settings
from data import snapshots
from data.build import upgrade
from views.filter_params import iso_date as _date
from views.filter_params import parse_filters
from outputs.report.blocks import read_marks
from outputs.report.pack import board_pack, summary_text


def database(db: Path, snapshot: str | None) -> Path:
    if not snapshot:
        return db
    found = snapshots.find_snapshot(db, snapshot)
    if found is None:
        kept = ", ".join(p.stem.removeprefix(db.stem + "-") for p in snapshots.list_snapshots(db))
        raise ValueError(f"snapshot {snapshot!r} is not kept beside {db} (kept: {kept or 'none'})")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outputs.report", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    parser.add_argument("--db", type=Path, default=settings.DB_PATH)
    parser.add_argument("--snapshot", help="a kept snapshot id (default: the live one)")
    parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: the data's as-of)")
    parser.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--to", action="append", default=[], metavar="ADDR",
                        help="e-mail the pack to this address (repeatable)")
    args = parser.parse_args(argv)
    try:
        f, grain, basis = parse_filters(args.filter)
        as_of = _date(args.as_of, "--as-of") if args.as_of else None
        path = database(args.db, args.snapshot)
        upgrade.refresh(args.db)  # a database of an older version: derived tables rebuilt first
        con = queries.connect(path)
    except (ValueError, FileNotFoundError) as exc:
        parser.error(str(exc))
    try:
        default = queries.snapshot_as_of(con)
        latest = max(queries.latest_data_date(con) or default, default)
        if as_of is not None and as_of > latest:
            parser.error(f"--as-of {as_of} is after the data's last date ({latest})")
        f = replace(f, as_of=as_of or default)
        started = time.perf_counter()
        marks = read_marks(args.db, f, grain)
        text = board_pack(con, f, grain=grain, basis=basis, marks=marks)
        summary = summary_text(con, f, marks=marks) if args.to else ""
    finally:
        con.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(f".{args.out.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, args.out)
    size = args.out.stat().st_size
    print(f"Wrote {args.out} ({size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s: "
          f"{replace(f, as_of=None).describe()}, as of {f.as_of}.")
    if args.to:
        subject = f"Retention board pack, data as of {f.as_of:%d %b %Y}"
        try:
            delivery.send_email(args.to, subject, summary + "\n\nThe full pack is attached: open "
                                "it in a browser (it works offline).",
                                [(args.out.name, args.out.read_bytes(), "text/html")])
        except delivery.DeliveryError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"Sent to {', '.join(args.to)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
