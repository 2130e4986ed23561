"""API Gateway's own error answers, in the API's error shape.

Some requests never reach a handler: no ``Authorization`` header (401), an
unknown path (API Gateway says 403 "Missing Authentication Token"), throttling.
These ``GatewayResponses`` give them the same ``{"error", "message"}`` body.
The CDK app (infra/) adds them to the REST API; under ``chalice local`` and the
test client, Chalice's simulator answers these cases itself.
"""

from __future__ import annotations

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


def gateway_responses() -> list[dict[str, Any]]:
    """CloudFormation ``AWS::ApiGateway::GatewayResponse`` properties (less RestApiId)."""
    out: list[dict[str, Any]] = []
    for kind, (status, code, message) in RESPONSES.items():
        body = '{"error":"%s","message":"%s"}' % (code, message)  # noqa: UP031 - a VTL template
        response: dict[str, Any] = {
            "ResponseType": kind,
            "ResponseTemplates": {"application/json": body},
            "ResponseParameters": {"gatewayresponse.header.Content-Type": "'application/json'"},
        }
        if status is not None:
            response["StatusCode"] = status
        out.append(response)
    return out
