"""Opaque cursors for a term's timeline: the sort key of the last tweet returned.

Paging by key, not offset, means tweets arriving while a client pages land
above the cursor and never shift it. The term id rides along, so a cursor
from one term's timeline is refused on another's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Final

from chalicelib.timelines.errors import InvalidCursor

MAX_CURSOR_LENGTH: Final = 512


def _tag(term_id: str) -> str:
    return hashlib.sha256(term_id.encode()).hexdigest()[:10]


def encode_cursor(term_id: str, sort_key: str) -> str:
    body = json.dumps({"v": 1, "t": _tag(term_id), "k": sort_key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode_cursor(term_id: str, cursor: str) -> str:
    problem = InvalidCursor("cursor is not one this timeline handed out")
    if not 0 < len(cursor) <= MAX_CURSOR_LENGTH:
        raise problem
    try:
        body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise problem from None
    if not isinstance(body, dict) or body.get("v") != 1 or body.get("t") != _tag(term_id):
        raise problem
    key = body.get("k")
    if not isinstance(key, str) or not 0 < len(key) <= 256:
        raise problem
    return key
