"""python -m report --out FILE.html [--db PATH] [--snapshot ID] [--as-of YYYY-MM-DD]
                    [--filter plan=Growth ...]

Writes the board pack of one view as a single self-contained HTML file. --filter takes the
dashboard's URL parameters (repeat a key for several values): plan, segment, region, industry,
channel, products, signup_from, signup_to, grain (week/month/quarter), basis (Customers/MRR).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import queries
import filter_params
import settings
from data import snapshots, upgrade
from queries import Filters
from report.pack import board_pack

# URL parameter -> Filters field: the dashboard's public link format (the as-of date has --as-of).
MULTI = {key: m.field for key, m in filter_params.MULTI.items()}
DATES = tuple(key for key in filter_params.DATES if key != "as_of")
BASES = filter_params.BASES


def parse_filters(items: list[str]) -> tuple[Filters, str, str]:
    """['plan=Growth', 'plan=Starter', 'grain=quarter'] -> (Filters, grain, basis)."""
    values: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise ValueError(f"--filter {item!r}: expected KEY=VALUE")
        if key not in (*MULTI, *DATES, "grain", "basis"):
            allowed = ", ".join([*MULTI, *DATES, "grain", "basis"])
            raise ValueError(f"--filter {item!r}: unknown key {key!r}; use one of {allowed}")
        values.setdefault(key, []).append(value)
    f = Filters()
    for key, field in MULTI.items():
        if key in values:
            found = values[key]
            if key in filter_params.INTEGER_PARAMS:
                if not all(v.isdigit() for v in found):
                    raise ValueError(f"--filter products=: whole numbers expected, got {found}")
                found = [int(v) for v in found]
            f = replace(f, **{field: tuple(found)})
    for key in DATES:
        if key in values:
            f = replace(f, **{key: _date(values[key][-1], f"--filter {key}")})
    grain = values.get("grain", ["month"])[-1]
    if grain not in queries.GRAINS:
        raise ValueError(f"--filter grain={grain}: use one of {', '.join(queries.GRAINS)}")
    basis = values.get("basis", ["Customers"])[-1]
    if basis not in BASES:
        raise ValueError(f"--filter basis={basis}: use one of {', '.join(BASES)}")
    return f, grain, BASES[basis]


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what}: expected YYYY-MM-DD, got {text!r}") from None


def database(db: Path, snapshot: str | None) -> Path:
    if not snapshot:
        return db
    found = snapshots.find_snapshot(db, snapshot)
    if found is None:
        kept = ", ".join(p.stem.removeprefix(db.stem + "-") for p in snapshots.list_snapshots(db))
        raise ValueError(f"snapshot {snapshot!r} is not kept beside {db} (kept: {kept or 'none'})")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m report", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    parser.add_argument("--db", type=Path, default=settings.DB_PATH)
    parser.add_argument("--snapshot", help="a kept snapshot id (default: the live one)")
    parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: the data's as-of)")
    parser.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE")
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
        default = queries.default_as_of(con)
        latest = max(queries.latest_data_date(con) or default, default)
        if as_of is not None:
            if as_of > latest:
                parser.error(f"--as-of {as_of} is after the data's last date ({latest})")
            f = replace(f, as_of=None if as_of == default else as_of)
        started = time.perf_counter()
        text = board_pack(con, f, grain=grain, basis=basis)
    finally:
        con.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(f".{args.out.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, args.out)
    size = args.out.stat().st_size
    print(f"Wrote {args.out} ({size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s: "
          f"{f.describe()}, as of {f.as_of or default}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
