"""Timeline cursors: the shared scheme (``chalicelib.cursors``) bound to a term's timeline."""

from __future__ import annotations

from typing import Final

from chalicelib.cursors import CursorError, CursorScheme
from chalicelib.timelines.errors import InvalidCursor

TIMELINE_CURSORS: Final = CursorScheme("t", 10, "another term's timeline")


def encode_cursor(term_id: str, sort_key: str) -> str:
    return TIMELINE_CURSORS.encode(term_id, sort_key)


def decode_cursor(term_id: str, cursor: str) -> str:
    try:
        return TIMELINE_CURSORS.decode(term_id, cursor)
    except CursorError as exc:
        raise InvalidCursor(f"{exc} (not one this timeline handed out)") from None
