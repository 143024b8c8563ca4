"""The sequence-emulator command."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from emulator import __version__
from emulator.config import ConfigError, Settings, from_environment, parse_credential, parse_port

logger = logging.getLogger("emulator")


def build_parser() -> argparse.ArgumentParser:
    """The command line: `serve` and its flags."""
    parser = argparse.ArgumentParser(
        prog="sequence-emulator", description="A local emulator of Sequence's seat-billing API."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the emulator over HTTP")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1; env EMULATOR_HOST)")
    serve.add_argument(
        "--port", type=parse_port, help="port, 0 for any (default 8080; env EMULATOR_PORT)"
    )
    serve.add_argument(
        "--credentials",
        action="append",
        type=parse_credential,
        metavar="ID:SECRET[=ACCOUNT]",
        help="accept only these credentials; repeat for several (env EMULATOR_CREDENTIALS)",
    )
    serve.add_argument(
        "--validate-responses",
        action="store_true",
        default=None,
        help="check every response against the OpenAPI document (env EMULATOR_VALIDATE_RESPONSES)",
    )
    serve.add_argument("--log-level", type=str.upper, help="INFO (default), WARNING, DEBUG ...")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Environment settings, overridden by the flags that were given."""
    return from_environment().with_overrides(
        host=args.host,
        port=args.port,
        credentials=tuple(args.credentials) if args.credentials else None,
        validate_responses=args.validate_responses,
        log_level=args.log_level,
    )


def serve(settings: Settings) -> int:
    """Serve until interrupted or terminated."""
    from emulator.app import create_app
    from emulator.server import EmulatorServer

    server = EmulatorServer(create_app(settings), settings.host, settings.port)
    signal.signal(signal.SIGTERM, _interrupt)
    # The exact line tells scripts (and tests) which port was picked when --port 0.
    print(f"sequence-emulator {__version__} serving on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("stopping")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit code is the return value."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        settings = settings_from(args)
    except ConfigError as error:
        parser.error(str(error))
    logging.basicConfig(
        level=settings.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    return serve(settings)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
