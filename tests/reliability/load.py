"""Browser load test on 127.0.0.1 only, bounded in sessions and time.

    python -m tests.reliability.load --contexts 5 --minutes 3            # short run
    python -m tests.reliability.load --contexts 10 --minutes 15          # the full run
    python -m tests.reliability.load --customers 1000000 --contexts 10 --minutes 3
    options: --cycles 300 (session open/close cycles after the load phase), --db PATH, --out FILE

Starts `streamlit run dashboard.py` on a free 127.0.0.1 port (tests/e2e/harness.py) against a
fresh demo database, then N Playwright contexts in Debian's Chromium each open a page and keep
changing the shared filters (grain and basis segmented controls, a plan chosen in the URL, page
links) until the time is up. Latency of a filter change = click until the browser sees the
script run it caused finish. Errors = exceptions or error boxes on the page, page errors, and
changes that did not finish within 30 s. The server's RSS is sampled every 5 s. Then --cycles
contexts open the app and close; the server's RSS is compared with its warmed-up baseline after
server.disconnectedSessionTTL has passed. Prints one JSON report (also written to --out).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import tempfile
import threading
import time
from pathlib import Path

from tests.e2e import harness

READY = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
      && document.querySelector('[data-testid="stSidebar"]') !== null;
}"""
ERRORS = """() => document.querySelectorAll(
  '[data-testid="stException"], [data-testid="stAlertContentError"]').length"""
MAX_CHANGE_S = 30


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Sampler(threading.Thread):
    def __init__(self, pid: int, every: float = 5.0):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples, self.stopped = pid, every, [], threading.Event()
        self.t0 = time.monotonic()

    def run(self):
        while not self.stopped.is_set():
            try:
                self.samples.append((round(time.monotonic() - self.t0), round(rss_mb(self.pid))))
            except OSError:
                return
            self.stopped.wait(self.every)


async def open_app(browser, url: str):
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    await page.add_init_script(harness.RUN_COUNTER)
    await page.goto(url, wait_until="domcontentloaded", timeout=60_000)
    await page.wait_for_function(READY, timeout=60_000)
    return context, page


async def change_filter(page, rng: random.Random, state: dict) -> None:
    """One filter change through the sidebar, as a viewer makes it (always a different value,
    so that it causes a rerun)."""
    choice = rng.random()
    if choice < 0.8:
        key, options = (("grain", ("week", "month", "quarter")) if choice < 0.45
                        else ("basis", ("Customers", "MRR")))
        option = rng.choice([o for o in options if o != state[key]])
        state[key] = option
        target = page.locator(f".st-key-{key} button", has_text=option).first
    else:
        label = rng.choice([p for p in ("Overview", "Cohorts", "Churn reasons", "Support KPIs")
                            if p != state["page"]])
        state["page"] = label
        target = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"] a',
                              has_text=label).first
    await target.click(timeout=MAX_CHANGE_S * 1000)


async def viewer(i: int, browser, url: str, deadline: float, stats: dict) -> None:
    rng = random.Random(i)
    try:
        context, page = await open_app(browser, url + ("?plan=Growth" if i % 3 == 0 else ""))
    except Exception as exc:  # noqa: BLE001 - counted, the run goes on
        stats["errors"].append(f"viewer {i} open: {type(exc).__name__}")
        return
    state = {"grain": "month", "basis": "Customers", "page": "Overview"}
    page.on("pageerror", lambda exc: stats["errors"].append(f"viewer {i} pageerror: {exc}"[:200]))
    try:
        while time.monotonic() < deadline:
            runs = await page.evaluate("window.__stRuns")
            started = time.monotonic()
            try:
                await change_filter(page, rng, state)
                await page.wait_for_function(f"window.__stRuns > {runs}",
                                             timeout=MAX_CHANGE_S * 1000)
                await page.wait_for_function(READY, timeout=MAX_CHANGE_S * 1000)
            except Exception as exc:  # noqa: BLE001
                stats["errors"].append(f"viewer {i} change: {type(exc).__name__}: {str(exc)[:120]}")
                continue
            stats["latencies"].append(time.monotonic() - started)
            if await page.evaluate(ERRORS):
                stats["errors"].append(f"viewer {i}: error shown on {page.url}")
            await asyncio.sleep(rng.uniform(0.2, 1.0))  # a viewer reads before the next change
    finally:
        await context.close()


