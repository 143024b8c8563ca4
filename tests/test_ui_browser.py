"""The dashboard in a real headless Chromium: what a developer sees after their code has run.

The emulator listens on 127.0.0.1 on a free port; the browser and the server are stopped at
the end of the module. Set EMULATOR_SCREENSHOTS=<dir> to keep the screenshots there too (the
README's come from `EMULATOR_SCREENSHOTS=docs make test PYTEST_ARGS=tests/test_ui_browser.py`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser import missing_browser, start_chromium, texts, wait_for

from emulator.app import create_app
from emulator.config import Settings
from emulator.server import EmulatorServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(missing_browser() is not None, reason=str(missing_browser())),
]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    """An emulator on 127.0.0.1 only, for the module."""
    with EmulatorServer(create_app(Settings()), host="127.0.0.1", port=0) as running:
        yield running


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for the module, with a fresh profile."""
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def api(server: EmulatorServer) -> Iterator[httpx.Client]:
    """A client of the emulator's API, on an emulator emptied of data, requests, rules and
    a frozen clock."""
    with httpx.Client(base_url=server.url, auth=("key", "secret"), timeout=30) as client:
        for method, path in [
            ("POST", "/_emulator/reset"),
            ("DELETE", "/_emulator/requests"),
            ("DELETE", "/_emulator/clock"),
            ("DELETE", "/_emulator/faults"),
        ]:
            client.request(method, path, auth=None).raise_for_status()
        yield client


@pytest.fixture
def page(chromium: Any, server: EmulatorServer, api: httpx.Client) -> Any:
    """The browser, about to open the dashboard of an empty emulator."""
    chromium.get("about:blank")
    return chromium


def open_dashboard(driver: Any, server: EmulatorServer) -> None:
    """Open the page from the root, as a developer would, and wait for its first load."""
    driver.get(f"{server.url}/")
    wait_for(driver, lambda d: d.current_url.endswith("/_emulator/ui"))
    wait_for(driver, lambda d: "Loading" not in " ".join(texts(d, ".panel-body")))


def post_event(api: httpx.Client, **fields: Any) -> httpx.Response:
    """POST /seat-events with a plain event changed by `fields`."""
    event = {
        "customerEventId": "e-1",
        "customerAlias": "acme",
        "seatType": "admin",
        "eventTimestamp": "2024-04-01T00:00:00Z",
        "total": 3,
    }
    return api.post("/seat-events", json={**event, **fields})


def css(driver: Any, selector: str) -> list[Any]:
    """Every element that `selector` finds."""
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, selector))


def test_events_sent_through_the_api_appear_and_a_chain_opens(
    page: Any, server: EmulatorServer, api: httpx.Client
) -> None:
    first = post_event(api, total=3).json()
    second = post_event(api, total=8).json()
    post_event(api, customerEventId="e-2", seatType="user")
    open_dashboard(page, server)
    keys = wait_for(page, lambda d: texts(d, "#panel-events .chain-link"))
    assert sorted(keys) == ["e-1", "e-2"]
    next(link for link in css(page, "#panel-events .chain-link") if link.text == "e-1").click()
    versions = wait_for(page, lambda d: css(d, "#panel-chain ol.chain li"))
    ids = [version.get_attribute("data-event-id") for version in versions]
    assert ids == [first["id"], second["id"]]
    assert "effective" in versions[-1].get_attribute("class")
    assert f"superseded by {second['id']}" in versions[0].text


def test_a_refused_request_shows_its_problem_in_the_journal(
    page: Any, server: EmulatorServer, api: httpx.Client
) -> None:
    assert post_event(api, total="3").status_code == 400
    open_dashboard(page, server)
    problems = wait_for(page, lambda d: texts(d, "#panel-journal .problems-list li"))
    assert problems == ["total '3' is not of type 'integer'"]
    assert texts(page, "#panel-journal td.status") == ["400"]
    css(page, "#panel-journal details.bodies summary")[0].click()
    sent = wait_for(page, lambda d: texts(d, "#panel-journal .request-body"))
    assert '"total": "3"' in sent[0]


def test_new_requests_and_events_appear_without_a_reload(
    page: Any, server: EmulatorServer, api: httpx.Client
) -> None:
    post_event(api)
    open_dashboard(page, server)
    page.execute_script("window.stillTheSamePage = true")
    post_event(api, customerEventId="e-live", customerAlias="newcomer")
    wait_for(page, lambda d: "e-live" in texts(d, "#panel-events .chain-link"))
    wait_for(page, lambda d: len(texts(d, "#panel-journal td.status")) == 2)
    assert texts(page, "#panel-journal td.path") == ["/seat-events"] * 2  # not the browser's
    assert page.execute_script("return window.stillTheSamePage") is True


