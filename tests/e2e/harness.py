"""The browser harness shared by the e2e tests, tests/e2e/refresh_screenshots.py and
tests/reliability/load.py; this module is the one they import.

- config: Debian's Chromium (launch), the bounds of every wait, PAGES (from views/catalog.py).
- server: make_db(folder), a fresh small demo database through data.demo.generate (the real
  build path); start_server(db, folder), `streamlit run dashboard.py` on a free 127.0.0.1 port.
- App (here): one browser context + page on a server, with the waits and actions the tests need:
  wait until Streamlit has finished running and the Plotly charts are drawn, follow the
  navigation, pick options, edit a grid cell; its readers (reading.Reading) read the exception
  box, the metric tiles, the figures' data, download a CSV, screenshot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from tests.e2e.config import (ACTION_TIMEOUT_MS, ARTIFACTS, CHART_TIMEOUT_MS, CHROMIUM,
                              CHROMIUM_ARGS, GRID_HEADER_PX, GRID_ROW_PX, HERE, NO_CHART, PAGES,
                              REASON_MAPPING, ROOT, TIMEOUT_MS, VIEWPORT, PlaywrightTimeout, launch, sync_playwright,
                              url_path)
from tests.e2e.page_js import RUN_COUNTER
from tests.e2e.reading import Reading, dump
from tests.e2e.server import Server, free_port, make_db, start_server, stop_all

__all__ = ["ACTION_TIMEOUT_MS", "ARTIFACTS", "CHART_TIMEOUT_MS", "CHROMIUM", "CHROMIUM_ARGS",
           "HERE", "NO_CHART", "PAGES", "REASON_MAPPING", "ROOT", "RUN_COUNTER", "TIMEOUT_MS", "VIEWPORT", "App",
           "PlaywrightTimeout", "Server", "dump", "free_port", "launch", "make_db",
           "start_server", "stop_all", "sync_playwright", "url_path"]


@dataclass
class App(Reading):
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
        context.add_init_script(RUN_COUNTER)
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

    def run_state(self) -> dict:
        """What the page knows of the server's runs and its socket (page_js.RUN_COUNTER), for
        the message of a wait that timed out: a lost socket, a run that never ended and a
        change the server never heard of each read differently."""
        return self.page.evaluate(
            "() => ({runs: window.__stRuns, running: window.__stRunning,"
            " sockets: window.__stSockets, closes: window.__stCloses,"
            " messages: window.__stMessages,"
            " app: Object.assign({}, (document.querySelector('[data-testid=stApp]') || {}).dataset)})")

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
            try:
                page.wait_for_function("(n) => (window.__stRuns || 0) > n && !window.__stRunning",
                                       arg=after_runs, **wait)
            except PlaywrightTimeout as timeout:
                raise AssertionError(f"no run of the script ended after run {after_runs}: "
                                     f"{self.run_state()}") from timeout
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
