"""The fake's user accounts: a fixed crowd per seed, plus anyone a rule names.

Users are full v2 user objects (every field the fake knows); field selection
trims them per connection. A rule's ``from:NASA`` or ``@NASA`` gets a user
called NASA, derived from the name alone so every run and seed agrees on it.
"""

from __future__ import annotations

import hashlib
import random
import threading
from typing import Final

from tools.fakex import corpus
from tools.fakex.model import JsonObject
from tools.fakex.snowflake import iso_ms, snowflake

#: Account creation times span 2007..2023.
_OLDEST_MS: Final = 1_167_609_600_000
_NEWEST_MS: Final = 1_700_000_000_000


class People:
    """A deterministic crowd of users for one seed."""

    def __init__(self, seed: int, size: int = 400) -> None:
        self._lock = threading.Lock()
        self._by_name: dict[str, JsonObject] = {}
        self.crowd: list[JsonObject] = []
        rng = random.Random(f"fakex-people:{seed}")
        while len(self.crowd) < size:
            user = _make_user(rng, _username(rng))
            if user["username"].casefold() not in self._by_name:
                self._by_name[user["username"].casefold()] = user
                self.crowd.append(user)

    def pick(
        self, rng: random.Random, avoid: set[str] | frozenset[str] = frozenset()
    ) -> JsonObject:
        """A random member of the crowd whose username is not in ``avoid`` (casefolded)."""
        while True:
            user = rng.choice(self.crowd)
            if user["username"].casefold() not in avoid and user["id"] not in avoid:
                return user

    def named(self, name: str) -> JsonObject:
        """The user a rule refers to by username (or numeric id)."""
        key = name.casefold()
        with self._lock:
            user = self._by_name.get(key)
            if user is None:
                digest = hashlib.sha256(key.encode()).digest()
                rng = random.Random(digest)
                user = _make_user(rng, name if not name.isdigit() else _username(rng))
                if name.isdigit():
                    user["id"] = name
                self._by_name[key] = user
            return user


def _username(rng: random.Random) -> str:
    parts = "".join(rng.choice(corpus.SYLLABLES) for _ in range(rng.randint(2, 4)))
    style = rng.random()
    if style < 0.3:
        parts = parts.capitalize()
    if style > 0.6:
        parts += "_" if rng.random() < 0.3 else ""
        parts += str(rng.randint(1, 9999))
    return parts[:15]


def _make_user(rng: random.Random, username: str) -> JsonObject:
    created = rng.randint(_OLDEST_MS, _NEWEST_MS)
    # Accounts before 2013 have small sequential ids; later ones are snowflakes.
    user_id = str(
        rng.randint(10_000, 2_000_000_000)
        if created < 1_380_000_000_000
        else snowflake(created, rng.randint(0, 4095))
    )
    name = f"{rng.choice(corpus.FIRST_NAMES)} {rng.choice(corpus.LAST_NAMES)}"
    if rng.random() < 0.2:
        name = f"{name} {rng.choice(corpus.EMOJI)}"
    followers = int(rng.paretovariate(1.2) * 40)
    verified = followers > 5_000 and rng.random() < 0.5
    user: JsonObject = {
        "id": user_id,
        "name": name,
        "username": username,
        "created_at": iso_ms(created),
        "description": rng.choice(corpus.BIOS),
        "location": rng.choice(corpus.LOCATIONS),
        "profile_image_url": f"https://pbs.twimg.com/profile_images/{user_id}/avatar_normal.jpg",
        "protected": rng.random() < 0.03,
        "public_metrics": {
            "followers_count": followers,
            "following_count": rng.randint(0, 3_000),
            "tweet_count": rng.randint(1, 80_000),
            "listed_count": followers // 200,
            "like_count": rng.randint(0, 100_000),
            "media_count": rng.randint(0, 2_000),
        },
        "url": "" if rng.random() < 0.6 else "https://t.co/" + _tco(rng),
        "verified": verified,
        "verified_type": "blue" if verified else "none",
    }
    return user


def _tco(rng: random.Random) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(rng.choice(alphabet) for _ in range(10))
