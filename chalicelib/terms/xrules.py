"""Ask X whether it would accept a rule: ``POST …/stream/rules?dry_run=true``.

The API Lambda does not ship tweepy (only the streamer does), and the call is
one small JSON POST, so it goes through the standard library. The HTTP
transport is an injectable function: tests point the checker at the fake X
server through ``STREAMFEED_X_API_URL`` or hand it a stub.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from chalicelib.terms.errors import RuleRejected

RULES_PATH: Final = "/2/tweets/search/stream/rules"
TIMEOUT_SECONDS: Final = 5.0
#: X's problem titles that mean "this rule can never be added".
_REJECTIONS: Final = frozenset({"UnprocessableEntity", "RulesCapExceeded", "Invalid Request"})


class XUnavailable(Exception):
    """X did not give a verdict (network, auth, rate limit, 5xx); never a rule error."""


@dataclass(frozen=True, slots=True)
class HttpReply:
    status: int
    body: bytes


#: (url, json body, headers) -> reply. Raises OSError when nothing answered.
Transport = Callable[[str, bytes, dict[str, str]], HttpReply]


class RuleChecker(Protocol):
    """Something that can tell whether X accepts a rule value."""

    def dry_run(self, value: str, tag: str) -> None:
        """Return if X would accept; raise RuleRejected (X said no) or XUnavailable."""


def urllib_transport(url: str, body: bytes, headers: dict[str, str]) -> HttpReply:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return HttpReply(response.status, response.read(1_000_000))
    except urllib.error.HTTPError as exc:
        return HttpReply(exc.code, exc.read(1_000_000))


class XDryRun:
    """A :class:`RuleChecker` that asks X (or the fake X) with a bearer token."""

    def __init__(
        self, base_url: str, bearer_token: str, transport: Transport = urllib_transport
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("X API base URL must be http(s)")
        self._url = base_url.rstrip("/") + RULES_PATH + "?dry_run=true"
        self._token = bearer_token
        self._transport = transport

    def __repr__(self) -> str:  # the token must never reach a log line
        return f"XDryRun({self._url!r})"

    def dry_run(self, value: str, tag: str) -> None:
        body = json.dumps({"add": [{"value": value, "tag": tag}]}).encode()
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Content-Type": "application/json",
            "User-Agent": "streamfeed-api",
        }
        try:
            reply = self._transport(self._url, body, headers)
        except OSError as exc:
            raise XUnavailable(f"X did not answer ({type(exc).__name__})") from None
        verdict = _parse(reply)
        if verdict is not None:
            raise RuleRejected(verdict)


def _parse(reply: HttpReply) -> str | None:
    """X's message if it refused the rule, None if it accepted; XUnavailable otherwise."""
    try:
        body: Any = json.loads(reply.body or b"{}")
    except ValueError:
        raise XUnavailable(f"X answered HTTP {reply.status} without JSON") from None
    if not isinstance(body, dict):
        raise XUnavailable(f"X answered HTTP {reply.status} with an unexpected body")
    if reply.status in (200, 201):
        problems = [p for p in body.get("errors") or [] if isinstance(p, dict)]
        refused = [p for p in problems if p.get("title") != "DuplicateRule"]
        return _message(refused) if refused else None
    if reply.status == 400 and body.get("title") in _REJECTIONS:
        return _message([body])
    raise XUnavailable(f"X answered HTTP {reply.status}")


def _message(problems: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for problem in problems:
        details = problem.get("details")
        if isinstance(details, list) and details:
            parts.extend(str(d) for d in details)
        else:
            parts.append(str(problem.get("detail") or problem.get("title") or "rule refused"))
    return "; ".join(parts)[:1000]
