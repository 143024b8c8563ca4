"""The JSON of the control plane: fault rules, clock changes, journal entries."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validates_schema

from emulator.domain.faults import FaultAction, FaultRule
from emulator.domain.journal import PAGE_LIMIT, JournalQuery
from emulator.schemas.base import LenientSchema
from emulator.schemas.fields import Duration, Instant, QueryInteger


class HeaderMatchSchema(LenientSchema):
    """A header name and the exact value a fault rule waits for."""

    name = fields.String(required=True)
    value = fields.String(required=True)


class FaultRuleInputSchema(LenientSchema):
    """The body of POST /_emulator/faults; the rule gets its id from the view."""

    method = fields.String(load_default=None)
    path = fields.String(load_default=None)
    account_id = fields.String(data_key="accountId", load_default=None)
    header = fields.Nested(HeaderMatchSchema, load_default=None)
    status = fields.Integer(load_default=None)
    retry_after = fields.Integer(data_key="retryAfter", load_default=None)
    delay_ms = fields.Integer(data_key="delayMs", load_default=0)
    drop = fields.Boolean(load_default=False)
    probability = fields.Float(load_default=1.0)
    count = fields.Integer(load_default=None)

    @validates_schema
    def one_outcome(self, data: dict[str, Any], **_: Any) -> None:
        """A rule must do something, and cannot both answer and drop."""
        if data.get("status") is None and not data.get("drop") and not data.get("delay_ms"):
            raise ValidationError("Give status, delayMs or drop", field_name="status")
        if data.get("status") is not None and data.get("drop"):
            raise ValidationError("A rule answers a status or drops, not both", field_name="drop")

    @post_load
    def make_rule(self, data: dict[str, Any], **_: Any) -> FaultRule:
        """A rule without its id yet."""
        status = data["status"]
        retry_after = data["retry_after"]
        if status == 429 and retry_after is None:
            retry_after = 1
        header = data["header"]
        return FaultRule(
            id="",
            action=FaultAction(status, retry_after, data["delay_ms"], data["drop"]),
            method=data["method"],
            path=data["path"],
            account_id=data["account_id"],
            header=(header["name"], header["value"]) if header else None,
            probability=data["probability"],
            remaining=data["count"],
        )


def dump_fault_rule(rule: FaultRule) -> dict[str, Any]:
    """A rule as listed, with its counts."""
    return {
        "id": rule.id,
        "method": rule.method,
        "path": rule.path,
        "accountId": rule.account_id,
        "header": {"name": rule.header[0], "value": rule.header[1]} if rule.header else None,
        "status": rule.action.status,
        "retryAfter": rule.action.retry_after,
        "delayMs": rule.action.delay_ms,
        "drop": rule.action.drop,
        "probability": rule.probability,
        "remaining": rule.remaining,
        "fired": rule.fired,
    }


def with_id(rule: FaultRule, rule_id: str) -> FaultRule:
    """The rule, named."""
    return replace(rule, id=rule_id)


class ClockChangeSchema(LenientSchema):
    """The body of PUT /_emulator/clock."""

    freeze_at = Instant(data_key="freezeAt", load_default=None)
    advance = Duration(load_default=None)

    @validates_schema
    def something(self, data: dict[str, Any], **_: Any) -> None:
        """A change must change something."""
        if data.get("freeze_at") is None and data.get("advance") is None:
            raise ValidationError("Give freezeAt, advance, or both", field_name="freezeAt")


class JournalQuerySchema(LenientSchema):
    """The query string of GET /_emulator/requests."""

    method = fields.String(load_default=None)
    path = fields.String(load_default=None)
    status = QueryInteger(load_default=None)
    account_id = fields.String(data_key="accountId", load_default=None)
    since = Instant(load_default=None)
    after = QueryInteger(load_default=0)
    limit = QueryInteger(load_default=PAGE_LIMIT)

    @post_load
    def make_query(self, data: dict[str, Any], **_: Any) -> JournalQuery:
        """Build the domain query."""
        return JournalQuery(**data)


class JournalEntrySchema(Schema):
    """One journal entry."""

    sequence = fields.Integer()
    time = Instant(precise=True)
    method = fields.String()
    path = fields.String()
    query = fields.Dict(keys=fields.String(), values=fields.String())
    headers = fields.Dict(keys=fields.String(), values=fields.String())
    body = fields.Raw(attribute="request_json", allow_none=True)
    body_truncated = fields.Boolean(data_key="bodyTruncated")
    status = fields.Integer()
    response_body = fields.Raw(attribute="response_json", data_key="responseBody", allow_none=True)
    response_truncated = fields.Boolean(data_key="responseTruncated")
    problems = fields.List(fields.Dict())
    account_id = fields.String(data_key="accountId", allow_none=True)
    duration_ms = fields.Float(data_key="durationMs")


class AccountQuerySchema(LenientSchema):
    """`accountId`, on reset and state."""

    account_id = fields.String(data_key="accountId", load_default=None)


FAULT_RULE_INPUT = FaultRuleInputSchema()
CLOCK_CHANGE = ClockChangeSchema()
JOURNAL_QUERY = JournalQuerySchema()
JOURNAL_ENTRY = JournalEntrySchema()
ACCOUNT_QUERY = AccountQuerySchema()
