"""The state document: every account's data, as exported, imported and seeded."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from emulator.domain.seat_event_query import EPOCH
from emulator.domain.seat_events import SeatEvent
from emulator.domain.seat_metrics import SeatMetric
from emulator.domain.state import AccountState
from emulator.domain.timestamps import parse_timestamp
from emulator.schemas.fields import Instant, TimestampText

FORMAT = "sequence-emulator-state"
VERSION = 1


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


_UUID = validate.Regexp(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    error="Expected a lower-case UUID (as the emulator exports), or no id at all",
)


class StateSeatEventSchema(_Lenient):
    """One stored version; `id`, `createdAt` and `customerEventId` are minted when absent."""

    id = fields.String(load_default="", validate=_UUID)
    customer_event_id = fields.String(data_key="customerEventId", load_default="")
    customer_alias = fields.String(data_key="customerAlias", required=True)
    seat_type = fields.String(data_key="seatType", required=True)
    event_timestamp = TimestampText(data_key="eventTimestamp", required=True)
    total = fields.Integer(strict=True, required=True)
    created_at = Instant(data_key="createdAt", precise=True, load_default=EPOCH)


class StateSeatMetricSchema(_Lenient):
    """One seat metric; `id` and the times are minted when absent."""

    id = fields.String(load_default="", validate=_UUID)
    seat_type = fields.String(data_key="seatType", required=True)
    label = fields.String(required=True)
    description = fields.String(allow_none=True, load_default=None)
    created_at = Instant(data_key="createdAt", precise=True, load_default=EPOCH)
    updated_at = Instant(data_key="updatedAt", precise=True, load_default=EPOCH)


class AccountStateSchema(_Lenient):
    """One account's data."""

    account_id = fields.String(data_key="id", required=True)
    seat_events = fields.List(
        fields.Nested(StateSeatEventSchema), data_key="seatEvents", required=True
    )
    seat_metrics = fields.List(
        fields.Nested(StateSeatMetricSchema), data_key="seatMetrics", required=True
    )

    @validates_schema
    def unique(self, data: dict[str, Any], **_: Any) -> None:
        """Ids unique, and one metric per seat type."""
        _refuse_repeats(
            [e["id"] for e in data.get("seat_events", []) if e["id"]], "seatEvents", "id"
        )
        _refuse_repeats(
            [m["id"] for m in data.get("seat_metrics", []) if m["id"]], "seatMetrics", "id"
        )
        seat_types = [m["seat_type"] for m in data.get("seat_metrics", [])]
        _refuse_repeats(seat_types, "seatMetrics", "seatType")

    @post_load
    def make_state(self, data: dict[str, Any], **_: Any) -> AccountState:
        """Build the domain object, completing events and metrics with their account."""
        account = data["account_id"]
        events = tuple(
            SeatEvent(account_id=account, event_time=parse_timestamp(e["event_timestamp"]), **e)
            for e in data["seat_events"]
        )
        metrics = tuple(SeatMetric(account_id=account, **m) for m in data["seat_metrics"])
        return AccountState(account, events, metrics)


def _refuse_repeats(values: list[str], collection: str, name: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValidationError(f"{name} {value!r} appears twice", field_name=collection)
        seen.add(value)


class StateSchema(_Lenient):
    """The whole document."""

    format = fields.String(required=True)
    version = fields.Integer(required=True)
    accounts = fields.List(fields.Nested(AccountStateSchema), required=True)

    @validates_schema
    def known_format(self, data: dict[str, Any], **_: Any) -> None:
        """Only documents this release writes."""
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValidationError(f"Expected format {FORMAT!r} version {VERSION}", "format")

    @post_load
    def accounts_only(self, data: dict[str, Any], **_: Any) -> list[AccountState]:
        """The accounts, which is all the document carries."""
        accounts: list[AccountState] = data["accounts"]
        ids = [account.account_id for account in accounts]
        if len(set(ids)) != len(ids):
            raise ValidationError("An account appears twice", "accounts")
        return accounts


def dump_state(accounts: list[AccountState]) -> dict[str, Any]:
    """The document for these accounts."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "accounts": [
            {
                "id": account.account_id,
                "seatEvents": STATE_EVENT.dump(account.seat_events, many=True),
                "seatMetrics": STATE_METRIC.dump(account.seat_metrics, many=True),
            }
            for account in accounts
        ],
    }


STATE = StateSchema()
STATE_EVENT = StateSeatEventSchema()
STATE_METRIC = StateSeatMetricSchema()
