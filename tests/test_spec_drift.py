"""The embedded OpenAPI document still says what Sequence's says (BEHAVIOUR.md section 1)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.specdiff import (
    ADDED,
    PROJECT_ADDITIONS,
    REMOVED,
    REQUIRED_REMOVED,
    Difference,
    compare,
    compare_with_suppressed,
)

ROOT = Path(__file__).resolve().parents[1]
PROJECT_DOCUMENT = ROOT / "openapi" / "seat-api.yaml"
# Sequence's whole published document: the cut-down copy beside it lacks the archive operation.
REFERENCE_DOCUMENT = ROOT.parent / "shared/reference/sequence-2024-07-30.product.json"

SEAT_OPERATIONS = (
    ("POST", "/seat-events"),
    ("GET", "/seat-events"),
    ("GET", "/seat-events/{id}"),
    ("GET", "/seat-balances"),
    ("GET", "/seat-metrics"),
    ("POST", "/seat-metrics"),
    ("GET", "/seat-metrics/{id}"),
    ("PUT", "/seat-metrics/{id}"),
    ("DELETE", "/seat-metrics/{id}"),
)
CUSTOMER_OPERATIONS = (
    ("POST", "/customers"),
    ("GET", "/customers"),
    ("GET", "/customers/{id}"),
    ("PUT", "/customers/{id}"),
    ("GET", "/customers/{id}/aliases"),
    ("GET", "/customers/by-alias/{alias}"),
    ("POST", "/customer-aliases"),
    ("GET", "/customer-aliases"),
    ("PUT", "/customer-aliases/{id}"),
    ("DELETE", "/customer-aliases/{id}"),
)
CONTACT_OPERATIONS = (
    ("GET", "/customers/{customer}/contacts"),
    ("POST", "/customers/{customer}/contacts"),
    ("PUT", "/customers/{customer}/contacts/{id}"),
    ("POST", "/customers/{customer}/contacts/{id}/archive"),
)
ACCOUNT_OPERATIONS = (
    ("GET", "/sequence-accounts"),
    ("GET", "/sequence-accounts/{id}"),
    ("PUT", "/sequence-accounts/{id}"),
)
USAGE_OPERATIONS = (
    ("POST", "/usage-events"),
    ("GET", "/usage-events"),
    ("GET", "/usage-metrics"),
    ("POST", "/usage-metrics"),
    ("GET", "/usage-metrics/{id}"),
    ("PUT", "/usage-metrics/{id}"),
    ("DELETE", "/usage-metrics/{id}"),
    ("GET", "/usage-metrics/{usageMetricId}/calculate"),
)
ARCHIVE = ("POST", "/customers/{id}/archive")
ERROR_REF = "#/components/schemas/Error"

Document = dict[str, Any]


@pytest.fixture(scope="module")
def project() -> Document:
    """The project's own document, as shipped."""
    document: Document = yaml.safe_load(PROJECT_DOCUMENT.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def reference() -> Document:
    """Sequence's document, when this clone sits beside the shared reference files."""
    if not REFERENCE_DOCUMENT.is_file():
        pytest.skip(
            "Sequence's reference document is not beside this clone (../shared/reference); "
            "drift cannot be checked"
        )
    document: Document = json.loads(REFERENCE_DOCUMENT.read_text(encoding="utf-8"))
    return document


def _listing(differences: list[Difference]) -> str:
    """Differences one per line, for a failure message."""
    return "\n".join(str(difference) for difference in differences)


def test_the_seat_operations_match_sequences_document(
    project: Document, reference: Document
) -> None:
    differences = compare(project, reference, SEAT_OPERATIONS)

    assert differences == [], "the project's document drifted:\n" + _listing(differences)


def test_the_customer_operations_match_sequences_document(
    project: Document, reference: Document
) -> None:
    differences = compare(project, reference, CUSTOMER_OPERATIONS)

    assert differences == [], "the project's document drifted:\n" + _listing(differences)


def test_the_contact_operations_match_sequences_document(
    project: Document, reference: Document
) -> None:
    comparison = compare_with_suppressed(project, reference, CONTACT_OPERATIONS)

    assert comparison.reported == (), "drifted:\n" + _listing(list(comparison.reported))
    # Added only what every operation gets: error bodies, 404 for what is unknown, 413, 429.
    assert {difference.location for difference, _ in comparison.suppressed} == {
        "response.400.body",
        "response.401.body",
        "response.404",
        "response.413",
        "response.429",
        "response.500.body",
    }


def test_the_account_operations_match_sequences_document(
    project: Document, reference: Document
) -> None:
    differences = compare(project, reference, ACCOUNT_OPERATIONS)

    assert differences == [], "the project's document drifted:\n" + _listing(differences)


def test_the_usage_operations_match_sequences_document_but_for_filter_lists(
    project: Document, reference: Document
) -> None:
    comparison = compare_with_suppressed(project, reference, USAGE_OPERATIONS)

    assert comparison.reported == (), "drifted:\n" + _listing(list(comparison.reported))
    departures = {
        (difference.operation, difference.location)
        for difference, _ in comparison.suppressed
        if difference.message != ADDED
    }
    # propertyFilters takes lists (Sequence's example), where its schema says objects.
    assert departures == {
        ("postUsageMetrics", "body.propertyFilters{}"),
        ("postUsageMetrics", "response.201.body.propertyFilters{}"),
        ("getUsageMetricsById", "response.200.body.propertyFilters{}"),
        ("putUsageMetricsById", "body.propertyFilters{}"),
        ("putUsageMetricsById", "response.200.body.propertyFilters{}"),
        ("deleteUsageMetricsById", "response.200.body.propertyFilters{}"),
    }


def test_archiving_is_sequences_own_operation(project: Document, reference: Document) -> None:
    comparison = compare_with_suppressed(project, reference, [ARCHIVE])

    assert comparison.reported == ()
    # What the project adds to it is only what it adds everywhere: error bodies and statuses.
    assert {difference.location for difference, _ in comparison.suppressed} == {
        "response.400.body",
        "response.401.body",
        "response.404",
        "response.429",
        "response.500.body",
    }


def test_every_operation_of_the_project_document_matches_too(
    project: Document, reference: Document
) -> None:
    differences = compare(project, reference)  # every (METHOD, path) the project has

    assert differences == [], "the project's document drifted:\n" + _listing(differences)


# --- The checker can fail ------------------------------------------------------------------


def _operation(document: Document, method: str, path: str) -> Document:
    """The operation object of a document."""
    found: Document = document["paths"][path][method.lower()]
    return found


def _schema(document: Document, name: str) -> Document:
    """A component schema of a document."""
    found: Document = document["components"]["schemas"][name]
    return found


def _parameter(document: Document, method: str, path: str, name: str) -> Document:
    """A parameter of one operation, made local to it so that a change stays there."""
    parameters = _operation(document, method, path)["parameters"]
    for index, parameter in enumerate(parameters):
        if "$ref" in parameter:
            component = parameter["$ref"].rsplit("/", 1)[-1]
            parameter = copy.deepcopy(document["components"]["parameters"][component])
            parameters[index] = parameter
        if parameter["name"] == name:
            local: Document = parameter
            return local
    raise KeyError(name)


def _drop_parameter(document: Document, method: str, path: str, name: str) -> None:
    """Remove a parameter from one operation."""
    parameter = _parameter(document, method, path, name)
    _operation(document, method, path)["parameters"].remove(parameter)


def _set(target: Callable[[Document], Any], key: str, value: Any) -> Callable[[Document], None]:
    """A change that sets one key of a node."""

    def change(document: Document) -> None:
        target(document)[key] = value

    return change


def _remove(target: Callable[[Document], Any], item: Any) -> Callable[[Document], None]:
    """A change that removes an item from a list or a key from a mapping."""

    def change(document: Document) -> None:
        container = target(document)
        if isinstance(container, list):
            container.remove(item)
        else:
            del container[item]

    return change


def _create_event(document: Document) -> Document:
    return _schema(document, "CreateSeatEventEndpointCreateSeatEventRequestModel")


def _create_event_field(name: str) -> Callable[[Document], Document]:
    return lambda document: _create_event(document)["properties"][name]


def _balances(document: Document) -> Document:
    return _schema(document, "CustomerSeatBalances")


def _responses(method: str, path: str) -> Callable[[Document], Document]:
    return lambda document: _operation(document, method, path)["responses"]


MUTATIONS: dict[str, tuple[Callable[[Document], None], Difference]] = {
    "total becomes a string": (
        _set(_create_event_field("total"), "type", "string"),
        Difference(
            "postSeatEvents",
            "body.total",
            "type is 'string' in the project, 'integer' in Sequence's document",
        ),
    ),
    "customerAlias no longer required": (
        _remove(lambda d: _create_event(d)["required"], "customerAlias"),
        Difference("postSeatEvents", "body.customerAlias", REQUIRED_REMOVED),
    ),
    "customerEventId no longer nullable": (
        _set(_create_event_field("customerEventId"), "nullable", False),
        Difference(
            "postSeatEvents",
            "body.customerEventId",
            "nullable is False in the project, True in Sequence's document",
        ),
    ),
    "a request field Sequence lacks": (
        _set(
            lambda d: _schema(d, "CreateSeatMetricRequest")["properties"],
            "note",
            {"type": "string"},
        ),
        Difference("postSeatMetrics", "body.note", ADDED),
    ),
    "unknown request fields refused": (
        _set(lambda d: _schema(d, "UpdateSeatMetricRequest"), "additionalProperties", False),
        Difference(
            "putSeatMetricsById",
            "body",
            "additionalProperties is 'forbidden' in the project, 'allowed' in Sequence's document",
        ),
    ),
    "request body made optional": (
        _set(
            lambda d: _operation(d, "PUT", "/seat-metrics/{id}")["requestBody"], "required", False
        ),
        Difference(
            "putSeatMetricsById",
            "body",
            "required is False in the project, True in Sequence's document",
        ),
    ),
    "Sequence-Version enum changed": (
        _set(
            lambda d: _parameter(d, "GET", "/seat-balances", "Sequence-Version")["schema"],
            "enum",
            ["2024-07-30", "2025-01-01"],
        ),
        Difference(
            "getSeatBalances",
            "header.Sequence-Version",
            "enum is ['2024-07-30', '2025-01-01'] in the project, ['2024-07-30'] in Sequence's "
            "document",
        ),
    ),
    "limit made required": (
        _set(lambda d: _parameter(d, "GET", "/seat-metrics", "limit"), "required", True),
        Difference(
            "getSeatMetrics",
            "query.limit",
            "required is True in the project, False in Sequence's document",
        ),
    ),
    "a parameter dropped": (
        lambda d: _drop_parameter(d, "GET", "/seat-balances", "excludeZeroQuantity"),
        Difference("getSeatBalances", "query.excludeZeroQuantity", REMOVED),
    ),
    "a response field dropped, deep in a list": (
        _remove(lambda d: _balances(d)["properties"], "legalName"),
        Difference("getSeatBalances", "response.200.body.items[].legalName", REMOVED),
    ),
    "an array's item type changed": (
        _set(lambda d: _balances(d)["properties"]["customerAliases"]["items"], "type", "integer"),
        Difference(
            "getSeatBalances",
            "response.200.body.items[].customerAliases[]",
            "type is 'integer' in the project, 'string' in Sequence's document",
        ),
    ),
    "a response 418 added": (
        _set(_responses("GET", "/seat-events/{id}"), "418", {"description": "I'm a teapot"}),
        Difference("getSeatEventsById", "response.418", ADDED),
    ),
    "a 404 where there is no id": (
        _set(_responses("GET", "/seat-balances"), "404", {"description": "Not Found"}),
        Difference("getSeatBalances", "response.404", ADDED),
    ),
    "a response Sequence documents dropped": (
        _remove(_responses("GET", "/seat-metrics/{id}"), "404"),
        Difference("getSeatMetricsById", "response.404", REMOVED),
    ),
    "operationId renamed": (
        _set(lambda d: _operation(d, "GET", "/seat-events/{id}"), "operationId", "getSeatEvent"),
        Difference(
            "getSeatEventsById",
            "operationId",
            "operationId is 'getSeatEvent' in the project, 'getSeatEventsById' in Sequence's "
            "document",
        ),
    ),
}


@pytest.mark.parametrize(("change", "expected"), MUTATIONS.values(), ids=MUTATIONS.keys())
def test_a_change_to_the_project_document_is_reported(
    project: Document,
    reference: Document,
    change: Callable[[Document], None],
    expected: Difference,
) -> None:
    baseline = compare(project, reference, SEAT_OPERATIONS)
    changed = copy.deepcopy(project)
    change(changed)

    new = [d for d in compare(changed, reference, SEAT_OPERATIONS) if d not in baseline]

    assert new == [expected], _listing(new)


def test_an_operation_sequence_lacks_is_reported(project: Document, reference: Document) -> None:
    changed = copy.deepcopy(project)
    changed["paths"]["/seat-events/{id}/void"] = {
        "post": {"operationId": "voidSeatEvent", "responses": {"200": {"description": "OK"}}}
    }

    differences = compare(changed, reference)

    assert Difference("voidSeatEvent", "operation", ADDED) in differences


def test_an_operation_the_project_lacks_is_reported_when_asked_for(
    project: Document, reference: Document
) -> None:
    changed = copy.deepcopy(project)
    del changed["paths"]["/customers"]["get"]

    differences = compare(changed, reference, [("GET", "/customers"), ("GET", "/nowhere")])

    assert differences == [
        Difference("getCustomers", "operation", REMOVED),
        Difference("GET /nowhere", "operation", "in neither document"),
    ]


def test_a_difference_reads_as_one_line() -> None:
    difference = Difference("postSeatEvents", "body.total", "type is 'string' in the project")

    assert str(difference) == "postSeatEvents body.total: type is 'string' in the project"


def test_recursive_schemas_are_compared_without_looping() -> None:
    def document(leaf_type: str) -> Document:
        node = {
            "type": "object",
            "properties": {
                "value": {"type": leaf_type},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            },
        }
        body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}
        operation = {"operationId": "postNode", "requestBody": body, "responses": {}}
        return {"paths": {"/nodes": {"post": operation}}, "components": {"schemas": {"Node": node}}}

    assert compare(document("string"), document("string")) == []
    assert compare(document("integer"), document("string")) == [
        Difference(
            "postNode",
            "body.value",
            "type is 'integer' in the project, 'string' in Sequence's document",
        )
    ]


