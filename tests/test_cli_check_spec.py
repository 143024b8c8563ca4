"""`sequence-emulator check-spec PATH`: the drift check, for users' CI."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from emulator.cli import main

REFERENCE = (
    Path(__file__).resolve().parents[2] / "shared/reference/sequence-2024-07-30.product.json"
)


@pytest.fixture
def sequence_document() -> dict[str, Any]:
    """Sequence's published document, where it lies beside the clone."""
    if not REFERENCE.is_file():
        pytest.skip("Sequence's reference document is not beside this clone (../shared/reference)")
    document: dict[str, Any] = json.loads(REFERENCE.read_text())
    return document


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "sequence.json"
    path.write_text(json.dumps(document))
    return path


def test_the_published_document_matches(
    sequence_document: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-spec", str(write(tmp_path, sequence_document))]) == 0
    out = capsys.readouterr().out
    assert "no difference in 35 operations" in out
    # What Sequence publishes and the emulator does not serve is listed, one line a family.
    assert "not served, usage-events" not in out
    assert "not served, usage-metrics" not in out
    assert "not served, billing-products: its one operation, " in out
    assert "not served, customers" not in out  # contacts included
    assert "not served, sequence-accounts" not in out


def test_strict_fails_on_what_is_not_served(
    sequence_document: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-spec", "--strict", str(write(tmp_path, sequence_document))]) == 1
    assert "not served, invoices: all 32 operations" in capsys.readouterr().out


def test_a_changed_field_is_printed_and_exits_1(
    sequence_document: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = copy.deepcopy(sequence_document)
    model = changed["components"]["schemas"]["CreateSeatEventEndpointCreateSeatEventRequestModel"]
    model["properties"]["total"]["type"] = "string"
    assert main(["check-spec", str(write(tmp_path, changed))]) == 1
    out = capsys.readouterr().out
    assert "postSeatEvents body.total" in out
    assert "1 difference(s)" in out


def test_a_new_seat_operation_of_sequence_is_listed_and_fails_only_when_strict(
    sequence_document: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grown = copy.deepcopy(sequence_document)
    grown["paths"]["/seat-events/{id}"]["delete"] = copy.deepcopy(
        grown["paths"]["/seat-events/{id}"]["get"]
    ) | {"operationId": "deleteSeatEventsById"}
    assert main(["check-spec", str(write(tmp_path, grown))]) == 0
    assert "not served, seat-events: deleteSeatEventsById" in capsys.readouterr().out
    assert main(["check-spec", "--strict", str(write(tmp_path, grown))]) == 1


def test_a_file_that_is_not_openapi_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text("just: notes\n")
    with pytest.raises(SystemExit) as exited:
        main(["check-spec", str(path)])
    assert exited.value.code == 2
    assert "not an OpenAPI document" in capsys.readouterr().err
