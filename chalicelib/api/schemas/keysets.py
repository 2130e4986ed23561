"""Key-set bodies and representations. Secrets go in, only hints come out."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr

from chalicelib.api.schemas.common import Input, Output, UtcTime
from chalicelib.core.keysets import NAME_PATTERN

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=NAME_PATTERN)]
Secret = Annotated[SecretStr, Field(min_length=1, max_length=2048)]
Description = Annotated[str, Field(min_length=1, max_length=200)]


class KeySetSecrets(Input):
    """Write-only: stored in Secrets Manager, never returned."""

    bearer_token: Annotated[SecretStr, Field(min_length=8, max_length=2048)]
    consumer_key: Secret | None = None
    consumer_secret: Secret | None = None
    access_token: Secret | None = None
    access_token_secret: Secret | None = None
    description: Description | None = None


class KeySetCreate(KeySetSecrets):
    name: Name


class KeySet(Output):
    name: str
    hint: str = Field(description="The bearer token's last 4 characters, masked: `****abcd`.")
    has_user_context: bool
    description: str | None
    is_default: bool
    created_at: UtcTime
    updated_at: UtcTime


class DefaultKeySet(Output):
    name: str | None
    source: Literal["setting", "stored", "only", "none"] = Field(
        description="setting: STREAMFEED_DEFAULT_KEYS; stored: set through the API or CLI; "
        "only: the single key set; none: no default."
    )


class DefaultKeySetUpdate(Input):
    name: Name


class KeySetList(Output):
    items: list[KeySet]
    default: DefaultKeySet
