"""Browser measurements of the Streamlit app, in Debian's Chromium driven by Playwright.

Starts `streamlit run dashboard.py` (RETENTION_DB = the benchmark database) and the bare one-chart
app bench/bare_app.py on free 127.0.0.1 ports in the same run and measures:
- cold start: server launch -> first Plotly chart painted (a browser already running);
- first chart painted on a running server, in a freshly launched headless Chromium each time
  (navigation -> first `.main-svg` of a Plotly chart), dashboard vs bare app (target ratio <= 1.25);
- filter change -> charts redrawn on Overview: choose one plan in the sidebar and time from the
  click to the last Plotly redraw before the app is idle again (target < 500 ms). The first time
  the server computes that view live; the repeats (page reloaded, same plan chosen again) get it
  from the app's result cache, so both figures are reported;
- the Streamlit server's RSS after every page was opened once (target < 600 MB), and again after
  the filter changes (live queries leave the table data they read in DuckDB's cache).
Nothing is ever requested from anywhere but 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PAGE_PATHS = ["", "Cohorts", "Churn_reasons", "Support_KPIs", "Support_x_retention",
              "Data_and_definitions"]
CHART = ".js-plotly-plot .main-svg"
TIMEOUT_MS = 180_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(script: str, db: Path, port: int | None = None
                 ) -> tuple[subprocess.Popen, str, float]:
    port = port or free_port()
    env = dict(os.environ, RETENTION_DB=str(db), PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return proc, f"http://127.0.0.1:{port}", started


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not become healthy")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop a server this benchmark started: TERM, then KILL if it lingers."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def rss_mb(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = round(int(value.split()[0]) / 1024)
    return fields


def launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def first_chart_ms(p, url: str) -> float:
    """Fresh Chromium: navigation start -> first Plotly chart painted."""
    browser = launch(p)
    try:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_selector(CHART, timeout=TIMEOUT_MS)
        return (time.perf_counter() - started) * 1000
    finally:
        browser.close()


def wait_idle(page, quiet_ms: int = 600, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until Streamlit's running indicator has been absent for quiet_ms."""
    page.wait_for_function(
        """([quiet]) => {
            const running = document.querySelector('[data-testid="stStatusWidget"]');
            const now = performance.now();
            if (running) { window.__benchBusy = now; return false; }
            return now - (window.__benchBusy || 0) > quiet;
        }""",
        arg=[quiet_ms], timeout=timeout_ms, polling=50,
    )


WATCH_DRAWS = """() => {
    window.__benchDraws = [];
    const hook = (el) => {
        if (el.__benchHooked || !el.on) return;
        el.__benchHooked = true;
        el.on('plotly_afterplot', () => window.__benchDraws.push(performance.now()));
    };
    document.querySelectorAll('.js-plotly-plot').forEach(hook);
    new MutationObserver(() => {
        document.querySelectorAll('.js-plotly-plot').forEach((el) => {
            if (!el.__benchHooked && el.querySelector('.main-svg')) {
                window.__benchDraws.push(performance.now());
            }
            hook(el);
        });
    }).observe(document.body, {childList: true, subtree: true});
}"""


def filter_change_ms(page, url: str) -> float | None:
    """Overview open and idle; choose the Growth plan; ms from the click to the last redraw."""
    page.goto(url, wait_until="commit")
    page.wait_for_selector(CHART, timeout=TIMEOUT_MS)
    wait_idle(page)
    box = page.locator(".st-key-plan input[role='combobox']").first  # the Plan filter
    if box.count() == 0:
        return None
    box.click()
    box.press_sequentially("Growth")
    option = page.get_by_role("option").filter(has_text="Growth").first
    option.wait_for(timeout=60_000)
    page.evaluate(WATCH_DRAWS)
    clicked = page.evaluate("() => performance.now()")
    option.click()
    page.wait_for_function("(t) => window.__benchDraws.some((d) => d > t)", arg=clicked,
                           timeout=TIMEOUT_MS, polling=20)
    wait_idle(page)
    page.keyboard.press("Escape")
    last = page.evaluate("(t) => Math.max(...window.__benchDraws.filter((d) => d > t))", clicked)
    return last - clicked


