"""The package's public names, and what importing it costs."""

import subprocess
import sys

import emulator


def test_all_names_resolve() -> None:
    for name in emulator.__all__:
        assert getattr(emulator, name) is not None


def test_create_app_builds_the_emulator() -> None:
    client = emulator.create_app(emulator.Settings(validate_responses=True)).test_client()
    assert client.get("/_emulator/health").get_json()["status"] == "ok"
    unknown = client.get("/nothing")
    assert (unknown.status_code, unknown.headers["Sequence-Version"]) == (404, "2024-07-30")
    assert unknown.get_json() == {
        "error": {"type": "NotFound", "message": "No such path: /nothing", "errors": []}
    }


def test_importing_the_package_builds_nothing_and_loads_no_web_stack() -> None:
    code = "import sys, emulator; print('flask' in sys.modules, 'openapi_core' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
