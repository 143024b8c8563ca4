"""Which Sequence account a client id belongs to (BEHAVIOUR.md §2)."""

from __future__ import annotations

import uuid

# Fixed forever: changing it would move every unconfigured client to a new account.
ACCOUNT_NAMESPACE = uuid.UUID("6f1c3a52-4d1e-5b7a-9c2f-0e8d7b6a5c41")


def derived_account_id(client_id: str) -> str:
    """The stable account id of a client id that no configuration names."""
    return str(uuid.uuid5(ACCOUNT_NAMESPACE, f"client:{client_id}"))
