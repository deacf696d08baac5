"""The shipped proxy (deploy/nginx.conf) run on this machine, in front of a Streamlit server.

Used by `python -m bench --browser --network` and tests/e2e/test_proxy.py. The config is the
shipped file with only its addresses changed (listen port, the app's address, the static folder
and the pid file), each replacement checked to happen exactly once, so what is measured and
tested is what the image runs. Needs Debian's nginx and its brotli module
(`apt-get install nginx-light libnginx-mod-http-brotli-static`; .ci/run installs them).
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")


def unavailable() -> str | None:
    """Why the proxy cannot run here, or None."""
    if not Path(NGINX).exists():
        return "nginx missing (apt-get install nginx-light libnginx-mod-http-brotli-static)"
    if not BROTLI_MODULE.exists():
        return f"{BROTLI_MODULE} missing (apt-get install libnginx-mod-http-brotli-static)"
    try:
        import brotli  # noqa: F401  (deploy.precompress writes .br files with it)
    except ImportError:
        return "the brotli package is missing (pip install -r requirements-dev.txt)"
    return None


def render(port: int, upstream: str, static_root: Path, pid: Path, text: str | None = None) -> str:
    """deploy/nginx.conf for this machine: listen on 127.0.0.1:port, proxy to `upstream`
    (host:port), serve the static copy in `static_root`."""
    text = CONF.read_text() if text is None else text
    swaps = [("listen 8080;", f"listen 127.0.0.1:{port};"),
             ("server app:8501;", f"server {upstream};"),
             ("root /srv/streamlit-static;", f"root {static_root};"),
             ("pid /run/nginx.pid;", f"pid {pid};")]
    for old, new in swaps:
        count = text.count(old)
        if count != 1:
            raise ValueError(f"{CONF}: expected '{old}' once, found it {count} times")
        text = text.replace(old, new)
    return text


@dataclass
class Proxy:
    proc: subprocess.Popen
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return (self.folder / "nginx.log").read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # nginx's master stops its workers on TERM
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start(upstream_port: int, static_root: Path, folder: Path, port: int,
          timeout: float = 20) -> Proxy:
    """Run nginx in the foreground with the rendered config; ready once it answers health."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(render(port, f"127.0.0.1:{upstream_port}", Path(static_root),
                           folder / "nginx.pid"))
    log = (folder / "nginx.log").open("wb")
    # -e: errors before the config's own error_log is read; daemon off: this process is nginx's
    # master, so stop() ends it and its workers.
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-e", str(folder / "nginx.log"),
                             "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    log.close()
    proxy = Proxy(proc, port, folder)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited with {proc.returncode}:\n{proxy.log_tail()}")
        try:
            with urllib.request.urlopen(f"{proxy.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return proxy
        except OSError:
            time.sleep(0.1)
    proxy.stop()
    raise RuntimeError(f"nginx did not pass /_stcore/health in {timeout}s:\n{proxy.log_tail()}")
