"""The two WSGI apps the benchmark compares, for granian (`bench.apps:emulator`, a factory)."""

from __future__ import annotations

import logging
import os
import sys

from flask import Flask, request


def baseline() -> Flask:
    """A plain Flask app with the same route: parse JSON, answer 201; no validation, no storage."""
    app = Flask("baseline")

    @app.post("/seat-events")
    def create() -> tuple[object, int]:
        return request.get_json(), 201

    return app


def emulator() -> Flask:
    """The emulator as `sequence-emulator serve` builds it (store from BENCH_STORE)."""
    from emulator.app import create_app
    from emulator.config import Settings

    # As the CLI does: one access line per request, to stderr (the benchmark discards it).
    logging.basicConfig(level="INFO", stream=sys.stderr, format="%(asctime)s %(message)s")
    return create_app(Settings(store=os.environ.get("BENCH_STORE", "memory")))
