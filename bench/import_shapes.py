"""Import time of the same data as the schema's tables and as the shapes real exports come in.

    python -m bench.import_shapes [--customers 1000000] [--folder DIR] [--repeat 2]
                                  [--shapes schema shapes] [--until-finalize]

Generates a demo database (data.demo.generate, seed 42) once into DIR, writes it out twice as CSV:
- "schema": customers, tickets, nps, mrr_history with the schema's columns (the import as it was);
- "shapes": customers with a `churned` flag and DD/MM/YYYY signup dates, churn as events (one
  churned customer in ten has none: flag only), tickets with first_response_minutes and
  resolution_hours instead of timestamps, subscriptions (one per run of equal monthly MRR)
  instead of MRR history, the same NPS file;
then times `data.importer.load` of each into a fresh live path, alternating, and prints one JSON line
with the medians and their ratio (the target: shapes within 1.5x of schema).

`--until-finalize` stops each import where build.finalize would start (derived tables, stored
default views): both shapes leave the same tables behind, so that part is the same work for
both, and leaving it out times what differs (reading, checking, converting, inserting). Run from
another checkout (`--shapes schema`), it times that code's import of the same files.
"""

from __future__ import annotations

import argparse
import inspect
import json
import shutil
import statistics
import time
from pathlib import Path

import duckdb

from data import build, importer

from data.demo import generate

EXPORTS = {
    "schema": {
        "customers": "select * from customers",
        "tickets": "select * from tickets",
        "nps_responses": "select * from nps_responses",
        "mrr_history": "select * from mrr_history",
    },
    "shapes": {
        "customers": """
            select customer_id, name, strftime(signup_date, '%d/%m/%Y') as signup_date,
                   case when churn_date is null then 'no' else 'yes' end as churned,
                   plan, mrr, region, segment, industry, acquisition_channel, products_count
            from customers""",
        "churn_events": """
            select customer_id, churn_date, churn_reason from customers
            where churn_date is not null and hash(customer_id) % 10 <> 0""",
        "tickets": """
            select ticket_id, customer_id, created_at,
                   datediff('second', created_at, first_response_at) / 60.0 as first_response_minutes,
                   datediff('second', created_at, resolved_at) / 3600.0 as resolution_hours,
                   channel, category, priority, agent_replies, csat, ces
            from tickets""",
        "nps_responses": "select * from nps_responses",
        "subscriptions": """
            with h as (
                select *, lag(month) over w as prev_month, lag(mrr) over w as prev_mrr
                from mrr_history window w as (partition by customer_id order by month)
            ),
            runs as (
                select *, sum(case when prev_month = month - interval 1 month and prev_mrr = mrr
                                   then 0 else 1 end)
                              over (partition by customer_id order by month) as run
                from h
            ),
            final as (
                select customer_id, min(month) as start_date,
                       case when max(month) = (select max(month) from mrr_history) then null
                            else cast(max(month) + interval 1 month as date) end as end_date,
                       any_value(mrr) as mrr
                from runs group by customer_id, run
            )
            select * from final""",
    },
}


def write_files(db: Path, folder: Path) -> dict[str, dict[str, Path]]:
    con = duckdb.connect(str(db), read_only=True)
    files: dict[str, dict[str, Path]] = {}
    try:
        for shape, queries in EXPORTS.items():
            (folder / shape).mkdir(parents=True, exist_ok=True)
            for key, sql in queries.items():
                path = folder / shape / f"{key}.csv"
                if not path.exists():
                    con.sql(sql).write_csv(str(path), header=True)
                files.setdefault(shape, {})[key] = path
    finally:
        con.close()
    return files


class _Finalizing(Exception):
    """Raised where build.finalize would start (--until-finalize)."""


def _stop(*args, **kwargs):
    raise _Finalizing


def _import(files: dict[str, Path], out: Path, until_finalize: bool) -> dict | None:
    options = {"as_of": generate.DEFAULT_AS_OF, "date_format": "DD/MM/YYYY"}
    accepted = inspect.signature(importer.load).parameters  # an older importer takes neither
    options = {k: v for k, v in options.items() if k in accepted}
    if not until_finalize:
        return importer.load(out, files, **options)
    real, build.finalize = build.finalize, _stop
    try:
        importer.load(out, files, **options)
    except _Finalizing:
        return None
    finally:
        build.finalize = real
    raise RuntimeError("the import never reached build.finalize")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_shapes")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--folder", type=Path, default=Path("bench/data/import_shapes"))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--shapes", nargs="+", default=["schema", "shapes"], choices=list(EXPORTS))
    parser.add_argument("--until-finalize", action="store_true")
    args = parser.parse_args(argv)
    db = args.folder / "source.duckdb"
    if not db.exists():
        generate.generate(db, customers=args.customers, seed=42)
    files = write_files(db, args.folder)
    seconds: dict[str, list[float]] = {shape: [] for shape in args.shapes}
    rows: dict[str, dict] = {}
    for _ in range(args.repeat):
        for shape in args.shapes:
            out = args.folder / f"out-{shape}" / "retention.duckdb"
            shutil.rmtree(out.parent, ignore_errors=True)
            started = time.perf_counter()
            meta = _import(files[shape], out, args.until_finalize)
            seconds[shape].append(round(time.perf_counter() - started, 1))
            rows[shape] = meta["tables"] if meta else None
            shutil.rmtree(out.parent, ignore_errors=True)
    medians = {shape: statistics.median(s) for shape, s in seconds.items()}
    print(json.dumps({
        "customers": args.customers, "until_finalize": args.until_finalize,
        "code": str(Path(importer.__file__).resolve().parents[2]),
        "seconds": seconds, "median_s": medians,
        "ratio": (round(medians["shapes"] / medians["schema"], 2)
                  if len(medians) == 2 else None),
        "sizes_mb": {shape: round(sum(p.stat().st_size for p in f.values()) / 1e6)
                     for shape, f in files.items()},
        "rows": rows,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
