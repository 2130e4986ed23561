"""Every error the feeds package raises on purpose.

All of them derive from ``FeedError`` (or from ``SettingsError`` for bad
configuration), so the HTTP API can map a whole family to one status code
without knowing each case.
"""

from __future__ import annotations

from chalicelib.core.settings import SettingsError, env_name

#: The environment variable that picks the backend; every config error names it.
BACKEND_VARIABLE = env_name("feed_backend")


class FeedError(Exception):
    """Base class of the feeds package's own errors."""


class FeedConfigError(SettingsError):
    """``STREAMFEED_FEED_BACKEND`` (or a backend's own setting) is unusable.

    A ``SettingsError`` so the CLI and handlers report it like any bad setting.
    """

    def __init__(self, problem: str) -> None:
        super().__init__(f"bad setting {BACKEND_VARIABLE}: {problem}")


class InvalidItemError(FeedError, ValueError):
    """Content, a user id, an item id or a limit is not acceptable."""


class NaiveDatetimeError(InvalidItemError):
    """A ``datetime`` without a time zone: its instant is unknowable, so it is refused."""


class ContentTooLargeError(InvalidItemError):
    """Content is over the 16 KB (UTF-8) limit."""


class InvalidCursorError(FeedError, ValueError):
    """A cursor was not issued by ``page()`` for this user, or was altered."""


class FeedStoreError(FeedError):
    """DynamoDB kept part of a batch unprocessed after every retry, or data is inconsistent."""


class FeedStoreUnavailableError(FeedStoreError):
    """The feed store could not be reached, after the client's own retries."""


class BroadcastConflictError(FeedError):
    """A broadcast job id was reused for different content or time."""
