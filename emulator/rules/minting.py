"""New ids inside a write: after every id the account already holds, when others may write."""

from __future__ import annotations

from collections.abc import Callable

from emulator.domain.seat_events import Minted
from emulator.store.accounts import greatest_id
from emulator.store.database import Transaction

Mint = Callable[[], Minted]
Observe = Callable[[str], None]


def observed(
    mint: Mint, observe: Observe | None, transaction: Transaction, account_id: str, *tables: str
) -> Mint:
    """`mint`, first showing `observe` the account's greatest id in the tables named.

    Several processes sharing a database each have their own id generator; the write holds the
    account's lock, so ids keep increasing with the order of writes across processes. Once
    shown, the generator is ahead of every id of the account: later mints need no look.
    """
    if observe is None:
        return mint
    looked = False

    def minting() -> Minted:
        nonlocal looked
        if not looked:
            greatest = greatest_id(transaction, account_id, tables)
            if greatest is not None:
                observe(greatest)
            looked = True
        return mint()

    return minting
