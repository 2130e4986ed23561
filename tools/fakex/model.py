"""The shape every part of the fake passes tweets around in.

A :class:`Bundle` is one tweet with every field the fake knows, plus the users,
referenced tweets and media it can expand to. Field selection picks from it per
connection; the matcher reads it; the generator and the replay reader make it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: JSON object as parsed or about to be serialised.
JsonObject = dict[str, Any]

#: Placeholders for the two values stamped per delivery on generated tweets. They
#: serialise to ``\u0000id\u0000`` and ``\u0000at\u0000``, which no text contains,
#: so a rendered line can be reused with a bytes ``replace``.
ID_MARK = "\x00id\x00"
AT_MARK = "\x00at\x00"
ID_MARK_JSON = b"\\u0000id\\u0000"
AT_MARK_JSON = b"\\u0000at\\u0000"


@dataclass(frozen=True, slots=True)
class Bundle:
    """A tweet and everything its expansions can reach, all fields present."""

    tweet: JsonObject
    users: dict[str, JsonObject] = field(default_factory=dict)
    tweets: dict[str, JsonObject] = field(default_factory=dict)
    media: dict[str, JsonObject] = field(default_factory=dict)
