"""The Sequence-Version header (BEHAVIOUR.md §2): the versions accepted, and the operations
each earlier one serves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from emulator.http.errors import NOT_FOUND, UNRECOGNISED_VERSION, ApiError
from emulator.http.fastpath import operation_template

VERSION_HEADER = "Sequence-Version"
API_VERSION = "2024-07-30"  # the version the embedded document describes; absent means it
EARLIER_VERSIONS = ("2024-05-09", "2024-01-01")
SUPPORTED_VERSIONS = frozenset({API_VERSION, *EARLIER_VERSIONS})

# Sequence's documented answer, word for word.
UNRECOGNISED_MESSAGE = (
    "No matching API version found. Please make sure the specified API version is valid."
)


def requested_version(header: str | None) -> str | None:
    """The version asked for (absent: API_VERSION), or None when it is not one accepted."""
    if header is None:
        return API_VERSION
    version = header.strip()
    return version if version in SUPPORTED_VERSIONS else None


def answered_version(header: str | None) -> str:
    """The version a response names: the one asked for when accepted, else API_VERSION."""
    return requested_version(header) or API_VERSION


class OutsideVersionError(ApiError):
    """A 404: the operation is not part of the version asked for."""

    def __init__(self, operation: str, version: str) -> None:
        """Name the operation ('POST /customers/{id}/archive') and the version."""
        message = f"{operation} is not part of Sequence API version {version}"
        super().__init__(404, NOT_FOUND, message)


class Versions:
    """The operations ('METHOD /path') each earlier version serves (openapi/versions.yaml)."""

    def __init__(self, served: Mapping[str, Iterable[str]], templates: Iterable[str]) -> None:
        """Each earlier version's operations, and the document's paths to name them by."""
        self._served = {
            version: {_operation_key(operation) for operation in served.get(version, ())}
            for version in EARLIER_VERSIONS
        }
        self._templates = {operation_template(template): template for template in templates}

    def check(self, header: str | None, method: str, rule: str) -> None:
        """Sequence's 400 for a version not accepted; a 404 for an operation outside it."""
        version = requested_version(header)
        if version is None:
            raise ApiError(400, UNRECOGNISED_VERSION, UNRECOGNISED_MESSAGE)
        if version == API_VERSION:
            return
        method = "GET" if method == "HEAD" else method
        template = operation_template(rule)
        if (method, template) not in self._served[version]:
            raise OutsideVersionError(
                f"{method} {self._templates.get(template, template)}", version
            )


def _operation_key(operation: str) -> tuple[str, str]:
    """('POST', '/customers/{}/archive') from 'POST /customers/{id}/archive'."""
    method, _, path = operation.partition(" ")
    return method.upper(), operation_template(path)