def measure(db: Path, repeat: int = 3) -> dict:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        return {"error": f"playwright missing ({exc})"}
    if not Path(CHROMIUM).exists():
        return {"error": f"{CHROMIUM} missing"}
    servers = []
    out: dict = {}
    try:
        with sync_playwright() as p:
            warm_browser = launch(p)  # already running for the cold starts
            cold = {}
            for name, script in (("bare", "bench/bare_app.py"), ("dashboard", "dashboard.py")):
                proc, url, started = start_server(script, db)
                servers.append(proc)
                wait_healthy(url, proc)
                page = warm_browser.new_page(viewport={"width": 1440, "height": 900})
                page.goto(url, wait_until="commit")
                page.wait_for_selector(CHART, timeout=TIMEOUT_MS)
                cold[name] = (time.perf_counter() - started) * 1000
                wait_idle(page)
                page.close()
                out[name] = {"url": url, "pid": proc.pid}
            first = {}
            for name in ("bare", "dashboard"):
                runs = [first_chart_ms(p, out[name]["url"]) for _ in range(repeat)]
                first[name] = statistics.median(runs)
                out[name]["first_chart_ms"] = [round(x) for x in runs]
            page = warm_browser.new_page(viewport={"width": 1440, "height": 900})
            for path in PAGE_PATHS:
                page.goto(f"{out['dashboard']['url']}/{path}", wait_until="commit")
                try:
                    page.wait_for_selector(CHART, timeout=60_000) if path != "Data_and_definitions" \
                        else None
                except Exception:  # noqa: BLE001 - a page without charts (or an empty state)
                    pass  # idle is enough
                wait_idle(page)
            memory = rss_mb(out["dashboard"]["pid"])
            changes = []
            for _ in range(repeat):
                value = filter_change_ms(page, out["dashboard"]["url"])
                if value is None:
                    break
                changes.append(value)
            memory_after_changes = rss_mb(out["dashboard"]["pid"])
            warm_browser.close()
    finally:
        for proc in servers:
            stop_server(proc)
    ratio = first["dashboard"] / first["bare"]
    live = changes[0] if changes else None
    cached = statistics.median(changes[1:]) if len(changes) > 1 else None
    out.update({
        "cold_start_ms": {k: round(v) for k, v in cold.items()},
        "first_chart_median_ms": {k: round(v) for k, v in first.items()},
        "first_chart_ratio": round(ratio, 2),
        "filter_change_ms": [round(x) for x in changes],
        "filter_change_live_ms": None if live is None else round(live),
        "filter_change_cached_median_ms": None if cached is None else round(cached),
        "server_rss_mb_after_all_pages": memory,
        "server_rss_mb_after_filter_changes": memory_after_changes,
    })

    def change_row(label, value):
        shown = "—" if value is None else f"{value:,.0f} ms"
        verdict = "not measured" if value is None else "met" if value < 500 else "missed"
        return (label, shown, "< 500 ms: " + verdict)

    def rss_row(label, rss):
        verdict = "met" if rss.get("VmRSS", 0) < 600 else "missed"
        return (label, f"{rss.get('VmRSS', 0):,} MB",
                f"< 600 MB: {verdict} (peak {rss.get('VmHWM', 0):,} MB)")

    rows = [
        ("first chart, bare one-chart app", f"{first['bare']:,.0f} ms", ""),
        ("first chart, dashboard Overview", f"{first['dashboard']:,.0f} ms", ""),
        ("ratio dashboard / bare", f"{ratio:.2f}", "<= 1.25: " + ("met" if ratio <= 1.25 else "missed")),
        ("cold start (launch -> first chart), dashboard", f"{cold['dashboard']:,.0f} ms",
         f"bare app {cold['bare']:,.0f} ms"),
        change_row("filter change (one plan) -> charts redrawn, first time (computed live)", live),
        change_row("the same filter change again (app's result cache), median", cached),
        rss_row("server RSS after opening every page (default views)", memory),
        rss_row("server RSS after the filter changes too (live queries' table data cached)",
                memory_after_changes),
    ]
    out["rows"] = rows
    return out
