"""Keep Chalice's own answers in the API's error shape.

Chalice answers some requests before any view runs (405 for a method the
route lacks, 415 for a non-JSON content type) or after a view crashed (500),
with ``{"Code": …, "Message": …}``. This middleware rewrites those into
``{"error": …, "message": …}`` and turns anything that escapes into a plain 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from chalice.app import Response

from chalicelib.api.headers import HEADERS
from chalicelib.api.telemetry import logger

log = logger
CODES: Final = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "BadRequest": "bad_request",
    "BadRequestError": "bad_request",
    "InternalServerError": "internal",
}


def json_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    try:
        response = get_response(event)
    except Exception as exc:
        log.error("unhandled %s", type(exc).__name__, exc_info=exc)
        return _json(500, "internal", "internal error; the request was not completed")
    body = response.body
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = CODES.get(str(body["Code"]), "error")
        message = str(body["Message"]) if response.status_code < 500 else "internal error"
        rewritten = _json(response.status_code, code, message)
        rewritten.headers = {**response.headers, **rewritten.headers}
        return rewritten
    return response


def _json(status: int, code: str, message: str) -> Response:
    return Response(
        body=json.dumps({"error": code, "message": message}),
        status_code=status,
        headers=dict(HEADERS),
    )
