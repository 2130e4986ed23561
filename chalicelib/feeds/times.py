"""Feed input times: an aware datetime in any zone is taken as UTC, a naive one refused.

django-user-streams offered a ``USE_UTC`` switch and stored naive local times.
Here the feeds API refuses a naive ``created_at`` with a feed error that says
how to fix it; the text forms are :mod:`chalicelib.core.times`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.feeds.errors import InvalidItemError, NaiveDatetimeError


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_utc(value: object) -> datetime:
    """``value`` as an aware UTC datetime (microseconds kept), or a clear error."""
    if not isinstance(value, datetime):
        raise InvalidItemError(f"created_at must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(
            "created_at is a naive datetime; pass an aware one, e.g. "
            "datetime.now(timezone.utc) or dt.replace(tzinfo=timezone.utc)"
        )
    return value.astimezone(UTC)
