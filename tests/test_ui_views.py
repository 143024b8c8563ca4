"""The dashboard's views through Flask's test client: structure, escaping, the admin token, /."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, basic
from flask.testing import FlaskClient

from emulator.app import create_app
from emulator.config import Settings
from emulator.domain.customers import implicit_customer_id
from emulator.http.context import EXTENSION
from emulator.ui import SECTIONS

UI = "/_emulator/ui"
HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'


@pytest.fixture
def ui_client() -> Iterator[FlaskClient]:
    """An emulator in memory, and a client for its pages and API alike."""
    app = create_app(Settings(validate_responses=True))
    yield app.test_client()
    app.extensions[EXTENSION].close()


def post(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    """POST /seat-events with the example changed by `fields`; the answer's JSON."""
    response = client.post("/seat-events", json={**SEQUENCE_EXAMPLE, **fields}, headers=basic())
    assert response.status_code in (201, 400), response.json
    return dict(response.json or {})


def account(client: FlaskClient) -> str:
    """The account of the default credentials, as the picker lists it."""
    html = section(client, "accounts", account="")
    found = re.search(r'<option value="([0-9a-f-]+)"', html)
    assert found is not None, html
    return found[1]


def section(client: FlaskClient, name: str, **params: str) -> str:
    """One section's HTML, asserting it was answered."""
    response = client.get(f"{UI}/sections/{name}", query_string=params)
    assert response.status_code == 200, response.data
    return response.get_data(as_text=True)


def test_the_page_has_a_panel_per_section_and_loads_only_its_own_files(
    ui_client: FlaskClient,
) -> None:
    response = ui_client.get(UI)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    panels = re.findall(r'<section class="panel[^"]*" id="panel-([a-z_]+)"', html)
    assert panels == [s.name for s in SECTIONS if s.panel]
    assert "journal" in panels and panels.index("journal") == 0  # the view opened first
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(f"{UI}/static/") or s == "data:," for s in sources)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    for asset in ("ui.js", "ui.css"):
        assert ui_client.get(f"{UI}/static/{asset}").status_code == 200


def test_a_browser_asking_for_the_root_is_sent_to_the_page(ui_client: FlaskClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = ui_client.get("/", headers={"Accept": browser})
    assert response.status_code == 302 and response.headers["Location"] == UI
    assert "The 0 newest matching requests" in section(ui_client, "journal")  # not their code


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "application/json, text/html;q=0.5"]
)
def test_api_clients_still_get_the_json_404_at_the_root(
    ui_client: FlaskClient, accept: str | None
) -> None:
    response = ui_client.get("/", headers={"Accept": accept} if accept else {})
    assert response.status_code == 404
    assert response.json == {
        "error": {"type": "NotFound", "message": "No such path: /", "errors": []}
    }


def test_events_are_the_effective_ones_and_a_chain_shows_every_version(
    ui_client: FlaskClient,
) -> None:
    first = post(ui_client, customerEventId="e-1", total=1)
    second = post(ui_client, customerEventId="e-1", total=5)
    post(ui_client, customerEventId="e-2", seatType="user", total=3)
    events = section(ui_client, "events", account=account(ui_client))
    assert second["id"] in events and first["id"] not in events  # superseded: hidden
    assert "2 of 2 effective events" in events
    chain = section(ui_client, "chain", account=account(ui_client), customerEventId="e-1")
    versions = re.findall(r'<li class="([a-z ]+)" data-event-id="([^"]+)"', chain)
    assert versions == [("superseded", first["id"]), ("effective", second["id"])]
    assert f"superseded by {second['id']}, received later: total 1 → 5" in chain


def test_a_void_version_is_effective_and_counts_in_no_balance(ui_client: FlaskClient) -> None:
    post(ui_client, customerEventId="e-1", total=4)
    void = post(ui_client, customerEventId="e-1", customerAlias="VOID", total=4)
    chain = section(ui_client, "chain", account=account(ui_client), customerEventId="e-1")
    assert f'<li class="effective void" data-event-id="{void["id"]}">' in chain
    assert "VOID: it counts in no balance" in chain
    assert "No seats in force." in section(ui_client, "balances", account=account(ui_client))


