"""Imports in a separate process with memory and time limits.

    result = run_import_subprocess(out, {"customers": Path("c.csv")}, mapping=None)
    result.status      # "ok" | "rejected" | "error"
    result.meta        # build.finalize's meta on "ok" (dates as date / datetime)
    result.problems    # on "rejected": dicts of data.importer.Problem (file, line, column, message, unit)
    result.error       # on "error": one sentence for the editor (time limit, memory, crash)
    result.peak_rss_mb # the child's peak resident memory, from wait4's rusage

The child is `python -m data.isolated --child SPEC RESULT`: it calls data.importer.load exactly as
`python -m data.load` does, under setrlimit (address space, CPU seconds, no core files) and with
DuckDB's own memory_limit set below the address-space cap, so DuckDB spills to disk instead of
failing; the parent enforces the wall-clock limit and kills the child (SIGKILL) when it is over.
A killed or crashed child leaves the live database as it was: snapshots.building publishes only
a complete file, with an atomic rename. Nothing here imports streamlit.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import settings

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("retention.import")
# Address-space cap of the child (virtual memory: DuckDB reserves far more than it touches; a
# 500 MB import peaked at 1.2 GB RSS but failed to allocate under a 3 GB cap - RELIABILITY.md).
MEMORY_MB = int(os.environ.get("RETENTION_IMPORT_MEMORY_MB", "8192"))
# DuckDB's buffer manager limit inside the child: above it, DuckDB spills to its temp directory.
DUCKDB_MEMORY_MB = int(os.environ.get("RETENTION_IMPORT_DUCKDB_MB", "1024"))
TIMEOUT_S = float(os.environ.get("RETENTION_IMPORT_TIMEOUT_S", "900"))


@dataclass
class ImportResult:
    status: str
    meta: dict | None = None
    problems: list[dict] = field(default_factory=list)
    total: int = 0
    error: str | None = None
    peak_rss_mb: float = 0.0
    seconds: float = 0.0
    returncode: int | None = None


def _limits(memory_mb: int, cpu_s: float) -> None:
    """Runs in the child between fork and exec."""
    os.setsid()  # its own process group: a kill reaches DuckDB's threads and nothing else
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # A backstop only: the parent enforces the wall-clock limit. DuckDB's threads add up CPU time
    # faster than the clock runs, so the CPU cap allows every core for the whole wall time.
    cpu = int(cpu_s * (os.cpu_count() or 1)) + 10
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_import_subprocess(out: Path | None, files: dict[str, Path], mapping: dict | None = None,
                          keep: int | None = None, memory_mb: int = MEMORY_MB,
                          duckdb_memory_mb: int = DUCKDB_MEMORY_MB,
                          timeout_s: float = TIMEOUT_S,
                          options: dict | None = None) -> ImportResult:
    """data.importer.load(out, files, mapping, keep, **options) in a child process within the limits.
    `options`: load's as_of (a date), date_format and inactive_days, as the command line's."""
    options = dict(options or {})
    if options.get("as_of") is not None:
        options["as_of"] = options["as_of"].isoformat()
    spec = {
        "out": str(out or settings.DB_PATH),
        "files": {k: str(v) for k, v in files.items() if v is not None},
        "mapping": mapping or {},
        "options": options,
        "keep": settings.SNAPSHOTS_KEEP if keep is None else keep,
        "duckdb_memory_mb": min(duckdb_memory_mb, max(memory_mb // 2, 64)),
    }
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="retention-import-") as folder:
        spec_path, result_path = Path(folder) / "spec.json", Path(folder) / "result.json"
        spec_path.write_text(json.dumps(spec))
        proc = subprocess.Popen(
            [sys.executable, "-m", "data.isolated", "--child", str(spec_path), str(result_path)],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=lambda: _limits(memory_mb, timeout_s), close_fds=True,
        )
        status, rusage, timed_out = _wait(proc, started + timeout_s)
        stderr = proc.stderr.read().decode("utf-8", "replace")[-2000:]
        proc.stderr.close()
        result = _read_result(result_path)
    result.seconds = time.monotonic() - started
    result.peak_rss_mb = rusage.ru_maxrss / 1024 if rusage else 0.0
    result.returncode = status
    if timed_out:
        return _failed(result, f"The import took longer than {timeout_s:g} s and was stopped; "
                               "nothing was changed.")
    if result.status == "unknown":
        log.warning("import child exit %s, stderr tail: %s", status, stderr[-1000:])
        return _failed(result, f"The import process {_why_no_verdict(status, stderr, memory_mb)}; "
                               "nothing was changed.")
    if result.status == "rejected" and any(
            "out of memory" in p.get("message", "").lower() for p in result.problems):
        # DuckDB reported an allocation failure while reading: a limit, not a fault in the data.
        # Either limit can be the one hit (DuckDB's own, or the process's address space).
        return _failed(result, "The import ran out of memory within its limits (DuckDB "
                               f"{spec['duckdb_memory_mb']:,} MB, process {memory_mb:,} MB: "
                               "RETENTION_IMPORT_DUCKDB_MB, RETENTION_IMPORT_MEMORY_MB); "
                               "nothing was changed.")
    return result


# What a child dying at its address-space cap prints, depending on where the allocation failed
# (Python, DuckDB, the dynamic loader, thread creation): matched case-insensitively.
_MEMORY_HINTS = ("memoryerror", "bad_alloc", "out of memory", "allocate memory", "failed to map",
                 "pthread_create", "resource temporarily unavailable")


def _why_no_verdict(status: int | None, stderr: str, memory_mb: int) -> str:
    """Half a sentence on why a child ended without writing its result."""
    if any(hint in stderr.lower() for hint in _MEMORY_HINTS):
        return f"ran out of its {memory_mb:,} MB memory limit"
    if status == -signal.SIGXCPU:
        return "used up its CPU-time limit"
    if status in (-signal.SIGSEGV, -signal.SIGBUS, -signal.SIGABRT):
        # Under an address-space cap a failed allocation often surfaces as a crash.
        return (f"crashed (signal {-status}), most likely at its {memory_mb:,} MB memory limit")
    if status is not None and status < 0:
        return f"was stopped by signal {-status}"
    return f"ended without a verdict (exit code {status})"


def _failed(result: ImportResult, message: str) -> ImportResult:
    result.status, result.error = "error", message
    return result


def _wait(proc: subprocess.Popen, deadline: float):
    """(exit status like Popen.returncode, rusage, timed out) - polling wait4 for the rusage."""
    timed_out = False
    while True:
        pid, raw, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(raw)
            return proc.returncode, rusage, timed_out
        if time.monotonic() > deadline and not timed_out:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.02)


def _read_result(path: Path) -> ImportResult:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return ImportResult("unknown")
    meta = data.get("meta")
    if meta:
        meta["default_as_of"] = date.fromisoformat(meta["default_as_of"])
        meta["built_at"] = datetime.fromisoformat(meta["built_at"])
        if meta.get("capabilities"):
            from data.capabilities import Capabilities

            meta["capabilities"] = Capabilities.from_json(meta["capabilities"])
    return ImportResult(data["status"], meta=meta, problems=data.get("problems", []),
                        total=data.get("total", 0), error=data.get("error"))


# --- the child ----------------------------------------------------------------------------------
def limit_duckdb(memory_mb: int) -> None:
    """Every DuckDB database the importer opens gets memory_limit (spilling beyond it)."""
    import duckdb

    connect = duckdb.connect

    def limited(*args, config=None, **kwargs):
        # This limit wins over the importer's own (settings.IMPORT_MEMORY_LIMIT).
        config = {**(config or {}), "memory_limit": f"{memory_mb}MB"}
        return connect(*args, config=config, **kwargs)

    duckdb.connect = limited


def _child(spec_path: str, result_path: str) -> int:
    from dataclasses import asdict

    spec = json.loads(Path(spec_path).read_text())
    limit_duckdb(spec["duckdb_memory_mb"])
    from data.importer import ImportRejected, load

    try:
        options = spec.get("options", {})
        if options.get("as_of") is not None:
            options["as_of"] = date.fromisoformat(options["as_of"])
        meta = load(Path(spec["out"]), {k: Path(v) for k, v in spec["files"].items()},
                    spec["mapping"], keep=spec["keep"], **options)
        caps = meta.get("capabilities")
        result = {"status": "ok", "meta": {**meta, "capabilities": caps.to_json() if caps else None}}
    except ImportRejected as exc:
        result = {"status": "rejected", "problems": [asdict(p) for p in exc.problems],
                  "total": exc.total}
    except MemoryError:
        result = {"status": "error", "error": "The import ran out of memory; nothing was changed."}
    except Exception as exc:  # noqa: BLE001 - one line for the editor; the parent logs stderr
        result = {"status": "error", "error": f"The import failed ({type(exc).__name__}: "
                  f"{str(exc).splitlines()[0] if str(exc) else ''}); nothing was changed."}
    tmp = Path(result_path + ".tmp")
    tmp.write_text(json.dumps(result, default=str))
    os.replace(tmp, result_path)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        sys.exit(_child(sys.argv[2], sys.argv[3]))
    sys.exit("usage: python -m data.isolated --child SPEC.json RESULT.json (see run_import_subprocess)")
