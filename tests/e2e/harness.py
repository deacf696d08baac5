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
# Charts: drawn once Plotly's lazily loaded bundle has arrived and run, which takes as long as a
# page's first paint when the cores are shared. A page that has finished without the charts a
# test waits for is known at once (see App.wait_charts_drawn), so this bound costs nothing.
CHART_TIMEOUT_MS = TIMEOUT_MS
# st.data_editor's header and row heights (px), for clicking a row of its canvas.
GRID_HEADER_PX, GRID_ROW_PX = 35, 35

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


# Counts the script runs the server reports, read from Streamlit's own websocket messages
# (ForwardMsg, decoded just enough: its top-level fields). The page's data-test-script-state
# attribute is not enough: when the browser is starved (another browser suite on the same cores),
# several messages are handled before React renders once, so a run's "running" state is never
# drawn and an observer of the attribute misses the run (seen: the sign-in's two runs, an
# st.rerun() chain, drew one running -> notRunning). The server's messages miss nothing:
# - window.__stRuns: runs that completed (script_finished other than FINISHED_EARLY_FOR_RERUN,
#   so an st.rerun() chain or a run interrupted by a widget change counts once, at its end);
# - window.__stRunning: whether the server's last word was "a script is running".
# Both are updated one task after Streamlit's own listener has taken the message, so by then the
# app has handed it to React.
_RUN_COUNTER = """
(() => {
  window.__stRuns = 0;
  window.__stRunning = false;
  const varint = (b, i) => {
    let x = 0, shift = 0, c;
    do { c = b[i++]; x += (c & 0x7f) * 2 ** shift; shift += 7; } while (c & 0x80);
    return [x, i];
  };
  const fields = (bytes) => {  // top-level fields: number -> varint value or bytes
    const out = {};
    let i = 0;
    while (i < bytes.length) {
      let tag, v, n;
      [tag, i] = varint(bytes, i);
      const wire = tag & 7, number = Math.floor(tag / 8);
      if (wire === 0) { [v, i] = varint(bytes, i); out[number] = v; }
      else if (wire === 2) { [n, i] = varint(bytes, i); out[number] = bytes.subarray(i, i + n); i += n; }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else break;
    }
    return out;
  };
  const SCRIPT_FINISHED = 6, SESSION_STATUS_CHANGED = 9, SCRIPT_IS_RUNNING = 2;
  const FINISHED_EARLY_FOR_RERUN = 2;
  const read = (data) => {
    if (!(data instanceof ArrayBuffer)) return;
    const msg = fields(new Uint8Array(data));
    if (msg[SCRIPT_FINISHED] !== undefined && msg[SCRIPT_FINISHED] !== FINISHED_EARLY_FOR_RERUN) {
      window.__stRuns += 1;
    }
    if (msg[SESSION_STATUS_CHANGED] !== undefined) {
      window.__stRunning = fields(msg[SESSION_STATUS_CHANGED])[SCRIPT_IS_RUNNING] === 1;
    }
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      if (!String(args[0]).includes('/_stcore/stream')) return;
      // After the app's own listener (registered after construction), one task later.
      const add = this.addEventListener.bind(this);
      let hooked = false;
      this.addEventListener = (type, listener, options) => {
        add(type, listener, options);
        if (type === 'message' && !hooked) {
          hooked = true;
          add('message', (e) => setTimeout(() => read(e.data), 0));
        }
      };
    }
  };
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
        """Runs of this page's script the server has completed (see _RUN_COUNTER)."""
        return self.page.evaluate("window.__stRuns || 0")

    def wait_idle(self) -> None:
        """Wait until no run is in flight: the server's last word is "not running" and the page
        shows it. An action taken before that would have its run mixed up with the one going."""
        self.page.wait_for_function("() => !window.__stRunning", timeout=TIMEOUT_MS)
        self.page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                                    state="attached", timeout=TIMEOUT_MS)

    def wait_ready(self, charts: int = 1, after_runs: int | None = None) -> None:
        """Wait until the script has run (after `after_runs` completed runs, if given, counted by
        the server's messages), the page has drawn that run (no stale element of an earlier run,
        no status widget) and at least `charts` Plotly charts are drawn."""
        page = self.page
        wait = {"timeout": TIMEOUT_MS}
        page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]',
                               state="attached", **wait)
        if after_runs is not None:
            page.wait_for_function("(n) => (window.__stRuns || 0) > n && !window.__stRunning",
                                   arg=after_runs, **wait)
        self.wait_idle()
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", **wait)
        # Elements of the run before are marked stale until the finished run removes them.
        page.wait_for_selector('[data-stale="true"]', state="detached", **wait)
        # React has rendered what the app handed it once the browser has drawn two frames.
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => "
                      "requestAnimationFrame(r)))")
        # Streamlit loads the code of many elements lazily (text input, alerts, exception box):
        # they appear once their chunk has arrived, after the run has finished.
        try:
            page.wait_for_load_state("networkidle", timeout=ACTION_TIMEOUT_MS)
        except PlaywrightTimeout:
            pass
        if charts:
            self.wait_charts_drawn(charts)

    def wait_charts_drawn(self, charts: int = 1, timeout: float = CHART_TIMEOUT_MS) -> bool:
        """Wait until the page's run is over, every lazily loaded element has its code (no
        skeleton left) and every Plotly chart on the page is drawn; True when at least `charts`
        are. False at once when the finished page has fewer (they will not come), or when that
        state is not reached within `timeout` ms."""
        try:
            state = self.page.wait_for_function(
                """(n) => {
                  const app = document.querySelector('[data-testid="stApp"]');
                  if (window.__stRunning || !app
                      || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
                  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
                  const holders = document.querySelectorAll('[data-testid="stPlotlyChart"]');
                  const drawn = Array.from(holders).every((h) => {
                    const gd = h.querySelector('.js-plotly-plot');
                    return gd && gd._fullLayout && gd.querySelector('.main-svg');
                  });
                  if (!drawn) return false;
                  return holders.length >= n ? 'drawn' : 'fewer';
                }""",
                arg=charts, timeout=timeout,
            )
            return state.json_value() == "drawn"
        except PlaywrightTimeout:
            return False

    def act(self, action, charts: int = 1) -> None:
        """Do something that makes Streamlit rerun, then wait for that rerun (or st.rerun chain)
        to complete and be drawn. Waits first for any run in flight, so that its end is not
        taken for the end of this action's run."""
        self.wait_idle()
        before = self.runs()
        action()
        self.wait_ready(charts=charts, after_runs=before)

    def nav(self, label: str, charts: int = 1) -> None:
        """Follow a page link of the app's own navigation in the sidebar, then wait until the
        new page's run has completed and its title is drawn."""
        path = next(p for p, name in PAGES.items() if name == label)
        link = self.page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"] a',
                                 has_text=label).first

        def follow() -> None:
            link.click()
            self.page.wait_for_url(re.compile(rf"^{re.escape(self.server.url)}/{path}(\?.*)?$"),
                                   timeout=TIMEOUT_MS)

        self.act(follow, charts=0)
        heading = "Overview" if not path else label
        self.page.locator('[data-testid="stMain"] h1', has_text=heading).first.wait_for(
            timeout=TIMEOUT_MS)
        if charts:
            self.wait_charts_drawn(charts)

    def edit_cell(self, editor, row: int, column: int, text: str) -> None:
        """Type `text` into the cell (`row`, `column`: 0-based, in the order shown) of an
        st.data_editor (`editor`: a locator of its stDataFrame) and commit it, as a person does:
        click the row's first cell, arrow right to the column, Enter opens the cell's editor,
        type, Enter commits (the page reruns). The grid draws on a canvas; its accessible table
        says which cell is selected (data-testid glide-cell-C-R, aria-selected). Each step waits
        for its effect (that cell selected, the cell's editor open and focused, the text in it),
        never for a fixed time: a starved browser opens the editor seconds late (the
        reason-mapping flake typed into a 500 ms pause and the text was lost)."""
        page = self.page

        def selected(col: int):
            editor.locator(f'[data-testid="glide-cell-{col}-{row}"][aria-selected="true"]'
                           ).wait_for(state="attached", timeout=TIMEOUT_MS)

        editor.scroll_into_view_if_needed()
        box = editor.bounding_box()  # where it is now: what is above it may have moved
        page.mouse.click(box["x"] + 20,
                         box["y"] + GRID_HEADER_PX + GRID_ROW_PX * row + GRID_ROW_PX // 2)
        selected(0)
        for col in range(1, column + 1):
            page.keyboard.press("ArrowRight")
            selected(col)
        page.keyboard.press("Enter")  # open the cell's editor
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.matches('textarea.gdg-input')",
            timeout=TIMEOUT_MS)
        page.keyboard.type(text)
        page.wait_for_function("(t) => document.activeElement.value === t", arg=text,
                               timeout=TIMEOUT_MS)
        self.act(lambda: page.keyboard.press("Enter"), charts=0)  # commit: the page reruns

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
            # Same width, so no chart is re-laid out; the taller page is drawn in a frame or two.
            page.evaluate("() => new Promise((r) => requestAnimationFrame(() => "
                          "requestAnimationFrame(r)))")
        try:
            page.screenshot(path=str(path))
        finally:
            if height != viewport["height"]:
                page.set_viewport_size(viewport)
        return path

def dump(obj) -> str:
    return json.dumps(obj, indent=1, default=str)[:3000]
