"""Refresh the README screenshots (docs/overview.png, docs/cohorts.png) with the e2e harness.

    python -m tests.e2e.refresh_screenshots [--out docs] [--customers 20000] [--full-page]

Builds a fresh demo database (the app's default size, seed 42) in a temporary folder, starts
`streamlit run dashboard.py` on a free 127.0.0.1 port, opens each page in Debian's Chromium at
1440x900 exactly as the browser tests do, waits until every chart is drawn, saves the shot and
stops the server. Nothing outside `--out` is written.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.e2e import harness

SHOTS = {"overview.png": "", "cohorts.png": "Cohorts"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.refresh_screenshots",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=harness.ROOT / "docs")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--full-page", action="store_true",
                        help="the whole scrolling page instead of the first 1440x900 screen")
    args = parser.parse_args(argv)
    if harness.sync_playwright is None:
        print("needs Playwright's Python client (pip install playwright)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="retention-shots-") as tmp:
        db = harness.make_db(Path(tmp) / "db", customers=args.customers)
        server = harness.start_server(db, Path(tmp) / "server")
        try:
            with harness.sync_playwright() as p:
                browser = harness.launch(p)
                try:
                    for name, path in SHOTS.items():
                        app = harness.App.new(browser, server)
                        try:
                            app.open(path)
                            app.wait_charts_drawn(app.chart_count())
                            problems = app.errors()
                            if problems:
                                print(f"{name}: the page shows an error: {problems[0][:300]}",
                                      file=sys.stderr)
                                return 1
                            shot = app.shot(name.removesuffix(".png"), full_page=args.full_page)
                            target = args.out / name
                            target.write_bytes(shot.read_bytes())
                            print(f"wrote {target}")
                        finally:
                            app.close()
                finally:
                    browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
