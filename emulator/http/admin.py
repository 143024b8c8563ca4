"""The optional admin token that guards the control plane."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from emulator.http.errors import ApiError

TOKEN_HEADER = "Emulator-Admin-Token"


class AdminGate:
    """With a token set, /_emulator/* needs it; product credentials never open it."""

    def __init__(self, token: str | None) -> None:
        self._token = token

    def check(self, headers: Mapping[str, str]) -> None:
        """Let the request through, or answer 401."""
        if self._token is None:
            return
        offered = headers.get(TOKEN_HEADER) or _bearer(headers.get("Authorization", ""))
        if not hmac.compare_digest(offered.encode(), self._token.encode()):
            raise ApiError(
                401,
                "Unauthorized",
                f"The control plane needs the admin token (Bearer, or {TOKEN_HEADER})",
                headers={"WWW-Authenticate": 'Bearer realm="sequence-emulator"'},
            )


def _bearer(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
