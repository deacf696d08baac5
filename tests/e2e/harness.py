"""The browser harness shared by the e2e tests and tests/e2e/refresh_screenshots.py.

- make_db(folder): a fresh small demo database through data.demo.generate (the real build path).
- start_server(db, folder): `streamlit run dashboard.py` on a free 127.0.0.1 port in its own
  process group, ready once /_stcore/health answers; Server.stop() kills the whole group.
- launch(p): Debian's Chromium through Playwright (`playwright install` cannot download here).
- App: one browser context + page on a server, with the waits and readers the tests need:
  wait until Streamlit has finished running and the Plotly charts are drawn, read the exception
  box, the metric tiles, the figures' data, download a CSV, screenshot.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pandas as pd

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # the conftest skips the folder with a reason
    sync_playwright = None
    PlaywrightTimeout = TimeoutError

from tests import ports

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ARTIFACTS = HERE / "artifacts"
# Debian's Chromium; the variable exists to point at another build (or at nothing, to see the skip).
CHROMIUM = os.environ.get("RETENTION_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1440, "height": 900}
CUSTOMERS = 2_000
SEED = 42
# Generous: the first paint of a fresh browser loads Plotly's 4.7 MB bundle on 2 shared cores,
# and the first run of a page fills the server's query cache.
TIMEOUT_MS = 90_000
# Clicks, downloads and other single actions on elements that should already be there.
ACTION_TIMEOUT_MS = 30_000
# Once the script has finished, its charts are drawn within seconds; a page without one fails.
CHART_TIMEOUT_MS = 30_000

# URL path of each page (file name without the leading number) and its navigation label.
PAGES = {
    "": "Overview",
    "Cohorts": "Cohorts",
    "Churn_reasons": "Churn reasons",
    "Support_KPIs": "Support KPIs",
    "Support_x_retention": "Support × retention",
    "Outreach": "Outreach",
    "Data_and_definitions": "Data & definitions",
}


# --- database and server -----------------------------------------------------------------------

def make_db(folder: Path, customers: int = CUSTOMERS, seed: int = SEED) -> Path:
    from data.demo.generate import generate

    live = Path(folder) / "retention.duckdb"
    generate(live, customers=customers, seed=seed)
    return live


def free_port() -> int:
    """A free 127.0.0.1 port: the first free one of RETENTION_E2E_PORTS ("8641-8649") when set
    (a shared machine hands each user a range), else any."""
    wanted = os.environ.get("RETENTION_E2E_PORTS", "").strip()
    if wanted:
        first, _, last = wanted.partition("-")
        port = ports.first_free(range(int(first), int(last or first) + 1))
        if port is None:
            raise RuntimeError(f"no free port in RETENTION_E2E_PORTS={wanted}")
        return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_RUNNING: list["Server"] = []


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: Path
    folder: Path
    env: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server's whole process group: TERM, then KILL if it lingers."""
        if self in _RUNNING:
            _RUNNING.remove(self)
        if self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


