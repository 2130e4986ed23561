"""Run the hostile cases through each transport and check every answer.

For each case: the answer is 4xx, JSON ``{"error", "message"}`` with a code
and a sentence, no traceback and no echo of the token sent; and a snapshot of
every table and secret of the stage taken after the case equals the one taken
before it. A ``read`` case may succeed instead (a replayed idempotent write, a
tweet read by a user), and no case's answer may show what it ``hidden`` (a term
the caller does not follow). Markup that a writer may store (``inert`` cases) must come back
JSON-encoded with ``nosniff`` and HTML-escaped on the status page.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.core.settings import Settings
from chaos.api.hostile_cases import CASES, Case, Ctx
from chaos.api.server import local_server
from chaos.api.transport import Http, InProcess, Reply, Transport, installed
from chaos.api.world import World, build_world, call, cognito_runtime, local_runtime
from chaos.results import Outcome
from chaos.state import Snapshot, snapshot

FEED = "/users/alice/feed"
_CODE = re.compile(r"^[a-z][a-z_]{2,40}$")
_LEAKS = ("Traceback", 'File "', "Exception", "botocore", "pynamodb")


@dataclass
class Verdict:
    case: Case
    transport: str
    status: int
    code: str
    message: str
    problems: list[str]
    accepted_inert: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def run(settings: Settings, *, over_http: bool = True) -> Outcome:
    """Every case in process and (``over_http``) through Chalice's local HTTP server."""
    outcome = Outcome("hostile-input", "Hostile requests (hand-written)")
    started = time.monotonic()
    cognito_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    local, cognito = local_runtime(settings), cognito_runtime(settings, cognito_key)
    with installed(local):
        world = build_world(settings, InProcess())
    ctx = Ctx(world, cognito_key)
    verdicts: list[Verdict] = []
    transports: list[tuple[str, Transport | None]] = [("in-process", InProcess())]
    if over_http:
        transports.append(("http", None))
    for name, transport in transports:
        if transport is None:
            with installed(local), local_server() as base:
                verdicts += _run_cases(Http(base), ctx, local, cognito)
        else:
            verdicts += _run_cases(transport, ctx, local, cognito)
        del name
    _report(outcome, verdicts)
    outcome.seconds = round(time.monotonic() - started, 1)
    return outcome


def _run_cases(transport: Transport, ctx: Ctx, local: Any, cognito: Any) -> list[Verdict]:
    from chalicelib.api import runtime

    settings = ctx.world.settings
    verdicts: list[Verdict] = []
    baseline = snapshot(settings)
    for case in sorted(CASES, key=lambda c: c.inert is not None):  # state-changing ones last
        runtime.install(cognito if case.mode == "cognito" else local)
        try:
            path, headers, body = case.resolve(ctx)
            reply = transport.send(case.method, path, headers, body)
        finally:
            runtime.install(local)
        verdict = _judge(case, transport.name, reply, headers)
        hidden = case.hidden(ctx) if case.hidden is not None else ()
        text = reply.body.decode("utf-8", "replace")
        verdict.problems += [f"reveals {item!r}" for item in hidden if item in text]
        after = snapshot(settings)
        if 200 <= reply.status < 300 and case.inert is not None:
            verdict.accepted_inert = True
            verdict.problems += _inert_problems(case, transport, ctx.world, body or b"")
        else:
            changed = baseline.diff(after)
            if changed:
                verdict.problems.append("state changed: " + ", ".join(changed))
        baseline = after if verdict.accepted_inert else _keep(baseline, after)
        verdicts.append(verdict)
    return verdicts


def _keep(baseline: Snapshot, after: Snapshot) -> Snapshot:
    """Compare the next case with what is there now, so one change is reported once."""
    return after if baseline != after else baseline


