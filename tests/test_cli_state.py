"""`sequence-emulator export/import` against a running server, and `serve --seed`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import SEQUENCE_EXAMPLE, basic
from serving import served

from emulator.app import create_app
from emulator.cli import main
from emulator.config import ConfigError, Settings
from emulator.seeding import read_state
from emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parents[1]

HAND_WRITTEN_SEED = """
format: sequence-emulator-state
version: 1
accounts:
  - id: 0184421e-a9cc-711b-af93-bf0511d4d833
    seatMetrics:
      - {seatType: admin, label: Admins}
    seatEvents:
      - {customerEventId: acme-1, customerAlias: acme, seatType: admin,
         eventTimestamp: '2024-04-01', total: 12}
      - {customerAlias: globex, seatType: admin, eventTimestamp: '2024-04-02', total: 3}
"""
NO_USAGE = {"usageEvents": 0, "usageMetrics": 0}
SEED_ACCOUNT = "0184421e-a9cc-711b-af93-bf0511d4d833"


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    """A live emulator in a thread, on a free port of 127.0.0.1."""
    with EmulatorServer(create_app(Settings(validate_responses=True))) as running:
        yield running


def test_export_writes_the_state_document(server: EmulatorServer, tmp_path: Path) -> None:
    client = server.app.test_client()
    client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=basic())
    target = tmp_path / "state.yaml"
    assert main(["export", "--url", server.url, "--output", str(target)]) == 0
    exported = yaml.safe_load(target.read_text())
    assert exported == client.get("/_emulator/state").get_json()
    assert (
        exported["accounts"][0]["seatEvents"][0]["customerEventId"]
        == (SEQUENCE_EXAMPLE["customerEventId"])
    )


def test_import_replaces_the_state_then_export_gives_it_back(
    server: EmulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "seed.yaml"
    source.write_text(HAND_WRITTEN_SEED)
    assert main(["import", str(source), "--url", server.url]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "accounts": 1,
        "seatEvents": 2,
        "seatMetrics": 1,
        **NO_USAGE,
    }
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    main(["export", "--url", server.url, "-o", str(first)])
    main(["import", str(first), "--url", server.url])
    main(["export", "--url", server.url, "-o", str(second)])
    assert json.loads(first.read_text()) == json.loads(second.read_text())


def test_an_unreachable_server_is_exit_1_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with EmulatorServer(create_app()) as gone:
        url = gone.url
    assert main(["export", "--url", url]) == 1
    assert "cannot reach the emulator" in capsys.readouterr().err


def test_a_refused_import_is_exit_1_naming_the_problem(
    server: EmulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "sequence-emulator-state", "version": 1}))
    assert main(["import", str(bad), "--url", server.url]) == 1
    assert "accounts" in capsys.readouterr().err


@pytest.mark.slow
def test_serve_seed_starts_from_a_hand_written_yaml_file(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(HAND_WRITTEN_SEED)
    command = [sys.executable, "-m", "emulator", "serve", "--port", "0", "--seed", str(seed)]
    credentials = f"key:secret={SEED_ACCOUNT}"
    with served(
        command, tmp_path, {"PYTHONPATH": str(ROOT), "EMULATOR_CREDENTIALS": credentials}
    ) as live:
        status, balances = live.request("GET", "/seat-balances", headers=basic())
    assert status == 200
    totals = {item["legalName"]: item["total"] for item in balances["items"]}
    assert totals == {"acme": 12, "globex": 3}


def refused_seed(seed: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """`serve --seed` run to its end: it must refuse the seed with exit 2, no traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "serve", "--port", "0", "--seed", str(seed), *flags],
        cwd=seed.parent,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    return result


@pytest.mark.slow
def test_a_bad_seed_file_stops_the_server_with_a_message(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("format: something-else\nversion: 1\naccounts: []\n")
    stderr = refused_seed(seed).stderr
    assert "seed" in stderr and "format" in stderr


@pytest.mark.slow
def test_a_seed_over_the_state_limit_stops_the_server_before_it_is_read(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    empty = b'{"format": "sequence-emulator-state", "version": 1, "accounts": []}'
    seed.write_bytes(empty + b" " * 1024 * 1024)
    result = refused_seed(seed, "--state-limit", "1")
    assert "larger than the state limit of 1 MiB" in result.stderr


def test_a_yaml_seed_may_give_two_accounts_the_same_events_by_anchor(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "format: sequence-emulator-state\nversion: 1\naccounts:\n"
        "  - id: one\n    seatMetrics: []\n    seatEvents: &events\n"
        "      - {customerAlias: acme, seatType: admin, eventTimestamp: '2024-04-01', total: 3}\n"
        "    usageEvents: &usage\n"
        "      - {customerAlias: acme, eventType: sent, eventTimestamp: '2024-04-01'}\n"
        "  - id: two\n    seatMetrics: []\n    seatEvents: *events\n    usageEvents: *usage\n"
    )
    accounts = read_state(seed, 1024 * 1024)
    assert [(len(a.seat_events), len(a.usage_events)) for a in accounts] == [(1, 1), (1, 1)]


@pytest.mark.parametrize("odd", ["a\u0000b", "\ud800"])
def test_a_seed_with_text_no_database_holds_is_refused_naming_the_field(
    tmp_path: Path, odd: str
) -> None:
    event = {"customerAlias": odd, "seatType": "admin", "eventTimestamp": "2024-04-01", "total": 1}
    account = {"id": "one", "seatMetrics": [], "seatEvents": [event]}
    seed = tmp_path / "seed.json"
    document = {"format": "sequence-emulator-state", "version": 1, "accounts": [account]}
    seed.write_text(json.dumps(document), encoding="utf-8")  # both escaped as \u sequences
    with pytest.raises(ConfigError, match=r"accounts\.0\.seatEvents\.0\.customerAlias: Not valid"):
        read_state(seed, 1024 * 1024)
