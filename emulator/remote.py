"""Talking to a running emulator's control plane (for export and import)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class RemoteError(Exception):
    """The emulator could not be reached, or refused the request."""


def call(
    base_url: str,
    method: str,
    path: str,
    *,
    body: Any = None,
    query: dict[str, str] | None = None,
    admin_token: str | None = None,
    timeout: float = 60,
) -> Any:
    """Send one control-plane request and return its decoded JSON answer."""
    url = base_url.rstrip("/") + path
    if query:
        url += "?" + urllib.parse.urlencode(query)
    headers = {"Content-Type": "application/json"}
    if admin_token:
        headers["Authorization"] = f"Bearer {admin_token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise RemoteError(f"{method} {url}: {error.code} {_message(error.read())}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise RemoteError(f"{method} {url}: cannot reach the emulator ({reason})") from None


def _message(payload: bytes) -> str:
    try:
        error = json.loads(payload)["error"]
        details = "; ".join(f"{d['key']}: {d['message']}" for d in error.get("errors", []))
        return f"{error['message']}" + (f" ({details})" if details else "")
    except (ValueError, KeyError, TypeError):
        return payload.decode("utf-8", errors="replace")[:500]
