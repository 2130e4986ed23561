"""Key-set values, built so secrets cannot leak by accident.

``KeySetInfo`` is what the service hands out: it has no field that could
hold a secret. The types that do carry secrets exclude every secret field
from ``repr`` (and so from tracebacks, logs and f-strings of the object);
only the name and a 4-character hint ever print.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from chalicelib.core.keysets.errors import InvalidKeySet

if TYPE_CHECKING:
    from chalicelib.core.models import KeySetModel

NAME_PATTERN: Final = r"^[A-Za-z0-9_.-]{1,64}$"
#: Optional user-context credentials, in the order django-twitter-stream's ApiKey model had them.
USER_CONTEXT_FIELDS: Final = (
    "consumer_key",
    "consumer_secret",
    "access_token",
    "access_token_secret",
)
SECRET_FIELDS: Final = ("bearer_token", *USER_CONTEXT_FIELDS)
MIN_TOKEN_LENGTH: Final = 8
MAX_SECRET_LENGTH: Final = 2048
_NAME = re.compile(NAME_PATTERN)


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidKeySet("a key set name is 1-64 characters of letters, digits, '_', '.' or '-'")
    return name


def hint_of(token: str) -> str:
    """The last characters: 4 at most and never more than a quarter of the token.

    Enough to tell key sets apart (X's bearer tokens are over 100 characters),
    useless to an attacker: a short token gives away a quarter at most.
    """
    shown = min(4, len(token) // 4)
    return token[-shown:] if shown else ""


@dataclass(frozen=True, slots=True)
class KeySetInfo:
    """A stored key set without its secrets: what listings and the API may show.

    Not even the Secrets Manager id is here: readers go through
    ``read_values``, so the row's layout stays the service's business.
    """

    name: str
    #: The last 4 characters of the bearer token (see ``hint_of``).
    hint: str
    has_user_context: bool
    description: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, model: KeySetModel) -> KeySetInfo:
        return cls(
            name=model.name,
            hint=model.hint,
            has_user_context=bool(model.has_user_context),
            description=model.description,
            created_at=model.created_at,
            updated_at=model.updated_at,
        )


@dataclass(frozen=True, slots=True)
class SecretValues:
    """What Secrets Manager holds for one key set (JSON with these keys)."""

    bearer_token: str = field(repr=False)
    consumer_key: str | None = field(default=None, repr=False)
    consumer_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    access_token_secret: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in SECRET_FIELDS:
            value = getattr(self, name)
            if value is None and name != "bearer_token":
                continue
            if not isinstance(value, str) or not value or value != value.strip():
                raise InvalidKeySet(f"{name} must be a non-empty string without outer spaces")
            if len(value) > MAX_SECRET_LENGTH or any(c.isspace() for c in value):
                raise InvalidKeySet(
                    f"{name} must be at most {MAX_SECRET_LENGTH} non-space characters"
                )
            if not all("!" <= c <= "~" for c in value):
                # Credentials travel in HTTP headers: anything else cannot be sent to X.
                raise InvalidKeySet(f"{name} must be visible ASCII characters only")
        if len(self.bearer_token) < MIN_TOKEN_LENGTH:
            raise InvalidKeySet(f"bearer_token must be at least {MIN_TOKEN_LENGTH} characters")

    @property
    def has_user_context(self) -> bool:
        return all(getattr(self, name) for name in USER_CONTEXT_FIELDS)

    @property
    def hint(self) -> str:
        return hint_of(self.bearer_token)

    def to_json(self) -> str:
        return json.dumps({k: getattr(self, k) for k in SECRET_FIELDS if getattr(self, k)})

    @classmethod
    def from_mapping(cls, data: Any) -> SecretValues:
        if not isinstance(data, dict):
            raise InvalidKeySet("key set secrets must be a JSON object")
        unknown = sorted(set(data) - set(SECRET_FIELDS))
        if unknown:
            raise InvalidKeySet(f"unknown key set fields: {', '.join(unknown)}")
        if "bearer_token" not in data:
            raise InvalidKeySet("bearer_token is required")
        return cls(**{k: data[k] for k in SECRET_FIELDS if data.get(k) is not None})


@dataclass(frozen=True, slots=True)
class KeySet:
    """A resolved key set: what the streamer connects with. Secrets never print."""

    name: str
    bearer_token: str = field(repr=False)
    consumer_key: str | None = field(default=None, repr=False)
    consumer_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    access_token_secret: str | None = field(default=None, repr=False)

    @property
    def hint(self) -> str:
        return hint_of(self.bearer_token)

    @property
    def has_user_context(self) -> bool:
        return all(getattr(self, name) for name in USER_CONTEXT_FIELDS)

    def __repr__(self) -> str:
        return f"KeySet(name={self.name!r}, hint='…{self.hint}')"

    @classmethod
    def of(cls, name: str, values: SecretValues) -> KeySet:
        return cls(name, **{k: getattr(values, k) for k in SECRET_FIELDS})
