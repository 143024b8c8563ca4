"""The embedded OpenAPI documents, read from inside the installed package."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import cache, lru_cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

PRODUCT_DOCUMENT = "seat-api.yaml"
CONTROL_DOCUMENT = "control-plane.yaml"
VERSIONS_TABLE = "versions.yaml"  # the operations each earlier API version serves


def documents_dir() -> Traversable:
    """Where the OpenAPI documents are: inside the package, or beside it in a source checkout."""
    try:
        return resources.files("emulator.openapi")
    except ModuleNotFoundError:
        # An editable install maps `emulator` only; `openapi/` then sits next to it.
        return Path(__file__).resolve().parent.parent / "openapi"


def load_document(name: str = PRODUCT_DOCUMENT) -> dict[str, Any]:
    """Parse one of the embedded documents (OpenAPI, or the table of versions), from a JSON
    copy cached under its content's hash when there is one: reading YAML costs about 25 ms of
    every start, JSON 2 ms."""
    data = documents_dir().joinpath(name).read_bytes()
    copy = _copy_of(name, data)
    if copy is not None:
        try:
            cached: dict[str, Any] = json.loads(copy.read_bytes())
            return cached
        except (OSError, ValueError):  # none yet, or unreadable: parse the YAML
            pass
    document = _parse_yaml(data.decode("utf-8"))
    if copy is not None:
        _keep(name, copy, document)
    return document


def cache_dir() -> Path | None:
    """Where parsed documents are kept: $EMULATOR_CACHE_DIR, else the user's cache directory;
    None for a user with no home directory (then nothing is cached)."""
    if os.environ.get("EMULATOR_CACHE_DIR"):
        return Path(os.environ["EMULATOR_CACHE_DIR"])
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except RuntimeError:  # no HOME, and no entry in the password database
        return None
    return Path(base) / "sequence-emulator"


def _copy_of(name: str, data: bytes) -> Path | None:
    folder = cache_dir()
    return (
        None if folder is None else folder / f"{name}.{hashlib.sha256(data).hexdigest()[:32]}.json"
    )


def _parse_yaml(text: str) -> dict[str, Any]:
    import yaml  # only on a cache miss: importing it costs 11 ms

    # libyaml's loader is about ten times faster where PyYAML was built with it.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document: dict[str, Any] = yaml.load(text, Loader=loader)  # a safe loader, C or Python
    return document


def _keep(name: str, copy: Path, document: dict[str, Any]) -> None:
    """Cache a document as JSON if JSON gives it back unchanged; a cache that cannot be
    written is no error (a read-only home), the YAML is read again next time."""
    try:
        text = json.dumps(document)
    except (TypeError, ValueError):  # a YAML date or the like: JSON cannot keep it
        return
    if json.loads(text) != document:  # e.g. a number as a key, which JSON turns into text
        return
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed: a process reading it never sees half a file.
        with tempfile.NamedTemporaryFile("w", dir=copy.parent, delete=False) as file:
            try:
                file.write(text)
            except OSError:  # a full disk: leave no half-written file behind
                os.unlink(file.name)
                raise
        os.replace(file.name, copy)
        for stale in copy.parent.glob(f"{name}.*.json"):
            if stale != copy:  # a copy of an earlier edit of the document
                stale.unlink(missing_ok=True)
    except OSError:
        return


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
