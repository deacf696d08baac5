"""How many viewers one server holds: simulated viewers speaking Streamlit's own protocol.

    python -m bench.viewers --viewers N --seconds S [--db PATH] [--think-ms MS] [--url URL]

Starts `streamlit run dashboard.py` on 127.0.0.1 (RETENTION_DB = --db; by default the 20,000-
customer demo in bench/data/) or uses a running server given by --url (127.0.0.1 only, e.g. the
proxy). Each viewer is one WebSocket on `/_stcore/stream` exchanging the protobuf messages of the
installed `streamlit.proto`, as a browser does, but without drawing anything, so a hundred cost
the client almost nothing:
- it opens a session with a shared link's query string (BackMsg rerun_script with the query
  string) and waits until the run has finished (ForwardMsg script_finished);
- then, every think time (+-20%, so the viewers do not march in step), it changes one filter
  (plan, segment or the period grain, sent as widget states the way the browser sends them,
  with every widget it changed before and the cached-message hashes it holds) and waits for
  that rerun to finish; every viewer changes one at least once. Rerun time = from sending the
  change to script_finished.
Before the clock starts every link is opened once: a meeting's viewers arrive at a running
server, and the process's first run (imports, opening the snapshot) is not what they wait for.
Errors: a run that does not finish within 60 s, a lost connection, an exception or error box in
the page. The server's RSS is sampled every second, and its CPU time per run is reported (what
the server itself spends, whatever else the machine is doing). Bounded: at most 200 viewers and
30 min; every wait has a timeout; it stops by itself. Prints p50/p95/max and writes
bench/results/viewers.json: the run's figures at the top level and every run so far in `curve`
(one entry per database, viewer count and think time; a rerun of the same point replaces it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import websockets
from google.protobuf.message import DecodeError

from bench.stream_client import RUN_TIMEOUT_S, Viewer

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "viewers.json"
MAX_VIEWERS, MAX_SECONDS = 200, 1800
# The warm-up's first run may build what a cold process needs (stored default views of a 1M
# snapshot after a code change): minutes on a busy machine.
WARMUP_TIMEOUT_S = 900
# The links viewers arrive with (a meeting's shared links differ in their filters).
LINKS = ("", "plan=Growth", "segment=SMB&region=EMEA", "region=NA", "plan=Enterprise&grain=quarter")
# What a viewer changes, in turn: (widget key, value as the browser sends it: option labels).
CHANGES = (("plan", ["Growth"]), ("grain", ["quarter"]), ("segment", ["SMB"]),
           ("plan", ["Starter"]), ("grain", ["month"]), ("segment", []), ("plan", []),
           ("grain", ["week"]), ("segment", ["Mid-market"]), ("grain", ["month"]))
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ranked = sorted(values)
    index = max(0, min(len(ranked) - 1, -(-len(ranked) * q // 100) - 1))
    return ranked[int(index)]



@dataclass
class Tally:
    reruns: list[float] = field(default_factory=list)
    opens: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def one_viewer(number: int, url: str, deadline: float, think_ms: float, tally: Tally,
                     rng: random.Random) -> None:
    link = LINKS[number % len(LINKS)]
    # Start spread over one think time, as people click a link at slightly different moments.
    await asyncio.sleep(rng.uniform(0, think_ms / 1000))
    try:
        async with Viewer(url, link) as viewer:
            started = time.perf_counter()
            run = await viewer.rerun()
            tally.opens.append((time.perf_counter() - started) * 1000)
            tally.errors += [f"viewer {number} open: {p}" for p in run.problems]
            step = number  # each viewer starts at a different change
            while True:
                pause = think_ms / 1000 * rng.uniform(0.8, 1.2)
                if step > number and time.monotonic() + pause >= deadline:
                    return  # (every viewer changes a filter at least once)
                await asyncio.sleep(pause)
                key, value = next(((k, v) for k, v in
                                   (CHANGES[(step + i) % len(CHANGES)] for i in range(len(CHANGES)))
                                   if k in viewer.widgets), (None, None))
                if key is None:
                    tally.errors.append(f"viewer {number}: the page has none of the widgets "
                                        f"{sorted({k for k, _ in CHANGES})}")
                    return
                step += 1
                started = time.perf_counter()
                run = await viewer.rerun(key, value)
                tally.reruns.append((time.perf_counter() - started) * 1000)
                tally.errors += [f"viewer {number} {key}={value}: {p}" for p in run.problems]
    except TimeoutError:
        tally.errors.append(f"viewer {number}: a run did not finish within {RUN_TIMEOUT_S} s")
    except (OSError, websockets.WebSocketException, DecodeError) as exc:
        # A lost or refused connection, or a message that is not Streamlit's: counted, not fatal.
        tally.errors.append(f"viewer {number}: {type(exc).__name__}: {exc}"[:300])


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user + system, all threads) the process has used so far."""
    if not pid:
        return None
    try:
        # Fields after the command name, which is in parentheses and may contain spaces.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def sample_rss(pid: int | None, samples: list[float], stop: asyncio.Event) -> None:
    while pid and not stop.is_set():
        value = rss_mb(pid)
        if value is not None:
            samples.append(value)
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except TimeoutError:
            pass


