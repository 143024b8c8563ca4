"""Imported and seeded records meet the product API's rules: none can wedge the id generator."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, basic
from flask.testing import FlaskClient

from emulator.app import create_app
from emulator.config import ConfigError, Settings
from emulator.domain.accounts import derived_account_id
from emulator.domain.ids import LATEST_MS, IdGenerator, uuid7_from_parts, uuid7_problem

A = derived_account_id("key")
LARGEST = "ffffffff-ffff-7fff-bfff-ffffffffffff"
GOOD = uuid7_from_parts(1_700_000_000_000, 1)
UNMINTABLE = [
    LARGEST,
    uuid7_from_parts(LATEST_MS + 1, 0),  # a millisecond after year 9999
    GOOD.upper(),
    "{" + GOOD + "}",
    GOOD.replace("-", ""),
    "3d0b6f8e-2f4a-4b9c-8e1d-0f2a3b4c5d6e",  # version 4
    GOOD[:19] + "c" + GOOD[20:],  # another variant
    "00000000-0000-0000-0000-000000000000",
    "",
]
EVENT = {"customerAlias": "acme", "seatType": "admin", "eventTimestamp": "2024-04-01T00:00:00Z"}


def document(**account: Any) -> dict[str, Any]:
    whole = {"id": A, "seatEvents": [], "seatMetrics": []} | account
    return {"format": "sequence-emulator-state", "version": 1, "accounts": [whole]}


def keys_of(response: Any) -> set[str]:
    assert response.status_code == 400, response.get_json()
    return {problem["key"] for problem in response.get_json()["error"]["errors"]}


def stored(client: FlaskClient) -> list[dict[str, Any]]:
    response = client.get("/seat-events", headers=basic())
    return response.get_json()["items"]  # type: ignore[no-any-return]


@pytest.fixture
def one_event(client: FlaskClient) -> FlaskClient:
    assert client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=basic()).status_code == 201
    return client


@pytest.mark.parametrize("bad_id", UNMINTABLE)
def test_a_seat_event_id_that_leaves_no_room_is_a_400_and_nothing_is_stored(
    one_event: FlaskClient, bad_id: str
) -> None:
    before = stored(one_event)
    doc = document(
        seatEvents=[{**EVENT, "total": 1, "id": GOOD}, {**EVENT, "total": 2, "id": bad_id}]
    )
    assert keys_of(one_event.put("/_emulator/state", json=doc)) == {"accounts.0.seatEvents.1.id"}
    assert stored(one_event) == before
    assert (
        one_event.post("/seat-events", json=EVENT | {"total": 3}, headers=basic()).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("collection", "record"),
    [
        ("seatMetrics", {"seatType": "admin", "label": "Admins"}),
        (
            "customers",
            {
                "legalName": "Acme",
                "address": {"line1": "1", "town": "T", "postcode": "P", "country": "GB"},
            },
        ),
    ],
)
def test_every_imported_id_is_held_to_the_same_rule(
    one_event: FlaskClient, collection: str, record: dict[str, Any]
) -> None:
    doc = document(**{collection: [{**record, "id": LARGEST}]})
    assert keys_of(one_event.put("/_emulator/state", json=doc)) == {f"accounts.0.{collection}.0.id"}
    assert len(stored(one_event)) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"total": -1}, "total"),
        ({"total": 2**31}, "total"),
        ({"total": 10**30}, "total"),
        ({"total": 1.5}, "total"),
        ({"total": True}, "total"),
        ({"eventTimestamp": "2024-13-01"}, "eventTimestamp"),
        ({"eventTimestamp": "\u0662\u0660\u0662\u0664-04-01"}, "eventTimestamp"),
        ({"createdAt": "10000-01-01T00:00:00Z"}, "createdAt"),
        ({"customerAlias": ""}, "customerAlias"),
        ({"customerAlias": "a" * 256}, "customerAlias"),
        ({"seatType": "s" * 256}, "seatType"),
        ({"customerEventId": "e" * 256}, "customerEventId"),
    ],
)
def test_totals_timestamps_and_text_meet_the_apis_rules(
    one_event: FlaskClient, change: dict[str, Any], field: str
) -> None:
    before = stored(one_event)
    doc = document(seatEvents=[{**EVENT, "total": 1, **change}])
    assert keys_of(one_event.put("/_emulator/state", json=doc)) == {
        f"accounts.0.seatEvents.0.{field}"
    }
    assert stored(one_event) == before


def test_the_largest_total_and_the_latest_id_the_clock_allows_still_leave_room(
    client: FlaskClient,
) -> None:
    latest = uuid7_from_parts(LATEST_MS, 1 << 73)
    doc = document(seatEvents=[{**EVENT, "total": 2**31 - 1, "id": latest}])
    assert client.put("/_emulator/state", json=doc).status_code == 200
    created = client.post("/seat-events", json=EVENT | {"total": 1}, headers=basic())
    assert created.status_code == 201
    minted = created.get_json()["id"]
    assert minted > latest and uuid7_problem(minted) is None
    exported = client.get("/_emulator/state").get_json()
    assert client.put("/_emulator/state", json=exported).status_code == 200


def test_a_seed_file_with_the_largest_id_is_refused_naming_the_field(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(document(seatEvents=[{**EVENT, "total": 1, "id": LARGEST}])))
    with pytest.raises(ConfigError, match=r"seatEvents.*0.*id"):
        create_app(Settings(seed=seed))


@pytest.mark.parametrize("bad_id", UNMINTABLE)
def test_the_generator_refuses_to_observe_an_id_it_could_not_mint_past(bad_id: str) -> None:
    generator = IdGenerator(lambda: datetime(2024, 1, 1, tzinfo=timezone.utc))
    first = generator()
    with pytest.raises(ValueError):
        generator.observe(bad_id)
    assert generator() > first


def test_past_the_last_sequence_of_the_last_millisecond_ids_still_grow_as_uuids() -> None:
    generator = IdGenerator(lambda: datetime(2024, 1, 1, tzinfo=timezone.utc))
    generator.observe(uuid7_from_parts(LATEST_MS, (1 << 74) - 2))
    ids = [generator() for _ in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert all(len(i) == 36 and i[14] == "7" and i[19] in "89ab" for i in ids)
