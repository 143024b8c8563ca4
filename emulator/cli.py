"""The sequence-emulator command: serve, export, import."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TypeVar

from emulator import __version__
from emulator.config import (
    ConfigError,
    Settings,
    from_environment,
    parse_credential,
    parse_mebibytes,
    parse_port,
    parse_positive,
    parse_rate_limit,
)

logger = logging.getLogger("emulator")
T = TypeVar("T")


def flag(parse: Callable[[str], T]) -> Callable[[str], T]:
    """`parse` for argparse, so a refused value shows its reason, not 'invalid parse_x value'."""

    def read(text: str) -> T:
        try:
            return parse(text)
        except ConfigError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return read


def build_parser() -> argparse.ArgumentParser:
    """The command line: `serve`, `export`, `import` and their flags."""
    parser = argparse.ArgumentParser(
        prog="sequence-emulator", description="A local emulator of Sequence's seat-billing API."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    add_serve(commands.add_parser("serve", help="serve the emulator over HTTP"))
    export = commands.add_parser("export", help="write a running emulator's state to a file")
    add_remote(export)
    export.add_argument("--output", "-o", type=Path, help="file (.json, .yaml); default stdout")
    load = commands.add_parser("import", help="replace a running emulator's state from a file")
    add_remote(load)
    load.add_argument("file", type=Path, help="a state document, JSON or YAML")
    check = commands.add_parser(
        "check-spec", help="compare the embedded API document with a copy of Sequence's"
    )
    check.add_argument("path", type=Path, help="Sequence's OpenAPI document, JSON or YAML")
    check.add_argument(
        "--strict",
        action="store_true",
        help="fail on published operations the emulator does not serve, too",
    )
    return parser


def add_serve(serve: argparse.ArgumentParser) -> None:
    """The flags of `serve`; each has an EMULATOR_* variable."""
    serve.add_argument("--host", help="address to bind (default 127.0.0.1; env EMULATOR_HOST)")
    serve.add_argument(
        "--port", type=flag(parse_port), help="port, 0 for any (default 8080; env EMULATOR_PORT)"
    )
    serve.add_argument(
        "--credentials",
        action="append",
        type=flag(parse_credential),
        metavar="ID:SECRET[=ACCOUNT]",
        help="accept only these credentials; repeat for several (env EMULATOR_CREDENTIALS)",
    )
    serve.add_argument(
        "--validate-responses",
        action="store_true",
        default=None,
        help="check every response against the OpenAPI documents (env EMULATOR_VALIDATE_RESPONSES)",
    )
    serve.add_argument("--seed", type=Path, help="start from a state file (env EMULATOR_SEED)")
    serve.add_argument(
        "--store",
        metavar="memory|sqlite:PATH|postgresql://USER:PASS@HOST:PORT/DB",
        help="where data lives (default memory: SQLite in memory; env EMULATOR_STORE)",
    )
    serve.add_argument(
        "--fsync",
        action="store_true",
        default=None,
        help="a SQLite file syncs every write to disk: survives power loss, not only a killed "
        "process; slower (env EMULATOR_FSYNC)",
    )
    serve.add_argument(
        "--journal-limit",
        type=flag(parse_positive),
        help="requests kept in the journal (default 10000; env EMULATOR_JOURNAL_LIMIT)",
    )
    serve.add_argument(
        "--state-limit",
        type=flag(parse_mebibytes),
        metavar="MIB",
        dest="max_state_bytes",
        help="the largest document PUT /_emulator/state and --seed take, in MiB (default 64; "
        "an import peaks near ten times it in memory; env EMULATOR_STATE_LIMIT)",
    )
    serve.add_argument(
        "--rate-limit",
        type=flag(parse_rate_limit),
        metavar="COUNT/PERIOD",
        help="e.g. 1500/min per client id, for every product request but POST /usage-events; "
        "off by default (env EMULATOR_RATE_LIMIT)",
    )
    serve.add_argument(
        "--usage-rate-limit",
        type=flag(parse_rate_limit),
        metavar="COUNT/PERIOD",
        help="e.g. 12000/min per client id, for POST /usage-events alone; default 12000/min "
        "when --rate-limit is set, else off (env EMULATOR_USAGE_RATE_LIMIT)",
    )
    serve.add_argument(
        "--admin-token", help="require this token on /_emulator/* (env EMULATOR_ADMIN_TOKEN)"
    )
    serve.add_argument(
        "--workers",
        type=flag(parse_positive),
        default=1,
        help="worker processes (needs --store sqlite:PATH or postgresql://...); default 1",
    )
    serve.add_argument(
        "--threads",
        type=flag(parse_positive),
        help="threads per process: more let delayed requests overlap (default 1; 5 on "
        "PostgreSQL; env EMULATOR_THREADS)",
    )
    serve.add_argument("--log-level", type=str.upper, help="INFO (default), WARNING, DEBUG ...")


def add_remote(command: argparse.ArgumentParser) -> None:
    """Where the running emulator is, and which account."""
    default = os.environ.get("EMULATOR_URL", "http://127.0.0.1:8080")
    command.add_argument("--url", default=default, help=f"the emulator (default {default})")
    command.add_argument("--account", help="one account (a sequenceAccountId) instead of all")
    command.add_argument(
        "--admin-token",
        default=os.environ.get("EMULATOR_ADMIN_TOKEN"),
        help="the server's admin token, if it has one (env EMULATOR_ADMIN_TOKEN)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """Environment settings, overridden by the flags that were given."""
    return from_environment().with_overrides(
        host=args.host,
        port=args.port,
        credentials=tuple(args.credentials) if args.credentials else None,
        validate_responses=args.validate_responses,
        seed=args.seed,
        store=args.store,
        fsync=args.fsync,
        journal_limit=args.journal_limit,
        max_state_bytes=args.max_state_bytes,
        rate_limit=args.rate_limit,
        usage_rate_limit=args.usage_rate_limit,
        admin_token=args.admin_token,
        log_level=args.log_level,
        workers=args.workers,
        threads=args.threads,
    )


def serve(settings: Settings) -> int:
    """Serve through granian until interrupted or terminated, in one process or several."""
    from emulator.production import serve_with_granian

    return serve_with_granian(settings, announce)


def announce(url: str) -> None:
    """The exact line that tells scripts (and tests) where it serves, e.g. with --port 0."""
    print(f"sequence-emulator {__version__} serving on {url}", flush=True)


def export_state(args: argparse.Namespace) -> int:
    """GET /_emulator/state into a file, or to stdout."""
    from emulator.remote import call

    query = {"accountId": args.account} if args.account else None
    document = call(args.url, "GET", "/_emulator/state", query=query, admin_token=args.admin_token)
    if args.output and args.output.suffix in (".yaml", ".yml"):
        import yaml  # only here: most runs never need it

        text = yaml.safe_dump(document, sort_keys=False)
    else:
        text = json.dumps(document, indent=2) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def import_state(args: argparse.Namespace) -> int:
    """PUT a state file to /_emulator/state."""
    from emulator.remote import call
    from emulator.seeding import read_document

    query = {"accountId": args.account} if args.account else None
    summary = call(
        args.url,
        "PUT",
        "/_emulator/state",
        body=read_document(args.file),
        query=query,
        admin_token=args.admin_token,
    )
    print(json.dumps(summary))
    return 0


def check_spec(args: argparse.Namespace) -> int:
    """Print every difference from Sequence's document in what the emulator serves, and per
    family what it does not serve; exit 1 on a difference (or, with --strict, on either)."""
    from emulator.seeding import read_document
    from emulator.spec import load_document
    from emulator.specdiff import compare
    from emulator.specdocument import family_of, served_operations, unserved

    project, reference = load_document(), read_document(args.path)
    if not isinstance(reference, dict) or "paths" not in reference:
        raise ConfigError(f"{args.path}: not an OpenAPI document (no paths)")
    operations = served_operations(project)
    differences = compare(project, reference, operations)
    for difference in differences:
        print(difference)
    missing = unserved(project, reference)
    for family, lacking in sorted(missing.items()):
        served = any(family_of(path) == family for _, path in operations)
        if lacking and served:
            print(f"not served, {family}: {', '.join(lacking)}")
        elif len(lacking) == 1:
            print(f"not served, {family}: its one operation, {lacking[0]}")
        elif lacking:
            print(f"not served, {family}: all {len(lacking)} operations")
    verdict = f"{len(differences)} difference(s)" if differences else "no difference"
    print(f"{verdict} in {len(operations)} operations compared with {args.path}")
    failed = differences or (args.strict and any(missing.values()))
    return 1 if failed else 0


COMMANDS = {"export": export_state, "import": import_state, "check-spec": check_spec}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit code is the return value."""
    from emulator.remote import RemoteError
    from emulator.store import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            settings = settings_from(args)
            _configure_logging(settings.log_level)
            return serve(settings)
        return COMMANDS[args.command](args)
    except (ConfigError, StoreError) as error:
        parser.error(str(error))
    except RemoteError as error:
        print(f"sequence-emulator: {error}", file=sys.stderr)
        return 1


def _configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LineFormatter(_LineFormatter.line))
    logging.basicConfig(level=level, handlers=[handler])
    # A line names no source file, thread or process: spare every record (one a request)
    # looking them up, as the logging HOWTO's "Optimization" section describes.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


class _LineFormatter(logging.Formatter):
    """`line`, with its date and time written once a second rather than per line."""

    line = "%(asctime)s %(levelname)s %(message)s"
    _cached: tuple[int, str] = (-1, "")  # one attribute: threads read a consistent pair

    def format(self, record: logging.LogRecord) -> str:
        """The record as `line` formats it, without the general formatter's steps (one line
        a request) where there is no traceback or stack to add."""
        if record.exc_info or record.exc_text or record.stack_info or self._fmt != self.line:
            return super().format(record)
        record.message = record.getMessage()
        record.asctime = self.formatTime(record)
        return f"{record.asctime} {record.levelname} {record.message}"

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """`2026-11-30 06:20:00,123`, as logging.Formatter writes it."""
        second, stamp = self._cached
        if int(record.created) != second:
            second = int(record.created)
            stamp = time.strftime(self.default_time_format, self.converter(second))
            self._cached = (second, stamp)
        return f"{stamp},{int(record.msecs):03d}"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
