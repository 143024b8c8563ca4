"""The Sequence-Version header (BEHAVIOUR.md §2)."""

from __future__ import annotations

from emulator.http.errors import UNRECOGNISED_VERSION, ApiError

API_VERSION = "2024-07-30"
EARLIER_VERSIONS = ("2024-05-09", "2024-01-01")  # their operations: openapi/versions.yaml
SUPPORTED_VERSIONS = frozenset({API_VERSION})

# Sequence's documented answer, word for word.
UNRECOGNISED_MESSAGE = (
    "No matching API version found. Please make sure the specified API version is valid."
)


def check_version(header: str | None) -> None:
    """Accept an absent or supported version; anything else is Sequence's 400."""
    if header is not None and header.strip() not in SUPPORTED_VERSIONS:
        raise ApiError(400, UNRECOGNISED_VERSION, UNRECOGNISED_MESSAGE)