# --- The additions are real, and all in use ------------------------------------------------


def _resolve(document: Document, node: Any) -> Any:
    """Follow local $refs."""
    while isinstance(node, dict) and "$ref" in node:
        node = _pointer(document, node["$ref"])
    return node


def _pointer(document: Document, ref: str) -> Any:
    """The node a local JSON pointer designates."""
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _error_statuses(operation: Document, path: str) -> set[str]:
    """The error responses the additions promise for one operation."""
    statuses = {"400", "401", "429", "500"}
    if "{id}" in path or "{alias}" in path:
        statuses.add("404")
    if "requestBody" in operation:
        statuses.add("413")
    return statuses


@pytest.mark.parametrize(("method", "path"), SEAT_OPERATIONS + CUSTOMER_OPERATIONS + (ARCHIVE,))
def test_every_error_response_promised_is_there_with_the_error_envelope(
    project: Document, method: str, path: str
) -> None:
    operation = _operation(project, method, path)
    responses = {str(status): response for status, response in operation["responses"].items()}

    for status in sorted(_error_statuses(operation, path)):
        assert status in responses, f"{operation['operationId']} has no {status}"
        response = _resolve(project, responses[status])
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": ERROR_REF}, f"{operation['operationId']} {status}: {schema}"


def test_every_project_addition_is_in_use(project: Document, reference: Document) -> None:
    comparison = compare_with_suppressed(project, reference)  # every operation of the project
    used = {addition for _, addition in comparison.suppressed}

    unused = [addition for addition in PROJECT_ADDITIONS if addition not in used]

    assert unused == [], f"additions no longer needed, remove them: {unused}"


