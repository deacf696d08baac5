"""bench.viewers speaks Streamlit's WebSocket protocol: against a tiny app with the dashboard's
widget keys, a simulated viewer opens a link, changes widgets and sees each rerun finish with the
values it sent. (Timings are measured by `python -m bench.viewers`, never asserted here.)"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import stream_client, viewers
from tests.e2e.harness import free_port

# The dashboard's keys and option labels, bound to the URL the same way (app/ui.py's sidebar).
APP = """
import streamlit as st

grain = st.segmented_control("Period grain", ["week", "month", "quarter"], default="month",
                             required=True, key="grain", bind="query-params")
plans = st.multiselect("Plan", ["Growth", "Starter", "Enterprise"], key="plan",
                       bind="query-params")
st.text(f"grain={grain} plans={','.join(plans)}")


@st.fragment
def local_control():  # a page-local control in a fragment: changing it reruns only this block
    metric = st.segmented_control("Metric", ["count", "share"], default="count", required=True,
                                  key="metric")
    by = st.selectbox("Break down by", ["channel", "priority"], format_func=str.title, key="by")
    st.text(f"metric={metric} by={by}")


local_control()
"""


def run(coroutine):
    """asyncio.run in a thread of its own: in a whole-suite run the browser tests' Playwright
    (sync API) keeps an event loop running in this thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="module")
def tiny_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("viewers-app")
    script = folder / "app.py"
    script.write_text(APP)
    port = free_port()
    proc = viewers.start_server(None, port, folder / "server.log", script=str(script))
    yield f"http://127.0.0.1:{port}", proc.pid
    proc.terminate()
    proc.wait(10)


def test_a_viewer_opens_a_link_and_its_reruns_carry_the_widgets_it_changed(tiny_app):
    url, _ = tiny_app

    async def visit():
        async with stream_client.Viewer(url, "plan=Growth") as viewer:
            opened = await viewer.rerun()
            quarter = await viewer.rerun("grain", ["quarter"])
            cleared = await viewer.rerun("plan", [])
            return opened, quarter, cleared

    opened, quarter, cleared = run(visit())
    # the link's plan, the default grain
    assert opened.texts == ["grain=month plans=Growth", "metric=count by=channel"]
    assert set(opened.widgets) == {"grain", "plan", "metric", "by"}
    assert quarter.texts == ["grain=quarter plans=Growth", "metric=count by=channel"]
    # The link still says plan=Growth; the widget state sent with the rerun wins over it, and
    # the earlier grain change is sent again:
    assert cleared.texts == ["grain=quarter plans=", "metric=count by=channel"]
    assert opened.problems == quarter.problems == cleared.problems == []


def test_a_control_inside_a_fragment_reruns_only_its_fragment(tiny_app):
    url, _ = tiny_app

    async def visit():
        async with stream_client.Viewer(url) as viewer:
            await viewer.rerun()
            share = await viewer.rerun("metric", ["share"])
            # A selectbox's value is the label the browser shows (format_func's), one string:
            return share, await viewer.rerun("by", "Priority")

    share, priority = run(visit())
    assert share.texts == ["metric=share by=channel"]  # the page-level text was not sent again
    assert priority.texts == ["metric=share by=priority"]


def test_load_counts_reruns_and_samples_the_server(tiny_app):
    url, pid = tiny_app
    # 2 viewers, 0.2 s think time over 2 s: each changes grain or plan at least once (the
    # dashboard's segment changes are skipped: this app has no such widget).
    result = run(viewers.load(url, viewers=2, seconds=2, think_ms=200, pid=pid))
    assert result["errors"] == 0, result["error_samples"]
    assert result["reruns"] >= 2 and result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
    assert result["rss_mb_max"] > 0 and result["server_cpu_ms_per_run"] > 0


def test_percentile_is_nearest_rank():
    values = list(range(1, 21))  # 1..20
    assert viewers.percentile(values, 95) == 19  # rank ceil(0.95 * 20) = 19
    assert viewers.percentile(values, 50) == 10  # rank 10
    assert viewers.percentile([7.0], 95) == 7.0


def test_results_keep_one_point_per_database_viewers_and_think_time(tmp_path):
    out = tmp_path / "viewers.json"
    base = {"database": "demo", "think_ms": 3000, "p95_ms": 100}
    viewers.write({**base, "viewers": 10}, out)
    viewers.write({**base, "viewers": 1}, out)
    viewers.write({**base, "viewers": 10, "p95_ms": 250}, out)  # the same point measured again
    saved = json.loads(out.read_text())
    assert saved["viewers"] == 10 and saved["p95_ms"] == 250  # top level: the latest run
    assert [(c["viewers"], c["p95_ms"]) for c in saved["curve"]] == [(1, 100), (10, 250)]
