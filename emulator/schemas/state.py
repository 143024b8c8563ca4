"""The state document: every account's data, as exported, imported and seeded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import (
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from emulator.domain.accounts import (
    AccountUpdate,
    SequenceAccount,
    placeholder_account,
    updated_account,
)
from emulator.domain.contacts import BILLING_PREFERENCES, Contact
from emulator.domain.customers import (
    CUSTOMER_STATUSES,
    DEFAULT_STATUS,
    TAX_STATUSES,
    Customer,
    CustomerAlias,
    CustomerRuleError,
    IntegrationId,
    check_alias_values,
)
from emulator.domain.seat_event_query import EPOCH
from emulator.domain.seat_events import SeatEvent
from emulator.domain.seat_metrics import SeatMetric
from emulator.domain.state import AccountState
from emulator.domain.timestamps import parse_timestamp
from emulator.schemas.base import LenientSchema, dump_time, present
from emulator.schemas.contacts import dump_contact
from emulator.schemas.customers import (
    INTEGRATION_SERVICES,
    AddressSchema,
    dump_address,
    parseable_url,
)
from emulator.schemas.fields import ConsumedList, Instant, consumed
from emulator.schemas.sequence_accounts import AccountUpdateSchema, dump_account
from emulator.schemas.state_events import (
    StateSeatEventSchema,
    StateSeatMetricSchema,
    StateUsageEventSchema,
    StateUsageMetricSchema,
    dump_state_usage_event,
    dump_state_usage_metric,
    minted_id,
    usage_event_of,
    usage_metric_of,
)
from emulator.spec import country_codes

FORMAT = "sequence-emulator-state"
VERSION = 1
# What an account's details keep; its id, creation time and organisation are derived.
STATE_ACCOUNT_FIELDS = (
    "companyName",
    "companyNumber",
    "country",
    "sendCustomerNotifications",
    "alertEmailAddresses",
)


def _country_code(code: str | None) -> None:
    if code is not None and code not in country_codes():
        raise ValidationError(f"{code!r} is not a country code of Sequence's CountryCode")


class StateContactSchema(LenientSchema):
    """One contact of a customer; `id` and the times are minted when absent."""

    id = fields.String(load_default="", validate=minted_id)
    name = fields.String(required=True)
    email = fields.String(required=True)
    billing_preference = fields.String(
        data_key="billingPreference",
        load_default="NONE",
        validate=validate.OneOf(BILLING_PREFERENCES),
    )
    created_at = Instant(data_key="createdAt", precise=True, load_default=EPOCH)
    updated_at = Instant(data_key="updatedAt", precise=True, load_default=EPOCH)
    archived_at = Instant(data_key="archivedAt", precise=True, load_default=None)

    @post_load
    def make_contact(self, data: dict[str, Any], **_: Any) -> Contact:
        """Build the domain object."""
        return Contact(**data)


class StateIntegrationIdSchema(LenientSchema):
    """One id of a customer in another service."""

    service = fields.String(required=True, validate=validate.OneOf(INTEGRATION_SERVICES))
    id = fields.String(required=True)
    is_pending = fields.Boolean(data_key="isPending", load_default=False)
    last_synced = Instant(data_key="lastSynced", precise=True, load_default=None)

    @post_load
    def make_integration_id(self, data: dict[str, Any], **_: Any) -> IntegrationId:
        """Build the domain object."""
        return IntegrationId(**data)


class StateCustomerSchema(LenientSchema):
    """One customer; `id` and `createdAt` are minted when absent. A seed may give its aliases
    inline, as `customerAliases: [value, ...]` (exports list them under customerAliases of
    the account instead)."""

    id = fields.String(load_default="", validate=minted_id)
    legal_name = fields.String(data_key="legalName", required=True, validate=validate.Length(1))
    address = fields.Nested(AddressSchema, required=True)
    contacts = fields.List(fields.Nested(StateContactSchema), load_default=list)
    tax_status = fields.String(
        data_key="taxStatus", load_default="TAXED", validate=validate.OneOf(TAX_STATUSES)
    )
    status = fields.String(load_default=DEFAULT_STATUS, validate=validate.OneOf(CUSTOMER_STATUSES))
    created_at = Instant(data_key="createdAt", precise=True, load_default=EPOCH)
    url = fields.String(load_default=None, validate=parseable_url)
    label = fields.String(load_default=None)
    integration_ids = fields.List(
        fields.Nested(StateIntegrationIdSchema), data_key="integrationIds", load_default=list
    )
    parent_id = fields.String(data_key="parentId", load_default=None)
    custom_properties = fields.Dict(
        keys=fields.String(), values=fields.String(), data_key="customProperties", load_default=dict
    )
    archived_at = Instant(data_key="archivedAt", precise=True, load_default=None)
    inline_aliases = fields.List(
        fields.String(validate=validate.Length(1, 255)),
        data_key="customerAliases",
        load_default=list,
        load_only=True,
    )


class StateAliasSchema(LenientSchema):
    """One alias, live or not; `id` and `createdAt` are minted when absent."""

    id = fields.String(load_default="", validate=minted_id)
    customer_id = fields.String(data_key="customerId", required=True)
    value = fields.String(required=True, validate=validate.Length(1, 255))
    label = fields.String(load_default=None)
    created_at = Instant(data_key="createdAt", precise=True, load_default=EPOCH)
    deleted_at = Instant(data_key="deletedAt", precise=True, load_default=None)
    archived_at = Instant(data_key="archivedAt", precise=True, load_default=None)


class StateSequenceAccountSchema(AccountUpdateSchema):
    """The account's company details; a field left out keeps its placeholder. The country is
    checked here, as the control plane's document does not list the codes."""

    country = fields.String(allow_none=True, load_default=None, validate=_country_code)


