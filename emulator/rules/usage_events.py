"""Usage event flows, written once: supersession and import replay (BEHAVIOUR.md §12, as §4)."""

from __future__ import annotations

from collections.abc import Sequence

from emulator.domain.usage_events import UsageEvent, UsageEventDraft, supersede_usage
from emulator.rules import versions
from emulator.rules.minting import Mint
from emulator.store import usage_events as rows
from emulator.store.database import Transaction


def save(
    transaction: Transaction, account_id: str, draft: UsageEventDraft, mint: Mint
) -> tuple[UsageEvent, bool]:
    """Store `draft` under supersession; the effective event, and whether it is new."""
    return versions.save(
        transaction,
        rows,
        account_id,
        draft.customer_event_id,
        lambda current: supersede_usage(current, draft, account_id, mint),
    )


def replay(transaction: Transaction, account_id: str, events: Sequence[UsageEvent]) -> None:
    """Load stored versions as if received in id order: the last of each key counts."""
    versions.replay(transaction, rows, events)
