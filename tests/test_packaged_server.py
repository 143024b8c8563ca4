"""A non-editable install serves from any directory, as `python -m emulator` and as a command."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
from conftest import SEQUENCE_EXAMPLE, basic
from serving import ServedProcess, served

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as `pip install .` lays it out, in a directory of its own."""
    target = tmp_path_factory.mktemp("site-packages")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", target, ROOT],
        check=True,
        timeout=600,
    )
    return target


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory that holds no part of the project."""
    return tmp_path


def only(installed: Path) -> dict[str, str]:
    """The installed copy first; the dependencies after it (the source tree nowhere)."""
    return {
        "PYTHONPATH": os.pathsep.join([str(installed), sysconfig.get_paths()["purelib"]]),
        "EMULATOR_LOG_LEVEL": "INFO",
        "EMULATOR_VALIDATE_RESPONSES": "true",
    }


def test_every_module_of_the_source_is_installed(installed: Path) -> None:
    source = {p.relative_to(ROOT) for p in (ROOT / "emulator").rglob("*.py")}
    shipped = {p.relative_to(installed) for p in (installed / "emulator").rglob("*.py")}
    assert source - shipped == set()


def test_the_dashboards_templates_and_files_are_installed(installed: Path) -> None:
    ui = ROOT / "emulator" / "ui"
    kept = {p.relative_to(ROOT) for p in ui.rglob("*") if p.suffix in {".html", ".js", ".css"}}
    assert kept and all((installed / path).is_file() for path in kept)


def test_the_installed_package_reads_its_documents_from_inside_itself(
    installed: Path, elsewhere: Path
) -> None:
    code = (
        "import emulator, emulator.spec as s; print(emulator.__file__);"
        "print(s.documents_dir().joinpath('seat-api.yaml'))"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=elsewhere,
        env={**os.environ, **only(installed)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(line.startswith(str(installed)) for line in out), out
    assert (installed / "emulator" / "openapi" / "seat-api.yaml").is_file()


def assert_serves_the_sequence_example(server: ServedProcess) -> None:
    status, body = server.request("POST", "/seat-events", SEQUENCE_EXAMPLE, basic())
    assert status == 201
    assert body["customerEventId"] == SEQUENCE_EXAMPLE["customerEventId"]
    status, body = server.request("POST", "/api/seat-events", {"total": "3"}, basic())
    assert status == 400 and body["error"]["type"] == "validationError"


def test_python_dash_m_emulator_serves(installed: Path, elsewhere: Path) -> None:
    command = [sys.executable, "-S", "-m", "emulator", "serve", "--port", "0"]
    with served(command, elsewhere, only(installed)) as server:
        assert_serves_the_sequence_example(server)
        assert server.stop() == 0  # SIGTERM is a clean stop
    time.sleep(0.1)
    access = [line for line in server.stderr_lines if '"POST /seat-events" 201' in line]
    assert len(access) == 1


def test_the_console_script_serves(installed: Path, elsewhere: Path) -> None:
    command = [str(installed / "bin" / "sequence-emulator"), "serve", "--port", "0"]
    with served(command, elsewhere, only(installed)) as server:
        assert_serves_the_sequence_example(server)


def test_settings_come_from_the_environment(installed: Path, elsewhere: Path) -> None:
    command = [sys.executable, "-S", "-m", "emulator", "serve"]
    env = {**only(installed), "EMULATOR_PORT": "0", "EMULATOR_CREDENTIALS": "key:secret"}
    with served(command, elsewhere, env) as server:
        assert server.request("POST", "/seat-events", SEQUENCE_EXAMPLE, basic())[0] == 201
        assert server.request("POST", "/seat-events", SEQUENCE_EXAMPLE, basic("x"))[0] == 401
