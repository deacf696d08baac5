"""Refresh the screenshots in docs/ with the e2e harness.

    python -m tests.e2e.refresh_screenshots [--out docs] [--customers 20000] [--full-page]

Builds a fresh demo database (the app's default size, seed 42) in a temporary folder, starts
`streamlit run dashboard.py` on a free 127.0.0.1 port (RETENTION_E2E_PORTS picks from a range),
opens each page in Debian's Chromium exactly as the browser tests do, waits until every chart is
drawn, saves the shot and stops the server. Nothing outside `--out` is written.

- docs/overview.png, docs/cohorts.png: the README's pictures, 1440x900.
- docs/screens/<view>-<page>.png for every page in three views: `phone` (390x844), `desktop`
  (1440x900) and `present` (?present=1 at 1440x900), each the page's top 2,700 px (the first
  three screens: the tiles and first charts, the retention triangle). Stored with a 256-colour
  palette: a tenth of the bytes, and nothing a reader would miss in a screenshot.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.e2e import harness

SHOTS = {"overview.png": "", "cohorts.png": "Cohorts"}
# (width, height, URL parameters, tallest shot in px or None for the first screen)
VIEWS = {
    "phone": ({"width": 390, "height": 844}, {}, 2700),
    "desktop": ({"width": 1440, "height": 900}, {}, 2700),
    "present": ({"width": 1440, "height": 900}, {"present": "1"}, 2700),
}
# Every page of the navigation, by URL path (file name without its number).
PAGES = {**harness.PAGES, **harness.REASON_MAPPING}
NO_CHART = harness.NO_CHART


def _shoot(browser, server, path: str, viewport: dict, params: dict, tallest: int | None,
           target: Path) -> str | None:
    """One page in one view saved to `target`; the error the page shows, if any."""
    app = harness.App.new(browser, server, viewport=viewport)
    try:
        app.open(path, params, charts=0 if path in NO_CHART else 1)
        app.wait_charts_drawn(app.chart_count())
        problems = app.errors()
        if problems:
            return problems[0][:300]
        shot = app.shot(target.stem, full_page=tallest is not None)
        _save_small(shot, target, tallest)
        return None
    finally:
        app.close()


def _save_small(shot: Path, target: Path, tallest: int | None) -> None:
    from PIL import Image

    with Image.open(shot) as image:
        if tallest and image.height > tallest:
            image = image.crop((0, 0, image.width, tallest))
        image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE).save(
            target, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.refresh_screenshots",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=harness.ROOT / "docs")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--full-page", action="store_true",
                        help="the README shots: the whole scrolling page instead of the first "
                        "1440x900 screen")
    args = parser.parse_args(argv)
    if harness.sync_playwright is None:
        print("needs Playwright's Python client (pip install playwright)", file=sys.stderr)
        return 2
    screens = args.out / "screens"
    screens.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="retention-shots-") as tmp:
        db = harness.make_db(Path(tmp) / "db", customers=args.customers)
        server = harness.start_server(db, Path(tmp) / "server")
        try:
            with harness.sync_playwright() as p:
                browser = harness.launch(p)
                try:
                    jobs = [(args.out / name, path, VIEWS["desktop"][0], {},
                             12_000 if args.full_page else None)
                            for name, path in SHOTS.items()]
                    jobs += [(screens / f"{view}-{(path or 'Overview').lower()}.png", path,
                              viewport, params, tallest)
                             for view, (viewport, params, tallest) in VIEWS.items()
                             for path in PAGES]
                    for target, path, viewport, params, tallest in jobs:
                        problem = _shoot(browser, server, path, viewport, params, tallest,
                                         target)
                        if problem:
                            print(f"{target.name}: the page shows an error: {problem}",
                                  file=sys.stderr)
                            return 1
                        print(f"wrote {target} ({target.stat().st_size / 1e3:.0f} kB)")
                finally:
                    browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
