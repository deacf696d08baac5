"""The shipped proxy (deploy/nginx.conf, Debian's nginx) in front of the real app: Streamlit's
static files come precompressed from disk with a year's cache lifetime, the WebSocket passes
(the Overview renders and reruns through it), and each browser is pinned to one replica by a
cookie. bench/proxy.py runs the shipped file with only its addresses changed."""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench import proxy as shipped_proxy
from deploy.precompress import precompress, streamlit_static
from tests.e2e import harness

if shipped_proxy.unavailable():
    pytest.skip(shipped_proxy.unavailable(), allow_module_level=True)

YEAR = "public, max-age=31536000, immutable"


@dataclass
class Behind:
    """What harness.App needs of a server: its URL (here the proxy's)."""

    url: str


@pytest.fixture(scope="module")
def static_copy():
    # nginx's workers run as www-data: the copy lives outside pytest's private (0700) tmp folder.
    folder = Path(tempfile.mkdtemp(prefix="retention-static-"))
    os.chmod(folder, 0o755)
    precompress(folder / "static", brotli_quality=5)  # 11 in the image; 5 keeps the test quick
    yield folder / "static"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def proxy(server, static_copy, tmp_path_factory):
    running = shipped_proxy.start(server.port, static_copy, tmp_path_factory.mktemp("nginx"),
                                  port=harness.free_port())
    yield running
    running.stop()


def _get(url: str, accept: str | None, cookie: str | None = None):
    headers = {"Accept-Encoding": accept} if accept else {}
    if cookie:
        headers["Cookie"] = cookie
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
        return r.status, r.headers, r.read()


def test_plotly_chunk_is_served_precompressed_and_cached_for_a_year(proxy, static_copy):
    chunk = next((static_copy / "static" / "js").glob("PlotlyChart.*.js"))
    raw = (streamlit_static() / "static" / "js" / chunk.name).read_bytes()
    url = f"{proxy.url}/static/js/{chunk.name}"

    status, headers, body = _get(url, "gzip, deflate")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    # The file written at build time, byte for byte (compressing on the fly would be chunked):
    assert int(headers["Content-Length"]) == chunk.with_name(chunk.name + ".gz").stat().st_size
    assert gzip.decompress(body) == raw
    assert headers["Cache-Control"] == YEAR and headers["Vary"] == "Accept-Encoding"

    import brotli

    status, headers, body = _get(url, "gzip, deflate, br")
    assert headers["Content-Encoding"] == "br"
    assert int(headers["Content-Length"]) == chunk.with_name(chunk.name + ".br").stat().st_size
    assert brotli.decompress(body) == raw
    assert headers["Cache-Control"] == YEAR

    status, headers, body = _get(url, None)  # a client that accepts no encoding gets the file
    assert headers.get("Content-Encoding") is None and body == raw


def test_a_static_file_the_copy_lacks_comes_from_the_app(proxy, static_copy):
    # An app image newer than the proxy's copy: the file is fetched from the app, not a 404.
    chunk = next((static_copy / "static" / "js").glob("EChartsChart.*.js"))
    moved = chunk.with_name("moved-away")
    chunk.rename(moved)
    try:
        status, _, body = _get(f"{proxy.url}/static/js/{chunk.name}", None)
    finally:
        moved.rename(chunk)
    assert status == 200 and body == chunk.read_bytes()


def test_first_response_pins_the_browser_to_a_replica(proxy):
    _, headers, _ = _get(f"{proxy.url}/", "gzip")
    cookie = headers["Set-Cookie"].split(";")[0]
    name, value = cookie.split("=")
    assert name == "retention_replica" and len(value) == 32  # nginx's $request_id: 32 hex digits
    _, again, _ = _get(f"{proxy.url}/", "gzip", cookie=cookie)
    assert again["Set-Cookie"].split(";")[0] == cookie  # kept, not drawn anew


def test_the_app_renders_and_reruns_through_the_proxy(browser, proxy, request):
    app = harness.App.new(browser, Behind(proxy.url))
    encodings = {}
    app.page.on("response", lambda r: "PlotlyChart." in r.url and encodings.setdefault(
        "plotly", r.headers.get("content-encoding")))
    try:
        app.open(charts=2)
        assert app.page.locator('[data-testid="stMain"] h1', has_text="Overview").count() == 1
        # Chromium asks for brotli over HTTPS and on 127.0.0.1 (a secure context, like HTTPS);
        # over plain HTTP to another host it would ask for gzip.
        assert encodings["plotly"] == "br"
        app.choose("plan", "Growth", charts=2)  # a rerun over the proxied WebSocket
        assert app.page.locator(".st-key-plan").inner_text().count("Growth") == 1
        assert app.errors() == []
    finally:
        app.shot(request.node.name)
        app.close()
