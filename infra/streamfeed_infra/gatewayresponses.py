"""API Gateway's own error answers, in the API's error shape.

Some requests never reach a handler: no ``Authorization`` header (401), an
unknown path (API Gateway says 403 "Missing Authentication Token"), throttling.
These ``GatewayResponses`` give them the same ``{"error", "message"}`` body.
The CDK app (infra/) adds them to the REST API. Chalice's own simulator
(``chalice local``, ``chalice.test.Client``) answers these cases in its own
shape, so ``streamfeed api`` and the tests run ``tools.apiserver.server``,
which renders them from these same definitions with :func:`answer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

#: GatewayResponse type -> (status, error code, message); None keeps the original status.
RESPONSES: Final[dict[str, tuple[str | None, str, str]]] = {
    "UNAUTHORIZED": ("401", "unauthorized", "an Authorization: Bearer token is required"),
    "ACCESS_DENIED": ("403", "forbidden", "not allowed"),
    "MISSING_AUTHENTICATION_TOKEN": ("404", "not_found", "no such route"),
    "THROTTLED": ("429", "throttled", "too many requests; retry later"),
    "REQUEST_TOO_LARGE": ("413", "body_too_large", "the request is too large"),
    "DEFAULT_4XX": (None, "bad_request", "the request was refused"),
    "DEFAULT_5XX": (None, "internal", "internal error"),
}

#: Headers a response type adds to Content-Type. RFC 6750: a 401 names its scheme.
HEADERS: Final[dict[str, dict[str, str]]] = {
    "UNAUTHORIZED": {"WWW-Authenticate": "Bearer"},
}


def gateway_responses() -> list[dict[str, Any]]:
    """CloudFormation ``AWS::ApiGateway::GatewayResponse`` properties (less RestApiId)."""
    out: list[dict[str, Any]] = []
    for kind, (status, code, message) in RESPONSES.items():
        body = '{"error":"%s","message":"%s"}' % (code, message)  # noqa: UP031 - a VTL template
        response: dict[str, Any] = {
            "ResponseType": kind,
            "ResponseTemplates": {"application/json": body},
            "ResponseParameters": {
                f"gatewayresponse.header.{name}": f"'{value}'"
                for name, value in {
                    "Content-Type": "application/json",
                    **HEADERS.get(kind, {}),
                }.items()
            },
        }
        if status is not None:
            response["StatusCode"] = status
        out.append(response)
    return out


#: API Gateway's default status per response type (its documented table), used when
#: a definition above sets none or the type falls back to DEFAULT_4XX / DEFAULT_5XX.
DEFAULT_STATUS: Final[dict[str, int]] = {
    "UNAUTHORIZED": 401,
    "ACCESS_DENIED": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "REQUEST_TOO_LARGE": 413,
    "THROTTLED": 429,
    "BAD_REQUEST_BODY": 400,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
}


@dataclass(frozen=True, slots=True)
class GatewayAnswer:
    """One gateway response as a client receives it."""

    status: int
    headers: dict[str, str]
    body: bytes


def answer(kind: str, status: int | None = None) -> GatewayAnswer:
    """What API Gateway sends for a gateway response of type ``kind``.

    Rendered from :func:`gateway_responses` itself, the definitions deployed to
    AWS, so the local server (``tools.apiserver.server``) cannot drift from
    them. A type with no definition falls back to DEFAULT_4XX or DEFAULT_5XX, as
    API Gateway does; ``status`` overrides the type's default status.
    """
    fallback = status if status is not None else DEFAULT_STATUS.get(kind, 400)
    defined = {r["ResponseType"]: r for r in gateway_responses()}
    response = defined.get(kind) or defined["DEFAULT_5XX" if fallback >= 500 else "DEFAULT_4XX"]
    headers = {
        key.removeprefix("gatewayresponse.header."): value.strip("'")
        for key, value in response["ResponseParameters"].items()
    }
    body = response["ResponseTemplates"]["application/json"].encode()
    return GatewayAnswer(int(response.get("StatusCode", fallback)), headers, body)
