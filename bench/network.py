"""`python -m bench --browser --network`: the first chart over a shaped real network.

A shaped network (bench/shaper.py, a proxy process in front of each way in: 20 Mbit/s down,
5 Mbit/s up, 40 ms round trip, the conditions of hotel or office Wi-Fi) on every page of a freshly
launched browser, for four ways in:
- the dashboard's Overview direct from Streamlit (static files uncompressed, as Streamlit sends
  them) and through the shipped proxy (deploy/nginx.conf via bench/proxy.py: static files
  precompressed, brotli to Chromium on 127.0.0.1);
- the bare one-chart app (bench/bare_app.py), the floor, the same two ways.
Each is timed from navigation to the first Plotly chart painted, with the bytes the browser
received (JavaScript and all), and then a second visit in the same browser (cached static files)
is timed the same way. Target: through the proxy the Overview's first chart comes sooner than the
bare app's direct. Writes bench/results/network.json. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import browser as bb
from bench import proxy as shipped_proxy
from bench import shaper

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "network.json"
STATIC = HERE / "data" / "proxy-static"
DOWN_MBIT, UP_MBIT, LATENCY_MS = 20, 5, 40
# A visit not done by then is counted as stalled and left out of the medians. Chromium's own
# emulation stalled about one visit in twelve on this busy machine (bench/shaper.py says why);
# the shaper has not, so a stall now would be a real one and is reported as such.
TIMEOUT_MS = 180_000


def static_copy(log=print) -> Path:
    """The proxy's precompressed copy of the installed Streamlit's static folder (brotli 11, as
    the image builds it), made once per Streamlit version."""
    import streamlit

    from deploy.precompress import precompress

    stamp = STATIC / "streamlit-version"
    if stamp.exists() and stamp.read_text() == streamlit.__version__:
        return STATIC / "static"
    log(f"precompressing Streamlit {streamlit.__version__}'s static files into {STATIC}")
    STATIC.mkdir(parents=True, exist_ok=True)
    os.chmod(STATIC, 0o755)  # nginx's workers (www-data) read it
    precompress(STATIC / "static")
    stamp.write_text(streamlit.__version__)
    return STATIC / "static"


def visit(context, url: str) -> dict:
    """One page in `context` over the shaped network: ms to the first chart, bytes received."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = context.new_page()
    cdp = context.new_cdp_session(page)
    kinds: dict[str, str] = {}
    plotly: set[str] = set()
    clock: dict[str, float] = {}  # CDP timestamps (s): navigation sent, Plotly's chunk in
    received = {"js": 0, "total": 0, "requests": 0, "from_cache": 0}

    def on_request(event):
        clock.setdefault("start", event["timestamp"])
        if "/PlotlyChart." in event["request"]["url"]:
            plotly.add(event["requestId"])

    def on_response(event):
        kinds[event["requestId"]] = event.get("type", "")
        if event["response"].get("fromDiskCache") or event["response"].get("fromServiceWorker"):
            received["from_cache"] += 1

    def on_finished(event):
        size = event.get("encodedDataLength", 0)  # bytes on the wire, headers included
        received["total"] += size
        received["requests"] += 1
        if kinds.get(event["requestId"]) == "Script":
            received["js"] += size
        if event["requestId"] in plotly:
            clock["plotly"] = event["timestamp"]

    cdp.on("Network.requestWillBeSent", on_request)
    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.send("Network.enable")
    try:
        started = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        page.wait_for_selector(bb.CHART, timeout=TIMEOUT_MS)
        first_chart = (time.perf_counter() - started) * 1000
        # Scripts still arriving after the chart (lazy widget chunks) count as transferred too.
        try:
            page.wait_for_load_state("networkidle", timeout=30_000)
        except PlaywrightTimeout:
            received["still_loading_after_30s"] = True
        # When Plotly's 4.7 MB chunk had arrived: the part of the wait the network decides.
        plotly_ms = (round((clock["plotly"] - clock["start"]) * 1000)
                     if "plotly" in clock and "start" in clock else None)
        return {"first_chart_ms": round(first_chart), "plotly_loaded_ms": plotly_ms, **received}
    finally:
        cdp.detach()
        page.close()


