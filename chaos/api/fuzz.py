"""The OpenAPI-driven property run at a larger budget than the test suite's.

Requests are generated from ``GET /openapi.json`` itself (path parameters,
query and bodies from their schemas, plus near-misses and junk), sent as an
admin and as a plain user through the app's handlers (authorizer included).
Every answer must be below 500, a status the document lists for the
operation, and (for JSON) match the documented response schema. The suite
runs 12 examples per operation; ``make chaos`` runs ``property_examples``.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from chalicelib.api.openapi import document
from chalicelib.core.settings import Settings
from chaos.api.transport import InProcess, installed
from chaos.api.world import World, build_world, call, local_runtime
from chaos.results import Outcome
from tests.chalicelib.api.schema_strategies import strategy

DOC = document()
SCHEMAS = DOC["components"]["schemas"]


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    text = json.dumps(schema).replace("#/components/schemas/", "#/$defs/")
    defs = json.loads(json.dumps(SCHEMAS).replace("#/components/schemas/", "#/$defs/"))
    return Draft202012Validator({**json.loads(text), "$defs": defs})


def _requests(spec: dict[str, Any], known: dict[str, list[str]]) -> st.SearchStrategy[Any]:
    path: dict[str, st.SearchStrategy[Any]] = {}
    query: dict[str, st.SearchStrategy[Any]] = {}
    headers: dict[str, st.SearchStrategy[Any]] = {}
    for param in spec.get("parameters", []):
        valid = strategy(param["schema"], SCHEMAS)
        if param["in"] == "path":
            hit = st.sampled_from(known.get(param["name"], ["x"]))
            path[param["name"]] = st.one_of(hit, hit, valid, st.text(max_size=40))
        elif param["in"] == "header":  # the Idempotency-Key: valid, absent, or anything
            headers[param["name"]] = st.one_of(st.none(), valid, valid, st.text(max_size=140))
        else:
            query[param["name"]] = st.one_of(st.none(), valid, st.text(max_size=20))
    body: st.SearchStrategy[Any] = st.none()
    if "requestBody" in spec:
        schema = spec["requestBody"]["content"]["application/json"]["schema"]
        junk = st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=12),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=8), inner, max_size=3)
            ),
            max_leaves=8,
        )
        body = st.one_of(strategy(schema, SCHEMAS), strategy(schema, SCHEMAS), junk)
    return st.fixed_dictionaries(
        {
            "path": st.fixed_dictionaries(path),
            "query": st.fixed_dictionaries(query),
            "headers": st.fixed_dictionaries(headers),
            "body": body,
        }
    )


def _url(template: str, path: dict[str, Any], query: dict[str, Any]) -> str:
    url = template
    for name, value in path.items():
        url = url.replace("{" + name + "}", quote(str(value), safe="") or "x")
    shown = {k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()
             if v is not None}  # fmt: skip
    return url + ("?" + urlencode(shown) if shown else "")


def _known(world: World) -> dict[str, list[str]]:
    return {
        "term_id": [*world.terms.values(), world.off_term],  # #off: disabled, nobody's
        "name": ["main"],
        "user_id": ["alice", "me"],
        "tweet_id": [*world.tweet_ids[:2], world.mixed_tweet],
    }


def run(stage: Settings, examples: int) -> Outcome:
    outcome = Outcome("openapi-property", f"OpenAPI property run, {examples} requests/operation")
    started = time.monotonic()
    transport = InProcess()
    statuses: dict[str, Counter[int]] = {}
    failures: list[str] = []
    with installed(local_runtime(stage)):
        world = build_world(stage, transport)
        known = _known(world)
        for template, item in DOC["paths"].items():
            for method, spec in item.items():
                op = spec["operationId"]
                seen = statuses.setdefault(op, Counter())
                _ensure_known(transport, world)
                _run_operation(transport, world, known, template, method, spec, examples, seen,
                               failures)  # fmt: skip
    total = sum(sum(c.values()) for c in statuses.values())
    reached = [op for op, c in statuses.items() if any(200 <= s < 300 for s in c)]
    outcome.counts.update(
        {
            "operations": len(statuses),
            "requests": total,
            "examples_per_operation": examples,
            "statuses": dict(sum(statuses.values(), Counter())),
            "operations_with_a_2xx": len(reached),
            "by_operation": {op: dict(c) for op, c in sorted(statuses.items())},
        }
    )
    outcome.check("no 5xx and only documented statuses and bodies", not failures,
                  "; ".join(failures[:5]))  # fmt: skip
    outcome.check(
        "generated requests reached the handlers (a 2xx for most operations)",
        len(reached) >= len(statuses) * 3 // 4, f"{len(reached)} of {len(statuses)}",
    )  # fmt: skip
    outcome.seconds = round(time.monotonic() - started, 1)
    return outcome


def _run_operation(
    transport: InProcess, world: World, known: dict[str, list[str]], template: str,
    method: str, spec: dict[str, Any], examples: int, seen: Counter[int], failures: list[str],
) -> None:  # fmt: skip
    responses = spec["responses"]

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(_requests(spec, known), st.sampled_from(["admin", "alice"]))
    def one(request: dict[str, Any], who: str) -> None:
        url = _url(template, request["path"], request["query"])
        headers = {k: v for k, v in request["headers"].items() if v is not None}
        reply = call(transport, world, who, method.upper(), url, request["body"], headers)
        seen[reply.status] += 1
        where = f"{method.upper()} {url} as {who} -> {reply.status} {reply.body[:200]!r}"
        if reply.status >= 500:
            failures.append(where)
            return
        if reply.status == 403 and b"Missing Authentication Token" in reply.body:
            return  # a generated path no route matches: API Gateway's own answer
        if str(reply.status) not in responses:
            failures.append("undocumented status: " + where)
            return
        content = responses[str(reply.status)].get("content") or {}
        if "application/json" in content and reply.body:
            errors = list(_validator(content["application/json"]["schema"]).iter_errors(
                json.loads(reply.body)))  # fmt: skip
            if errors:
                failures.append(f"body off schema ({errors[0].message}): {where}")

    one()


def _ensure_known(transport: InProcess, world: World) -> None:
    """Put back what an earlier operation's run may have deleted (terms, the key set)."""
    for value in world.terms:
        call(transport, world, "admin", "POST", "/terms", {"value": value})
    key_set = {"name": "main", "bearer_token": "AAAA-chaos-bearer-0001"}
    call(transport, world, "admin", "POST", "/keysets", key_set)
