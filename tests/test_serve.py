"""`sequence-emulator serve` on its production server: start, stop, workers, faults, ports."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import basic
from serving import ServedProcess, run_to_exit, served, wait_until

pytestmark = pytest.mark.slow

ENV = {"EMULATOR_LOG_LEVEL": "INFO"}
STOP_BOUND_S = 10  # a bound for a hung server, not a speed requirement


def serve(*flags: str) -> list[str]:
    return [sys.executable, "-m", "emulator", "serve", "--port", "0", *flags]


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (granian's workers), from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    return state != "Z"


def post_one(server: ServedProcess) -> int:
    body = {
        "customerAlias": "acme",
        "seatType": "admin",
        "eventTimestamp": "2024-04-18",
        "total": 2,
    }
    status, _ = server.request("POST", "/seat-events", body, basic())
    return status


@pytest.mark.parametrize("attempt", range(3))
def test_ctrl_c_stops_the_server_and_its_worker(tmp_path: Path, attempt: int) -> None:
    # A terminal's Ctrl-C signals the whole process group: the main process and its worker.
    process = subprocess.Popen(
        serve(),
        cwd=tmp_path,
        env={**os.environ, **ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        assert "serving on http://127.0.0.1:" in process.stdout.readline()
        workers = children(process.pid)
        assert len(workers) == 1
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=STOP_BOUND_S) == 0
        wait_until(lambda: not any(map(alive, workers)), STOP_BOUND_S, lambda: "worker lives")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_sigterm_stops_every_worker(tmp_path: Path) -> None:
    with served(
        serve("--workers", "2", "--store", f"sqlite:{tmp_path / 'e.db'}"), tmp_path, ENV
    ) as server:
        workers = children(server.process.pid)
        assert len(workers) == 2
        assert post_one(server) == 201
        assert server.stop() == 0
    wait_until(lambda: not any(map(alive, workers)), STOP_BOUND_S, lambda: "a worker lives")


def test_a_killed_server_leaves_no_worker_serving(tmp_path: Path) -> None:
    with served(serve("--store", f"sqlite:{tmp_path / 'e.db'}"), tmp_path, ENV) as server:
        workers = children(server.process.pid)
        os.kill(server.process.pid, signal.SIGKILL)
        wait_until(lambda: not any(map(alive, workers)), STOP_BOUND_S, lambda: "orphan worker")


def test_the_first_line_is_where_it_serves_and_each_request_logs_one_line(
    tmp_path: Path,
) -> None:
    with served(serve(), tmp_path, ENV) as server:
        assert post_one(server) == 201
        status, _ = server.request("GET", "/seat-balances", headers=basic())
        assert status == 200
        wait_until(
            lambda: sum('"GET /seat-balances" 200' in line for line in server.stderr_lines) == 1,
            STOP_BOUND_S,
            lambda: "".join(server.stderr_lines),
        )
        server.stop()
    lines = server.stderr_lines
    assert sum('"POST /seat-events" 201' in line for line in lines) == 1
    assert not any("Traceback" in line for line in lines), lines


def test_a_drop_fault_cuts_the_connection_off(tmp_path: Path) -> None:
    with served(serve(), tmp_path, ENV) as server:
        host, port = server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        headers = {**basic(), "Emulator-Fault": "drop"}
        connection.request("GET", "/seat-balances", headers=headers)
        # Cut off before any answer, or after a status line with the body missing: either
        # way the client meets a broken connection, never a complete answer.
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            connection.getresponse().read()
        connection.close()
        status, journal = server.request("GET", "/_emulator/requests?limit=1")
        assert status == 200 and journal["items"][0]["status"] == 0
        assert post_one(server) == 201  # the server goes on answering
        server.stop()
    assert not any("Traceback" in line for line in server.stderr_lines), server.stderr_lines


@pytest.mark.parametrize(("threads", "overlap"), [("4", True), ("1", False)])
def test_threads_let_a_delayed_request_and_the_next_overlap(
    tmp_path: Path, threads: str, overlap: bool
) -> None:
    with served(serve("--threads", threads), tmp_path, ENV) as server:
        delayed = threading.Thread(
            target=server.request,
            args=("GET", "/seat-balances", None, {**basic(), "Emulator-Fault": "delay=3000"}),
        )
        delayed.start()
        time.sleep(0.5)  # for the delayed request to reach the server first
        assert post_one(server) == 201
        # With threads, answered while the delayed request still waits; with one, after it.
        assert delayed.is_alive() == overlap
        delayed.join(STOP_BOUND_S)


def test_a_port_in_use_is_refused_with_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "emulator", "serve", "--port", str(port)]
        result = run_to_exit(command, tmp_path, ENV)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_second_server_on_the_same_port_is_refused(tmp_path: Path) -> None:
    # Workers share their port (SO_REUSEPORT); a second emulator must not join them.
    with served(serve(), tmp_path, ENV) as first:
        port = first.url.rpartition(":")[2]
        command = [sys.executable, "-m", "emulator", "serve", "--port", port]
        result = run_to_exit(command, tmp_path, ENV)
        assert result.returncode == 2 and "cannot listen on" in result.stderr
        assert post_one(first) == 201


def test_a_client_that_stops_sending_its_headers_is_cut_off(tmp_path: Path) -> None:
    with served(serve(), tmp_path, ENV) as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=STOP_BOUND_S + 5) as raw:
            raw.sendall(b"GET /seat-balances HTTP/1.1\r\nHost: emulator\r\n")  # and no more
            assert raw.recv(4096) == b""  # closed by the server (5 s), not by our timeout
        assert post_one(server) == 201


def test_the_server_survives_a_request_that_is_not_http(tmp_path: Path) -> None:
    with served(serve(), tmp_path, ENV) as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            raw.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            answer = raw.recv(4096)
        assert answer == b"" or answer.startswith(b"HTTP/1.1 400")
        assert b"<html" not in answer.lower() and b"Traceback" not in answer
        assert post_one(server) == 201
