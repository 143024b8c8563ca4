"""The servers the benchmark starts: the emulator as `serve` runs it, a plain Flask app on the
same HTTP server, an earlier release, and Prism's mock server. Each binds 127.0.0.1 and is
stopped by its pid."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PRISM_VERSION = "5.14.2"
PRISM_HOME = ROOT / "bench" / ".prism"  # Prism's CLI, installed here by npm on first use

# The last release whose default store was pure-Python dictionaries (before one SQL store):
# the figure the SQLite default must not fall below, measured in the same run.
REFERENCE_RELEASE = "9c9af3b"


@contextmanager
def reference_tree() -> Iterator[Path | None]:
    """REFERENCE_RELEASE's source, extracted from git into a temporary folder (None without git)."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "archive", REFERENCE_RELEASE], cwd=ROOT, capture_output=True, check=False
        )
        if archive.returncode != 0:
            yield None
            return
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        yield Path(folder)


@contextmanager
def emulator_serve(*flags: str) -> Iterator[str]:
    """`python -m emulator serve` itself, on a free port, as a user starts it."""
    command = [sys.executable, "-m", "emulator", "serve", "--port", "0"]
    ready = r"serving on (http://127\.0\.0\.1:\d+)"
    with _process([*command, *flags], None, ready, stream="stdout") as url:
        yield url


def granian_command(app: str, workers: int) -> tuple[list[str], str]:
    """granian's own command serving `bench.apps:<app>` as `serve` configures granian (WSGI,
    the same blocking threads per worker) on a free port; and the line that says it is up."""
    from emulator.config import Settings
    from emulator.production import threads_for

    command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(_free_port()), "--workers", str(workers)]
    threads = threads_for(Settings())
    command += ["--blocking-threads", str(threads), "--log-level", "info"]
    return [*command, f"bench.apps:{app}"], r"Started worker-\d+"


def url_of(command: list[str]) -> str:
    """Where a granian command serves, from its --port."""
    return f"http://127.0.0.1:{command[command.index('--port') + 1]}"


@contextmanager
def granian_app(
    app: str, workers: int, env: dict[str, str] | None = None, root: Path = ROOT
) -> Iterator[str]:
    """`bench.apps:<app>` of the tree at `root` on granian's own command."""
    command, ready = granian_command(app, workers)
    with _process(command, env, ready, stream="stdout", root=root):
        time.sleep(0.3 * workers)  # let every worker start before the load does
        yield url_of(command)


def prism_command() -> list[str] | None:
    """Prism's CLI, installed with npm into bench/.prism on first use; None without npm."""
    binary = PRISM_HOME / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return [str(binary)]
    if shutil.which("npm") is None or shutil.which("node") is None:
        return None
    print(f"... installing Prism {PRISM_VERSION} into {PRISM_HOME}", file=sys.stderr)
    subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(PRISM_HOME),
            "--no-audit",
            "--no-fund",
            "--silent",
            f"@stoplight/prism-cli@{PRISM_VERSION}",
        ],
        check=True,
        timeout=900,
    )
    return [str(binary)]


@contextmanager
def prism(command: list[str]) -> Iterator[str]:
    """Prism's mock server on the project's own product document."""
    port = _free_port()
    document = ROOT / "openapi" / "seat-api.yaml"
    arguments = ["mock", "-h", "127.0.0.1", "-p", str(port), str(document)]
    with _process([*command, *arguments], None, "Prism is listening", stream="stdout"):
        yield f"http://127.0.0.1:{port}"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _process(
    command: list[str], env: dict[str, str] | None, ready: str, stream: str, root: Path = ROOT
) -> Iterator[str]:
    """Run `command` with its output in a file (a pipe left unread would stall it) until
    `ready` appears in it; the match's first group, or the whole match."""
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            command,
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root), **(env or {})},
            stdout=log if stream == "stdout" else subprocess.DEVNULL,
            stderr=log if stream == "stderr" else subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # its workers too are stopped, by the group of its pid
        )
        try:
            yield _wait_for(process, log, ready)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def _wait_for(process: subprocess.Popen[str], log: Any, ready: str) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        log.seek(0)
        match = re.search(ready, log.read())
        if match:
            return match.group(1) if match.groups() else match.group(0)
        time.sleep(0.01)
    raise RuntimeError(f"{' '.join(process.args)} did not start")  # type: ignore[arg-type]
