"""Reading what a browser test's page shows: the exception box and alerts, the main area's
text, the metric tiles, the data of the Plotly charts, a downloaded CSV, the URL's parameters,
a full-page screenshot. A mixin of harness.App (which holds `page`)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd

from tests.e2e.config import ARTIFACTS, TIMEOUT_MS, VIEWPORT, PlaywrightTimeout
from tests.e2e.page_js import FIGURES


class Reading:
    """What the page shows; `self.page` is the Playwright page."""

    page: object

    def exceptions(self) -> list[str]:
        return self.page.locator('[data-testid="stException"]').all_inner_texts()

    def errors(self) -> list[str]:
        """Exception boxes and st.error alerts (the app's short "Something went wrong")."""
        alerts = self.page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
        return self.exceptions() + alerts

    def alerts(self) -> list[str]:
        return self.page.locator('[data-testid="stAlert"]').all_inner_texts()

    def shows(self, text: str, timeout: float = TIMEOUT_MS) -> bool:
        """Whether the main area shows `text`, waiting for it as for a page to be ready (lazily
        loaded elements come after the run; on shared cores, seconds after)."""
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
        return self.page.evaluate(FIGURES, scope + ".js-plotly-plot")

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
