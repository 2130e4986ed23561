"""Checks on what callers pass in, done once before any backend sees it.

Backends can then trust their arguments: user ids are non-empty strings,
content is a string within the limit, recipients arrive in bounded chunks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from chalicelib.feeds.errors import ContentTooLargeError, InvalidItemError

#: 16 KB of UTF-8. Bytes, not characters: that is what DynamoDB bills and limits.
MAX_CONTENT_BYTES: Final = 16 * 1024
MAX_USER_ID_BYTES: Final = 256
MAX_PAGE_LIMIT: Final = 1000


def check_user(user: object) -> str:
    if not isinstance(user, str):
        raise InvalidItemError(f"a user id must be a str, not {type(user).__name__}")
    if not user or len(user.encode("utf-8", "surrogatepass")) > MAX_USER_ID_BYTES:
        raise InvalidItemError(f"a user id must be 1-{MAX_USER_ID_BYTES} bytes (got {user!r})")
    return user


def check_content(content: object) -> str:
    if not isinstance(content, str):
        raise InvalidItemError(f"content must be a str, not {type(content).__name__}")
    if not content:
        raise InvalidItemError("content must not be empty")
    try:
        size = len(content.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidItemError("content is not valid Unicode (lone surrogate)") from None
    if size > MAX_CONTENT_BYTES:
        raise ContentTooLargeError(
            f"content is {size} bytes of UTF-8; the limit is {MAX_CONTENT_BYTES} (16 KB)"
        )
    return content


def check_limit(limit: object) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE_LIMIT:
        raise InvalidItemError(f"limit must be an int from 1 to {MAX_PAGE_LIMIT} (got {limit!r})")
    return limit


def user_chunks(user_or_users: str | Iterable[str], size: int) -> Iterator[list[str]]:
    """Recipients in chunks of at most ``size`` distinct, checked ids.

    A str is one user, not an iterable of one-letter users. Any iterable is
    consumed lazily, so a generator over millions of users never sits in
    memory. Duplicates inside a chunk are dropped here (one batch may not write
    a key twice); duplicates across chunks are harmless because writes are
    idempotent per user and item.
    """
    if isinstance(user_or_users, str):
        yield [check_user(user_or_users)]
        return
    if isinstance(user_or_users, bytes | bytearray) or not isinstance(user_or_users, Iterable):
        raise InvalidItemError(
            "user_or_users must be a user id (str) or an iterable of user ids, "
            f"not {type(user_or_users).__name__}"
        )
    chunk: dict[str, None] = {}
    for user in user_or_users:
        chunk[check_user(user)] = None
        if len(chunk) >= size:
            yield list(chunk)
            chunk = {}
    if chunk:
        yield list(chunk)