def test_freezing_the_clock_on_the_page_is_what_the_api_reports(
    page: Any, server: EmulatorServer, api: httpx.Client
) -> None:
    open_dashboard(page, server)
    field = wait_for(page, lambda d: css(d, '#panel-controls input[name="freezeAt"]'))[0]
    field.clear()
    field.send_keys("2024-04-30T00:00:00Z")
    css(page, "#freeze-button")[0].click()
    wait_for(page, lambda d: texts(d, "#clock-state") == ["frozen"])
    clock = api.get("/_emulator/clock").json()
    assert clock == {"now": "2024-04-30T00:00:00Z", "frozen": True}


def test_a_fault_rule_added_on_the_page_refuses_the_next_request(
    page: Any, server: EmulatorServer, api: httpx.Client
) -> None:
    open_dashboard(page, server)
    form = wait_for(page, lambda d: css(d, '#panel-controls form[data-action="add-fault"]'))[0]
    for name, value in {"method": "post", "path": "/seat-*", "status": "503", "count": "1"}.items():
        form.find_element("name", name).send_keys(value)
    form.submit()
    wait_for(page, lambda d: css(d, "#panel-controls li[data-rule-id]"))
    assert post_event(api).status_code == 503
    assert post_event(api).status_code == 201


def test_resetting_the_account_on_the_page_empties_it(
    page: Any, server: EmulatorServer, api: httpx.Client
) -> None:
    post_event(api)
    open_dashboard(page, server)
    wait_for(page, lambda d: css(d, '#panel-controls button[data-action="reset"]'))[0].click()
    wait_for(page, lambda d: d.switch_to.alert).accept()  # "Empty account …?"
    wait_for(page, lambda d: "No effective events match." in texts(d, "#panel-events .empty"))
    assert api.get("/seat-events").json()["items"] == []


def test_the_chart_is_drawn_and_its_screenshot_saved(
    page: Any, server: EmulatorServer, api: httpx.Client, tmp_path: Path
) -> None:
    april = [("e-1", "admin", "01", 5), ("e-2", "admin", "09", 12), ("e-3", "user", "03", 2)]
    april += [("e-1", "admin", "01", 7), ("e-4", "user", "18", 6), ("e-5", "admin", "22", 9)]
    for key, seat_type, day, total in april:
        timestamp = f"2024-04-{day}T00:00:00Z"
        post_event(
            api, customerEventId=key, seatType=seat_type, eventTimestamp=timestamp, total=total
        )
    post_event(
        api, customerEventId="e-5", customerAlias="VOID", eventTimestamp="2024-04-22", total=9
    )
    open_dashboard(page, server)
    chart = wait_for(page, lambda d: css(d, "#balance-chart"))[0]
    assert len(css(page, "#balance-chart path.step")) == 2
    assert len(css(page, "#balance-chart .mark.superseded")) == 2  # e-1's 5, e-5's 9 seats
    assert len(css(page, "#balance-chart .mark.void")) == 1
    shot = tmp_path / "chart.png"
    assert chart.screenshot(str(shot)) and shot.read_bytes().startswith(PNG)
    kept = os.environ.get("EMULATOR_SCREENSHOTS")
    if kept:
        page.save_screenshot(str(Path(kept) / "dashboard.png"))


def test_a_page_of_ten_thousand_events_renders(
    page: Any, server: EmulatorServer, api: httpx.Client
) -> None:
    account = post_event(api).json()["sequenceAccountId"]
    events = [
        {
            "customerAlias": f"c{n % 50}",
            "seatType": "admin",
            "eventTimestamp": "2024-04-01",
            "total": n,
        }
        for n in range(10_000)
    ]
    state = {"format": "sequence-emulator-state", "version": 1}
    state["accounts"] = [{"id": account, "seatEvents": events, "seatMetrics": []}]
    api.put("/_emulator/state", params={"accountId": account}, json=state).raise_for_status()
    open_dashboard(page, server)
    limit = css(page, '#panel-events form input[name="limit"]')[0]
    limit.clear()
    limit.send_keys("10000")
    limit.submit()
    wait_for(page, lambda d: len(css(d, "#panel-events .block .event-row")) == 10_000, 60)
    panel = css(page, "#panel-events")[0]
    took = panel.get_attribute("data-rendered-ms"), panel.get_attribute("data-timings")
    print("10,000 events on the page in {} ms ({})".format(*took))


def test_with_an_admin_token_the_page_asks_for_it(page: Any) -> None:
    guarded = EmulatorServer(create_app(Settings(admin_token="s3cret")), host="127.0.0.1")
    with guarded, httpx.Client(base_url=guarded.url, auth=("key", "secret")) as api:
        post_event(api, customerAlias="guarded-customer")
        page.get(f"{guarded.url}/_emulator/ui")
        form = wait_for(page, lambda d: [f for f in css(d, "#token-form") if f.is_displayed()])[0]
        assert "guarded-customer" not in page.page_source
        form.find_element("name", "token").send_keys("s3cret")
        form.submit()
        wait_for(
            page, lambda d: "guarded-customer" in " ".join(texts(d, "#panel-events .event-row"))
        )
