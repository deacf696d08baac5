"""The served app of the browser tests: a freshly generated demo database, and `streamlit run
dashboard.py` on a free 127.0.0.1 port in its own process group, ready once /_stcore/health
answers; Server.stop() kills the whole group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests import ports
from tests.e2e.config import CUSTOMERS, ROOT, SEED


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
                 secrets: str | None = None, timeout: float = 240) -> Server:
    """`streamlit run dashboard.py` against `db`, ready when /_stcore/health answers "ok".

    `secrets`: text of a secrets.toml for this server only (e.g. a password hash); the file is
    written to `folder` and handed to Streamlit with --secrets.files. `timeout`: a bound, not a
    wait (a server that exits fails at once); Streamlit's start takes a minute on busy cores.
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