class AccountStateSchema(LenientSchema):
    """One account's data; customers, aliases and details may be left out (documents before
    them)."""

    account_id = fields.String(data_key="id", required=True)
    seat_events = ConsumedList(
        fields.Nested(StateSeatEventSchema), data_key="seatEvents", required=True
    )
    seat_metrics = fields.List(
        fields.Nested(StateSeatMetricSchema), data_key="seatMetrics", required=True
    )
    customers = fields.List(fields.Nested(StateCustomerSchema), load_default=list)
    customer_aliases = fields.List(
        fields.Nested(StateAliasSchema), data_key="customerAliases", load_default=list
    )
    sequence_account = fields.Nested(
        StateSequenceAccountSchema, data_key="sequenceAccount", load_default=None
    )
    usage_events = ConsumedList(
        fields.Nested(StateUsageEventSchema), data_key="usageEvents", load_default=list
    )
    usage_metrics = fields.List(
        fields.Nested(StateUsageMetricSchema), data_key="usageMetrics", load_default=list
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
        customers = data.get("customers", [])
        aliases = data.get("customer_aliases", [])
        _refuse_repeats([c["id"] for c in customers if c["id"]], "customers", "id")
        _refuse_repeats([a["id"] for a in aliases if a["id"]], "customerAliases", "id")
        _check_references(customers, aliases)
        for name, key in (("usage_events", "usageEvents"), ("usage_metrics", "usageMetrics")):
            _refuse_repeats([item["id"] for item in data.get(name, []) if item["id"]], key, "id")

    @post_load
    def make_state(self, data: dict[str, Any], **_: Any) -> AccountState:
        """Build the domain object, completing events and metrics with their account."""
        account = data["account_id"]
        events = tuple(
            SeatEvent(account_id=account, event_time=parse_timestamp(e["event_timestamp"]), **e)
            for e in consumed(data["seat_events"])
        )
        metrics = tuple(SeatMetric(account_id=account, **m) for m in data["seat_metrics"])
        customers = data["customers"]
        seeded = tuple(
            (index, value)
            for index, customer in enumerate(customers)
            for value in customer.pop("inline_aliases")
        )
        return AccountState(
            account,
            events,
            metrics,
            tuple(_customer(account, c) for c in customers),
            tuple(CustomerAlias(account_id=account, **a) for a in data["customer_aliases"]),
            seeded,
            _sequence_account(account, data["sequence_account"]),
            tuple(usage_event_of(account, e) for e in consumed(data["usage_events"])),
            tuple(usage_metric_of(account, m) for m in data["usage_metrics"]),
        )


def _sequence_account(account_id: str, details: AccountUpdate | None) -> SequenceAccount | None:
    if details is None:
        return None
    return updated_account(placeholder_account(account_id), details)


def _customer(account_id: str, data: dict[str, Any]) -> Customer:
    return Customer(
        account_id=account_id,
        **data
        | {"contacts": tuple(data["contacts"]), "integration_ids": tuple(data["integration_ids"])},
    )


def _check_references(customers: list[dict[str, Any]], aliases: list[dict[str, Any]]) -> None:
    """Aliases and parents name customers of the document; live alias values are unique."""
    known = {c["id"] for c in customers if c["id"]}
    for alias in aliases:
        if alias["customer_id"] not in known:
            message = f"Alias {alias['value']!r} names no customer of this account"
            raise ValidationError(message, field_name="customerAliases")
    for customer in customers:
        if customer["parent_id"] is not None and customer["parent_id"] not in known:
            message = f"parentId {customer['parent_id']!r} names no customer of this account"
            raise ValidationError(message, field_name="customers")
    live = [a["value"] for a in aliases if a["deleted_at"] is None and a["archived_at"] is None] + [
        value for c in customers for value in c["inline_aliases"]
    ]
    try:
        check_alias_values(live, "customerAliases")
    except CustomerRuleError as error:
        raise ValidationError(f"Live aliases: {error}", field_name="customerAliases") from None


def _refuse_repeats(values: list[str], collection: str, name: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValidationError(f"{name} {value!r} appears twice", field_name=collection)
        seen.add(value)


class StateSchema(LenientSchema):
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
                "customers": [dump_state_customer(c) for c in account.customers],
                "customerAliases": [dump_state_alias(a) for a in account.customer_aliases],
                "usageEvents": [dump_state_usage_event(e) for e in account.usage_events],
                "usageMetrics": [dump_state_usage_metric(m) for m in account.usage_metrics],
            }
            | _dumped_sequence_account(account.sequence_account)
            for account in accounts
        ],
    }


