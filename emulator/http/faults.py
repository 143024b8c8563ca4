"""Carrying out a fault rule's action on the request in hand."""

from __future__ import annotations

import contextlib
import socket
import time

from flask import g, request

from emulator.domain.faults import FaultAction
from emulator.http.errors import ApiError, ConnectionDroppedError, type_for_status

FAULT_HEADER = "Emulator-Fault"

_TYPES = {403: "Unauthorized"}  # beyond the envelope's own types


def carry_out(action: FaultAction, rule: str) -> None:
    """Wait, then drop the connection or answer the status; a delay alone lets the request on."""
    if action.delay_ms:
        time.sleep(action.delay_ms / 1000)
    if action.drop:
        g.fault = rule
        drop_connection()
    if action.status is not None:
        g.fault = rule
        headers = {"Retry-After": str(action.retry_after)} if action.retry_after is not None else {}
        error_type = _TYPES.get(action.status) or type_for_status(action.status)
        message = f"Injected fault ({rule}): {action.status}"
        raise ApiError(action.status, error_type, message, headers=headers)


def drop_connection() -> None:
    """Close the client's socket without an answer where the server exposes it (werkzeug);
    elsewhere the answer is cut off as it is sent (see ConnectionDroppedError)."""
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):  # the client may already be gone
            sock.shutdown(socket.SHUT_RDWR)
    message = f"connection dropped on purpose ({g.get('fault', 'fault')})"
    through_a_server = "SERVER_SOFTWARE" in request.environ  # not an in-process test client
    cut_off = through_a_server and not isinstance(sock, socket.socket)
    raise ConnectionDroppedError(message, cut_off=cut_off)
