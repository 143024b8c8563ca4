"""The embedded OpenAPI documents, read from inside the installed package."""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

PRODUCT_DOCUMENT = "seat-api.yaml"
CONTROL_DOCUMENT = "control-plane.yaml"
VERSIONS_TABLE = "versions.yaml"  # the operations each earlier API version serves

# libyaml's loader parses the documents about ten times faster where PyYAML was built with it.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def documents_dir() -> Traversable:
    """Where the OpenAPI documents are: inside the package, or beside it in a source checkout."""
    try:
        return resources.files("emulator.openapi")
    except ModuleNotFoundError:
        # An editable install maps `emulator` only; `openapi/` then sits next to it.
        return Path(__file__).resolve().parent.parent / "openapi"


def load_document(name: str = PRODUCT_DOCUMENT) -> dict[str, Any]:
    """Parse one of the embedded documents (OpenAPI, or the table of versions)."""
    text = documents_dir().joinpath(name).read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.load(text, Loader=_LOADER)  # a safe loader, C or Python
    return document


@cache
def shared_document(name: str) -> dict[str, Any]:
    """One parse per process of an embedded document, shared by every app: not to be changed."""
    return load_document(name)


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """The country codes of the product document (Sequence's CountryCode), for input that
    does not go through it, such as a state document."""
    enum = shared_document(PRODUCT_DOCUMENT)["components"]["schemas"]["CountryCode1"]["enum"]
    return frozenset(str(code) for code in enum)
