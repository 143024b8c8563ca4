"""HTTP Basic authentication and the account each client id opens (BEHAVIOUR.md §2)."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from functools import lru_cache

from emulator.config import Credential
from emulator.domain.accounts import derived_account_id
from emulator.http.errors import ApiError

_CHALLENGE = {"WWW-Authenticate": 'Basic realm="Sequence"'}


def unauthorized(message: str) -> ApiError:
    """A 401 in the envelope, with the Basic challenge."""
    return ApiError(401, "Unauthorized", message, headers=_CHALLENGE)


@lru_cache(maxsize=256)  # a client sends the same header on every request; refusals are not kept
def parse_basic(header: str | None) -> tuple[str, str]:
    """The client id and secret of an `Authorization: Basic ...` header, or a 401."""
    if not header:
        raise unauthorized(
            "Missing Authorization header: use HTTP Basic with your client credentials"
        )
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        raise unauthorized("Authorization must use the Basic scheme")
    try:
        # ValueError: b64decode refuses text that is not ASCII (a header is read as Latin-1).
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise unauthorized("Authorization is not valid base64 of clientId:clientSecret") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id:
        raise unauthorized("Authorization must encode clientId:clientSecret")
    return client_id, secret


@dataclass(frozen=True)
class Identity:
    """Who sent a request: the client id, and the account it opens."""

    client_id: str
    account_id: str


class Authenticator:
    """Decide which account a request's credentials open."""

    def __init__(self, credentials: tuple[Credential, ...] = ()) -> None:
        self._by_client_id = {credential.client_id: credential for credential in credentials}

    @property
    def open(self) -> bool:
        """Whether any well-formed credentials are accepted (no credentials configured)."""
        return not self._by_client_id

    def identify(self, header: str | None) -> Identity:
        """The client and account the Authorization header opens, or a 401."""
        client_id, secret = parse_basic(header)
        return Identity(client_id, self._account_for(client_id, secret))

    def _account_for(self, client_id: str, secret: str) -> str:
        if self.open:
            return _derived(client_id)
        credential = self._by_client_id.get(client_id)
        expected = credential.client_secret if credential else ""
        # Compare even for an unknown id, so timing does not reveal which ids exist.
        matches = hmac.compare_digest(secret.encode(), expected.encode())
        if credential is None or not matches:
            raise unauthorized("Invalid client credentials")
        return credential.account_id


def scoping_account(
    header: str | None, authenticator: Authenticator, admin_token_set: bool
) -> str | None:
    """The account a control request's product credentials stand for; None when none are sent.

    A Bearer header carries the admin token (checked before) when one is set; any other header
    must be well-formed Basic: a malformed or foreign one is a 401, never "every account".
    """
    if header is None:
        return None
    scheme = header.strip().partition(" ")[0]
    if admin_token_set and scheme.lower() == "bearer":
        return None
    return authenticator.identify(header).account_id


@lru_cache(maxsize=4096)
def _derived(client_id: str) -> str:
    return derived_account_id(client_id)