async def load_phase(url: str, contexts: int, seconds: float) -> dict:
    from playwright.async_api import async_playwright

    stats = {"latencies": [], "errors": []}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=harness.CHROMIUM, args=harness.CHROMIUM_ARGS)
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(viewer(i, browser, url, deadline, stats) for i in range(contexts)))
        await browser.close()
    return stats


async def cycle_phase(url: str, cycles: int, pid: int) -> dict:
    from playwright.async_api import async_playwright

    errors, baseline = [], None
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=harness.CHROMIUM, args=harness.CHROMIUM_ARGS)
        for n in range(cycles):
            try:
                context, _ = await open_app(browser, url)
                await context.close()
            except Exception as exc:  # noqa: BLE001
                errors.append(f"cycle {n}: {type(exc).__name__}")
            if n == min(19, cycles - 1):
                baseline = rss_mb(pid)  # warmed up: caches filled, first sessions made
        await browser.close()
    return {"cycles": cycles, "errors": errors, "baseline_mb": round(baseline or 0)}


# ui.report_error's line: the error id the viewer was shown, then the traceback.
_ERROR_ID = re.compile(r"^error [0-9a-f]{8} in ")


def error_blocks(log_text: str, limit: int = 10) -> list[str]:
    """The server log's errors, each with the lines that follow it (a traceback in full)."""
    lines = log_text.splitlines()
    blocks, covered = [], -1
    for i, line in enumerate(lines):
        if i > covered and ("Traceback" in line or " ERROR " in line or _ERROR_ID.match(line)):
            block = [line]
            for follower in lines[i + 1:i + 60]:
                if follower and not follower[0].isspace() and not follower.startswith(
                        ("Traceback", "During handling", "The above exception")) \
                        and block[-1].startswith("  "):
                    block.append(follower)  # the exception line closes the traceback
                    break
                block.append(follower)
            blocks.append("\n".join(block))
            covered = i + len(block) - 1
        if len(blocks) >= limit:
            break
    return blocks


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 3) if len(values) > 1 \
        else round(values[0], 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.load")
    parser.add_argument("--contexts", type=int, default=5)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--ttl", type=float, default=60, help="server.disconnectedSessionTTL")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if not 1 <= args.contexts <= 20 or not 0 < args.minutes <= 30 or not 0 <= args.cycles <= 1000:
        parser.error("bounded: 1-20 contexts, up to 30 minutes, up to 1000 cycles")
    folder = Path(tempfile.mkdtemp(prefix="retention-load-"))
    db = args.db or harness.make_db(folder / "data", customers=args.customers)
    srv = harness.start_server(db, folder / "server",
                               env={"STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(int(args.ttl))})
    assert srv.url.startswith("http://127.0.0.1:")
    sampler = Sampler(srv.proc.pid)
    sampler.start()
    try:
        stats = asyncio.run(load_phase(srv.url, args.contexts, args.minutes * 60))
        rss_after_load = rss_mb(srv.proc.pid)
        cycles = asyncio.run(cycle_phase(srv.url, args.cycles, srv.proc.pid)) if args.cycles else {}
        if args.cycles:
            time.sleep(args.ttl + 15)  # disconnected sessions expire, then are collected
            cycles["after_ttl_mb"] = round(rss_mb(srv.proc.pid))
            cycles["growth_mb"] = cycles["after_ttl_mb"] - cycles["baseline_mb"]
        log_text = srv.log_tail(50_000_000)
        log_errors = error_blocks(log_text)
    finally:
        sampler.stopped.set()
        srv.stop()
    lat = stats["latencies"]
    report = {
        "contexts": args.contexts, "minutes": args.minutes, "customers": args.customers,
        "filter_changes": len(lat), "p50_s": percentile(lat, 50), "p95_s": percentile(lat, 95),
        "max_s": round(max(lat), 3) if lat else None, "errors": len(stats["errors"]),
        "error_samples": stats["errors"][:10], "server_log_errors": log_errors,
        "rss_mb_over_time": sampler.samples[:: max(1, len(sampler.samples) // 40)],
        "rss_mb_after_load": round(rss_after_load), "cycles": cycles,
    }
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
        # the whole server log beside the report: a traceback needs more than its first line
        args.out.with_suffix(".server.log").write_text(log_text)
    return 0 if not stats["errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