def _dumped_sequence_account(account: SequenceAccount | None) -> dict[str, Any]:
    """The account's details as the state document keeps them, where they were updated."""
    if account is None:
        return {}
    dumped = dump_account(account)
    return {"sequenceAccount": {key: dumped[key] for key in STATE_ACCOUNT_FIELDS}}


def dump_state_customer(customer: Customer) -> dict[str, Any]:
    """A customer as the state document keeps it: every field, instants to the microsecond."""
    return present(
        id=customer.id,
        createdAt=_precise(customer.created_at),
        legalName=customer.legal_name,
        address=dump_address(customer.address),
        contacts=[dump_contact(c, precise=True) for c in customer.contacts],
        taxStatus=customer.tax_status,
        status=customer.status,
        url=customer.url,
        label=customer.label,
        integrationIds=[
            present(
                service=i.service,
                id=i.id,
                isPending=i.is_pending,
                lastSynced=_precise(i.last_synced),
            )
            for i in customer.integration_ids
        ],
        parentId=customer.parent_id,
        customProperties=dict(customer.custom_properties),
        archivedAt=_precise(customer.archived_at),
    )


def dump_state_alias(alias: CustomerAlias) -> dict[str, Any]:
    """An alias as the state document keeps it, live or not."""
    return present(
        id=alias.id,
        customerId=alias.customer_id,
        value=alias.value,
        label=alias.label,
        createdAt=_precise(alias.created_at),
        deletedAt=_precise(alias.deleted_at),
        archivedAt=_precise(alias.archived_at),
    )


def _precise(value: datetime | None) -> str | None:
    return dump_time(value, precise=True)


STATE = StateSchema()
STATE_EVENT = StateSeatEventSchema()
STATE_METRIC = StateSeatMetricSchema()