def test_event_filters_and_paging_use_the_listing_of_the_api(ui_client: FlaskClient) -> None:
    for number in range(5):
        post(ui_client, customerEventId=f"e-{number}", seatType="admin" if number % 2 else "user")
    html = section(ui_client, "events", account=account(ui_client), seatType="user", limit="2")
    assert "2 of 3 effective events" in html
    following = re.search(r'data-load="events" data-params="([^"]+)">next', html)
    assert following is not None
    params = dict(pair.split("=", 1) for pair in following[1].replace("&amp;", "&").split("&"))
    assert params["seatType"] == "user" and params["limit"] == "2" and "after" in params
    rest = section(ui_client, "events", account=account(ui_client), **params)
    assert "1 of 3 effective events" in rest


def test_a_page_may_hold_up_to_ten_thousand_events_but_no_more(ui_client: FlaskClient) -> None:
    html = section(ui_client, "events", account=account_with_events(ui_client), limit="10001")
    assert "expected a whole number from 1 to 10000" in html


def account_with_events(client: FlaskClient) -> str:
    post(client)
    return account(client)


def test_balances_are_the_apis(ui_client: FlaskClient) -> None:
    post(ui_client, customerEventId="a", customerAlias="acme", seatType="admin", total=7)
    post(ui_client, customerEventId="b", customerAlias="acme", seatType="user", total=2)
    post(ui_client, customerEventId="c", customerAlias="beta", seatType="admin", total=4)
    html = section(ui_client, "balances", account=account(ui_client))
    api = ui_client.get("/seat-balances", headers=basic()).json
    assert api is not None
    shown = re.findall(r'<td class="total">(\d+)</td>', html)
    assert shown == [str(b["total"]) for item in api["items"] for b in item["balances"]]


def test_the_chart_steps_per_seat_type_and_marks_superseded_and_void_versions(
    ui_client: FlaskClient,
) -> None:
    post(ui_client, customerEventId="a", customerAlias="acme", eventTimestamp="2024-04-01", total=2)
    post(ui_client, customerEventId="a", customerAlias="acme", eventTimestamp="2024-04-01", total=6)
    post(ui_client, customerEventId="b", customerAlias="acme", eventTimestamp="2024-04-10", total=9)
    post(ui_client, customerEventId="b", customerAlias="VOID", eventTimestamp="2024-04-10", total=9)
    post(ui_client, customerEventId="c", customerAlias="acme", seatType="user", total=1)
    customer = implicit_customer_id(account(ui_client), "acme")
    html = section(
        ui_client, "chart", account=account(ui_client), customer=customer, to="2024-05-01"
    )
    assert re.findall(r'class="step" data-seat-type="([a-z]+)"', html) == ["admin", "user"]
    assert len(re.findall(r'class="mark change"', html)) == 2  # 6 admin seats, 1 user seat
    assert len(re.findall(r'class="mark superseded"', html)) == 2  # total 2, and 9 under acme
    assert len(re.findall(r'class="mark void"', html)) == 1
    assert "admin: 0 → 6" in html


def test_a_period_that_cannot_be_read_is_said_so_in_the_chart(ui_client: FlaskClient) -> None:
    html = section(ui_client, "chart", account=account_with_events(ui_client), to="soon")
    assert "&#39;soon&#39; is not an ISO 8601 date or date-time" in html


def test_the_journal_is_newest_first_and_shows_a_refusal_and_its_problems(
    ui_client: FlaskClient,
) -> None:
    post(ui_client, total=1)
    post(ui_client, total="3")
    html = section(ui_client, "journal")
    assert [int(n) for n in re.findall(r'<tr class="status-\dxx" data-sequence="(\d+)"', html)] == [
        2,
        1,
    ]
    assert "Request data validation failed" in html
    assert "<code>total</code> &#39;3&#39; is not of type &#39;integer&#39;" in html
    entry = section(ui_client, "journal_entry", sequence="2")
    assert "&#34;total&#34;: &#34;3&#34;" in entry and "Basic [redacted]" in entry


def test_the_journal_filters_and_keeps_the_newest_matching_ones(ui_client: FlaskClient) -> None:
    for total in (1, "2", 3, "4", 5, "6"):
        post(ui_client, total=total)
    html = section(ui_client, "journal", status="400", limit="2")
    assert re.findall(r'<tr class="status-4xx" data-sequence="(\d+)"', html) == ["6", "4"]


def test_the_page_reads_are_not_journalled(ui_client: FlaskClient) -> None:
    post(ui_client)
    for name in ("journal", "events", "balances", "controls"):
        section(ui_client, name, account=account(ui_client))
    assert "The 1 newest matching requests" in section(ui_client, "journal")


