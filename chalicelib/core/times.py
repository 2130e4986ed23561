"""Time as text, in the two forms the system writes, one implementation each.

- **Sort keys** (:func:`format_time`, :func:`parse_time`): fixed width and zero
  padded, so text order is time order; feeds, timelines and hot-term spans use
  it inside DynamoDB sort keys.
- **Records and JSON answers** (:func:`iso_text`, :func:`parse_iso`): ISO 8601
  in UTC with ``Z``; the streamer's status record, the status report and the
  API's answers.

Every instant is UTC. A naive datetime is refused: guessing its zone is the
bug django-user-streams' ``USE_UTC`` switch existed to work around.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final, Literal

#: Length of ``format_time``'s output: ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.
TIME_WIDTH: Final = 27


def aware_utc(value: datetime) -> datetime:
    """``value`` in UTC; ValueError for a naive datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a naive datetime has no zone; pass an aware one")
    return value.astimezone(UTC)


def format_time(value: datetime) -> str:
    """Fixed width, zero padded, so text order is time order for years 1 to 9999.

    ``strftime('%Y')`` does not pad years below 1000 on every platform, hence
    the explicit format.
    """
    v = aware_utc(value)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d}T"
        f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}Z"
    )


def model_time(value: datetime) -> str:
    """The text PynamoDB's ``UTCDateTimeAttribute`` stores, without building a model."""
    return format_time(value)[:-1] + "+0000"


def parse_model_time(text: str) -> datetime:
    """The inverse of ``model_time``; also reads PynamoDB's other ISO forms, naive as UTC."""
    if text.endswith("+0000") and len(text) == TIME_WIDTH + 4:
        return parse_time(text[:-5] + "Z")
    parsed = datetime.fromisoformat(text)
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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


def iso_text(value: datetime, timespec: Literal["auto", "seconds", "milliseconds"] = "auto") -> str:
    """``2024-05-01T12:00:00.123456Z``: ISO 8601, UTC, ``Z``, whatever zone came in."""
    return aware_utc(value).isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_iso(value: object) -> datetime | None:
    """An ISO 8601 instant (``Z`` or offset) read from a record; naive is taken as UTC.

    None for anything else: records are read leniently, a bad field is "unknown".
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
