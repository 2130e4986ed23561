"""Shared schema pieces: the error body, strict input models, UTC timestamps.

Every input model forbids unknown fields and bounds every string and list, so
the OpenAPI document states the limits and pydantic enforces exactly those.
Timestamps serialise as ISO 8601 UTC with ``Z``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from chalicelib.core.times import iso_text

MAX_CURSOR: Final = 512


#: A datetime that always serialises as UTC with ``Z``.
UtcTime = Annotated[
    datetime,
    PlainSerializer(iso_text, return_type=str, when_used="json"),
    Field(json_schema_extra={"format": "date-time"}),
]
Cursor = Annotated[str, Field(min_length=1, max_length=MAX_CURSOR, pattern=r"^[A-Za-z0-9_-]+$")]


class Input(BaseModel):
    """Base of request bodies and query strings: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, frozen=True)


class Output(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErrorBody(Output):
    """Every error: a stable machine code and a sentence for people."""

    error: str = Field(max_length=64, examples=["not_found"])
    message: str = Field(max_length=2000)


class Me(Output):
    """The caller, as the API sees them."""

    user_id: str
    admin: bool
    service: bool
    groups: list[str]


class Health(Output):
    status: str
    service: str
    stage: str
    region: str
    version: str
