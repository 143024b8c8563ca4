"""Settings from the environment and the command line."""

import logging

import pytest

from emulator.cli import _LineFormatter, build_parser, main, settings_from
from emulator.config import (
    ConfigError,
    Credential,
    Settings,
    from_environment,
    parse_credential,
)
from emulator.domain.accounts import derived_account_id
from emulator.domain.rate_limits import RateLimit


def test_a_credential_without_account_gets_the_derived_one() -> None:
    assert parse_credential("key:secret") == Credential("key", "secret", derived_account_id("key"))


def test_a_credential_may_name_its_account_and_hold_colons_in_the_secret() -> None:
    assert parse_credential("key:s:e:c=acc-1") == Credential("key", "s:e:c", "acc-1")


@pytest.mark.parametrize("text", ["key", "key:", ":secret", ""])
def test_malformed_credentials_are_refused(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_credential(text)


def test_the_environment_sets_every_setting() -> None:
    settings = from_environment(
        {
            "EMULATOR_HOST": "0.0.0.0",
            "EMULATOR_PORT": "9000",
            "EMULATOR_CREDENTIALS": "a:b, c:d=acc",
            "EMULATOR_VALIDATE_RESPONSES": "true",
            "EMULATOR_LOG_LEVEL": "debug",
            "EMULATOR_FSYNC": "yes",
            "EMULATOR_THREADS": "3",
        }
    )
    assert (settings.host, settings.port, settings.log_level) == ("0.0.0.0", 9000, "DEBUG")
    assert [c.client_id for c in settings.credentials] == ["a", "c"]
    assert settings.credentials[1].account_id == "acc"
    assert settings.validate_responses
    assert settings.fsync
    assert settings.threads == 3


def test_defaults_without_environment() -> None:
    settings = from_environment({})
    assert (settings.host, settings.port, settings.credentials) == ("127.0.0.1", 8080, ())
    assert not settings.fsync  # a killed process loses nothing without it; only power loss


def test_the_fsync_flag_turns_on_syncing_every_write() -> None:
    assert settings_from(build_parser().parse_args(["serve", "--fsync"])).fsync


@pytest.mark.parametrize(
    ("name", "value"), [("EMULATOR_PORT", "http"), ("EMULATOR_VALIDATE_RESPONSES", "maybe")]
)
def test_a_bad_environment_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        from_environment({name: value})


def test_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMULATOR_PORT", "9000")
    monkeypatch.setenv("EMULATOR_HOST", "0.0.0.0")
    args = build_parser().parse_args(["serve", "--port", "7000", "--credentials", "k:s"])
    settings = settings_from(args)
    assert (settings.host, settings.port) == ("0.0.0.0", 7000)
    assert [c.client_id for c in settings.credentials] == ["k"]


@pytest.mark.parametrize(
    "argv",
    [
        ["serve", "--port", "http"],
        ["serve", "--credentials", "nocolon"],
        ["serve", "--threads", "0"],
        ["serve", "--threads", "\u0663"],  # an Arabic-Indic three: ASCII digits only
        ["serve", "--workers", "\uff12"],  # a fullwidth two
        ["serve", "--port", "\u0668\u0660"],
        ["serve", "--rate-limit", "\u0661\u0665\u0660\u0660/min"],  # Arabic-Indic 1500
        ["serve", "--usage-rate-limit", "\uff11\uff12\uff10\uff10\uff10/min"],  # fullwidth
        ["serve", "--usage-rate-limit", "0/min"],
        ["serve", "--usage-rate-limit", "12000/day"],
        ["serve", "--usage-rate-limit", "12000"],
        ["serve", "--state-limit", "0"],
        ["serve", "--state-limit", "64MiB"],
        ["serve", "--state-limit", "\u0666\u0664"],  # an Arabic-Indic 64
        [],
    ],
)
def test_bad_flags_exit_2_with_a_message(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "usage: sequence-emulator" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("--usage-rate-limit", "0/min", "rate limit '0/min': expected <count>/<s|min|hour>"),
        ("--rate-limit", "1500/day", "expected <count>/<s|min|hour>"),
        ("--port", "http", "expected a number from 0 to 65535"),
        ("--threads", "0", "expected a whole number of at least 1"),
        ("--credentials", "nocolon", "expected clientId:clientSecret[=accountId]"),
        ("--state-limit", "5000", "expected a size in MiB from 1 to 4096"),
    ],
)
def test_a_refused_flag_says_why(
    capsys: pytest.CaptureFixture[str], name: str, value: str, reason: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", name, value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {name}: " in err
    assert reason in err


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EMULATOR_PORT", "http"),
        ("EMULATOR_RATE_LIMIT", "1500/day"),
        ("EMULATOR_USAGE_RATE_LIMIT", "12000 a minute"),
        ("EMULATOR_USAGE_RATE_LIMIT", "\u0661\u0662\u0660\u0660\u0660/min"),
        ("EMULATOR_STATE_LIMIT", "0"),
    ],
)
def test_a_bad_environment_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        main(["serve"])
    assert exited.value.code == 2
    assert name in capsys.readouterr().err


