"""The operations each earlier API version serves are decided from Sequence's documents
(BEHAVIOUR.md section 2), and the table the emulator embeds says the same."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from emulator.http.version import API_VERSION, EARLIER_VERSIONS
from emulator.spec import PRODUCT_DOCUMENT, VERSIONS_TABLE, load_document
from emulator.speccompat import incompatibilities, served_by

REFERENCE = Path(__file__).resolve().parents[2] / "shared/reference"

Document = dict[str, Any]


@pytest.fixture(scope="module")
def project() -> Document:
    """The project's own document, as shipped."""
    return load_document(PRODUCT_DOCUMENT)


@pytest.fixture(scope="module")
def table() -> dict[str, list[str]]:
    """The embedded table: per earlier version, the operations it serves."""
    return load_document(VERSIONS_TABLE)


def sequences_document(version: str) -> Document:
    """Sequence's published document for one version, when this clone sits beside it."""
    path = REFERENCE / f"sequence-{version}.product.json"
    if not path.is_file():
        pytest.skip(
            f"Sequence's {version} document is not beside this clone (../shared/reference); "
            "the versions table cannot be recomputed"
        )
    document: Document = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_the_table_lists_each_earlier_version_and_only_operations_the_emulator_has(
    project: Document, table: dict[str, list[str]]
) -> None:
    operations = {
        f"{method.upper()} {path}"
        for path, item in project["paths"].items()
        for method in item
        if method != "parameters"
    }

    assert list(table) == list(EARLIER_VERSIONS)
    for version, served in table.items():
        assert set(served) <= operations, version
        assert len(served) == len(set(served)), version


@pytest.mark.parametrize("version", EARLIER_VERSIONS)
def test_the_table_is_what_sequences_documents_decide(
    project: Document, table: dict[str, list[str]], version: str
) -> None:
    verdicts = served_by(project, sequences_document(version), version)
    decided = {operation for operation, reasons in verdicts.items() if not reasons}
    embedded = set(table[version])

    changed = [
        f"{operation}: now served"
        if operation in decided
        else f"{operation}: no longer served, "
        + "; ".join(verdicts.get(operation) or ["not an operation of the emulator"])
        for operation in sorted(decided ^ embedded)
    ]
    assert not changed, f"openapi/{VERSIONS_TABLE} is out of date for {version}:\n" + "\n".join(
        changed
    )


def test_the_documents_own_version_serves_every_operation(project: Document) -> None:
    # The check is no stricter than the drift check: Sequence's current document passes it.
    verdicts = served_by(project, sequences_document(API_VERSION), API_VERSION)

    refused = {operation: reasons for operation, reasons in verdicts.items() if reasons}
    assert refused == {}


def test_an_operation_an_earlier_document_lacks_is_not_served(project: Document) -> None:
    reasons = incompatibilities(
        project, sequences_document("2024-01-01"), "2024-01-01", "POST", "/seat-events"
    )

    assert reasons == ["not in 2024-01-01's document"]


def test_a_response_field_an_earlier_document_forbids_null_is_a_reason(project: Document) -> None:
    # The emulator answers `"after": null` on a last page; 2024-05-09 does not allow null there.
    reasons = incompatibilities(
        project, sequences_document("2024-05-09"), "2024-05-09", "GET", "/seat-balances"
    )

    assert "response.200.body.pagination.after: nullable in the project, not in 2024-05-09" in (
        reasons
    )


# --- The check on small documents ---------------------------------------------------------


def document(request: Any, response: Any, parameters: list[Any] | None = None) -> Document:
    """A document with one operation, POST /things, its request and 201 response schemas."""
    body = {"required": True, "content": {"application/json": {"schema": request}}}
    created = {"description": "Created", "content": {"application/json": {"schema": response}}}
    operation = {
        "operationId": "postThings",
        "parameters": parameters or [],
        "requestBody": body,
        "responses": {"201": created, "400": {"description": "Bad Request"}},
    }
    return {"paths": {"/things": {"post": operation}}, "components": {"schemas": {}}}


THING = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string"}, "note": {"type": "string", "nullable": True}},
}


def reasons_for(project: Document, earlier: Document) -> list[str]:
    return incompatibilities(project, earlier, "2024-01-01", "POST", "/things")


