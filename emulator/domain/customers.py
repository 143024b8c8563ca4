"""Customers as the seat API sees them before any customer record exists (BEHAVIOUR.md §6)."""

from __future__ import annotations

import uuid
from functools import lru_cache

# Fixed forever: an implicit customer's id must not change between releases.
CUSTOMER_NAMESPACE = uuid.UUID("0b9f6f2e-2f0c-5d1e-8a7b-3c4d5e6f7a80")


@lru_cache(maxsize=65536)
def implicit_customer_id(account_id: str, alias: str) -> str:
    """The stable id of the implicit customer an unmapped alias stands for."""
    return str(uuid.uuid5(CUSTOMER_NAMESPACE, f"{account_id}/{alias}"))
