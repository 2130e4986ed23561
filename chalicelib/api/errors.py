"""HTTP errors: one JSON shape, the right status, nothing internal in the body.

Handlers raise :class:`ApiError` or let a service's ``ServiceError`` through;
:func:`to_api_error` maps the service families to statuses, so a new service
error needs no new HTTP code.
"""

from __future__ import annotations

from typing import Final

from chalicelib.core.errors import ServiceError
from chalicelib.feeds import (
    BroadcastConflictError,
    ContentTooLargeError,
    FeedStoreUnavailableError,
    InvalidCursorError,
    InvalidItemError,
)

STATUS_BY_KIND: Final = {
    "invalid": 400,
    "not_found": 404,
    "conflict": 409,
    "rejected": 422,
    "unavailable": 503,
}


#: The feeds package's errors, most specific first.
FEED_ERRORS: Final[dict[type[Exception], tuple[int, str]]] = {
    ContentTooLargeError: (413, "content_too_large"),
    InvalidCursorError: (400, "invalid_cursor"),
    InvalidItemError: (400, "invalid_item"),
    BroadcastConflictError: (409, "broadcast_conflict"),
    FeedStoreUnavailableError: (503, "unavailable"),
}


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


def unauthorized(message: str, reason: str = "invalid_token") -> ApiError:
    challenge = f'Bearer error="{reason}"'
    return ApiError(401, "unauthorized", message, {"WWW-Authenticate": challenge})


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def bad_request(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)


def to_api_error(exc: Exception) -> ApiError | None:
    """The ApiError for a known failure; None for a bug (the caller answers 500)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ServiceError):
        return ApiError(STATUS_BY_KIND[exc.kind], exc.code, exc.message)
    for kind, (status, code) in FEED_ERRORS.items():  # most specific first
        if isinstance(exc, kind):
            return ApiError(status, code, str(exc))
    return None