def _judge(case: Case, transport: str, reply: Reply, sent: dict[str, str]) -> Verdict:
    problems: list[str] = []
    code = message = ""
    try:
        body = json.loads(reply.body) if reply.body else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        code, message = str(body.get("error", "")), str(body.get("message", ""))
    accepted = 200 <= reply.status < 300 and (case.inert is not None or case.read)
    if not accepted:
        if not 400 <= reply.status < 500:
            problems.append(f"answered {reply.status}, not 4xx")
        if not reply.headers.get("content-type", "").startswith("application/json"):
            problems.append(f"content type {reply.headers.get('content-type')!r}")
        if not _CODE.match(code) or len(message) < 8:
            problems.append(f"no clear error: {reply.body[:160]!r}")
    text = reply.body.decode("utf-8", "replace")
    problems += [f"leaks {leak!r}" for leak in _LEAKS if leak in text]
    token = sent.get("Authorization", "").partition(" ")[2].strip()
    if len(token) > 20 and token in text:
        problems.append("echoes the bearer token")
    if case.secret and case.secret in text:
        problems.append("echoes the secret sent")
    return Verdict(case, transport, reply.status, code, message, problems)


def _inert_problems(case: Case, transport: Transport, world: World, sent: bytes) -> list[str]:
    """Accepted markup must be served JSON-encoded with nosniff, or HTML-escaped."""
    problems: list[str] = []
    markup = str(next(iter(json.loads(sent).values())))
    reader, who = ("/terms", "admin") if case.inert == "status-page" else (FEED, "alice")
    reply = call(transport, world, who, "GET", reader)
    if not reply.headers.get("content-type", "").startswith("application/json"):
        problems.append(f"{reader} served as {reply.headers.get('content-type')!r}")
    if reply.headers.get("x-content-type-options") != "nosniff":
        problems.append(f"{reader} lacks X-Content-Type-Options: nosniff")
    if markup not in json.dumps(json.loads(reply.body)):
        problems.append(f"{reader} does not return the markup as sent (JSON-encoded)")
    if case.inert == "status-page":
        page = call(transport, world, "admin", "GET", "/status/page")
        html = page.body.decode("utf-8", "replace")
        if markup in html:
            problems.append("the status page shows the markup unescaped")
        if page.status == 200 and "&lt;script&gt;" not in html:
            problems.append("the status page does not show the term (escaped)")
    return problems


def _report(outcome: Outcome, verdicts: list[Verdict]) -> None:
    by_category: dict[str, Counter[str]] = {}
    for verdict in verdicts:
        counts = by_category.setdefault(verdict.case.category, Counter())
        counts["requests"] += 1
        counts["4xx"] += 400 <= verdict.status < 500
        counts["accepted inert"] += verdict.accepted_inert
        counts["served, nothing hidden shown"] += verdict.case.read and 200 <= verdict.status < 300
        counts["passed"] += verdict.ok
        counts["known issue"] += not verdict.ok and verdict.case.known is not None
    outcome.counts = {
        "cases": len(CASES),
        "requests": len(verdicts),
        "transports": sorted({v.transport for v in verdicts}),
        "by_category": {k: dict(v) for k, v in by_category.items()},
        "statuses": dict(Counter(str(v.status) for v in verdicts)),
        "answers": [
            {
                "category": v.case.category,
                "case": v.case.name,
                "transport": v.transport,
                "status": v.status,
                "error": v.code,
                "message": v.message[:160],
                "problems": v.problems,
            }
            for v in verdicts
        ],
    }
    known = [v for v in verdicts if not v.ok and v.case.known]
    failed = [v for v in verdicts if not v.ok and not v.case.known]
    outcome.counts["known_issues"] = sorted({f"{v.case.name}: {v.case.known}" for v in known})
    outcome.known += outcome.counts["known_issues"]
    outcome.check(
        "every hostile request answered 4xx with a clear JSON error (or was served inert)",
        not failed,
        "; ".join(f"[{v.transport}] {v.case.name}: {', '.join(v.problems)}" for v in failed[:8]),
    )
    outcome.check(
        "no hostile request changed a row or a secret",
        not any("state changed" in p for v in failed for p in v.problems),
    )
