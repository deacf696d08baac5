"""One benchmark step in its own process: its time limit, peak memory, load average and a guard
that stops it when its files and spill grow too large (bench.scaling's steps)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def run_child(cmd: list[str], timeout_s: float, log=print, env: dict | None = None,
              guard=None) -> dict:
    """Run `cmd` (from the repo root) in its own process group; kill it at `timeout_s`. Returns
    wall seconds, its peak RSS (MB; of the process itself, which is where DuckDB works), exit
    code, whether it finished, and the load average at start and end. `guard()`, asked about once
    a second, returns a reason to stop the step now (a spill filling the shared disk), or None."""
    env = dict(os.environ, **(env or {}),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    record = {"command": " ".join(cmd[2:] if cmd[:2] == [sys.executable, "-m"] else cmd),
              "load_average_start": [round(x, 2) for x in os.getloadavg()]}
    started = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    import threading

    reader = threading.Thread(target=lambda: output.extend(child.stdout), daemon=True)
    reader.start()
    finished = True
    tree_peak, polls = 0, 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if polls % 5 == 0:  # about once a second: every process of the step (Spark's JVM too)
            tree_peak = max(tree_peak, session_rss_kb(child.pid))
            stop = guard() if guard else None
            if stop:
                record["finding"] = f"stopped after {duration(time.perf_counter() - started)}: {stop}"
                os.killpg(child.pid, signal.SIGKILL)
                _, status, usage = os.wait4(child.pid, 0)
                break
        polls += 1
        if time.perf_counter() - started > timeout_s:
            finished = False
            os.killpg(child.pid, signal.SIGKILL)
            _, status, usage = os.wait4(child.pid, 0)
            break
        time.sleep(0.2)
    child.returncode = os.waitstatus_to_exitcode(status)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)  # anything the step started and left behind
    reader.join(timeout=5)
    record.update({
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        # CPU time the step used (user + system, wait4's rusage): what a shared machine's load
        # stretches least; on a quiet 2-core machine the wall time is at least half of it.
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        # Sampled each second over the step's whole session: more than peak_rss_mb when the step
        # starts processes of its own that it does not wait for (Spark's JVM).
        "peak_tree_rss_mb": round(max(tree_peak, usage.ru_maxrss) / 1024),
        "exit": child.returncode,
        "finished": finished,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "output_tail": "".join(output[-15:])[-3000:],
    })
    if "finding" in record:
        record["finished"] = False
    elif not finished:
        record["finding"] = f"did not finish in {duration(timeout_s)}"
    elif child.returncode != 0:
        record["finding"] = f"failed (exit {child.returncode})"
    tree = (f" ({record['peak_tree_rss_mb']:,} MB with its children)"
            if record["peak_tree_rss_mb"] > 1.2 * record["peak_rss_mb"] else "")
    log(f"    {record['seconds']:8.1f} s  peak RSS {record['peak_rss_mb']:6,} MB{tree}  "
        f"load {record['load_average_start'][0]:.1f} -> {record['load_average_end'][0]:.1f}"
        + (f"  {record['finding']}" if "finding" in record else ""))
    return record


def session_rss_kb(sid: int) -> int:
    """Resident memory (KiB) of every process in session `sid` now (from /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) != sid:  # after the command name: state, ppid, pgrp, session
                continue
            for line in (stat.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return total


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def size_bytes(path: Path) -> int:
    path = Path(path)
    if path.is_dir():
        total = 0
        for p in path.rglob("*"):
            with contextlib.suppress(OSError):  # a spill file removed meanwhile
                total += p.stat().st_size if p.is_file() else 0
        return total
    return path.stat().st_size if path.exists() else 0


class SpillGuard:
    """A run_child guard: stop when the files under `folder` (the snapshot being built and DuckDB's
    spill beside it) pass `limit_gb`, or the disk has less than `min_free_gb` left. The machine's
    disk is shared: a spill that fills it stops everyone's work. `peak_bytes`: the most it saw."""

    def __init__(self, folder: Path, limit_gb: float, min_free_gb: float = 10.0):
        self.folder, self.limit_gb, self.min_free_gb = Path(folder), limit_gb, min_free_gb
        self.peak_bytes = 0

    def __call__(self) -> str | None:
        size = size_bytes(self.folder)
        self.peak_bytes = max(self.peak_bytes, size)
        if size > self.limit_gb * 1e9:
            return f"its files and DuckDB's spill passed {self.limit_gb:g} GB"
        free = shutil.disk_usage(self.folder).free
        if free < self.min_free_gb * 1e9:
            return f"the disk had {free / 1e9:.0f} GB left (its files and spill: {size / 1e9:.0f} GB)"
        return None


def duration(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 60:
        return f"{s:.1f} s" if s < 10 else f"{s:.0f} s"
    if round(s) % 60 == 0:
        return f"{round(s) // 60} min"
    return f"{int(s // 60)} min {round(s % 60):02d} s"

