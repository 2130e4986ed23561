"""The error family every service layer (terms, key sets, subscriptions…) raises.

The HTTPS API and the CLI call the same services. Giving each failure a
``kind`` lets both map a whole family to one HTTP status or one CLI line
without knowing every case, and keeps HTTP out of the services.
"""

from __future__ import annotations

from typing import ClassVar, Literal

ErrorKind = Literal["invalid", "not_found", "conflict", "rejected", "unavailable"]


class ServiceError(Exception):
    """A failure the caller can understand; ``str()`` is one line, safe to show."""

    kind: ClassVar[ErrorKind] = "invalid"
    #: Short machine-readable code for API clients (``{"error": code}``).
    code: ClassVar[str] = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ServiceError):
    kind = "invalid"
    code = "invalid"


class NotFound(ServiceError):
    kind = "not_found"
    code = "not_found"


class Conflict(ServiceError):
    kind = "conflict"
    code = "conflict"


class Rejected(ServiceError):
    """An outside authority (X) refused the input."""

    kind = "rejected"
    code = "rejected"


class Unavailable(ServiceError):
    """A dependency did not answer; retrying later may work."""

    kind = "unavailable"
    code = "unavailable"
