"""Turn raw request parts into validated models, or a 400/413/415 that says why.

Error messages name the field and the rule broken, never the value sent: a
rejected body may hold a secret (a bearer token one character too short), and
it must not come back in a response or a log line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Final, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib.api.errors import ApiError, bad_request

M = TypeVar("M", bound=BaseModel)
#: Largest accepted request body (16 KB of content plus JSON and 500 user ids).
MAX_BODY_BYTES: Final = 64 * 1024
_JSON_TYPE = re.compile(r"^application/(?:[a-z0-9.+-]+\+)?json\s*(?:;.*)?$", re.IGNORECASE)


def parse_body(raw: bytes | None, content_type: str | None, model: type[M]) -> M:
    if raw is not None and len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "body_too_large", f"the body may be at most {MAX_BODY_BYTES} bytes")
    if content_type and not _JSON_TYPE.fullmatch(content_type.strip()):
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    if not raw:
        raise bad_request("invalid_json", "a JSON body is required")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # too deep is not valid either
        raise bad_request("invalid_json", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise bad_request("invalid_json", "the body must be a JSON object")
    return _validate(model, data, "body")


def parse_query(params: Mapping[str, str] | None, model: type[M]) -> M:
    return _validate(model, dict(params or {}), "query")


def _validate(model: type[M], data: dict[str, object], where: str) -> M:
    # Lax mode on purpose: query values are strings, and "20" must become 20.
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise bad_request("validation_error", describe(exc, where)) from None


def describe(exc: ValidationError, where: str) -> str:
    """``body.value: String should have at most 1024 characters; …`` (values left out)."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False)[:5]:
        location = ".".join([where, *(str(part) for part in error["loc"])])
        parts.append(f"{location}: {error['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
