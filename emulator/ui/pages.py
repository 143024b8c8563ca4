"""The dashboard's routes: the page, its sections as HTML fragments, and a pulse to poll."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from emulator.http.admin import AdminGate
from emulator.http.context import services
from emulator.http.errors import not_found
from emulator.http.pipeline import leave_out_of_journal
from emulator.ui.sections import Asked, Section, SectionInputError

PREFIX = "/_emulator/ui"
POLL_MS = 1500
# No inline script or style and nothing from elsewhere: hostile text in a body stays text.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
GUARDED = frozenset({"ui.section", "ui.pulse"})


def ui_blueprint(sections: Sequence[Section], admin: AdminGate) -> Blueprint:
    """The dashboard's routes; with an admin token set, every figure needs it."""
    routes = Blueprint(
        "ui", __name__, url_prefix=PREFIX, template_folder="templates", static_folder="static"
    )
    by_name = {section.name: section for section in sections}
    routes.add_url_rule("", "page", lambda: page(sections))
    routes.add_url_rule("/", "page_slash", lambda: page(sections))
    routes.add_url_rule("/sections/<name>", "section", lambda name: section(by_name, name))
    routes.add_url_rule("/pulse", "pulse", pulse)

    @routes.before_request
    def guard() -> None:
        if request.endpoint in GUARDED:
            admin.check(dict(request.headers))

    @routes.after_request
    def secure(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    return routes


def page(sections: Sequence[Section]) -> ResponseReturnValue:
    """The page itself: panels to fill, no data (the sections bring it, token permitting)."""
    panels = [section for section in sections if section.panel]
    guarded = services().settings.admin_token is not None
    return render_template("ui/page.html", panels=panels, poll_ms=POLL_MS, guarded=guarded)


def section(by_name: dict[str, Section], name: str) -> ResponseReturnValue:
    """One section as an HTML fragment, for the account and parameters asked."""
    found = by_name.get(name)
    if found is None:
        raise not_found(f"No dashboard section {name!r}")
    params = request.args.to_dict()
    asked = Asked(params.pop("account", None) or None, params)
    if found.needs_account and asked.account_id is None:
        return render_template("ui/no_account.html")
    try:
        values: dict[str, Any] = found.view(services(), asked)
    except SectionInputError as error:
        return render_template("ui/problems.html", problems=error.problems)
    except ValidationError as error:
        return render_template("ui/problems.html", problems=flattened(error.messages))
    return render_template(found.template, asked=asked, **values)


def flattened(messages: Any) -> list[tuple[str, str]]:
    """marshmallow's messages as (parameter, message) pairs."""
    if isinstance(messages, dict):
        return [(str(key), str(message)) for key, value in messages.items() for message in value]
    return [("query", str(messages))]


def pulse() -> ResponseReturnValue:
    """What changes when the sandbox does: the page reloads its live sections when it moves."""
    emulator = services()
    account_id = request.args.get("account") or None
    clock = emulator.clock
    return {
        "journal": emulator.journal.latest_sequence(),
        "journalSize": len(emulator.journal),
        "events": emulator.store.count_seat_events(account_id) if account_id else 0,
        "accounts": len(emulator.store.account_ids()),
        "frozen": clock.now().isoformat() if clock.frozen else None,
        "faults": [(rule.id, rule.fired) for rule in emulator.faults.rules()],
    }


def front_door() -> ResponseReturnValue | None:
    """A browser asking for / goes to the dashboard; API clients still get the JSON 404."""
    if request.path != "/" or request.method not in ("GET", "HEAD"):
        return None
    offered = request.accept_mimetypes
    named = {value for value, _ in offered}  # */* alone (curl) is no request for a page
    if "text/html" in named and offered["text/html"] > offered["application/json"]:
        leave_out_of_journal()
        return redirect(PREFIX, code=302)
    return None
