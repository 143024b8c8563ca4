"""The access log: one line per request, with nothing in it that could forge another line."""

from __future__ import annotations

import logging
import re

from flask import Request, Response

access_log = logging.getLogger("emulator.access")


def log_access(req: Request, response: Response, account_id: str | None, elapsed_ms: float) -> None:
    """One line per request: who, what, how it ended, how long it took."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    access_log.info(
        '%s "%s %s" %s %.1fms account=%s',
        req.remote_addr,
        printable(req.method),
        printable(req.full_path.rstrip("?")),
        response.status_code,
        elapsed_ms,
        account_id or "-",
    )


# Control characters (a %0A decoded from the path), Unicode line breaks, and the backslash
# that would make an escape ambiguous.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\\]")


def printable(text: str) -> str:
    """`text` with what could end or forge a log line escaped as Python writes it (`\\n`)."""
    if text.isprintable() and "\\" not in text:  # the common case, without the regex
        return text
    return _UNPRINTABLE.sub(lambda found: found[0].encode("unicode_escape").decode(), text)
