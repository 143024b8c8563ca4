"""create_app: the one place that builds an emulator and wires its parts together."""

from __future__ import annotations

from flask import Flask

from emulator.api import product_blueprint
from emulator.config import Settings
from emulator.domain.clock import Clock
from emulator.domain.ids import IdGenerator
from emulator.http.auth import Authenticator
from emulator.http.context import EXTENSION
from emulator.http.errors import install_error_handlers
from emulator.http.pipeline import admit_product_requests, install_response_hooks
from emulator.http.validation import OpenApiValidator
from emulator.services import Services
from emulator.spec import load_document
from emulator.store import MemoryStore, Store

API_PREFIX = "/api"  # Sequence's base URL ends in /api; serve both so only the host need change


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, clock: Clock | None = None
) -> Flask:
    """Build a complete emulator: its store, clock, validation and routes."""
    settings = settings or Settings()
    clock = clock or Clock()
    services = Services(settings, store or MemoryStore(), clock, IdGenerator(clock.now))
    validator = OpenApiValidator(load_document())

    app = Flask("emulator")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = services
    install_error_handlers(app)
    install_response_hooks(app, validator if settings.validate_responses else None)

    product = product_blueprint()
    admit_product_requests(product, Authenticator(settings.credentials), validator)
    app.register_blueprint(product)
    app.register_blueprint(product, url_prefix=API_PREFIX, name="product_api")
    return app