def test_the_error_schema_is_the_envelope_of_behaviour_section_3(project: Document) -> None:
    error = _schema(project, "Error")["properties"]["error"]

    assert error["required"] == ["type", "message"]
    assert set(error["properties"]["type"]["enum"]) == {
        "UnrecognisedApiVersion",
        "validationError",
        "Unauthorized",
        "NotFound",
        "MethodNotAllowed",  # a known path with another method: 405, with an Allow header
        "PayloadTooLarge",
        "RateLimited",
        "ServiceUnavailable",  # a fault, or a database that went away
        "InternalError",
    }
    problem = error["properties"]["errors"]["items"]
    assert problem["required"] == ["code", "key", "message", "errors"]  # Sequence's ApiError


# --- The document itself ------------------------------------------------------------------


def test_the_document_is_valid_openapi(project: Document) -> None:
    from openapi_spec_validator import validate

    validate(project)


CREATE_BODY = {
    "customerEventId": "event-id-H4twuTWpYx1rkd8OMTki2hTUcZ",
    "customerAlias": "customer-id-2H4u5BBwBWsS5V2sroRFqJfTXpW",
    "seatType": "admin",
    "eventTimestamp": "2022-10-01T00:00:00Z",
    "total": 1,
}


@pytest.mark.parametrize("path", ["/seat-events", "/api/seat-events"])
@pytest.mark.parametrize(("body", "valid"), [(CREATE_BODY, True), ({"total": "3"}, False)])
def test_openapi_core_validates_requests_at_both_roots(
    project: Document, path: str, body: Document, valid: bool
) -> None:
    from openapi_core import OpenAPI
    from openapi_core.testing import MockRequest

    request = MockRequest(
        "http://localhost",
        "post",
        path,
        headers={"Authorization": "Basic Y2xpZW50OnNlY3JldA=="},
        data=json.dumps(body).encode(),
        content_type="application/json",
    )

    result = OpenAPI.from_dict(project).unmarshal_request(request)

    assert (result.errors == []) is valid, result.errors


def test_sequences_documented_version_error_fits_the_error_schema(project: Document) -> None:
    from openapi_core import OpenAPI
    from openapi_core.testing import MockRequest, MockResponse

    body = {
        "error": {
            "type": "UnrecognisedApiVersion",
            "message": "No matching API version found. Please make sure the specified API "
            "version is valid.",
        }
    }
    request = MockRequest("http://localhost", "get", "/seat-balances")
    response = MockResponse(json.dumps(body).encode(), status_code=400)

    result = OpenAPI.from_dict(project).unmarshal_response(request, response)

    assert result.errors == []