def measure_one(p, url: str) -> dict:
    """A freshly launched Chromium: first visit (empty cache), then a second visit in the same
    browser context (static files cached; the app's HTML and WebSocket are fetched again)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    browser = bb.launch(p)
    try:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        first = visit(context, url)
        second = visit(context, url)
        return {"first": first, "second": second}
    except PlaywrightTimeout:
        return {"first": None, "second": None, "stalled": True}
    finally:
        browser.close()


def _median(runs: list[dict], visit_name: str, field: str) -> int | None:
    values = [run[visit_name][field] for run in runs if run.get(visit_name)]
    return round(statistics.median(values)) if values else None


def measure(db: Path, repeat: int = 3, ports=(8651, 8652, 8653, 8654), log=print) -> dict:
    from playwright.sync_api import sync_playwright

    why = shipped_proxy.unavailable()
    if why:
        raise SystemExit(f"bench --network: {why}")
    for port in ports:  # a server left on one of them would be measured in place of ours
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError as exc:
                raise SystemExit(f"bench --network: port {port} is taken ({exc})") from exc
    static = static_copy(log)
    load_start = os.getloadavg()
    servers, proxies, shapers, urls = [], [], [], {}
    work = HERE / "data" / "network-run"
    try:
        for name, script, app_port, proxy_port in (
                ("dashboard", "dashboard.py", ports[0], ports[1]),
                ("bare", "bench/bare_app.py", ports[2], ports[3])):
            proc, url, _ = bb.start_server(script, db, port=app_port)
            servers.append(proc)
            bb.wait_healthy(url, proc)
            proxy = shipped_proxy.start(app_port, static, work / name, port=proxy_port)
            proxies.append(proxy)
            for way, upstream in (("direct", app_port), ("proxy", proxy_port)):
                shaped = shaper.start(upstream, bb.free_port(), DOWN_MBIT, UP_MBIT, LATENCY_MS)
                shapers.append(shaped)
                urls[f"{name}_{way}"] = shaped.url
        runs: dict[str, list] = {way: [] for way in urls}
        with sync_playwright() as p:
            # Warm both servers once (first script run, query cache): viewers of a meeting link
            # arrive at a running server; cold start is measured by `--browser`.
            for way in ("dashboard_direct", "bare_direct"):
                measure_one(p, urls[way])
            for i in range(repeat):
                for way, url in urls.items():  # interleaved: machine load hits every way alike
                    run = measure_one(p, url)
                    runs[way].append(run)
                    log(f"  {way} #{i + 1}: " + ("stalled" if run.get("stalled") else
                        f"first chart {run['first']['first_chart_ms']} ms, second visit "
                        f"{run['second']['first_chart_ms']} ms"))
    finally:
        for shaped in shapers:
            shaped.stop()
        for proxy in proxies:
            proxy.stop()
        for proc in servers:
            bb.stop_server(proc)
    out = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "conditions": {"down_mbit_s": DOWN_MBIT, "up_mbit_s": UP_MBIT, "latency_ms": LATENCY_MS,
                       "shaped_by": "bench/shaper.py"},
        "database": str(db), "repeat": repeat,
        "load_average_start": load_start, "load_average_end": os.getloadavg(),
    }
    for way in urls:
        prefix = way.replace("dashboard_", "")  # direct_..., proxy_..., bare_direct_..., bare_proxy_...
        out[f"{prefix}_first_chart_ms"] = _median(runs[way], "first", "first_chart_ms")
        out[f"{prefix}_plotly_loaded_ms"] = _median(runs[way], "first", "plotly_loaded_ms")
        out[f"{prefix}_js_bytes"] = _median(runs[way], "first", "js")
        out[f"{prefix}_total_bytes"] = _median(runs[way], "first", "total")
        out[f"{prefix}_second_visit_first_chart_ms"] = _median(runs[way], "second", "first_chart_ms")
        out[f"{prefix}_second_visit_bytes"] = _median(runs[way], "second", "total")
        out[f"{prefix}_stalled_visits"] = sum(1 for run in runs[way] if run.get("stalled"))
    if out["proxy_first_chart_ms"] is None or out["bare_direct_first_chart_ms"] is None:
        raise SystemExit("bench --network: every visit of one way stalled; nothing to compare")
    out["target_met"] = out["proxy_first_chart_ms"] < out["bare_direct_first_chart_ms"]
    out["runs"] = runs
    return out


def markdown(r: dict) -> str:
    c = r["conditions"]
    rows = [("Overview, direct", ""), ("Overview, through the proxy", "proxy_"),
            ("bare one-chart app, direct", "bare_direct_"),
            ("bare one-chart app, through the proxy", "bare_proxy_")]
    lines = [
        (f"Network benchmark {r['started_at']}: a network shaped to {c['down_mbit_s']} Mbit/s "
         f"down, {c['up_mbit_s']} up, {c['latency_ms']} ms; median of {r['repeat']} fresh "
         f"browsers. Load average {r['load_average_start'][0]:.1f} at start, "
         f"{r['load_average_end'][0]:.1f} at end."),
        "",
        ("| way in | first chart | Plotly's chunk in | JavaScript received | all bytes received "
         "| second visit: first chart | second visit: bytes |"),
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    def ms(value):
        return "—" if value is None else f"{value:,} ms"

    def mb(value, scale=1e6, unit="MB", digits=2):
        return "—" if value is None else f"{value / scale:,.{digits}f} {unit}"

    for label, prefix in rows:
        key = prefix or "direct_"
        stalled = r.get(key + "stalled_visits", 0)
        lines.append(
            f"| {label}{f' ({stalled} stalled)' if stalled else ''} | "
            f"{ms(r[key + 'first_chart_ms'])} | {ms(r[key + 'plotly_loaded_ms'])} | "
            f"{mb(r[key + 'js_bytes'])} | {mb(r[key + 'total_bytes'])} | "
            f"{ms(r[key + 'second_visit_first_chart_ms'])} | "
            f"{mb(r[key + 'second_visit_bytes'], 1e3, 'KB', 1)} |")
    verdict = "met" if r["target_met"] else "missed"
    lines += ["", (f"Target (Overview through the proxy sooner than the bare app direct): "
                   f"{verdict}, {r['proxy_first_chart_ms']:,} ms vs "
                   f"{r['bare_direct_first_chart_ms']:,} ms.")]
    return "\n".join(lines)


def run(db: Path, repeat: int, out: Path = RESULTS) -> dict:
    result = measure(db, repeat, log=lambda m: print(m, file=sys.stderr))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(markdown(result))
    return result
