"""A client generated from Sequence's published OpenAPI document works against the emulator.

openapi-python-client runs from its own environment (`make client-generator`, a dependency of
`make test`) once per test process; every operation the emulator serves is then called through
the generated client, which must parse each answer into Sequence's model.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import attrs
import pytest
import yaml

from emulator.control import PREFIX as CONTROL_PREFIX
from emulator.testing import SequenceEmulator

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DOCUMENT = ROOT.parent / "shared/reference/sequence-2024-07-30.product.json"
GENERATOR = ROOT / ".venv-client/bin/openapi-python-client"
PACKAGE = "sequence_reference_client"
# Formatting the generated code would only cost time: nothing reads it but the interpreter.
GENERATOR_CONFIG = "post_hooks: []\n"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
# How a generated operation module names its request: `"method": "get", "url": "/x/{id}"`.
_REQUEST = re.compile(r'"method": "(\w+)",\s*"url": "([^"]+)"')

Operation = tuple[str, str]  # method, path as the documents write it
Test = TypeVar("Test", bound=Callable[..., None])

# Each test's operations, declared before it runs: the completeness check reads their union.
DECLARED: dict[str, tuple[Operation, ...]] = {}


def calls(*operations: Operation) -> Callable[[Test], Test]:
    """Declare the operations a test calls through the generated client (all, and only those)."""

    def declare(test: Test) -> Test:
        DECLARED[test.__name__] = operations
        return pytest.mark.slow(test)  # generating the client takes seconds

    return declare


def served_operations() -> set[Operation]:
    """Sequence's operations in the project's own documents: all but the control plane."""
    served = set()
    for document_path in sorted((ROOT / "openapi").glob("*.yaml")):
        document = yaml.safe_load(document_path.read_text(encoding="utf-8"))
        for path, item in document.get("paths", {}).items():
            if path.startswith(CONTROL_PREFIX):
                continue
            served.update((method.upper(), path) for method in item if method in HTTP_METHODS)
    return served


@dataclass
class GeneratedClient:
    """The generated package, imported, and its operation modules by method and path."""

    package: ModuleType
    models: ModuleType
    modules: dict[Operation, str]

    def operation(self, operation: Operation) -> ModuleType:
        """The generated module that sends `operation`."""
        key = (operation[0], _shape(operation[1]))
        if key not in self.modules:
            pytest.fail(f"Sequence's document has no operation {operation[0]} {operation[1]}")
        return importlib.import_module(f"{PACKAGE}.api.{self.modules[key]}")


def _shape(path: str) -> str:
    """A path with its parameters unnamed: the generator renames them (usage_metric_id)."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _operation_modules(package_dir: Path) -> dict[Operation, str]:
    modules = {}
    for source in sorted((package_dir / "api").glob("*/*.py")):
        found = _REQUEST.search(source.read_text(encoding="utf-8"))
        if found:
            key = (found[1].upper(), _shape(found[2]))
            modules[key] = f"{source.parent.name}.{source.stem}"
    return modules


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GeneratedClient]:
    """The client generated from Sequence's document, into this test process's own temp dir."""
    if not REFERENCE_DOCUMENT.is_file():
        pytest.skip(
            "Sequence's reference document is not beside this clone (../shared/reference); "
            "no client can be generated from it"
        )
    if not GENERATOR.is_file():
        pytest.fail(f"{GENERATOR} is missing: `make client-generator` installs it")
    workspace = tmp_path_factory.mktemp("generated-client")
    config = workspace / "config.yaml"
    config.write_text(GENERATOR_CONFIG, encoding="utf-8")
    package_dir = workspace / PACKAGE
    command = [
        str(GENERATOR),
        "generate",
        f"--path={REFERENCE_DOCUMENT}",
        f"--output-path={package_dir}",
        f"--config={config}",
        "--meta=none",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        pytest.fail(f"openapi-python-client failed:\n{result.stdout}\n{result.stderr}")
    sys.path.insert(0, str(workspace))
    try:
        package = importlib.import_module(PACKAGE)
        models = importlib.import_module(f"{PACKAGE}.models")
        yield GeneratedClient(package, models, _operation_modules(package_dir))
    finally:
        sys.path.remove(str(workspace))


def unknown_fields(value: Any, where: str = "") -> list[str]:
    """Fields of a parsed answer that Sequence's document does not declare, by dotted path."""
    if isinstance(value, list):
        return [
            name for i, item in enumerate(value) for name in unknown_fields(item, f"{where}{i}.")
        ]
    if not attrs.has(type(value)):
        return []
    declared = [f for f in attrs.fields(type(value)) if f.name != "additional_properties"]
    if not declared:  # a free-form map, such as customProperties
        return []
    found = [f"{where}{key}" for key in value.additional_properties]
    for attribute in declared:
        found += unknown_fields(getattr(value, attribute.name), f"{where}{attribute.name}.")
    return found


@dataclass
class Api:
    """The generated client on the test's emulator, keeping count of what a test calls."""

    generated: GeneratedClient
    client: Any
    authorization: str
    declared: tuple[Operation, ...]
    called: set[Operation] = field(default_factory=set)
    failed: bool = False  # a call failed, so the test stopped before its other calls

    @property
    def models(self) -> ModuleType:
        """The generated models: request bodies are built and answers checked with them."""
        return self.generated.models

    def send(self, method: str, path: str, **arguments: Any) -> Any:
        """Call one operation with the emulator's credentials; the generated `Response`."""
        operation = (method, path)
        assert operation in self.declared, f"{method} {path} is not in the test's @calls"
        self.called.add(operation)
        with self._failure_noted():
            return self.generated.operation(operation).sync_detailed(
                client=self.client, authorization=self.authorization, **arguments
            )

    def call(self, method: str, path: str, model: type, **arguments: Any) -> Any:
        """Call one operation that must succeed; its answer, parsed into Sequence's `model`."""
        response = self.send(method, path, **arguments)
        with self._failure_noted():
            assert 200 <= response.status_code < 300, response.content
            assert isinstance(response.parsed, model), (type(response.parsed), response.content)
            assert unknown_fields(response.parsed) == [], response.content
        return response.parsed

    def call_unbound(self, method: str, path: str, model: type, **query: Any) -> Any:
        """Call an operation the generator left out, with the generated client's own HTTP
        client; its answer, parsed into Sequence's `model` as the generated code would."""
        operation = (method, path)
        assert operation in self.declared, f"{method} {path} is not in the test's @calls"
        self.called.add(operation)
        with self._failure_noted():
            http = self.client.get_httpx_client()
            headers = {"Authorization": self.authorization}
            response = http.request(method, path, params=query, headers=headers)
            assert response.status_code == 200, response.content
            parsed = model.from_dict(response.json())
            assert unknown_fields(parsed) == [], response.content
        return parsed

    @contextmanager
    def _failure_noted(self) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self.failed = True
            raise


@pytest.fixture
def api(
    generated: GeneratedClient, sequence_emulator: SequenceEmulator, request: pytest.FixtureRequest
) -> Iterator[Api]:
    """The generated client for one test; afterwards, every operation it declared was called."""
    client = generated.package.Client(
        base_url=sequence_emulator.url, raise_on_unexpected_status=True
    )
    with client:
        authorization = sequence_emulator.headers["Authorization"]
        api = Api(generated, client, authorization, DECLARED[request.function.__name__])
        yield api
    if not api.failed:
        assert api.called == set(api.declared), "declared in @calls but never called"


CUSTOMER = {
    "legalName": "Acme Ltd",
    "address": {"line1": "1 Test Street", "town": "London", "postcode": "N1 1AA", "country": "GB"},
    "contacts": [{"name": "Ann Bell", "email": "ann@acme.test", "billingPreference": "PRIMARY"}],
    "taxStatus": "TAXED",
}


def create_customer(api: Api) -> Any:
    """CUSTOMER, created through the generated client (a test that uses it declares the POST)."""
    m = api.models
    return api.call(
        "POST", "/customers", m.Customer, body=m.CreateOrUpdateCustomerRequest.from_dict(CUSTOMER)
    )


@calls(
    ("POST", "/seat-events"),
    ("GET", "/seat-events"),
    ("GET", "/seat-events/{id}"),
    ("GET", "/seat-balances"),
)
def test_seat_events_and_balances(api: Api) -> None:
    m = api.models
    sent = {"customerAlias": "acme", "seatType": "admin", "eventTimestamp": "2024-04-01T00:00:00Z"}
    first = api.call(
        "POST",
        "/seat-events",
        m.CreateSeatEventEndpointProductCreateSeatEventResponseModel,
        body=m.CreateSeatEventEndpointCreateSeatEventRequestModel.from_dict(
            {**sent, "total": 3, "customerEventId": "event-1"}
        ),
        sequence_version=m.PostSeatEventsSequenceVersion("2024-07-30"),
    )
    api.call(
        "POST",
        "/seat-events",
        m.CreateSeatEventEndpointProductCreateSeatEventResponseModel,
        body=m.CreateSeatEventEndpointCreateSeatEventRequestModel.from_dict(
            {**sent, "total": 5, "eventTimestamp": "2024-04-02T00:00:00Z"}
        ),
    )

    listed = api.call(
        "GET", "/seat-events", m.ListSeatEventsEndpointEndpointResponseModel, customer_alias="acme"
    )
    fetched = api.call("GET", "/seat-events/{id}", m.SeatEvent, id=first.id)
    balances = api.call(
        "GET",
        "/seat-balances",
        m.ListCustomerSeatBalancesEndpointListCustomerSeatBalancesPaginatedResponseModel,
        customer_aliases="acme",
    )

    assert (first.customer_event_id, first.total, first.seat_type) == ("event-1", 3, "admin")
    assert [event.total for event in listed.items] == [5, 3]
    assert listed.pagination.total_result_size == 2
    assert (fetched.id, fetched.customer_alias, fetched.total) == (first.id, "acme", 3)
    [customer] = balances.items
    assert customer.customer_aliases == ["acme"]
    assert [(b.seat_type, b.total) for b in customer.balances] == [("admin", 5)]


@calls(
    ("POST", "/seat-metrics"),
    ("GET", "/seat-metrics"),
    ("GET", "/seat-metrics/{id}"),
    ("PUT", "/seat-metrics/{id}"),
    ("DELETE", "/seat-metrics/{id}"),
)
def test_seat_metrics(api: Api) -> None:
    m = api.models
    created = api.call(
        "POST",
        "/seat-metrics",
        m.SeatMetric,
        body=m.CreateSeatMetricRequest.from_dict({"seatType": "admin", "label": "Admins"}),
    )
    fetched = api.call(
        "GET",
        "/seat-metrics/{id}",
        m.GetSeatMetricEndpointProductGetSeatMetricResponseModel,
        id=created.id,
    )
    updated = api.call(
        "PUT",
        "/seat-metrics/{id}",
        m.SeatMetric,
        id=created.id,
        body=m.UpdateSeatMetricRequest.from_dict({"label": "Admin seats"}),
    )
    listed = api.call(
        "GET", "/seat-metrics", m.ListSeatMetricEndpointProductListSeatMetricPaginatedResponseModel
    )
    deleted = api.call("DELETE", "/seat-metrics/{id}", m.SeatMetric, id=created.id)
    after = api.call(
        "GET", "/seat-metrics", m.ListSeatMetricEndpointProductListSeatMetricPaginatedResponseModel
    )

    assert (fetched.id, fetched.seat_type, fetched.label) == (created.id, "admin", "Admins")
    assert (updated.seat_type, updated.label) == ("admin", "Admin seats")
    assert [(metric.id, metric.label) for metric in listed.items] == [(created.id, "Admin seats")]
    assert deleted.id == created.id
    assert after.items == []


@calls(
    ("POST", "/customers"),
    ("GET", "/customers"),
    ("GET", "/customers/{id}"),
    ("PUT", "/customers/{id}"),
    ("POST", "/customers/{id}/archive"),
)
def test_customers(api: Api) -> None:
    m = api.models
    created = api.call(
        "POST",
        "/customers",
        m.Customer,
        body=m.CreateOrUpdateCustomerRequest.from_dict({**CUSTOMER, "customerAliases": ["acme"]}),
    )
    listed = api.call("GET", "/customers", m.ListCustomerResponse, legal_name="acme")
    fetched = api.call("GET", "/customers/{id}", m.Customer, id=created.id)
    updated = api.call(
        "PUT",
        "/customers/{id}",
        m.Customer,
        id=created.id,
        body=m.CreateOrUpdateCustomerRequest.from_dict(
            {**CUSTOMER, "legalName": "Acme Group", "contacts": []}
        ),
    )
    archived = api.call("POST", "/customers/{id}/archive", m.Customer, id=created.id)

    assert [customer.id for customer in listed.items] == [created.id]
    assert (fetched.id, fetched.legal_name, fetched.address.postcode) == (
        created.id,
        "Acme Ltd",
        "N1 1AA",
    )
    assert [(c.name, c.email) for c in fetched.contacts] == [("Ann Bell", "ann@acme.test")]
    assert (updated.legal_name, updated.contacts) == ("Acme Group", [])
    assert isinstance(archived.archived_at, str)


@calls(
    ("POST", "/customers"),
    ("POST", "/customer-aliases"),
    ("GET", "/customer-aliases"),
    ("GET", "/customers/{id}/aliases"),
    ("GET", "/customers/by-alias/{alias}"),
    ("PUT", "/customer-aliases/{id}"),
    ("DELETE", "/customer-aliases/{id}"),
)
def test_customer_aliases(api: Api) -> None:
    m = api.models
    customer = create_customer(api)
    alias = api.call(
        "POST",
        "/customer-aliases",
        m.CustomerAliasResponseModel,
        body=m.CreateCustomerAliasRequestModel.from_dict(
            {"customerId": customer.id, "value": "acme-eu", "label": "Europe"}
        ),
    )
    listed = api.call(
        "GET", "/customer-aliases", m.ListCustomerAliasPaginatedResponseModel, value="acme-eu"
    )
    of_customer = api.call(
        "GET", "/customers/{id}/aliases", m.GetCustomerAliasesResponse, id=customer.id
    )
    by_alias = api.call("GET", "/customers/by-alias/{alias}", m.Customer20240509, alias="acme-eu")
    relabelled = api.call(
        "PUT",
        "/customer-aliases/{id}",
        m.CustomerAliasResponseModel,
        id=alias.id,
        body=m.UpdateCustomerAliasRequestModel.from_dict({"label": "EU"}),
    )
    deleted = api.call(
        "DELETE", "/customer-aliases/{id}", m.CustomerAliasResponseModel, id=alias.id
    )

    assert (alias.customer_id, alias.value, alias.label) == (customer.id, "acme-eu", "Europe")
    assert [item.id for item in listed.items] == [alias.id]
    assert [item.value for item in of_customer.items] == ["acme-eu"]
    assert (by_alias.id, by_alias.legal_name) == (customer.id, "Acme Ltd")
    assert (relabelled.id, relabelled.label) == (alias.id, "EU")
    assert isinstance(deleted.deleted_at, str)


@calls(
    ("POST", "/customers"),
    ("POST", "/customers/{customer}/contacts"),
    ("GET", "/customers/{customer}/contacts"),
    ("PUT", "/customers/{customer}/contacts/{id}"),
    ("POST", "/customers/{customer}/contacts/{id}/archive"),
    ("GET", "/customers/{id}"),
)
def test_contacts(api: Api) -> None:
    m = api.models
    customer = create_customer(api)
    [primary] = customer.contacts
    created = api.call(
        "POST",
        "/customers/{customer}/contacts",
        m.Contact,
        customer=customer.id,
        body=m.ContactRequestModel.from_dict(
            {"name": "Bob Cole", "email": "bob@acme.test", "billingPreference": "STANDARD"}
        ),
    )
    listed = api.call(
        "GET", "/customers/{customer}/contacts", m.ContactResponseModel, customer=customer.id
    )
    with_new = api.call("GET", "/customers/{id}", m.Customer, id=customer.id)
    updated = api.call(
        "PUT",
        "/customers/{customer}/contacts/{id}",
        m.Contact,
        customer=customer.id,
        id=created.id,
        body=m.ContactRequestModel.from_dict(
            {"name": "Bob Cole", "email": "bob@acme.example", "billingPreference": "NONE"}
        ),
    )
    after_update = api.call(
        "GET", "/customers/{customer}/contacts", m.ContactResponseModel, customer=customer.id
    )
    archived = api.call(
        "POST",
        "/customers/{customer}/contacts/{id}/archive",
        m.Contact,
        customer=customer.id,
        id=created.id,
    )
    live = api.call(
        "GET", "/customers/{customer}/contacts", m.ContactResponseModel, customer=customer.id
    )
    every = api.call(
        "GET",
        "/customers/{customer}/contacts",
        m.ContactResponseModel,
        customer=customer.id,
        include_archived=True,
    )
    after_archive = api.call("GET", "/customers/{id}", m.Customer, id=customer.id)

    assert (created.name, created.email, created.billing_preference) == (
        "Bob Cole",
        "bob@acme.test",
        m.ContactBillingPreference.STANDARD,
    )
    assert [c.id for c in listed.items] == [primary.id, created.id]
    assert [c.id for c in with_new.contacts] == [primary.id, created.id]
    assert (updated.id, updated.email, updated.billing_preference) == (
        created.id,
        "bob@acme.example",
        m.ContactBillingPreference.NONE,
    )
    assert [c.email for c in after_update.items] == ["ann@acme.test", "bob@acme.example"]
    assert (archived.id, isinstance(archived.archived_at, str)) == (created.id, True)
    assert [c.id for c in live.items] == [primary.id]
    assert [(c.id, isinstance(c.archived_at, str)) for c in every.items] == [
        (primary.id, False),
        (created.id, True),
    ]
    assert [c.id for c in after_archive.contacts] == [primary.id]


@calls(
    ("GET", "/sequence-accounts"),
    ("GET", "/sequence-accounts/{id}"),
    ("PUT", "/sequence-accounts/{id}"),
)
def test_sequence_accounts(api: Api, sequence_emulator: SequenceEmulator) -> None:
    m = api.models
    listed = api.call("GET", "/sequence-accounts", m.ListSequenceAccountsResponse)
    [account] = listed.items
    fetched = api.call("GET", "/sequence-accounts/{id}", m.SequenceAccount, id=account.id)
    updated = api.call(
        "PUT",
        "/sequence-accounts/{id}",
        m.SequenceAccount,
        id=account.id,
        body=m.UpdateSequenceAccountProductEndpointUpdateSequenceAccountRequest.from_dict(
            {"companyName": "Acme Billing Ltd", "alertEmailAddresses": ["ops@acme.test"]}
        ),
    )
    after = api.call("GET", "/sequence-accounts/{id}", m.SequenceAccount, id=account.id)

    assert account.id == sequence_emulator.account_id
    assert fetched.to_dict() == account.to_dict()
    assert (updated.id, updated.company_name, updated.alert_email_addresses) == (
        account.id,
        "Acme Billing Ltd",
        ["ops@acme.test"],
    )
    assert (after.company_name, after.company_number) == (
        "Acme Billing Ltd",
        account.company_number,
    )
    assert after.alert_email_addresses == ["ops@acme.test"]


@calls(("POST", "/seat-events"))
def test_a_refused_seat_event_is_sequences_api_error(api: Api) -> None:
    m = api.models
    body = {"customerAlias": "acme", "seatType": "admin", "eventTimestamp": "2024-04-01T00:00:00Z"}

    response = api.send(
        "POST",
        "/seat-events",
        body=m.CreateSeatEventEndpointCreateSeatEventRequestModel.from_dict({**body, "total": -1}),
    )

    # Sequence's document gives the 400 no body, so the client has no model for it (and no
    # ApiError schema at all): the answer is a documented status, its body read as JSON.
    assert (response.status_code, response.parsed) == (HTTPStatus.BAD_REQUEST, None)
    problem = {
        "code": "validationError",
        "key": "total",
        "message": "-1 is less than the minimum of 0",
        "errors": [],
    }
    assert json.loads(response.content) == {
        "error": {
            "type": "validationError",
            "message": "Request data validation failed",
            "errors": [problem],
        }
    }


def test_every_operation_the_emulator_serves_is_called_through_the_generated_client() -> None:
    exercised = {operation for operations in DECLARED.values() for operation in operations}
    served = served_operations()

    never_called = sorted(served - exercised)
    not_served = sorted(exercised - served)
    assert (never_called, not_served) == ([], []), (
        f"served by the emulator but called by no test here (add one with @calls): "
        f"{never_called}; called here but not in openapi/: {not_served}"
    )


@calls(
    ("POST", "/usage-events"),
    ("GET", "/usage-events"),
    ("POST", "/usage-metrics"),
    ("GET", "/usage-metrics"),
    ("GET", "/usage-metrics/{id}"),
    ("PUT", "/usage-metrics/{id}"),
    ("DELETE", "/usage-metrics/{id}"),
    ("GET", "/usage-metrics/{usageMetricId}/calculate"),
)
def test_usage_events_and_metrics(api: Api) -> None:
    m = api.models
    sent = {"customerAlias": "acme", "eventType": "message-sent"}
    for day, length in ((1, 500), (2, 120), (3, 40)):
        api.call(
            "POST",
            "/usage-events",
            m.CreateUsageEventEndpointProductCreateUsageEventResponseModel,
            body=m.CreateUsageEventEndpointCreateUsageEventRequestModel.from_dict(
                sent
                | {
                    "eventTimestamp": f"2024-04-0{day}T00:00:00Z",
                    "eventProperties": {"length": length, "channel": "text"},
                }
            ),
        )
    # openapi-python-client leaves getUsageEvents out (its customerAlias array names no
    # items), so a user calls it with the generated client's HTTP client and model.
    listed = api.call_unbound(
        "GET",
        "/usage-events",
        m.ListUsageEventEndpointEndpointResponseModel,
        customerAlias=["acme"],
        eventType="message-sent",
        limit=2,
    )
    definition = {
        "name": "Total length",
        "metricType": "SIMPLE",
        "eventType": "message-sent",
        "aggregationType": "SUM",
        "aggregationProperty": "length",
        "unit": "characters",
    }
    created = api.call(
        "POST",
        "/usage-metrics",
        m.CreateUsageMetricEndpointProductCreateUsageMetricResponseModel,
        body=m.CreateUsageMetricEndpointCreateUsageMetricRequestModel.from_dict(definition),
    )
    fetched = api.call(
        "GET",
        "/usage-metrics/{id}",
        m.GetUsageMetricEndpointProductGetUsageMetricResponseModel,
        id=created.id,
    )
    total = api.call(
        "GET",
        "/usage-metrics/{usageMetricId}/calculate",
        m.UsageMetricCalculationResponse,
        usage_metric_id=created.id,
        customer_aliases="acme",
        period_start="2024-04-01",
        period_end="2024-04-02",
    )
    updated = api.call(
        "PUT",
        "/usage-metrics/{id}",
        m.UpdateUsageMetricEndpointProductUpdateUsageMetricResponseModel,
        id=created.id,
        body=m.UpdateUsageMetricEndpointUpdateUsageMetricRequestModel.from_dict(
            definition | {"aggregationType": "COUNT", "aggregationProperty": None}
        ),
    )
    metrics = api.call(
        "GET", "/usage-metrics", m.ListUsageMetricEndpointProductResponseModel, name="length"
    )
    deleted = api.call(
        "DELETE",
        "/usage-metrics/{id}",
        m.DeleteUsageMetricEndpointProductDeleteUsageMetricResponseModel,
        id=created.id,
    )

    assert [event.event_properties["length"] for event in listed.items] == [40, 120]
    assert listed.pagination.total_result_size == 3
    assert (fetched.id, fetched.name, fetched.unit) == (created.id, "Total length", "characters")
    assert (total.value, total.event_count, total.unit) == (620, 2, "characters")
    assert updated.aggregation_type == m.AggregationType.COUNT
    assert [metric.id for metric in metrics.items] == [created.id]
    assert isinstance(deleted.deleted_at, str)
