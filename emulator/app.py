"""create_app: the one place that builds an emulator and wires its parts together."""

from __future__ import annotations

from flask import Flask

from emulator.api import product_blueprint
from emulator.config import Settings
from emulator.control import control_blueprint
from emulator.domain.clock import Clock
from emulator.domain.faults import FaultBook
from emulator.domain.ids import IdGenerator
from emulator.domain.journal import Journal
from emulator.domain.rate_limits import limiter_for
from emulator.domain.timestamps import format_utc
from emulator.http.admin import AdminGate
from emulator.http.auth import Authenticator
from emulator.http.context import EXTENSION
from emulator.http.errors import install_error_handlers
from emulator.http.pipeline import (
    admit_requests,
    control_gate,
    install_response_hooks,
    product_gate,
)
from emulator.http.routing import EmulatorFlask
from emulator.http.validation import shared_validator
from emulator.http.version import Versions
from emulator.rules import Store, open_store
from emulator.rules.controls import Pinned, SharedClock, SharedFaultBook, SharedJournal
from emulator.seeding import read_state
from emulator.services import Services
from emulator.spec import CONTROL_DOCUMENT, PRODUCT_DOCUMENT, VERSIONS_TABLE, shared_document
from emulator.ui import SECTIONS, front_door, ui_blueprint

API_PREFIX = "/api"  # Sequence's base URL ends in /api; serve both so only the host need change


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, clock: Clock | None = None
) -> Flask:
    """Build a complete emulator: its store, clock, validation, controls and routes."""
    settings = settings or Settings()
    services = build_services(settings, store, clock)
    product_validator = shared_validator(PRODUCT_DOCUMENT)
    control_validator = shared_validator(CONTROL_DOCUMENT)

    app = EmulatorFlask("emulator")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = services
    install_error_handlers(app)
    validators = {"product": product_validator, "product_api": product_validator}
    validators["control"] = control_validator
    install_response_hooks(app, services, validators if settings.validate_responses else {})

    product = product_blueprint()
    versions = Versions(shared_document(VERSIONS_TABLE), shared_document(PRODUCT_DOCUMENT)["paths"])
    gate = product_gate(Authenticator(settings.credentials), versions, services)
    admit_requests(product, gate, product_validator)
    app.register_blueprint(product)
    app.register_blueprint(product, url_prefix=API_PREFIX, name="product_api")

    control = control_blueprint()
    admin = control_gate(AdminGate(settings.admin_token), settings.max_state_bytes)
    admit_requests(control, admin, control_validator)
    app.register_blueprint(control)
    app.register_blueprint(ui_blueprint(SECTIONS, AdminGate(settings.admin_token)))
    app.add_template_filter(format_utc, "utc")
    app.before_request(front_door)
    return app


def build_services(settings: Settings, store: Store | None, clock: Clock | None) -> Services:
    """The parts behind the routes, seeded from settings.seed when given.

    When other processes share the store (PostgreSQL, or --workers), the clock, the fault
    rules and the journal live in it too, so a change through one process applies to all.
    """
    # Ids follow the clock, which may live in the store, which observes ids as they are minted.
    generator = IdGenerator(lambda: services.clock.now())
    # A seed is judged before the store is opened, so a refused one leaves a new file uncreated.
    seeded = None if settings.seed is None else read_state(settings.seed, settings.max_state_bytes)
    store = store or open_store(settings.store, generator.observe, fsync=settings.fsync)
    shared = settings.workers > 1 or store.kind == "postgresql"
    pinned = Pinned()  # the clock and the rules' count, read in one go per request
    services = Services(
        settings=settings,
        store=store,
        clock=clock or (SharedClock(store.database, pinned=pinned) if shared else Clock()),
        new_id=generator,
        journal=(
            SharedJournal(store.database, settings.journal_limit)
            if shared
            else Journal(settings.journal_limit)
        ),
        faults=SharedFaultBook(store.database, pinned=pinned) if shared else FaultBook(),
        rate_limiter=limiter_for(settings.rate_limit),
        usage_rate_limiter=limiter_for(settings.usage_events_limit()),
    )
    if seeded is not None:
        services.import_accounts(seeded)
    return services
