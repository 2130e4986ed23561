"""Option types the commands share."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click


class IsoTime(click.ParamType[datetime]):
    """An ISO 8601 instant with its zone (``Z`` or an offset)."""

    name = "ISO-TIME"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            self.fail(f"{text!r} is not an ISO 8601 time (e.g. 2024-05-01T12:00:00Z)", param, ctx)
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.fail(f"{text!r} has no time zone: add Z or an offset such as +02:00", param, ctx)
        return parsed.astimezone(UTC)


class ZoneName(click.ParamType[tzinfo]):
    """``UTC`` or an IANA zone name."""

    name = "ZONE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tzinfo:
        if isinstance(value, tzinfo):
            return value
        text = str(value).strip()
        if text.upper() == "UTC":
            return UTC
        try:
            return ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(f"{text!r} is not UTC nor a time zone name (e.g. Europe/Paris)", param, ctx)
