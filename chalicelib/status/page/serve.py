"""``GET /status/page``: who may see it, and the response around the HTML.

A browser cannot send an ``Authorization`` header when a person opens a URL,
so this route has no API Gateway authorizer (with one, API Gateway would
answer 401 before the page could ask for a token). Instead:

- ``STREAMFEED_STATUS_PAGE_PUBLIC=true``: everyone gets the page, without the
  lease holder and host, from a report each instance keeps for
  ``PUBLIC_CACHE_SECONDS``: anonymous traffic cannot multiply the CloudWatch
  and DynamoDB reads behind it.
- Otherwise a request without the header gets the page's shell: a token form
  and no data. Its script keeps the token in the tab's ``sessionStorage`` and
  fetches this same URL with ``Authorization: Bearer``; that request is
  verified here with the API's own verifier and needs the admin group, like
  ``GET /status``. A bad token gets the API's JSON 401, a non-admin its 403.

The token never appears in a URL (so not in logs, history or Referer), and
there is no cookie (so no CSRF). A strict Content-Security-Policy lets only
the page's own inlined script and stylesheet run.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Final

from chalice.app import Request, Response

from chalicelib.api import access, runtime
from chalicelib.api.dispatch import error_response
from chalicelib.api.errors import ApiError, to_api_error
from chalicelib.api.telemetry import logger
from chalicelib.auth import decide
from chalicelib.status import current_status
from chalicelib.status.page.assets import content_security_policy
from chalicelib.status.page.render import render_page

log = logger
#: How long every anonymous reader of a public page shares one report.
PUBLIC_CACHE_SECONDS: Final = 5.0
#: What anonymous readers do not see: where the streamer runs.
PRIVATE_FIELDS: Final = ("lease_holder", "host")
BASE_HEADERS: Final = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Vary": "Authorization",
}


def status_page(request: Request | None) -> Response:
    """The page (public or admin), the token form, or a JSON 401/403/500."""
    try:
        current = runtime.current()
        settings = current.settings
        refresh = settings.status_page_refresh
        if settings.status_page_public:
            report = _PUBLIC.get(
                settings.prefix, lambda: _anonymous(current_status(settings, current.clock()))
            )
            return _html(render_page(report, stage=settings.prefix, auth="public", refresh=refresh))
        header = request.headers.get("authorization") if request is not None else None
        if not header:
            return _html(render_page(None, stage=settings.prefix, auth="token", refresh=refresh))
        principal = access.principal_from(decide(header, current.verifier).context)
        access.check("admin", principal)
        report = current_status(settings, current.clock())
        log.info("getStatusPage %s -> 200", principal.user_id)
        return _html(render_page(report, stage=settings.prefix, auth="token", refresh=refresh))
    except Exception as exc:  # every failure becomes a JSON answer
        error = to_api_error(exc)
        if error is None:
            log.error("getStatusPage failed: %s", type(exc).__name__, exc_info=exc)
            error = ApiError(500, "internal", "internal error; the request was not completed")
        return error_response(error)


def _html(body: str) -> Response:
    headers: dict[str, str | list[str]] = {
        **BASE_HEADERS,
        "Content-Security-Policy": content_security_policy(),
    }
    return Response(body=body, status_code=200, headers=headers)


def _anonymous(report: dict[str, Any]) -> dict[str, Any]:
    def public(stream: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in stream.items() if k not in PRIVATE_FIELDS}

    streams = [public(s) for s in report.get("streams") or []]
    return {**report, "stream": public(report.get("stream", {})), "streams": streams}


class _SharedReport:
    """One report per stage and instance for ``PUBLIC_CACHE_SECONDS``, built by one request."""

    def __init__(self, seconds: float, clock: Any = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[float, dict[str, Any]]] = {}

    def get(self, stage: str, build: Any) -> dict[str, Any]:
        with self._lock:
            kept = self._kept.get(stage)
            if kept is None or self.clock() - kept[0] >= self.seconds:
                kept = (self.clock(), build())
                self._kept[stage] = kept
            return kept[1]


_PUBLIC = _SharedReport(PUBLIC_CACHE_SECONDS)
