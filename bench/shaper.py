"""A TCP proxy on 127.0.0.1 that shapes traffic like a real network: bandwidth and latency.

`python -m bench.shaper --port P --upstream HOST:PORT [--down-mbit 20 --up-mbit 5 --latency-ms 40]`

Why not Chromium's own emulation (CDP Network.emulateNetworkConditions): on this busy shared
machine it stalled about one visit in twelve. The evidence (docs/performance.md, "The stalled
visit"): every request of the stalled visit was sent in its first 0.3 s, nginx answered the
ones it got within a second, yet the browser took in 0 bytes of any of them for minutes, while
the same visits without emulation never stalled at the same load. The emulation throttles inside
the browser's network service, which then stops reading its sockets; shaping the bytes in a
separate process keeps the browser's own networking untouched.

The model: each direction of each connection delivers a chunk no sooner than half the round-trip
latency after it arrived, and all connections share one budget of bytes per second per direction
(downloads at --down-mbit, uploads at --up-mbit), as a single Wi-Fi link would.
"""

from __future__ import annotations

import argparse
import asyncio
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CHUNK = 16 * 1024


class Link:
    """One direction's shared bandwidth: a chunk may leave once the link has sent what came
    before it at `bytes_per_s`."""

    def __init__(self, mbit_s: float):
        self.bytes_per_s = mbit_s * 1_000_000 / 8
        self.free_at = 0.0

    def departure(self, size: int, ready: float) -> float:
        start = max(ready, self.free_at)
        self.free_at = start + size / self.bytes_per_s
        return self.free_at


async def pipe(reader, writer, link: Link, one_way_s: float) -> None:
    queue: asyncio.Queue = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()  # a half-close passes on: the other way may still be talking

    sender = asyncio.create_task(deliver())
    try:
        while data := await reader.read(CHUNK):
            arrived = time.monotonic()
            queue.put_nowait((link.departure(len(data), arrived + one_way_s), data))
    except (ConnectionError, OSError):
        pass
    finally:
        queue.put_nowait((0.0, None))
        try:
            await sender
        except (ConnectionError, OSError):
            pass


async def serve(port: int, upstream: str, down: Link, up: Link, one_way_s: float) -> None:
    host, upstream_port = upstream.rsplit(":", 1)

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(host, int(upstream_port))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, server_writer, up, one_way_s),
                             pipe(server_reader, client_writer, down, one_way_s))
        for writer in (server_writer, client_writer):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    print(f"shaping 127.0.0.1:{port} -> {upstream}", flush=True)
    async with server:
        await server.serve_forever()


@dataclass
class Shaper:
    proc: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start(upstream_port: int, port: int, down_mbit: float, up_mbit: float, latency_ms: float,
          timeout: float = 60) -> Shaper:
    """This module as a process in front of 127.0.0.1:upstream_port; ready once it says it
    listens (no probe connection: it would open one to the upstream too)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.shaper", "--port", str(port),
         "--upstream", f"127.0.0.1:{upstream_port}", "--down-mbit", str(down_mbit),
         "--up-mbit", str(up_mbit), "--latency-ms", str(latency_ms)],
        cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("shaping"):
        proc.kill()
        raise RuntimeError(f"bench.shaper did not start listening on {port} within {timeout:.0f} s"
                           f" (exit {proc.poll()})")
    return Shaper(proc, port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.shaper", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="HOST:PORT")
    parser.add_argument("--down-mbit", type=float, default=20.0)
    parser.add_argument("--up-mbit", type=float, default=5.0)
    parser.add_argument("--latency-ms", type=float, default=40.0, help="round trip")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.port, args.upstream, Link(args.down_mbit), Link(args.up_mbit),
                      args.latency_ms / 2000))


if __name__ == "__main__":
    main()
