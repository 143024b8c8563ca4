"""Settings: defaults, then EMULATOR_* environment variables, then command-line flags."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from emulator.domain.accounts import derived_account_id
from emulator.domain.rate_limits import USAGE_EVENTS_LIMIT, InvalidRateLimitError, RateLimit

MIB = 1024 * 1024


class ConfigError(ValueError):
    """A setting that cannot be used, with a message for the person who gave it."""


@dataclass(frozen=True)
class Credential:
    """One accepted client id and secret, and the account it opens."""

    client_id: str
    client_secret: str
    account_id: str


@dataclass(frozen=True)
class Settings:
    """Everything create_app needs to build an emulator."""

    host: str = "127.0.0.1"
    port: int = 8080
    credentials: tuple[Credential, ...] = ()
    validate_responses: bool = False
    max_body_bytes: int = MIB
    # A state import peaks near ten times its document in memory: 64 MiB needs about 600 MiB.
    max_state_bytes: int = 64 * MIB
    log_level: str = "INFO"
    journal_limit: int = 10_000
    rate_limit: RateLimit | None = None  # every product request but POST /usage-events
    usage_rate_limit: RateLimit | None = None  # POST /usage-events; see usage_events_limit()
    admin_token: str | None = None
    seed: Path | None = None
    store: str = "memory"
    fsync: bool = False  # a SQLite file syncs every commit (power-loss safe)
    workers: int = 1  # processes serving the same store
    threads: int | None = None  # Python threads per worker process; None: by store

    def usage_events_limit(self) -> RateLimit | None:
        """POST /usage-events' own limit: as set, else Sequence's 12000/min if a general one is."""
        if self.usage_rate_limit is not None:
            return self.usage_rate_limit
        return USAGE_EVENTS_LIMIT if self.rate_limit is not None else None

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given settings changed; None means 'keep'."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def parse_credential(text: str) -> Credential:
    """Parse `clientId:clientSecret[=accountId]`."""
    pair, _, account_id = text.partition("=")
    client_id, colon, secret = pair.partition(":")
    if not client_id or not colon or not secret:
        raise ConfigError(f"credentials {text!r}: expected clientId:clientSecret[=accountId]")
    return Credential(client_id, secret, account_id or derived_account_id(client_id))


def parse_credentials(text: str) -> tuple[Credential, ...]:
    """Parse several credentials separated by commas or spaces."""
    return tuple(parse_credential(item) for item in text.replace(",", " ").split())


def parse_bool(text: str) -> bool:
    """Read a yes/no setting."""
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{text!r}: expected true or false")


def parse_rate_limit(text: str) -> RateLimit:
    """Read `1500/min`."""
    try:
        return RateLimit.parse(text)
    except InvalidRateLimitError as error:
        raise ConfigError(str(error)) from None


def parse_mebibytes(text: str) -> int:
    """Read a size in MiB (a whole number of at least 1) as bytes."""
    if not _ascii_digits(text) or not 1 <= int(text) <= 4096:
        raise ConfigError(f"{text!r}: expected a size in MiB from 1 to 4096")
    return int(text) * MIB


def parse_positive(text: str) -> int:
    """Read a whole number of at least 1."""
    if not _ascii_digits(text) or int(text) < 1:
        raise ConfigError(f"{text!r}: expected a whole number of at least 1")
    return int(text)


def parse_port(text: str) -> int:
    """Read a TCP port (0 means any free port)."""
    if not _ascii_digits(text) or int(text) > 65535:
        raise ConfigError(f"port {text!r}: expected a number from 0 to 65535")
    return int(text)


def _ascii_digits(text: str) -> bool:
    # str.isdigit() admits '٣' and '²', which int() reads or refuses: only ASCII digits count.
    return text.isascii() and text.isdigit()


_ENVIRONMENT: dict[str, tuple[str, Callable[[str], Any]]] = {
    "EMULATOR_HOST": ("host", str),
    "EMULATOR_PORT": ("port", parse_port),
    "EMULATOR_CREDENTIALS": ("credentials", parse_credentials),
    "EMULATOR_VALIDATE_RESPONSES": ("validate_responses", parse_bool),
    "EMULATOR_LOG_LEVEL": ("log_level", str.upper),
    "EMULATOR_JOURNAL_LIMIT": ("journal_limit", parse_positive),
    "EMULATOR_RATE_LIMIT": ("rate_limit", parse_rate_limit),
    "EMULATOR_USAGE_RATE_LIMIT": ("usage_rate_limit", parse_rate_limit),
    "EMULATOR_ADMIN_TOKEN": ("admin_token", str),
    "EMULATOR_SEED": ("seed", Path),
    "EMULATOR_STORE": ("store", str),
    "EMULATOR_FSYNC": ("fsync", parse_bool),
    "EMULATOR_THREADS": ("threads", parse_positive),
    "EMULATOR_STATE_LIMIT": ("max_state_bytes", parse_mebibytes),
}


def from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from defaults and the EMULATOR_* variables that are set."""
    env = os.environ if environ is None else environ
    overrides = {}
    for name, (attribute, parse) in _ENVIRONMENT.items():
        if env.get(name):
            try:
                overrides[attribute] = parse(env[name])
            except ConfigError as error:
                raise ConfigError(f"{name}: {error}") from None
    return replace(Settings(), **overrides)
