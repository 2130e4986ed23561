"""Feed items from django-user-streams (or anything else), as JSON lines or CSV. Pure.

A row is a user, the content, the creation time and, optionally, an item id:

- JSON lines: ``{"user": …, "content": …, "created_at": …, "item_id": …}``
  (``user_id`` and ``id`` are accepted too);
- CSV with a header naming the same columns, in any order.

django-user-streams stored naive times by default (``USE_UTC`` off): a time
without a zone is refused unless ``naive_zone`` says how to read it (UTC or a
named zone). Without an item id, the id is a hash of the content and the
time, so one item sent to many users stays one item, and importing the file
again finds the same ids.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Final

import orjson

from chalicelib.feeds.keys import check_item_id
from chalicelib.userids import InvalidUser, check_user_id

USER_FIELDS: Final = ("user", "user_id")
ID_FIELDS: Final = ("item_id", "id")
#: Content over this is refused, as the feeds API does.
MAX_CONTENT_BYTES: Final = 16 * 1024


class BadRow(ValueError):
    """One row that cannot be imported: reported with its line number, never fatal."""


@dataclass(frozen=True, slots=True)
class FeedRow:
    user: str
    content: str
    created_at: datetime
    item_id: str


def detect_format(first: bytes) -> str:
    """``jsonl`` when the first non-blank line is a JSON object, else ``csv``."""
    return "jsonl" if first.lstrip().startswith(b"{") else "csv"


def rows(
    lines: Iterable[tuple[int, bytes]], fmt: str, naive_zone: tzinfo | None
) -> Iterator[tuple[int, FeedRow | BadRow]]:
    """Each data line's number and its row, or the reason it is bad."""
    records = _json_records(lines) if fmt == "jsonl" else _csv_records(lines)
    for number, record in records:
        if isinstance(record, BadRow):
            yield number, record
            continue
        try:
            yield number, to_row(record, naive_zone)
        except BadRow as exc:
            yield number, exc


def to_row(record: dict[str, object], naive_zone: tzinfo | None) -> FeedRow:
    user = _first(record, USER_FIELDS)
    content = record.get("content")
    created = record.get("created_at")
    if not isinstance(user, str) or not user:
        raise BadRow("no user (a 'user' or 'user_id' field)")
    try:
        check_user_id(user)
    except InvalidUser as exc:
        raise BadRow(f"user {user!r}: {exc}") from None
    if not isinstance(content, str) or not content:
        raise BadRow("no content")
    if len(content.encode()) > MAX_CONTENT_BYTES:
        raise BadRow("content over 16 KB")
    at = parse_time(created, naive_zone)
    item_id = _first(record, ID_FIELDS)
    if item_id in (None, ""):
        item_id = derived_id(content, at)
    try:
        check_item_id(str(item_id))
    except ValueError as exc:
        raise BadRow(f"item id: {exc}") from None
    return FeedRow(user, content, at, str(item_id))


def parse_time(value: object, naive_zone: tzinfo | None) -> datetime:
    """ISO 8601 (``T`` or a space, as Django writes it), in UTC."""
    if not isinstance(value, str) or not value.strip():
        raise BadRow("no created_at")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadRow(f"created_at {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        if naive_zone is None:
            raise BadRow(
                f"created_at {value!r} has no time zone: say how to read such times "
                "with --naive-times UTC (or a zone name such as Europe/Paris)"
            )
        parsed = parsed.replace(tzinfo=naive_zone)
    return parsed


def derived_id(content: str, created_at: datetime) -> str:
    digest = hashlib.sha256(f"{created_at.isoformat()}\x00{content}".encode()).hexdigest()
    return f"import-{digest[:32]}"


def _first(record: dict[str, object], names: tuple[str, ...]) -> object:
    return next((record[n] for n in names if n in record), None)


def _json_records(
    lines: Iterable[tuple[int, bytes]],
) -> Iterator[tuple[int, dict[str, object] | BadRow]]:
    for number, line in lines:
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield number, BadRow(f"invalid JSON: {exc}")
            continue
        yield number, obj if isinstance(obj, dict) else BadRow("expected a JSON object")


def _csv_records(
    lines: Iterable[tuple[int, bytes]],
) -> Iterator[tuple[int, dict[str, object] | BadRow]]:
    """Rows by the line they start on; a quoted field may span lines (HTML content does)."""
    texts = (line.decode("utf-8-sig", errors="replace") + "\n" for _, line in lines)
    reader = csv.reader(texts)
    header: list[str] | None = None
    start = 1
    for fields in reader:
        number, start = start, reader.line_num + 1
        if not any(f.strip() for f in fields):
            continue
        if header is None:
            header = [f.strip().lower() for f in fields]
            if not set(header) & set(USER_FIELDS) or "content" not in header:
                yield number, BadRow("the CSV header must name user, content and created_at")
                return
            continue
        if len(fields) != len(header):
            yield number, BadRow(f"{len(fields)} fields, the header has {len(header)}")
            continue
        yield number, dict(zip(header, fields, strict=True))
