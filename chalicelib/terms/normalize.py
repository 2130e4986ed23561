"""One canonical form per rule value, and the term id derived from it.

The id is a hash of the canonical value, so two concurrent requests for the
same rule compete for the same DynamoDB key: a conditional put lets exactly one
win and the other gets a 409, without a scan or a uniqueness table. The id is
also the X rule's ``tag`` (the streamer maps ``matching_rules[].tag`` back to
terms), so it stays short and ASCII.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Final

#: X's limit on a rule's value (the higher of its access tiers).
MAX_RULE_LENGTH: Final = 1024
TERM_ID_PATTERN: Final = r"^t[0-9a-f]{20}$"
_SPACE = re.compile(r"\s+")
_TERM_ID = re.compile(TERM_ID_PATTERN)


def normalize_value(value: str) -> str:
    """NFC, trimmed, inner whitespace runs collapsed to one space.

    Case is kept: X's operators (``OR``) and some values are case-sensitive,
    so ``Cats OR dogs`` and ``cats or dogs`` are different rules.
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()


def term_id_for(value: str) -> str:
    """The deterministic id of a (normalised) value: ``t`` + 20 hex digits."""
    digest = hashlib.sha256(normalize_value(value).encode("utf-8")).hexdigest()
    return "t" + digest[:20]


def is_term_id(text: str) -> bool:
    return bool(_TERM_ID.fullmatch(text))
