"""Peak memory of a large import, run as the upload page runs it (data.isolated, child process).

    python -m tests.reliability.peak_import --mb 500 [--folder /tmp/x] [--keep-files]

Writes customers (1/4 of the bytes) and tickets (3/4) CSV files of about --mb MB in total with
DuckDB's COPY, imports them into a fresh live path with run_import_subprocess and prints the
child's peak RSS (wait4 rusage), the wall time and the row counts as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from data.isolated import run_import_subprocess

# Bytes per CSV row, measured on these shapes: used to hit the requested size.
CUSTOMER_ROW_B = 77
TICKET_ROW_B = 62


def write_files(folder: Path, total_mb: int) -> dict[str, Path]:
    n_customers = max(1000, total_mb * 1024 * 1024 // 4 // CUSTOMER_ROW_B)
    n_tickets = total_mb * 1024 * 1024 * 3 // 4 // TICKET_ROW_B
    con = duckdb.connect()
    customers, tickets = folder / "customers.csv", folder / "tickets.csv"
    con.execute(f"""
        copy (select 'c' || i as customer_id, 'Customer account number ' || i as name,
                     date '2021-01-01' + (i % 1000)::int as signup_date,
                     case when i % 3 = 0 then date '2021-01-01' + (i % 1000)::int + 200 end
                         as churn_date,
                     case when i % 3 = 0 then 'Too expensive' end as churn_reason,
                     ['Starter', 'Growth', 'Enterprise'][1 + i % 3] as plan,
                     (i % 900) + 0.5 as mrr, 1 + i % 4 as products_count
              from range({n_customers}) t(i))
        to '{customers}' (header, delimiter ',')""")
    con.execute(f"""
        copy (select 't' || i as ticket_id, 'c' || (i % {n_customers}) as customer_id,
                     timestamp '2023-01-01' + to_minutes(i % 500000) as created_at,
                     timestamp '2023-01-01' + to_minutes(i % 500000 + 90) as first_response_at,
                     ['chat', 'email', 'phone'][1 + i % 3] as channel, 1 + i % 5 as csat
              from range({n_tickets}) t(i))
        to '{tickets}' (header, delimiter ',')""")
    con.close()
    return {"customers": customers, "tickets": tickets}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.peak_import")
    parser.add_argument("--mb", type=int, default=500)
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--keep-files", action="store_true")
    args = parser.parse_args(argv)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="retention-peak-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    files = write_files(folder, args.mb)
    size_mb = sum(p.stat().st_size for p in files.values()) / 1024 / 1024
    written = time.monotonic() - started
    result = run_import_subprocess(folder / "db" / "retention.duckdb", files, timeout_s=args.timeout)
    report = {
        "input_mb": round(size_mb), "status": result.status, "error": result.error,
        "problems": result.problems[:3], "peak_rss_mb": round(result.peak_rss_mb),
        "import_s": round(result.seconds, 1), "write_files_s": round(written, 1),
        "rows": (result.meta or {}).get("tables"), "cores": os.cpu_count(),
    }
    print(json.dumps(report))
    if not args.keep_files:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if result.status == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
