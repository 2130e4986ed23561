"""UTC-only time handling, and the fixed-width text form used inside sort keys.

django-user-streams offered a ``USE_UTC`` switch and stored naive local times. Here
every instant is UTC: an aware ``datetime`` in any zone is converted, and a
naive one is refused, because guessing its zone is exactly the bug the switch
existed to work around.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from chalicelib.feeds.errors import InvalidItemError, NaiveDatetimeError

#: Length of ``format_time``'s output: ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.
TIME_WIDTH: Final = 27


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


def format_time(value: datetime) -> str:
    """Fixed width, zero padded, so text order is time order for years 1 to 9999.

    ``strftime('%Y')`` does not pad years below 1000 on every platform, hence
    the explicit format.
    """
    v = to_utc(value)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d}T"
        f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}Z"
    )


def model_time(value: datetime) -> str:
    """The text PynamoDB's ``UTCDateTimeAttribute`` stores, without building a model."""
    return format_time(value)[:-1] + "+0000"


def parse_time(text: str) -> datetime:
    """The inverse of ``format_time``.

    By position rather than ``strptime``, which is several times slower and
    runs once per item read.
    """
    if len(text) != TIME_WIDTH:
        raise ValueError(f"not a feed timestamp: {text!r}")
    fields = (text[0:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19], text[20:26])
    separators = text[4] + text[7] + text[10] + text[13] + text[16] + text[19] + text[26:]
    digits = "".join(fields)
    if separators != "--T::.Z" or not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"not a feed timestamp: {text!r}")
    try:
        year, month, day, hour, minute, second, micro = map(int, fields)
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    except ValueError:
        raise ValueError(f"not a feed timestamp: {text!r}") from None
