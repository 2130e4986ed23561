"""X's error bodies ("problems"), byte for byte where we have seen them.

Sources: the problem types and ``disconnect_type`` / ``connection_issue`` enums
of X's OpenAPI document, and bodies observed from the live API as recorded by
client libraries' tests and issue threads.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Final

from tools.fakex.model import JsonObject

PROBLEMS: Final = "https://api.twitter.com/2/problems/"

#: Every ``disconnect_type`` of OperationalDisconnectProblem. The first eight are
#: in X's current OpenAPI document; the Package* two appear in older versions.
DISCONNECT_TYPES: Final = (
    "OperationalDisconnect",
    "UpstreamOperationalDisconnect",
    "ForceDisconnect",
    "UpstreamUncleanDisconnect",
    "SlowReader",
    "InternalError",
    "ClientApplicationStateDegraded",
    "InvalidRules",
    "PackageUpgraded",
    "PackageDowngraded",
)
_DISCONNECT_DETAIL: Final = {
    "UpstreamOperationalDisconnect": "This stream has been disconnected upstream for "
    "operational reasons.",
    "SlowReader": "This stream has been disconnected because your client was unable to keep up "
    "with us.",
}


def unauthorized() -> JsonObject:
    """401 for a missing or wrong bearer token (observed body, ``about:blank`` type)."""
    return {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}


def http_status(status: int) -> JsonObject:
    """A plain ``about:blank`` problem such as X's edge returns for 429/500/503."""
    phrase = HTTPStatus(status).phrase
    return {"title": phrase, "detail": phrase, "type": "about:blank", "status": status}


def not_found() -> JsonObject:
    return {
        "title": "Not Found Error",
        "detail": "Sorry, that page does not exist.",
        "type": "about:blank",
        "status": 404,
    }


def too_many_connections() -> JsonObject:
    """429 body for a second concurrent stream connection (observed)."""
    return {
        "title": "ConnectionException",
        "detail": "This stream is currently at the maximum allowed connection limit.",
        "connection_issue": "TooManyConnections",
        "type": PROBLEMS + "streaming-connection",
    }


def no_rules() -> JsonObject:
    """409 body for connecting to the filtered stream with no rules."""
    return {
        "title": "ConnectionException",
        "detail": "This stream has no rules. Add at least one rule before connecting.",
        "connection_issue": "RuleConfigurationIssue",
        "type": PROBLEMS + "streaming-connection",
    }


def operational_disconnect(disconnect_type: str) -> JsonObject:
    """The in-stream line X sends before closing a stream on its side (observed shape)."""
    detail = _DISCONNECT_DETAIL.get(
        disconnect_type, f"This stream has been disconnected ({disconnect_type})."
    )
    return {
        "errors": [
            {
                "title": "operational-disconnect",
                "disconnect_type": disconnect_type,
                "detail": detail,
                "type": PROBLEMS + "operational-disconnect",
            }
        ]
    }


def invalid_request(errors: list[JsonObject]) -> JsonObject:
    """400 for bad parameters or bodies (observed shape)."""
    return {
        "errors": errors,
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request",
    }


def duplicate_rule(value: str, rule_id: str) -> JsonObject:
    """Per-rule error for a value already in the rule set (observed)."""
    return {
        "value": value,
        "id": rule_id,
        "title": "DuplicateRule",
        "type": PROBLEMS + "duplicate-rules",
    }


def invalid_rule(value: str, details: list[str]) -> JsonObject:
    """Per-rule error for a rule X cannot parse (observed)."""
    return {
        "value": value,
        "details": details,
        "title": "UnprocessableEntity",
        "type": PROBLEMS + "invalid-rules",
    }


def rules_cap(cap: int) -> JsonObject:
    """Top-level problem when adding would exceed the rule cap (title as clients see it)."""
    return {
        "title": "RulesCapExceeded",
        "detail": f"Rule creation would exceed the maximum of {cap} rules for this stream.",
        "type": PROBLEMS + "rule-cap",
    }


def rule_not_found(rule_id: str) -> JsonObject:
    """Per-id error when deleting a rule that does not exist (observed nesting)."""
    return invalid_request([{"parameters": {"ids": [rule_id]}, "message": "Rule does not exist"}])
