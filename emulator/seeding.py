"""Reading JSON or YAML documents from files: state to seed a server, OpenAPI to compare."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from emulator.config import MIB, ConfigError
from emulator.domain.state import AccountState
from emulator.schemas.state import STATE


def read_document(path: Path) -> Any:
    """The parsed JSON or YAML of a file (YAML is a superset of JSON)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    import yaml  # only here: a server without a seed never needs it

    try:
        if path.suffix == ".json":
            return json.loads(text)
        # A YAML anchor and its alias are one object in two places; loading a state consumes
        # its lists, so each place gets its own.
        return _unshared(yaml.safe_load(text))
    except (ValueError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: not valid JSON or YAML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid JSON or YAML: nested too deeply") from None


def read_state(path: Path, max_bytes: int) -> list[AccountState]:
    """The accounts of a state file, or a ConfigError saying what is wrong with it: the same
    checks as `PUT /_emulator/state`, its size limit, the control plane's document and then
    the schema."""
    from emulator.http.pipeline import unencodable
    from emulator.http.validation import shared_validator
    from emulator.spec import CONTROL_DOCUMENT

    with contextlib.suppress(OSError):  # a file that cannot be read is said so below
        if path.stat().st_size > max_bytes:
            raise ConfigError(
                f"seed {path}: larger than the state limit of {max_bytes // MIB} MiB"
                " (--state-limit raises it)"
            )
    document = read_document(path)
    validator = shared_validator(CONTROL_DOCUMENT)
    # As an HTTP import is: text no database can hold (a NUL, a lone surrogate) is refused.
    problems = list(unencodable(document, "body"))
    problems += validator.body_problems("put", "/_emulator/state", document)
    if problems:
        said = "; ".join(f"{problem.field}: {problem.message}" for problem in problems[:10])
        raise ConfigError(f"seed {path}: {said}")
    try:
        accounts: list[AccountState] = STATE.load(document)
    except ValidationError as error:
        raise ConfigError(f"seed {path}: {json.dumps(error.messages)}") from None
    except RecursionError:
        raise ConfigError(f"seed {path}: nested too deeply") from None
    return accounts


def _unshared(value: Any) -> Any:
    """`value` with a list or mapping of its own wherever the document shares one."""
    if isinstance(value, list):
        return [_unshared(item) for item in value]
    if isinstance(value, dict):
        return {key: _unshared(item) for key, item in value.items()}
    return value