def test_hostile_strings_are_shown_as_text_in_every_section(ui_client: FlaskClient) -> None:
    post(ui_client, customerEventId=HOSTILE, customerAlias=HOSTILE, seatType=HOSTILE)
    ui_client.post("/seat-metrics", json={"seatType": HOSTILE, "label": HOSTILE}, headers=basic())
    ui_client.post("/seat-events", data=HOSTILE, content_type="application/json", headers=basic())
    post(ui_client, total=HOSTILE)  # a problem message that quotes what was sent
    chosen = account(ui_client)
    customer = implicit_customer_id(chosen, HOSTILE)
    pages = [
        section(ui_client, name, account=chosen, customerEventId=HOSTILE, customer=customer)
        for name in ("events", "chain", "balances", "chart", "metrics", "journal")
    ]
    pages += [section(ui_client, "journal_entry", sequence=str(n)) for n in (1, 2, 3, 4)]
    for html in pages:
        assert "<script>" not in html and "<img" not in html, html
    assert [html for html in pages if "&lt;script&gt;" not in html] == []


def test_the_usage_section_lists_effective_usage_events_and_live_metrics(
    ui_client: FlaskClient,
) -> None:
    event = {"customerAlias": HOSTILE, "eventType": "sent", "customerEventId": "u-1"}
    for length in (1, 2):  # the second version supersedes the first
        body = {**event, "eventProperties": {"length": length, "note": HOSTILE}}
        assert ui_client.post("/usage-events", json=body, headers=basic()).status_code == 201
    metric = {"name": HOSTILE, "metricType": "SIMPLE", "eventType": "sent"}
    metric |= {"aggregationType": "SUM", "aggregationProperty": "length"}
    metric |= {"propertyFilters": {"note": [HOSTILE]}}
    created = ui_client.post("/usage-metrics", json=metric, headers=basic()).json
    assert created is not None
    html = section(ui_client, "usage", account=account(ui_client))
    assert "Usage events (1;" in html and "&#34;length&#34;: 2" in html
    assert "&#34;length&#34;: 1" not in html  # the superseded version is not effective
    assert "Usage metrics (1)" in html and created["id"] in html
    assert "<script>" not in html and "<img" not in html
    ui_client.delete(f"/usage-metrics/{created['id']}", headers=basic())
    assert "Usage metrics (0)" in section(ui_client, "usage", account=account(ui_client))


def test_a_section_needs_an_account_and_an_unknown_one_is_a_404(ui_client: FlaskClient) -> None:
    assert "No account holds data yet" in section(ui_client, "events")
    missing = ui_client.get(f"{UI}/sections/nonesuch")
    assert missing.status_code == 404 and missing.json is not None
    assert missing.json["error"]["type"] == "NotFound"


@pytest.fixture
def guarded() -> Iterator[FlaskClient]:
    """An emulator whose control plane, and so its page, needs the admin token."""
    app = create_app(Settings(validate_responses=True, admin_token="s3cret"))
    yield app.test_client()
    app.extensions[EXTENSION].close()


@pytest.mark.parametrize("path", [f"{UI}/sections/journal", f"{UI}/pulse"])
def test_with_an_admin_token_the_figures_need_it(guarded: FlaskClient, path: str) -> None:
    post(guarded)
    assert guarded.get(path).status_code == 401
    assert guarded.get(path, headers=basic()).status_code == 401  # product credentials
    wrong = {"Emulator-Admin-Token": "guess"}
    assert guarded.get(path, headers=wrong).status_code == 401
    assert guarded.get(path, headers={"Emulator-Admin-Token": "s3cret"}).status_code == 200
    assert guarded.get(path, headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_with_an_admin_token_the_page_itself_holds_no_data_and_says_it_needs_one(
    guarded: FlaskClient,
) -> None:
    post(guarded, customerAlias="secret-customer")
    html = guarded.get(UI).get_data(as_text=True)
    assert 'data-guarded="yes"' in html and "secret-customer" not in html


def test_the_pulse_moves_when_a_request_arrives(ui_client: FlaskClient) -> None:
    before = ui_client.get(f"{UI}/pulse").json
    post(ui_client)
    after = ui_client.get(f"{UI}/pulse", query_string={"account": account(ui_client)}).json
    assert before is not None and after is not None
    assert after["journal"] == before["journal"] + 1 and after["events"] == 1