def changed(schema: Document, path: list[str], key: str, value: Any) -> Document:
    """A copy of `schema` with one keyword set deep inside it (None removes it)."""
    copied = copy.deepcopy(schema)
    node = copied
    for part in path:
        node = node[part]
    if value is None:
        node.pop(key, None)
    else:
        node[key] = value
    return copied


def test_the_same_shapes_are_compatible() -> None:
    assert reasons_for(document(THING, THING), document(THING, THING)) == []


def test_a_request_field_only_non_nullable_in_the_earlier_document_is_compatible() -> None:
    earlier = changed(THING, ["properties", "note"], "nullable", None)

    assert reasons_for(document(THING, THING), document(earlier, THING)) == []


@pytest.mark.parametrize(
    ("project_request", "earlier_request", "reason"),
    [
        (
            changed(THING, [], "required", ["name", "note"]),
            THING,
            "body.note: required in the project, not in 2024-01-01",
        ),
        (
            changed(THING, ["properties", "name"], "type", "integer"),
            THING,
            "body.name: type 'string' in 2024-01-01, 'integer' in the project",
        ),
        (
            changed(THING, ["properties", "name"], "enum", ["a"]),
            changed(THING, ["properties", "name"], "enum", ["a", "b"]),
            "body.name: ['b'] only in 2024-01-01's enum",
        ),
        (
            changed(THING, [], "additionalProperties", False),
            THING,
            "body{}: accepted by 2024-01-01, refused by the project",
        ),
        (
            changed(THING, ["properties", "name"], "maxLength", 10),
            changed(THING, ["properties", "name"], "maxLength", 20),
            "body.name: maxLength 20 in 2024-01-01, 10 in the project",
        ),
        (
            THING,
            changed(THING, ["properties", "name"], "oneOf", [{"type": "string"}]),
            "body.name: oneOf not compared",
        ),
    ],
    ids=["required", "type", "enum", "extra fields", "a looser bound", "unknown keyword"],
)
def test_a_request_the_earlier_document_accepts_and_the_project_refuses_is_a_reason(
    project_request: Document, earlier_request: Document, reason: str
) -> None:
    reasons = reasons_for(document(project_request, THING), document(earlier_request, THING))

    assert reasons == [reason]


def test_a_bound_only_the_project_sets_is_its_own_reading_under_every_version() -> None:
    project = changed(THING, ["properties", "name"], "minLength", 1)

    assert reasons_for(document(project, THING), document(THING, THING)) == []


@pytest.mark.parametrize(
    ("project_response", "earlier_response", "reason"),
    [
        (
            changed(THING, ["properties", "name"], "nullable", True),
            THING,
            "response.201.body.name: nullable in the project, not in 2024-01-01",
        ),
        (
            changed(THING, [], "required", []),
            THING,
            "response.201.body.name: required in 2024-01-01, not in the project",
        ),
        (
            THING,
            changed(THING, ["properties", "name"], "format", "date-time"),
            "response.201.body.name: format not set in the project, 'date-time' in 2024-01-01",
        ),
    ],
    ids=["nullable", "required", "format"],
)
def test_a_response_the_earlier_document_does_not_allow_is_a_reason(
    project_response: Document, earlier_response: Document, reason: str
) -> None:
    reasons = reasons_for(document(THING, project_response), document(THING, earlier_response))

    assert reasons == [reason]


def test_another_success_status_is_a_reason_and_an_empty_error_body_is_not() -> None:
    project = document(THING, THING)
    earlier = document(THING, THING)
    responses = earlier["paths"]["/things"]["post"]["responses"]
    responses["200"] = responses.pop("201")
    project_responses = project["paths"]["/things"]["post"]["responses"]
    project_responses["404"] = {
        "description": "Not Found",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }

    assert reasons_for(project, earlier) == ["response.201: not in 2024-01-01"]


def test_the_version_header_is_left_to_the_version_rule() -> None:
    def version_header(version: str) -> list[Any]:
        schema = {"type": "string", "enum": [version]}
        return [{"name": "Sequence-Version", "in": "header", "schema": schema}]

    project = document(THING, THING, version_header("2024-07-30"))
    earlier = document(THING, THING, version_header("2024-01-01"))

    assert reasons_for(project, earlier) == []


def test_a_parameter_the_project_lacks_is_a_reason() -> None:
    search = {"name": "search", "in": "query", "schema": {"type": "string"}}

    reasons = reasons_for(document(THING, THING), document(THING, THING, [search]))

    assert reasons == ["query.search: only in 2024-01-01"]
