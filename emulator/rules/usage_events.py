"""Usage event flows, written once: supersession and import replay (BEHAVIOUR.md §12, as §4)."""

from __future__ import annotations

from collections.abc import Sequence

from emulator.domain.usage_events import UsageEvent, UsageEventDraft, supersede_usage
from emulator.rules import usage_totals, versions
from emulator.rules.minting import Mint
from emulator.store import usage_events as rows
from emulator.store.database import Transaction


class _Counted:
    """Usage event rows whose effective versions count in every live metric's totals."""

    effective = staticmethod(rows.effective)
    insert_versions = staticmethod(rows.insert_versions)  # an import adds the totals up after

    @staticmethod
    def retire(transaction: Transaction, event: UsageEvent) -> None:
        rows.retire(transaction, event)
        usage_totals.count_out(transaction, event)

    @staticmethod
    def insert_effective(transaction: Transaction, event: UsageEvent) -> bool:
        if not rows.insert_effective(transaction, event):
            return False
        usage_totals.count_in(transaction, event)
        return True


COUNTED = _Counted()


def save(
    transaction: Transaction, account_id: str, draft: UsageEventDraft, mint: Mint
) -> tuple[UsageEvent, bool]:
    """Store `draft` under supersession; the effective event, and whether it is new."""
    return versions.save(
        transaction,
        COUNTED,
        account_id,
        lambda current: supersede_usage(current, draft, account_id, mint),
    )


def replay(transaction: Transaction, account_id: str, events: Sequence[UsageEvent]) -> None:
    """Load stored versions as if received in id order: the last of each key counts (the
    metrics' totals are added up once the account's metrics are in: rebuild_account)."""
    versions.replay(transaction, rows, events)
