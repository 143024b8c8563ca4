"""The access log: whatever a client puts in the path or query, each request is one line."""

from __future__ import annotations

import logging

import pytest
from conftest import basic
from flask.testing import FlaskClient

from emulator.http.access_log import printable

FORGED = '127.0.0.1 "DELETE /seat-events" 204 0.1ms account=forged'


def access_lines(client: FlaskClient, caplog: pytest.LogCaptureFixture, url: str) -> list[str]:
    with caplog.at_level(logging.INFO, logger="emulator.access"):
        client.get(url, headers=basic())
    return [r.getMessage() for r in caplog.records if r.name == "emulator.access"]


@pytest.mark.parametrize(
    ("url", "escaped"),
    [
        ("/seat-events/a%0A" + FORGED.replace(" ", "%20"), "/seat-events/a\\n127.0.0.1"),
        ("/seat-events/a%0D%0Aforged", "/seat-events/a\\r\\nforged"),
        ("/customers/by-alias/%1B%5B31mred", "/customers/by-alias/\\x1b[31mred"),
        ("/customers/by-alias/a%E2%80%A8b", "/customers/by-alias/a\\u2028b"),
        ("/customers/by-alias/a%C2%85b", "/customers/by-alias/a\\x85b"),
        ("/customers/by-alias/back%5Cslash%5Cn", "/customers/by-alias/back\\\\slash\\\\n"),
        ("/no-such-path/%0Aforged", "/no-such-path/\\nforged"),
        ("/_emulator/%0D%0Aforged", "/_emulator/\\r\\nforged"),
    ],
)
def test_control_characters_from_the_path_are_escaped_in_one_line(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, url: str, escaped: str
) -> None:
    lines = access_lines(client, caplog, url)
    assert len(lines) == 1
    assert escaped in lines[0]
    assert not any(char in lines[0] for char in "\n\r\x1b\x85\u2028")


@pytest.mark.parametrize("query", ["customerAlias=a%0Aforged", "seatType=%0D%0A%00", "x=%1B"])
def test_the_query_is_logged_as_sent_never_decoded_into_a_new_line(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, query: str
) -> None:
    (line,) = access_lines(client, caplog, f"/seat-events?{query}")
    assert f"/seat-events?{query}" in line and "\n" not in line


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("/plain/path?a=1", "/plain/path?a=1"),
        ("/caf\u00e9", "/caf\u00e9"),  # printable non-ASCII text is kept as it is
        ("\x00\t\x7f", "\\x00\\t\\x7f"),
        ("a\\nb", "a\\\\nb"),  # a literal backslash cannot pass for an escape
    ],
)
def test_printable_escapes_only_what_could_forge_or_hide_a_line(text: str, shown: str) -> None:
    assert printable(text) == shown
