"""The JSON of customers and customer aliases, as Sequence names their fields (BEHAVIOUR.md §11).

Optional response fields that have no value are left out rather than null: Sequence's schemas
make none of them nullable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from marshmallow import (
    ValidationError,
    fields,
    post_load,
    validates_schema,
)

from emulator.domain.contacts import ContactDraft
from emulator.domain.customer_query import (
    AliasQuery,
    CustomerFilter,
    CustomerQuery,
    CustomerSortBy,
    alias_cursor_key,
    customer_cursor,
    customer_key_from_cursor,
)
from emulator.domain.customers import (
    STATE_REQUIRED_IN,
    Address,
    AliasDraft,
    AliasUpdate,
    Customer,
    CustomerAlias,
    CustomerDraft,
    CustomerRuleError,
    IntegrationId,
    Organization,
    check_alias_values,
    check_contacts,
    url_domain,
)
from emulator.domain.pages import InvalidCursorError, Page, PageRequest, encode_cursor
from emulator.domain.timestamps import format_utc
from emulator.schemas.base import LenientSchema, dump_time, present
from emulator.schemas.contacts import ContactDraftSchema, dump_contact
from emulator.schemas.pages import PagedQuerySchema, dump_page

T = TypeVar("T")

# Sequence's IntegrationService enum.
INTEGRATION_SERVICES = (
    "Amazon_Redshift",
    "GoCardless",
    "Google_BigQuery",
    "Google_Sheets",
    "HubSpot",
    "NetSuite",
    "QuickBooks_Online",
    "Salesforce",
    "Slack",
    "Snowflake",
    "Stripe",
    "Xero",
    "Avalara",
    "Anrok",
    "Attio",
    "Numeral",
    "Rillet",
    "Sphere",
)


class AddressSchema(LenientSchema):
    """An address; `state` is required for the USA and Canada (Sequence's description)."""

    line1 = fields.String(required=True)
    line2 = fields.String(load_default=None)
    town = fields.String(required=True)
    state = fields.String(load_default=None)
    postcode = fields.String(required=True)
    country = fields.String(required=True)

    @validates_schema
    def state_where_needed(self, data: dict[str, Any], **_: Any) -> None:
        """A US or Canadian address names its state or province."""
        if data.get("country") in STATE_REQUIRED_IN and not data.get("state"):
            message = f"state is required when country is {data['country']}"
            raise ValidationError(message, field_name="state")

    @post_load
    def make_address(self, data: dict[str, Any], **_: Any) -> Address:
        """Build the domain object."""
        return Address(**data)


class IntegrationIdDraftSchema(LenientSchema):
    """An id in an external service, in a customer request."""

    service = fields.String(required=True)
    id = fields.String(required=True)

    @post_load
    def make_integration_id(self, data: dict[str, Any], **_: Any) -> IntegrationId:
        """Build the domain object: nothing syncs in the emulator, so it is not pending."""
        return IntegrationId(data["service"], data["id"])


def parseable_url(url: str) -> None:
    """A customer's url is one its domain can be read from."""
    try:
        url_domain(url)
    except CustomerRuleError as error:
        raise ValidationError(str(error)) from None


class CustomerDraftSchema(LenientSchema):
    """The body of POST /customers and PUT /customers/{id}; pushToIntegrations is ignored."""

    legal_name = fields.String(data_key="legalName", required=True)
    address = fields.Nested(AddressSchema, required=True)
    url = fields.String(load_default=None, validate=parseable_url)
    label = fields.String(load_default=None)
    tax_status = fields.String(data_key="taxStatus", required=True)
    aliases = fields.List(fields.String(), data_key="customerAliases", load_default=list)
    integration_ids = fields.List(
        fields.Nested(IntegrationIdDraftSchema), data_key="integrationIds", load_default=None
    )
    parent_id = fields.String(data_key="parentId", load_default=None)
    contacts = fields.List(fields.Nested(ContactDraftSchema), required=True)
    status = fields.String(load_default=None)
    # Values are strings: openapi-core says so, naming the key (marshmallow would add `.value`).
    custom_properties = fields.Dict(
        keys=fields.String(), data_key="customProperties", load_default=None
    )

    @validates_schema(skip_on_field_errors=False)
    def customer_rules(self, data: dict[str, Any], **_: Any) -> None:
        """The domain's rules on contacts and alias values, reported with the other problems."""
        contacts = data.get("contacts", [])
        try:
            if all(isinstance(contact, ContactDraft) for contact in contacts):
                check_contacts(contacts)
            check_alias_values(data.get("aliases", []), "customerAliases")
        except CustomerRuleError as error:
            raise ValidationError(str(error), field_name=error.field) from None

    @post_load
    def make_draft(self, data: dict[str, Any], **_: Any) -> CustomerDraft:
        """Build the domain object."""
        integration_ids = data.pop("integration_ids")
        return CustomerDraft(
            **data
            | {
                "contacts": tuple(data["contacts"]),
                "aliases": tuple(data["aliases"]),
                "integration_ids": None if integration_ids is None else tuple(integration_ids),
            }
        )


class CustomerListQuerySchema(PagedQuerySchema):
    """The query string of GET /customers; billingStatus is accepted and ignored."""

    sort_by = fields.Enum(
        CustomerSortBy, by_value=True, data_key="sortBy", load_default=CustomerSortBy.CREATED_AT
    )
    sort_order = fields.String(data_key="sortOrder", load_default="DESC")
    legal_name = fields.String(data_key="legalName", load_default=None)
    email = fields.String(load_default=None)
    alias = fields.String(load_default=None)
    label = fields.String(load_default=None)
    include_archived = fields.Boolean(data_key="includeArchived", load_default=False)

    @post_load
    def make_query(self, data: dict[str, Any], **_: Any) -> CustomerQuery:
        """Build the domain query, decoding the cursor for the requested sort."""
        sort_by: CustomerSortBy = data["sort_by"]

        def key(name: str) -> Any:
            return _decoded(data[name], name, lambda text: customer_key_from_cursor(text, sort_by))

        page = PageRequest(
            limit=data["limit"],
            descending=data["sort_order"] == "DESC",
            after=key("after"),
            before=key("before"),
        )
        wanted = CustomerFilter(
            legal_name=data["legal_name"],
            email=data["email"],
            alias=data["alias"],
            label=data["label"],
            include_archived=data["include_archived"],
        )
        return CustomerQuery(wanted, sort_by, page)


class AliasDraftSchema(LenientSchema):
    """The body of POST /customer-aliases."""

    customer_id = fields.String(data_key="customerId", required=True)
    value = fields.String(required=True)
    label = fields.String(load_default=None)

    @post_load
    def make_draft(self, data: dict[str, Any], **_: Any) -> AliasDraft:
        """Build the domain object."""
        return AliasDraft(**data)


class AliasUpdateSchema(LenientSchema):
    """The body of PUT /customer-aliases/{id}."""

    label = fields.String(load_default=None)

    @post_load
    def make_update(self, data: dict[str, Any], **_: Any) -> AliasUpdate:
        """Build the domain object."""
        return AliasUpdate(**data)


class AliasListQuerySchema(PagedQuerySchema):
    """The query string of GET /customer-aliases: newest first."""

    value = fields.String(load_default=None)

    @post_load
    def make_query(self, data: dict[str, Any], **_: Any) -> AliasQuery:
        """Build the domain query, decoding cursors to alias ids."""
        page = PageRequest(
            limit=data["limit"],
            after=_decoded(data["after"], "after", alias_cursor_key),
            before=_decoded(data["before"], "before", alias_cursor_key),
        )
        return AliasQuery(data["value"], page)


def _decoded(cursor: str | None, name: str, decode: Callable[[str], T]) -> T | None:
    if cursor is None:
        return None
    try:
        return decode(cursor)
    except InvalidCursorError as error:
        raise ValidationError(str(error), field_name=name) from None


CUSTOMER_DRAFT = CustomerDraftSchema()
CUSTOMER_LIST_QUERY = CustomerListQuerySchema()
ALIAS_DRAFT = AliasDraftSchema()
ALIAS_UPDATE = AliasUpdateSchema()
ALIAS_LIST_QUERY = AliasListQuerySchema()


# --- Responses ----------------------------------------------------------------------------


def dump_address(address: Address) -> dict[str, Any]:
    """An Address object."""
    return present(
        line1=address.line1,
        line2=address.line2,
        town=address.town,
        state=address.state,
        postcode=address.postcode,
        country=address.country,
    )


def dump_integration_id(integration: IntegrationId) -> dict[str, Any]:
    """An IntegrationId1 object."""
    return present(
        service=integration.service,
        id=integration.id,
        lastSynced=dump_time(integration.last_synced),
        isPending=integration.is_pending,
    )


def dump_organization(organization: Organization) -> dict[str, Any]:
    """A CustomerOrganization object."""
    return {
        "id": organization.id,
        "owner": {"id": organization.owner.id, "name": organization.owner.name},
        "members": [{"id": m.id, "name": m.name} for m in organization.members],
    }


def dump_customer_item(
    customer: Customer, organizations: tuple[Organization, ...]
) -> dict[str, Any]:
    """A customer as GET /customers lists it (ListCustomerResponseModel)."""
    return present(
        id=customer.id,
        createdAt=format_utc(customer.created_at),
        organizations=[dump_organization(o) for o in organizations],
        legalName=customer.legal_name,
        address=dump_address(customer.address),
        url=customer.url,
        domain=customer.domain,
        label=customer.label,
        integrationIds=[dump_integration_id(i) for i in customer.integration_ids],
        archivedAt=dump_time(customer.archived_at),
        taxStatus=customer.tax_status,
        customProperties=dict(customer.custom_properties),
    )


def dump_customer(customer: Customer, organizations: tuple[Organization, ...]) -> dict[str, Any]:
    """A whole customer (Customer): the list item, with contacts and status."""
    return dump_customer_item(customer, organizations) | {
        "contacts": [dump_contact(c) for c in customer.live_contacts],
        "status": customer.status,
    }


def dump_customer_by_alias(customer: Customer) -> dict[str, Any]:
    """A customer as GET /customers/by-alias/{alias} answers it (Customer20240509)."""
    main = customer.main_contact
    return present(
        id=customer.id,
        createdAt=format_utc(customer.created_at),
        legalName=customer.legal_name,
        contactName=main.name if main else None,
        address=dump_address(customer.address),
        email=customer.email,
        url=customer.url,
        label=customer.label,
        integrationIds=[dump_integration_id(i) for i in customer.integration_ids],
        archivedAt=dump_time(customer.archived_at),
        billingEmails=list(customer.billing_emails),
        taxStatus=customer.tax_status,
    )


def dump_alias(alias: CustomerAlias) -> dict[str, Any]:
    """An alias with its label and end times (CustomerAliasResponseModel)."""
    return dump_alias_brief(alias) | present(
        deletedAt=dump_time(alias.deleted_at),
        label=alias.label,
        archivedAt=dump_time(alias.archived_at),
    )


def dump_alias_brief(alias: CustomerAlias) -> dict[str, Any]:
    """An alias as a customer's alias list shows it (CustomerAlias)."""
    return {
        "id": alias.id,
        "sequenceAccountId": alias.account_id,
        "customerId": alias.customer_id,
        "value": alias.value,
        "createdAt": format_utc(alias.created_at),
    }


def dump_customer_page(
    page: Page[Customer],
    sort_by: CustomerSortBy,
    organizations: Callable[[Customer], tuple[Organization, ...]],
) -> dict[str, Any]:
    """A page of customers, with cursors for the same sort."""
    return without_empty_cursors(
        dump_page(
            page,
            lambda customer: dump_customer_item(customer, organizations(customer)),
            lambda customer: customer_cursor(customer, sort_by),
        )
    )


def dump_alias_page(page: Page[CustomerAlias]) -> dict[str, Any]:
    """A page of aliases."""
    return without_empty_cursors(dump_page(page, dump_alias, lambda alias: encode_cursor(alias.id)))


def without_empty_cursors(listed: dict[str, Any]) -> dict[str, Any]:
    """PaginationMeta5: a cursor with nowhere to go is left out, not null."""
    return listed | {"pagination": present(**listed["pagination"])}
