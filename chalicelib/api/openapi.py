"""The OpenAPI 3.1 document, generated from the operation table and the pydantic models.

Generated, not written: the table is what dispatch enforces and the models are
what validation uses, so the document cannot promise a field or a limit the
API does not apply. Pydantic emits JSON Schema 2020-12, which OpenAPI 3.1 uses
as is.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api import idempotency
from chalicelib.api.access import Access
from chalicelib.api.operations import OPERATIONS, PATH_PARAMS, Operation
from chalicelib.api.schemas.common import ErrorBody
from chalicelib.core.version import __version__

REF: Final = "#/components/schemas/{model}"
ERROR_TEXT: Final = {
    400: "Bad input (malformed JSON, a field out of its limits).",
    401: "No token, or an invalid or expired one.",
    403: "The token is valid but may not do this.",
    404: "No such resource.",
    409: "Conflicts with the current state.",
    413: "The body or the content is too large.",
    415: "The body is not JSON.",
    422: "X rejected the rule.",
    503: "A dependency is unavailable; retry later.",
}
#: What the idempotent operations' 409 and 422 also mean.
IDEMPOTENT_ERROR_TEXT: Final = {
    409: "Conflicts with the current state; or `idempotency_in_progress`: a request with "
    "this `Idempotency-Key` is still running (retry after `Retry-After` seconds).",
    422: "`idempotency_key_reused`: this `Idempotency-Key` came with another request "
    "(another path or body) in the last 24 hours.",
}
IDEMPOTENCY_KEY_TEXT: Final = (
    "Makes the request safe to retry: a repeat with the same key (by the same caller, to "
    "the same operation) within 24 hours gets the first answer, status and body, with "
    f"`{idempotency.REPLAYED_HEADER}: true`, and adds nothing. The same key with another "
    "path or body is a 422 `idempotency_key_reused`; a repeat while the first is still "
    "running is a 409 `idempotency_in_progress`. Only a success is kept: after an error "
    "answer the same key runs the request again. 1-128 printable ASCII characters "
    "(else 400 `invalid_idempotency_key`); a random UUID per logical request is a good key."
)
ACCESS_TEXT: Final[dict[Access, str]] = {
    "public": "No token needed.",
    "user": "Any valid token.",
    "owner": "The user in the path (or `me`), or an admin.",
    "writer": "The admin or service group.",
    "admin": "The admin group.",
}


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    models = _models()
    _, schemas = models_json_schema(
        [(m, "validation" if _is_input(m) else "serialization") for m in models],
        ref_template=REF,
    )
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "streamfeed API",
            "version": __version__,
            "description": "Filter terms, X API key sets, subscriptions, feeds and tweets. "
            "Send `Authorization: Bearer <JWT>` (Cognito, or `streamfeed token` locally).",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def _models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {"ErrorBody": ErrorBody}
    for op in OPERATIONS:
        for model in (op.body, op.response):
            if model is not None:
                found[model.__name__] = model
    return list(found.values())


def _is_input(model: type[BaseModel]) -> bool:
    return model.model_config.get("extra") == "forbid"


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _operation(op: Operation) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": op.id,
        "summary": op.summary,
        "description": _description(op),
        "tags": [op.tag],
        "parameters": _parameters(op),
        "responses": _responses(op),
    }
    spec["security"] = [] if op.access == "public" else [{"bearer": []}]
    if op.body is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    return spec


def _description(op: Operation) -> str:
    text = f"Access: {op.access_note or ACCESS_TEXT[op.access]}"
    if op.idempotent:
        text += f" Idempotent with an `{idempotency.HEADER}` header (see the parameter)."
    return text


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": PATH_PARAMS[name].description,
            "schema": {
                "type": "string",
                "pattern": PATH_PARAMS[name].pattern,
                "maxLength": PATH_PARAMS[name].max_length,
            },
        }
        for name in op.path_params
    ]
    if op.query is not None:
        schema = op.query.model_json_schema()
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            shown = {k: v for k, v in prop.items() if k != "title"}
            params.append(
                {"name": name, "in": "query", "required": name in required, "schema": shown}
            )
    if op.idempotent:
        key_schema = {
            "type": "string",
            "minLength": 1,
            "maxLength": idempotency.MAX_KEY_LENGTH,
            "pattern": idempotency.KEY_PATTERN,
        }
        params.append(
            {
                "name": idempotency.HEADER,
                "in": "header",
                "required": False,
                "description": IDEMPOTENCY_KEY_TEXT,
                "schema": key_schema,
            }
        )
    return params


def _responses(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in (op.status, *op.also):
        if op.response is None and op.id == "getOpenApi":
            content: dict[str, Any] = {"application/json": {"schema": {"type": "object"}}}
            responses[str(status)] = {"description": "OpenAPI 3.1", "content": content}
        elif op.response is None and op.media_type != "application/json":
            page: dict[str, Any] = {op.media_type: {"schema": {"type": "string"}}}
            responses[str(status)] = {"description": "A page.", "content": page}
        elif op.response is None:
            responses[str(status)] = {"description": "Done; no body."}
        else:
            responses[str(status)] = {
                "description": "Success.",
                "content": {"application/json": {"schema": _ref(op.response)}},
            }
    errors = set(op.errors)
    if op.access != "public":
        errors |= {401}
    if op.access not in ("public", "user"):
        errors |= {403}
    if op.body is not None:
        errors |= {400, 413, 415}
    if op.query is not None or op.path_params:
        errors |= {400, 404}
    texts = ERROR_TEXT
    if op.idempotent:
        errors |= set(IDEMPOTENT_ERROR_TEXT)
        texts = {**ERROR_TEXT, **IDEMPOTENT_ERROR_TEXT}
    for status in sorted(errors):
        responses[str(status)] = {
            "description": texts.get(status, "Error."),
            "content": {"application/json": {"schema": _ref(ErrorBody)}},
        }
    return responses
