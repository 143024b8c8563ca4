"""The pytest plugin, tested by real pytest runs in temporary directories (pytester)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEQUENCE_EXAMPLE

from emulator.app import create_app
from emulator.config import Settings
from emulator.server import EmulatorServer
from emulator.testing import HttpControl, SequenceEmulator

pytestmark = pytest.mark.slow

# The README's example, with the smallest billing client that could send it.
BILLING_CLIENT = """
import base64, json, urllib.request


class MyBillingClient:
    def __init__(self, base_url, client_id, client_secret):
        self.base_url = base_url
        token = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def report_seats(self, customer, seat_type, seats):
        body = {"customerAlias": customer, "seatType": seat_type, "total": seats,
                "eventTimestamp": "2024-04-18T00:00:00Z"}
        request = urllib.request.Request(
            self.base_url + "/seat-events", json.dumps(body).encode(), self.headers)
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())
"""

README_EXAMPLE = """
from billing import MyBillingClient


def test_my_billing_sync(sequence_emulator):
    client = MyBillingClient(
        base_url=sequence_emulator.url, client_id="key", client_secret="secret"
    )
    client.report_seats("acme", "admin", 12)
    assert sequence_emulator.seat_events(customer_alias="acme")[0]["total"] == 12
    assert sequence_emulator.balance("acme", "admin") == 12
"""


README_USAGE_EXAMPLE = """
def test_usage(sequence_emulator):
    sequence_emulator.post_usage_event("acme", "sent", {"length": 3}, "2024-04-15T09:00:00Z")
    metric = sequence_emulator.create_usage_metric(
        "length", "sent", "SUM", aggregationProperty="length"
    )
    total = sequence_emulator.calculate(metric["id"], "acme", "2024-04-01", "2024-04-30")
    assert total["value"] == 3
"""


def test_the_readmes_usage_example_passes_and_is_shown(pytester: pytest.Pytester) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert README_USAGE_EXAMPLE.strip() in readme
    pytester.makepyfile(test_readme_usage=README_USAGE_EXAMPLE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_usage_helpers_post_list_define_and_calculate(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_usage="""
def test_usage(sequence_emulator):
    sequence_emulator.freeze_clock("2024-04-15T09:00:00Z")
    first = sequence_emulator.post_usage_event("acme", "sent", {"length": 3})
    assert first["eventTimestamp"] == "2024-04-15T09:00:00Z"
    sequence_emulator.post_usage_event("acme", "sent", {"length": 4}, "2024-04-30T23:00:00Z")
    sequence_emulator.post_usage_event("acme", "sent", {"length": 5}, "2024-05-01")
    assert len(sequence_emulator.usage_events("acme", eventType="sent")) == 3
    metric = sequence_emulator.create_usage_metric(
        "length", "sent", "SUM", aggregationProperty="length", unit="bytes"
    )
    total = sequence_emulator.calculate(metric["id"], "acme", "2024-04-01", "2024-04-30")
    assert (total["value"], total["eventCount"], total["unit"]) == (7, 2, "bytes")
""",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_readme_example_passes_with_no_conftest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(billing=BILLING_CLIENT, test_sync=README_EXAMPLE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_every_test_starts_from_an_empty_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        billing=BILLING_CLIENT,
        test_isolation="""
from billing import MyBillingClient

def client(emulator):
    return MyBillingClient(emulator.url, emulator.client_id, emulator.client_secret)

def test_first(sequence_emulator):
    client(sequence_emulator).report_seats("acme", "admin", 3)
    sequence_emulator.add_fault(method="GET", path="/seat-balances", status=503)
    sequence_emulator.freeze_clock("2030-01-01T00:00:00Z")
    [sent] = sequence_emulator.requests()   # the helpers' own calls are left out
    assert sent["body"]["total"] == 3

def test_second(sequence_emulator):
    assert sequence_emulator.requests() == []
    assert sequence_emulator.seat_events() == []
    assert sequence_emulator.balances() == []          # the fault rule is gone
    assert not sequence_emulator.now().startswith("2030")  # the clock runs again
""",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_helpers_for_journal_faults_clock_and_the_in_process_client(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_helpers="""
import urllib.error
import urllib.request

import pytest
from emulator.testing import HttpError, SequenceEmulator

def test_journal(sequence_emulator):
    headers = {**sequence_emulator.headers, "Content-Type": "application/json"}
    url = sequence_emulator.url + "/seat-events"
    sent = urllib.request.Request(url, b'{"total": "3"}', headers)
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(sent)
    [entry] = sequence_emulator.requests(status="400")
    assert {p["key"] for p in entry["problems"]} >= {"total", "customerAlias"}

def test_fault(sequence_emulator):
    sequence_emulator.add_fault(method="POST", path="/seat-events", status=503, count=1)
    with pytest.raises(HttpError) as failed:
        sequence_emulator.post_seat_event("acme", "admin", 1)
    assert (failed.value.status, failed.value.error_type) == (503, "ServiceUnavailable")
    assert sequence_emulator.post_seat_event("acme", "admin", 1)["total"] == 1
    with pytest.raises(HttpError) as refused:
        sequence_emulator.post_seat_event("acme", "admin", -1, event_timestamp="soon")
    assert refused.value.error_type == "validationError"
    assert set(refused.value.problems) == {"total", "eventTimestamp"}