def test_usage_events_get_their_own_limit_from_the_flag_or_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EMULATOR_USAGE_RATE_LIMIT", "100/s")
    assert settings_from(build_parser().parse_args(["serve"])).usage_rate_limit == RateLimit(100, 1)
    flags = ["serve", "--usage-rate-limit", "6000/min", "--rate-limit", "10/s"]
    settings = settings_from(build_parser().parse_args(flags))
    assert (settings.rate_limit, settings.usage_rate_limit) == (
        RateLimit(10, 1),
        RateLimit(6000, 60),
    )
    assert settings.usage_events_limit() == RateLimit(6000, 60)


def test_a_general_limit_alone_gives_usage_events_12000_a_minute() -> None:
    settings = settings_from(build_parser().parse_args(["serve", "--rate-limit", "1500/min"]))
    assert settings.usage_rate_limit is None
    assert settings.usage_events_limit() == RateLimit(12_000, 60)
    env = from_environment({"EMULATOR_RATE_LIMIT": "1500/min"})
    assert env.usage_events_limit() == RateLimit(12_000, 60)


def test_without_rate_limits_nothing_is_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMULATOR_RATE_LIMIT", raising=False)
    monkeypatch.delenv("EMULATOR_USAGE_RATE_LIMIT", raising=False)
    settings = settings_from(build_parser().parse_args(["serve"]))
    assert settings.usage_events_limit() is None and settings.rate_limit is None


def test_threads_follow_the_store_unless_asked() -> None:
    from emulator.production import threads_for

    assert threads_for(Settings()) == 1  # the store in the process: one thread answers fastest
    assert threads_for(Settings(store="sqlite:x.db")) == 1
    assert threads_for(Settings(store="postgresql://u:p@127.0.0.1:5432/d")) > 1  # waits on I/O
    assert threads_for(Settings(threads=7)) == 7


def test_the_state_limit_is_64_mib_unless_the_flag_or_the_variable_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mib = 1024 * 1024
    assert from_environment({}).max_state_bytes == 64 * mib  # an import peaks near 10x it
    assert from_environment({"EMULATOR_STATE_LIMIT": "8"}).max_state_bytes == 8 * mib
    monkeypatch.setenv("EMULATOR_STATE_LIMIT", "8")
    args = build_parser().parse_args(["serve", "--state-limit", "300"])
    assert settings_from(args).max_state_bytes == 300 * mib


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord(
        "emulator.access", logging.INFO, "", 0, '%s "%s" %.1fms', ("a", "b", 1.25), None
    )
    record.__dict__.update(extra)
    return record


@pytest.mark.parametrize(
    "extra",
    [{}, {"stack_info": "Stack (most recent call last):\n  here"}, {"exc_text": "Traceback: boom"}],
    ids=["plain", "stack", "traceback"],
)
def test_log_lines_read_as_the_standard_formatter_writes_them(extra: dict[str, object]) -> None:
    formatter = _LineFormatter(_LineFormatter.line)
    standard = logging.Formatter(_LineFormatter.line)
    record = _record(**extra)
    twin = logging.makeLogRecord(dict(vars(record)))  # the same instant, to the microsecond
    line = formatter.format(record)
    assert line == standard.format(twin)
    assert line.split("\n")[0].endswith(' INFO a "b" 1.2ms')
