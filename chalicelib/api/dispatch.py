"""Run one operation: authenticate, authorise, validate, call, answer in JSON.

Every route goes through :func:`dispatch`, so every route gets the same
checks in the same order and the same error shape. Whatever goes wrong inside
a handler that is not a known client error becomes a logged 500 with a
generic body: never a traceback, never an exception's text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from chalice.app import Request, Response
from pydantic import BaseModel

from chalicelib.api import access, idempotency, runtime
from chalicelib.api.call import Call, Reply
from chalicelib.api.errors import ApiError, not_found, to_api_error
from chalicelib.api.headers import HEADERS
from chalicelib.api.inputs import parse_body, parse_query
from chalicelib.api.operations import PATH_PARAMS, Operation, operation
from chalicelib.api.telemetry import logger
from chalicelib.auth import Principal

log = logger


def dispatch(
    op_id: str, request: Request | None, path: Mapping[str, str], lambda_context: Any = None
) -> Response:
    op = operation(op_id)
    principal: Principal | None = None
    try:
        if request is None:
            raise ApiError(500, "internal", "no request")
        principal = _authenticate(op, request)
        if principal is not None:  # before path checks: outsiders learn nothing from a 404
            access.check(op.access, principal, _path_user(path, principal))
        params = _path(op, path)
        call = Call(
            runtime=runtime.current(),
            principal=principal,
            path=params,
            body=_body(op, request),
            query=parse_query(request.query_params, op.query) if op.query else None,
        )
        handler = op.handler
        if handler is None:
            raise ApiError(500, "internal", "operation has no handler")
        key = idempotency.key_from(request.headers) if op.idempotent else None
        if key is None:
            answer, replayed = _answer(handler(call)), False
        else:
            answer, replayed = idempotency.run_once(
                call.runtime.settings,
                _idempotent_request(op, call, key),
                lambda: _answer(handler(call)),
                lambda_context,
            )
    except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON answer
        return _failure(op, principal, exc)
    log.info("%s %s -> %d%s", op.id, _who(principal), answer["status"], " (replayed)" * replayed)
    return _respond(answer, replayed)


def _answer(reply: Reply[Any]) -> idempotency.Answer:
    """The reply as plain JSON, exactly as sent: what a repeated request gets back."""
    if reply.body is None:
        text = None
    elif isinstance(reply.body, BaseModel):
        text = reply.body.model_dump_json()
    else:
        text = json.dumps(reply.body)
    return {"status": reply.status, "headers": dict(reply.headers), "body": text}


def _respond(answer: idempotency.Answer, replayed: bool) -> Response:
    headers: dict[str, str | list[str]] = {**HEADERS, **answer["headers"]}
    if replayed:
        headers[idempotency.REPLAYED_HEADER] = "true"
    return Response(body=answer["body"] or "", status_code=answer["status"], headers=headers)


def _idempotent_request(op: Operation, call: Call, key: str) -> dict[str, Any]:
    """What names a record (caller, operation, key) and what a repeat must match."""
    return {
        "caller": call.me.user_id,
        "operation": op.id,
        "key": key,
        "path": call.path,
        "body": call.body.model_dump(mode="json") if call.body is not None else None,
    }


def error_response(error: ApiError) -> Response:
    return Response(
        body=json.dumps(error.body()),
        status_code=error.status,
        headers={**HEADERS, **error.headers},
    )


def _authenticate(op: Operation, request: Request) -> Principal | None:
    if op.access == "public":
        return None
    return access.principal_from(request.context.get("authorizer"))


def _path(op: Operation, path: Mapping[str, str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for name in op.path_params:
        value = path.get(name, "")
        if not PATH_PARAMS[name].matches(value):
            raise not_found(f"no such {name.replace('_', ' ')}: the value is malformed")
        params[name] = value
    return params


def _path_user(params: Mapping[str, str], principal: Principal) -> str | None:
    user = params.get("user_id")
    return access.resolve_user(user, principal) if user is not None else None


def _body(op: Operation, request: Request) -> BaseModel | None:
    if op.body is None:
        return None
    raw = request.raw_body
    data = raw.encode() if isinstance(raw, str) else raw
    return parse_body(data, request.headers.get("content-type"), op.body)


def _failure(op: Operation, principal: Principal | None, exc: Exception) -> Response:
    error = to_api_error(exc)
    if error is None:
        log.error("%s %s failed: %s", op.id, _who(principal), type(exc).__name__, exc_info=exc)
        error = ApiError(500, "internal", "internal error; the request was not completed")
    else:
        log.info("%s %s -> %d %s", op.id, _who(principal), error.status, error.code)
    return error_response(error)


def _who(principal: Principal | None) -> str:
    return principal.user_id if principal is not None else "-"