def test_clock(sequence_emulator):
    sequence_emulator.freeze_clock("2024-04-01T00:00:00Z")
    sequence_emulator.post_seat_event("acme", "admin", 5, event_timestamp="2024-04-10T00:00:00Z")
    assert sequence_emulator.balance("acme", "admin") == 0
    sequence_emulator.advance_clock("P10D")
    assert sequence_emulator.balance("acme", "admin") == 5

def test_customers(sequence_emulator):
    customer = sequence_emulator.create_customer("Acme Ltd", aliases=("acme",))
    sequence_emulator.map_alias(customer["id"], "acme-eu")
    sequence_emulator.post_seat_event("acme", "admin", 3, event_timestamp="2024-04-01")
    sequence_emulator.post_seat_event("acme-eu", "viewer", 2, event_timestamp="2024-04-01")
    [item] = sequence_emulator.balances()
    assert (item["id"], item["legalName"], item["total"]) == (customer["id"], "Acme Ltd", 5)

def test_client(sequence_emulator_client, sequence_emulator):
    response = sequence_emulator_client.get("/seat-balances", headers=sequence_emulator.headers)
    assert response.status_code == 200

def test_factory(sequence_emulator_factory):
    strict = sequence_emulator_factory(client_id="svc", client_secret="s3", credentials=["svc:s3"])
    assert strict.post_seat_event("acme", "admin", 2)["total"] == 2
    wrong = SequenceEmulator(strict.url, strict.control, "svc", "wrong")
    with pytest.raises(HttpError) as refused:
        wrong.request("GET", "/seat-balances")
    assert refused.value.status == 401
""",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)


def test_parallel_workers_each_have_their_own_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_parallel=_PARALLEL_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=8)


_PARALLEL_TESTS = """
import pytest

@pytest.mark.parametrize("n", range(8))
def test_only_my_events(sequence_emulator, n):
    for i in range(5):
        sequence_emulator.post_seat_event(f"customer-{n}", "admin", i, customer_event_id=f"e{i}")
    events = sequence_emulator.seat_events()
    assert {e["customerAlias"] for e in events} == {f"customer-{n}"}
    assert sequence_emulator.balance(f"customer-{n}", "admin") == 4
"""


@pytest.fixture
def running() -> Iterator[EmulatorServer]:
    """An emulator already running, as a CI service container would be."""
    with EmulatorServer(create_app(Settings(validate_responses=True))) as server:
        yield server


def test_an_external_emulator_is_shared_by_workers_with_accounts_apart(
    pytester: pytest.Pytester, running: EmulatorServer
) -> None:
    pytester.makepyfile(test_parallel=_PARALLEL_TESTS)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", f"--sequence-emulator-url={running.url}"
    )
    result.assert_outcomes(passed=8)
    store = running.app.extensions["sequence_emulator"].store
    assert len(store.account_ids()) == 2  # one account per worker, both on this server


def test_external_mode_has_no_in_process_client(
    pytester: pytest.Pytester, running: EmulatorServer
) -> None:
    pytester.makepyfile("def test_client(sequence_emulator_client):\n    pass\n")
    result = pytester.runpytest_subprocess(f"--sequence-emulator-url={running.url}", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no in-process emulator*"])


def test_a_session_that_uses_no_fixture_builds_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import sys

def test_nothing_built():
    assert "emulator.pytest_plugin" in sys.modules   # the plugin is loaded...
    assert "emulator.app" not in sys.modules         # ...but no app was built
    assert "openapi_core" not in sys.modules
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_readme_shows_this_very_example() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert README_EXAMPLE.strip() in readme


def test_the_journal_helper_reads_every_page_from_where_the_test_began(
    running: EmulatorServer,
) -> None:
    earlier = SequenceEmulator(running.url, HttpControl(running.url)).begin()
    for n in range(3):
        _post_as_client_code(earlier, n)
    emulator = SequenceEmulator(running.url, HttpControl(running.url)).begin()
    assert emulator.requests() == []  # what came before the test began is left out
    for n in range(5):
        _post_as_client_code(emulator, n)
    sent = emulator.requests(limit="2")  # three pages of the journal
    assert [entry["body"]["total"] for entry in sent] == [0, 1, 2, 3, 4]


def _post_as_client_code(emulator: SequenceEmulator, total: int) -> None:
    """A POST as the code under test makes it (not through the helpers, which are left out)."""
    body = json.dumps({**SEQUENCE_EXAMPLE, "customerEventId": f"e{total}", "total": total})
    headers = {**emulator.headers, "Content-Type": "application/json"}
    sent = urllib.request.Request(emulator.url + "/seat-events", body.encode(), headers)
    with urllib.request.urlopen(sent) as response:
        assert response.status == 201