async def load(url: str, viewers: int, seconds: float, think_ms: float, pid: int | None = None,
               seed: int = 7) -> dict:
    """Run `viewers` simulated viewers against `url` for `seconds`; return the figures."""
    tally, samples, stop = Tally(), [], asyncio.Event()
    # A meeting's viewers arrive at a running server: open every link once first (the process's
    # first run imports the app's modules and opens the snapshot), not counted in the figures.
    warmup = []
    for link in LINKS[:viewers]:
        started = time.perf_counter()
        async with Viewer(url, link) as viewer:
            await viewer.rerun(timeout=WARMUP_TIMEOUT_S)
        warmup.append(round((time.perf_counter() - started) * 1000))
    sampler = asyncio.create_task(sample_rss(pid, samples, stop))
    cpu_start, wall_start = cpu_seconds(pid), time.monotonic()
    deadline = time.monotonic() + seconds
    rng = random.Random(seed)
    tasks = [one_viewer(i, url, deadline, think_ms, tally, random.Random(rng.random()))
             for i in range(viewers)]
    # Hard bound: the last rerun may start just before the deadline and take its full timeout.
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), seconds + 2 * RUN_TIMEOUT_S + think_ms / 1000)
    except TimeoutError:
        tally.errors.append("stopped at the hard time limit")
    stop.set()
    await sampler
    cpu_end, wall = cpu_seconds(pid), time.monotonic() - wall_start
    reruns = tally.reruns
    # What the server itself spent, independent of how busy the machine was: CPU per rerun
    # (the page opens of the measured period included) and cores used on average.
    cpu = None if cpu_start is None or cpu_end is None else cpu_end - cpu_start
    runs = len(reruns) + len(tally.opens)
    return {
        "viewers": viewers, "seconds": seconds, "think_ms": think_ms, "warmup_ms": warmup,
        "reruns": len(reruns),
        "p50_ms": round(statistics.median(reruns)) if reruns else None,
        "p95_ms": round(percentile(reruns, 95)) if reruns else None,
        "max_ms": round(max(reruns)) if reruns else None,
        "open_p50_ms": round(statistics.median(tally.opens)) if tally.opens else None,
        "open_max_ms": round(max(tally.opens)) if tally.opens else None,
        "server_cpu_ms_per_run": round(cpu * 1000 / runs) if cpu is not None and runs else None,
        "server_cores_used": round(cpu / wall, 2) if cpu is not None else None,
        "errors": len(tally.errors), "error_samples": tally.errors[:10],
        "rss_mb_start": samples[0] if samples else None,
        "rss_mb_max": max(samples) if samples else None,
        "rss_mb_end": samples[-1] if samples else None,
    }


def start_server(db: Path | None, port: int, log: Path, script: str = "dashboard.py"
                 ) -> subprocess.Popen:
    """`streamlit run script` on 127.0.0.1:port, its output in `log`; returns once healthy."""
    from bench.browser import ROOT, wait_healthy

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if db is not None:
        env["RETENTION_DB"] = str(db)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
    except Exception:
        proc.kill()
        raise
    return proc


def write(result: dict, out: Path) -> None:
    """Top level: this run. `curve`: every run kept, one per (database, viewers, think time)."""
    curve = []
    if out.exists():
        try:
            curve = json.loads(out.read_text()).get("curve", [])
        except (OSError, ValueError):
            curve = []
    point = {k: v for k, v in result.items() if k != "curve"}
    same = ("database", "viewers", "think_ms")
    curve = [c for c in curve if tuple(c.get(k) for k in same) != tuple(point[k] for k in same)]
    curve.append(point)
    curve.sort(key=lambda c: (str(c.get("database")), c["think_ms"], c["viewers"]))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**point, "curve": curve}, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.viewers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--db", type=Path, default=None,
                        help="live database path (default: the 20,000-customer demo, generated "
                             "once into bench/data/)")
    parser.add_argument("--think-ms", type=float, default=3000,
                        help="pause between a viewer's filter changes (default 3000)")
    parser.add_argument("--port", type=int, default=8660, help="port of the server it starts")
    parser.add_argument("--url", default=None,
                        help="use this running server (127.0.0.1 only) instead of starting one")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not 1 <= args.viewers <= MAX_VIEWERS:
        parser.error(f"--viewers must be 1..{MAX_VIEWERS}")
    if not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be 1..{MAX_SECONDS}")
    if args.think_ms < 100:
        parser.error("--think-ms must be at least 100")
    if args.url and urlparse(args.url).hostname not in LOOPBACK:
        parser.error("--url must be on this machine (127.0.0.1, localhost or ::1)")

    proc, db = None, args.db
    if args.url:
        url = args.url
    else:
        if db is None:
            from bench import dataset

            db, _ = dataset.ensure_database(20_000, log=lambda m: print(m, file=sys.stderr))
        log = HERE / "data" / "viewers.server.log"  # git-ignored, kept for a look afterwards
        log.parent.mkdir(parents=True, exist_ok=True)
        proc = start_server(db, args.port, log)
        url = f"http://127.0.0.1:{args.port}"
    load_start = os.getloadavg()
    try:
        result = asyncio.run(load(url, args.viewers, args.seconds, args.think_ms,
                                  proc.pid if proc else None))
    finally:
        if proc:
            from bench.browser import stop_server

            stop_server(proc)
    result = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "database": str(db) if db else url, **result,
              "load_average_start": load_start, "load_average_end": os.getloadavg()}
    write(result, args.out)
    print(f"{result['viewers']} viewers, {result['seconds']:.0f} s, think {result['think_ms']:.0f} "
          f"ms: {result['reruns']} reruns, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
          f"max {result['max_ms']} ms; open p50 {result['open_p50_ms']} ms; errors "
          f"{result['errors']}; server RSS max {result['rss_mb_max']} MB, CPU "
          f"{result['server_cpu_ms_per_run']} ms per run, {result['server_cores_used']} cores; "
          f"load average "
          f"{load_start[0]:.1f} -> {result['load_average_end'][0]:.1f}")
    for line in result["error_samples"]:
        print("  error:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
