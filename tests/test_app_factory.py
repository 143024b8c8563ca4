"""create_app builds each app cheaply: what a process parses and compiles once is shared."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from flask import url_for

from emulator.app import create_app
from emulator.config import Settings
from emulator.http.context import EXTENSION

AUTH = {"Authorization": "Basic a2V5OnNlY3JldA=="}


def test_a_second_app_parses_no_document_again(monkeypatch: pytest.MonkeyPatch) -> None:
    create_app(Settings()).extensions[EXTENSION].close()
    parsed: list[object] = []
    real_load = yaml.load
    monkeypatch.setattr(yaml, "load", lambda *a, **k: parsed.append(a) or real_load(*a, **k))
    app = create_app(Settings())
    try:
        assert parsed == []
        assert app.test_client().get("/seat-balances", headers=AUTH).status_code == 200
    finally:
        app.extensions[EXTENSION].close()


def test_apps_of_one_process_keep_their_own_data() -> None:
    first, second = create_app(Settings()), create_app(Settings())
    try:
        event = {"customerAlias": "a", "seatType": "s", "eventTimestamp": "2024-01-01", "total": 2}
        assert first.test_client().post("/seat-events", json=event, headers=AUTH).status_code == 201
        listed = second.test_client().get("/seat-events", headers=AUTH).get_json()
        assert listed["items"] == []
    finally:
        first.extensions[EXTENSION].close()
        second.extensions[EXTENSION].close()


def test_urls_are_still_built_for_every_rule() -> None:
    # The URL builders are compiled on first use, not when the app is built.
    app = create_app(Settings())
    try:
        with app.test_request_context():
            for rule in app.url_map.iter_rules():
                values = {name: "a b" for name in rule.arguments}
                built = url_for(rule.endpoint, **values, extra="1")
                assert built.endswith("?extra=1")
                assert "<" not in built and ("a%20b" in built or not values)
    finally:
        app.extensions[EXTENSION].close()


def test_sqlite_never_loads_the_postgresql_dialect() -> None:
    """Loading it costs every start-up about 20 ms: a seat event, a retry and a supersession
    on the default engine run without it."""
    code = """
import sys
from emulator.app import create_app
from emulator.config import Settings
client = create_app(Settings()).test_client()
auth = {"Authorization": "Basic a2V5OnNlY3JldA=="}
event = {"customerAlias": "a", "seatType": "admin", "eventTimestamp": "2024-01-01T00:00:00Z"}
for total in (1, 1, 2):  # new, a retry, a supersession
    body = {**event, "total": total, "customerEventId": "k"}
    response = client.post("/seat-events", json=body, headers=auth)
    assert response.status_code == 201, response.get_json()
client.get("/seat-balances", headers=auth)
print("sqlalchemy.dialects.postgresql" in sys.modules)
"""
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
