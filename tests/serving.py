"""Start the emulator as a real process on 127.0.0.1, and always stop it by its pid."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_READY = re.compile(r"serving on (http://127\.0\.0\.1:\d+)")


@dataclass
class ServedProcess:
    """A running emulator process and what it has written so far."""

    process: subprocess.Popen[str]
    url: str
    stderr_lines: list[str] = field(default_factory=list)

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """Send one request; the status and the decoded JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        request = urllib.request.Request(self.url + path, data, all_headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it lingers; the exit code."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                return self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=10)


def wait_until(condition: Callable[[], bool], seconds: float, why: Callable[[], str]) -> None:
    """Poll `condition` until it holds; fail with `why()` once `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {why()}")
        time.sleep(0.01)


def joined(threads: Sequence[threading.Thread], seconds: float) -> None:
    """Join every thread within `seconds` in all, or fail naming how many still run."""
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    running = sum(thread.is_alive() for thread in threads)
    assert not running, f"{running} of {len(threads)} threads still running after {seconds} s"


def start(command: Sequence[str], cwd: Path, env: dict[str, str] | None) -> subprocess.Popen[str]:
    """`command` started with its output piped, the environment extended by `env`."""
    return subprocess.Popen(
        list(command),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_to_exit(
    command: Sequence[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """A command expected to exit by itself, run until it does; killed by its pid at `timeout`."""
    process = start(command, cwd, env)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        out, err = process.communicate(timeout=10)
        raise AssertionError(f"still running after {timeout} s: {out}{err}") from None
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@contextmanager
def served(
    command: Sequence[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 30
) -> Iterator[ServedProcess]:
    """Run `command` (which must print its URL), yield it, and stop it whatever happens."""
    process = start(command, cwd, env)
    served_process: ServedProcess | None = None
    try:
        url = _wait_for_url(process, timeout)
        served_process = ServedProcess(process, url)
        _collect(process, served_process.stderr_lines)
        yield served_process
    finally:
        if served_process is not None:
            served_process.stop()
        elif process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_for_url(process: subprocess.Popen[str], timeout: float) -> str:
    found: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            match = _READY.search(line)
            if match:
                found.append(match.group(1))
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not found:
        process.kill()
        _, stderr = process.communicate(timeout=10)
        raise AssertionError(f"the emulator did not start within {timeout}s:\n{stderr}")
    return found[0]


def _collect(process: subprocess.Popen[str], into: list[str]) -> None:
    def read() -> None:
        assert process.stderr is not None
        into.extend(process.stderr)

    threading.Thread(target=read, daemon=True).start()