def start_server(db: Path, folder: Path, env: dict | None = None,
                 secrets: str | None = None, timeout: float = 60) -> Server:
    """`streamlit run dashboard.py` against `db`, ready when /_stcore/health answers "ok".

    `secrets`: text of a secrets.toml for this server only (e.g. a password hash); the file is
    written to `folder` and handed to Streamlit with --secrets.files.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",  # colleagues edit the tree while the suite runs
        "--browser.gatherUsageStats", "false",
    ]
    if secrets is not None:
        path = folder / "secrets.toml"
        path.write_text(secrets)
        args += ["--secrets.files", str(path)]
    run_env = {**os.environ, "RETENTION_DB": str(db), "PYTHONUNBUFFERED": "1", **(env or {})}
    log = folder / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=run_env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    srv = Server(proc, port, log, folder, env or {})
    _RUNNING.append(srv)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            srv.stop()
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{srv.log_tail()}")
        try:
            with urllib.request.urlopen(f"{srv.url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return srv
        except OSError:
            pass
        time.sleep(0.2)
    srv.stop()
    raise RuntimeError(f"streamlit did not answer /_stcore/health in {timeout}s:\n"
                       f"{srv.log_tail()}")


def stop_all() -> None:
    for srv in list(_RUNNING):
        srv.stop()


# --- browser -----------------------------------------------------------------------------------

def launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# Counts finished script runs (data-test-script-state going running -> notRunning), so a test
# can wait for the run its own click caused even when that run is faster than any polling, and a
# fresh page is not taken as ready in the moment before its first run starts.
_RUN_COUNTER = """
(() => {
  window.__stRuns = 0;
  const ATTR = 'data-test-script-state';
  new MutationObserver((records) => {
    const mine = records.filter((r) => r.attributeName === ATTR);
    mine.forEach((r, i) => {
      const now = i + 1 < mine.length ? mine[i + 1].oldValue : r.target.getAttribute(ATTR);
      if (r.oldValue === 'running' && now === 'notRunning') window.__stRuns += 1;
    });
  }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                        attributeFilter: [ATTR]});
})();
"""

# The data of every Plotly chart on the page, as plain JSON (typed arrays turned into lists).
# gd.data may hold Plotly's base64 array specs; gd._fullData holds the decoded arrays.
_FIGURES = """
(sel) => {
  const plain = (v) => {
    if (v === null || v === undefined) return v;
    if (ArrayBuffer.isView(v)) return Array.from(v);
    if (Array.isArray(v)) return v.map(plain);
    if (typeof v === 'object' && v.bdata !== undefined) return null;
    return v;
  };
  const keys = ['type', 'name', 'x', 'y', 'z', 'customdata', 'text', 'orientation', 'visible'];
  return Array.from(document.querySelectorAll(sel)).map((gd) => ({
    title: (gd._fullLayout && gd._fullLayout.title && gd._fullLayout.title.text) || '',
    key: ((gd.closest('[class*="st-key-"]') || {}).className || '')
      .split(/\\s+/).filter((c) => c.startsWith('st-key-')).map((c) => c.slice(7)),
    traces: (gd._fullData || []).map((t) => {
      const out = {};
      for (const k of keys) out[k] = plain(t[k]);
      return out;
    }),
  }));
}
"""


@dataclass
class App:
    """One fresh browser context with one page on one server."""

    context: object
    page: object
    server: Server
    dialogs: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    foreign_requests: list = field(default_factory=list)  # requests to any other origin

    @classmethod
    def new(cls, browser, server: Server, **context_kwargs) -> "App":
        kwargs = {"viewport": VIEWPORT, "accept_downloads": True, **context_kwargs}
        context = browser.new_context(**kwargs)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.add_init_script(_RUN_COUNTER)
        page = context.new_page()
        app = cls(context, page, server)
        page.on("dialog", lambda d: (app.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: m.type == "error" and app.console_errors.append(m.text))
        own = urlsplit(server.url).netloc
        context.on("request", lambda r: urlsplit(r.url).scheme in ("http", "https", "ws", "wss")
                   and urlsplit(r.url).netloc != own and app.foreign_requests.append(r.url))
        return app

    def close(self) -> None:
        self.context.close()

    # navigation and waiting

    def url_for(self, path: str = "", params: dict | list | None = None) -> str:
        query = urlencode(params, doseq=True) if params else ""
        return f"{self.server.url}/{path}" + (f"?{query}" if query else "")

    def open(self, path: str = "", params: dict | list | None = None, charts: int = 1,
             url: str | None = None) -> "App":
        self.page.goto(url or self.url_for(path, params))
        self.wait_ready(charts=charts, after_runs=0)  # the counter restarts with the document
        return self

    def runs(self) -> int:
        return self.page.evaluate("window.__stRuns || 0")

    def wait_ready(self, charts: int = 1, after_runs: int | None = None) -> None:
        """Wait until the script has run (after `after_runs` finished runs, if given), the status
        widget is gone and at least `charts` Plotly charts are drawn."""
        page = self.page
        wait = {"timeout": TIMEOUT_MS}
        page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]',
                               state="attached", **wait)
        if after_runs is not None:
            page.wait_for_function(f"(window.__stRuns || 0) > {after_runs}", **wait)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                               state="attached", **wait)
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", **wait)
        # Streamlit loads the code of many elements lazily (text input, alerts, exception box):
        # they appear once their chunk has arrived, after the run has finished.
        try:
            page.wait_for_load_state("networkidle", timeout=ACTION_TIMEOUT_MS)
        except PlaywrightTimeout:
            pass
        if charts:
            self.wait_charts_drawn(charts)

    def wait_charts_drawn(self, charts: int = 1, timeout: float = CHART_TIMEOUT_MS) -> bool:
        """Wait until at least `charts` Plotly charts exist and every one on the page is drawn.
        Returns False (instead of raising) when that does not happen within `timeout` ms."""
        try:
            self.page.wait_for_function(
                """(n) => {
                  const holders = document.querySelectorAll('[data-testid="stPlotlyChart"]');
                  if (holders.length < n) return false;
                  return Array.from(holders).every((h) => {
                    const gd = h.querySelector('.js-plotly-plot');
                    return gd && gd._fullLayout && gd.querySelector('.main-svg');
                  });
                }""",
                arg=charts, timeout=timeout,
            )
            return True
        except PlaywrightTimeout:
            return False

    def act(self, action, charts: int = 1) -> None:
        """Do something that makes Streamlit rerun, then wait for that rerun to finish."""
        before = self.runs()
        action()
        self.wait_ready(charts=charts, after_runs=before)

    def nav(self, label: str, charts: int = 1) -> None:
        """Follow a page link of the app's own navigation in the sidebar, then wait until the
        new page's title is drawn and its run has finished."""
        path = next(p for p, name in PAGES.items() if name == label)
        link = self.page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"] a',
                                 has_text=label).first
        link.click()
        self.page.wait_for_url(re.compile(rf"^{re.escape(self.server.url)}/{path}(\?.*)?$"),
                               timeout=TIMEOUT_MS)
        heading = "Overview" if not path else label
        self.page.locator('[data-testid="stMain"] h1', has_text=heading).first.wait_for(
            timeout=TIMEOUT_MS)
        self.wait_ready(charts=charts)

    def choose(self, key: str, *options: str, charts: int = 1) -> None:
        """Pick options in the multiselect or selectbox with widget key `key`, as a person does:
        open the list, type to narrow it, click the option; waits for each rerun."""
        box = self.page.locator(f".st-key-{key} input[role='combobox']").first
        for option in options:
            box.click()
            box.fill(option)
            item = self.page.get_by_role("option", name=option, exact=True).first
            try:
                item.wait_for(state="visible", timeout=5_000)
            except PlaywrightTimeout:
                box.press("ArrowDown")  # some builds open the list on the arrow key only
                item.wait_for(state="visible")
            self.act(item.click, charts=charts)
            self.page.keyboard.press("Escape")

    def number(self, key: str, value: int, charts: int = 1) -> None:
        """Type a value into the number input with widget key `key` and commit it."""
        box = self.page.locator(f".st-key-{key} input").first
        box.fill(str(value))
        self.act(lambda: box.press("Enter"), charts=charts)

    def segment(self, key: str, option: str, charts: int = 1) -> None:
        """Click one option of the segmented control with widget key `key`."""
        button = self.page.locator(f".st-key-{key} button", has_text=option).first
        self.act(button.click, charts=charts)

    def widget_text(self, key: str) -> str:
        """What the widget shows, once it shows anything: after a run, Streamlit draws some
        widgets a moment later, once their lazily loaded code has arrived."""
        locator = self.page.locator(f".st-key-{key}").first
        try:
            self.page.wait_for_function("(el) => el.innerText.trim().length > 0",
                                        arg=locator.element_handle(timeout=ACTION_TIMEOUT_MS),
                                        timeout=ACTION_TIMEOUT_MS)
        except PlaywrightTimeout:
            pass  # an empty widget: the caller's assertion says what was expected
        return locator.inner_text()

    # reading the page

    def exceptions(self) -> list[str]:
        return self.page.locator('[data-testid="stException"]').all_inner_texts()

    def errors(self) -> list[str]:
        """Exception boxes and st.error alerts (the app's short "Something went wrong")."""
        alerts = self.page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
        return self.exceptions() + alerts

    def alerts(self) -> list[str]:
        return self.page.locator('[data-testid="stAlert"]').all_inner_texts()

    def shows(self, text: str, timeout: float = 15_000) -> bool:
        """Whether the main area shows `text` (waiting a little for lazily loaded elements)."""
        try:
            self.page.locator('[data-testid="stMain"]', has_text=text).first.wait_for(
                timeout=timeout)
            return True
        except PlaywrightTimeout:
            return False

    def main_text(self) -> str:
        return self.page.locator('[data-testid="stMain"]').inner_text()

    def metrics(self) -> dict[str, str]:
        """Label -> value text of every st.metric tile in the main area."""
        out = {}
        for tile in self.page.locator('[data-testid="stMain"] [data-testid="stMetric"]').all():
            label = tile.locator('[data-testid="stMetricLabel"]').inner_text().strip()
            out[label] = tile.locator('[data-testid="stMetricValue"]').inner_text().strip()
        return out

    def figures(self, key: str | None = None) -> list[dict]:
        """Data of the Plotly charts in the main area (or the one with widget key `key`)."""
        scope = f".st-key-{key} " if key else '[data-testid="stMain"] '
        if key:
            # One chart the test names must be there: wait as long as for a page to be ready.
            self.page.locator(scope + ".js-plotly-plot .main-svg").first.wait_for(
                state="attached", timeout=TIMEOUT_MS)
        return self.page.evaluate(_FIGURES, scope + ".js-plotly-plot")

    def chart_count(self) -> int:
        return self.page.locator('[data-testid="stMain"] .js-plotly-plot').count()

    def download(self, key: str) -> bytes:
        """Click the download button with widget key `key` and return the file's bytes."""
        button = self.page.locator(f".st-key-{key} button").first
        button.scroll_into_view_if_needed()
        with self.page.expect_download() as info:
            button.click()
        path = info.value.path()
        return Path(path).read_bytes()

    def download_csv(self, key: str) -> pd.DataFrame:
        return pd.read_csv(io.BytesIO(self.download(key)))

    def query_params(self) -> list[tuple[str, str]]:
        from urllib.parse import parse_qsl, urlsplit

        return parse_qsl(urlsplit(self.page.url).query)

    def shot(self, name: str, full_page: bool = True) -> Path:
        """Screenshot to artifacts/<name>.png. Streamlit scrolls inside its own container, so a
        full page is taken by making the viewport as tall as the content for a moment."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        page = self.page
        viewport = page.viewport_size or VIEWPORT
        height = viewport["height"]
        if full_page:
            height = page.evaluate("""() => {
              const main = document.querySelector('[data-testid="stMain"]');
              const side = document.querySelector('[data-testid="stSidebarContent"]');
              return Math.max(main ? main.scrollHeight : 0, side ? side.scrollHeight : 0);
            }""") or VIEWPORT["height"]
            height = min(max(height, viewport["height"]), 12_000)
        if height != viewport["height"]:
            page.set_viewport_size({"width": viewport["width"], "height": height})
            page.wait_for_timeout(300)  # let Plotly's resize handler redraw before the shot
        try:
            page.screenshot(path=str(path))
        finally:
            if height != viewport["height"]:
                page.set_viewport_size(viewport)
        return path

def dump(obj) -> str:
    return json.dumps(obj, indent=1, default=str)[:3000]
