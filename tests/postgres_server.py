"""A real, throw-away Postgres server for tests (Debian's binaries, /usr/lib/postgresql/*/bin).

Tests take the session-scoped `postgres` fixture (tests/conftest.py): one server per test session,
started on first use, stopped and removed at the end.

    def test_x(postgres):                        # a Postgres object
        postgres.execute("create table t (id integer, at timestamptz)")
        postgres.ingest("t2", pyarrow_table)     # create table t2 from an Arrow table (ADBC COPY)
        rows = postgres.query("select count(*) from t")   # list of tuples
        con = adbc_driver_postgresql.dbapi.connect(postgres.url)
        other = postgres.database("mine")        # a fresh database on the same server

    postgres.url         postgresql://tester:PASSWORD@127.0.0.1:PORT/tests   (password auth)
    postgres.dsn         host=127.0.0.1 port=PORT user=tester password=PASSWORD dbname=tests
    postgres.host/.port/.user/.password/.dbname, postgres.url_without_password

The role `tester` logs in over TCP on 127.0.0.1 with a password (scram-sha-256), so a test can
prove that credentials from a URL or from PGPASSWORD work and that a wrong one is refused. It owns
its database and may create tables. The bootstrap superuser (`admin`) only connects through the
server's own Unix socket (trust), to create roles and databases.

When root (CI), the server runs as the `postgres` OS user (initdb refuses root) in a temp dir that
user owns. Without the binaries, `postgres_or_skip` skips with one reason. Durability is off
(fsync, synchronous_commit): the data lives as long as the session.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

BIN_GLOB = "/usr/lib/postgresql/*/bin"
SKIP_REASON = ("Postgres server binaries not found under /usr/lib/postgresql/*/bin "
               "(apt-get install postgresql; .ci/run does)")
ROLE = "tester"
DATABASE = "tests"
ADMIN = "admin"


def find_bindir() -> Path | None:
    """The newest installed Postgres version's bin folder with initdb, pg_ctl and postgres."""
    def version(path: str) -> tuple[int, ...]:
        found = re.search(r"/postgresql/([\d.]+)/bin", path)
        return tuple(int(p) for p in found[1].split(".")) if found else (0,)

    for path in sorted(glob.glob(BIN_GLOB), key=version, reverse=True):
        if all(os.access(Path(path, tool), os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(path)
    return None


@dataclass
class Postgres:
    """One database on the throw-away server, reached as the password-authenticated role."""

    host: str
    port: int
    user: str
    password: str
    dbname: str
    _server: Server = field(repr=False, compare=False, default=None)

    @property
    def url(self) -> str:
        return (f"postgresql://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
                f"@{self.host}:{self.port}/{quote(self.dbname, safe='')}")

    @property
    def url_without_password(self) -> str:
        """The URL for tests that pass the password another way (PGPASSWORD)."""
        return f"postgresql://{quote(self.user, safe='')}@{self.host}:{self.port}/{self.dbname}"

    @property
    def dsn(self) -> str:
        return (f"host={self.host} port={self.port} user={self.user} password={self.password} "
                f"dbname={self.dbname}")

    def connect(self):
        """A new ADBC DB-API connection (autocommit); close it when done."""
        import adbc_driver_postgresql.dbapi

        return adbc_driver_postgresql.dbapi.connect(self.url, autocommit=True)

    def execute(self, sql: str, params: tuple | list | None = None) -> None:
        """Run one statement with $1, $2 ... bound to `params`; without params, any number of
        statements separated by ';' (ADBC's execute prepares, which takes only one)."""
        with contextlib.closing(self.connect()) as con, con.cursor() as cur:
            if params is None:
                cur.executescript(sql)
            else:
                cur.execute(sql, params)

    def query(self, sql: str, params: tuple | list | None = None) -> list[tuple]:
        """The rows of one select, as tuples."""
        with contextlib.closing(self.connect()) as con, con.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def ingest(self, table: str, data, mode: str = "create", schema: str | None = None) -> int:
        """Write a pyarrow Table / RecordBatchReader into `table` (one name, taken literally: a
        dot is part of it; `schema` for another schema) with ADBC's bulk ingest (COPY); mode
        "create", "append", "replace" or "create_append". Returns the rows written."""
        with contextlib.closing(self.connect()) as con, con.cursor() as cur:
            return cur.adbc_ingest(table, data, mode=mode, db_schema_name=schema)

    def database(self, name: str) -> Postgres:
        """A new empty database `name` on the same server, owned by the same role."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"database name {name!r}: expected lower-case letters, digits, _")
        self._server.admin_sql(f'create database "{name}" owner "{self.user}"')
        return replace(self, dbname=name)


@dataclass
class Server:
    """The server process: its folder, port and OS user; `stop()` removes it all."""

    bindir: Path
    root: Path
    port: int
    os_user: str | None  # run server commands as this user (None: as ourselves)
    watchdog: subprocess.Popen | None = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def sockets(self) -> Path:
        return self.root / "sock"

    def run(self, tool: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
        command = [str(self.bindir / tool), *args]
        if self.os_user:
            command = ["runuser", "-u", self.os_user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False,
                              cwd=self.root, **kwargs)

    def admin_sql(self, sql: str) -> None:
        """Run SQL as the bootstrap superuser over the Unix socket."""
        done = self.run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.sockets),
                        "-p", str(self.port), "-U", ADMIN, "-d", "postgres", "-c", sql)
        if done.returncode:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
        if self.watchdog:
            self.watchdog.terminate()
            self.watchdog.wait()

    def watch(self) -> None:
        """Stop and remove the server when this process dies without calling stop() (a test run
        killed by a timeout's SIGTERM runs no fixture finalizer): pg_ctl's server outlives us."""
        run_as = ["runuser", "-u", self.os_user, "--"] if self.os_user else []
        self.watchdog = subprocess.Popen(
            ["sh", "-c", WATCHDOG, "watchdog", str(os.getpid()), str(self.bindir / "pg_ctl"),
             str(self.root), *run_as],
            start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)


# $1 the test process, $2 pg_ctl, $3 the server's folder, then the command prefix to run as its
# OS user. Own session: a kill of the test's process group leaves it to clean up.
WATCHDOG = """
pid=$1 pg_ctl=$2 root=$3; shift 3
while kill -0 "$pid" 2>/dev/null; do sleep 1; done
[ -f "$root/data/postmaster.pid" ] && "$@" "$pg_ctl" -D "$root/data" -m immediate -w stop
rm -rf "$root"
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(bindir: Path | None = None, port: int | None = None,
          parent: Path | None = None, settings: dict[str, str] | None = None
          ) -> tuple[Server, Postgres]:
    """Start a server (initdb, pg_ctl start, role and database); the caller stops it with
    `server.stop()`. Raises RuntimeError naming the failing step (with the server's log).
    `port`: a fixed one (default: a free one); `parent`: where its temp folder goes (default: the
    system's temp dir; a benchmark's big data goes elsewhere); `settings`: server settings
    beyond the tests' small ones (a benchmark's shared_buffers, work_mem), given as -c name=value."""
    bindir = bindir or find_bindir()
    if bindir is None:
        raise RuntimeError(SKIP_REASON)
    os_user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="pg-tests-", dir=parent))
    server = Server(bindir, root, 0, os_user)
    try:
        password = secrets.token_urlsafe(12)
        (root / "sock").mkdir()
        if os_user:
            entry = pwd.getpwnam(os_user)
            for path in (root, root / "sock"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        done = server.run("initdb", "-D", str(server.data), "-U", ADMIN, "--no-sync",
                          "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                          "--locale=C")
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()}")
        options = ("-c listen_addresses=127.0.0.1 -c unix_socket_directories={sock} -c port={port} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c shared_buffers=32MB -c max_connections=40 -c TimeZone=UTC")
        for name, value in (settings or {}).items():
            if not re.fullmatch(r"[a-z_]+", name) or not re.fullmatch(r"[\w.]+", str(value)):
                raise ValueError(f"Postgres setting {name}={value!r}: expected name=value")
            options += f" -c {name}={value}"
        for _attempt in range(1 if port else 3):  # a free port may be taken before we bind it
            server.port = port or _free_port()
            done = server.run("pg_ctl", "-D", str(server.data), "-l", str(root / "server.log"),
                              "-w", "-t", "60", "-o",
                              options.format(sock=server.sockets, port=server.port), "start")
            if done.returncode == 0:
                break
        else:
            log = (root / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()}\n{log}")
        server.watch()
        server.admin_sql(f"create role {ROLE} login password '{password}'")
        server.admin_sql(f"create database {DATABASE} owner {ROLE}")
    except BaseException:
        server.stop()
        raise
    return server, Postgres("127.0.0.1", server.port, ROLE, password, DATABASE, server)
