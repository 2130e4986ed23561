"""A small, realistic stage for API scenarios: users, terms, tweets, feeds, cursors.

Built through the API itself where the API can do it (terms, key set,
subscriptions, feed items) and written as the consumer writes them where it
cannot (tweets and term timelines), so the hostile cases and the load hit
real rows, real cursors and real access rules.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.api.runtime import Runtime
from chalicelib.auth import AuthConfig, CognitoVerifier, StaticJwks, mint_token, read_signing_key
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from chalicelib.terms.xrules import HttpReply
from chaos.api.tokens import claims_now, public_jwk
from chaos.api.transport import Reply, Transport
from tools.localcloud.bootstrap import BootstrapReport, ensure_secrets, ensure_tables

COGNITO_POOL = "us-east-1_ChaosPool1"
COGNITO_CLIENT = "chaos-client"
COGNITO_ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{COGNITO_POOL}"
#: The service's first keyed write (to alice's feed); hostile cases reuse the key.
WORLD_KEY = "chaos-world-key-0001"
WORLD_KEYED_BODY = {"content": "written once"}


def no_x(url: str, body: bytes, headers: dict[str, str]) -> HttpReply:
    """X is never reached from API scenarios: rules fall back to the local syntax check."""
    raise OSError("chaos scenarios never reach the real X API")


def local_runtime(settings: Settings) -> Runtime:
    return Runtime.build(settings, AuthConfig(auth_mode="local"), x_transport=no_x)


def cognito_runtime(settings: Settings, private_key: Any) -> Runtime:
    """Cognito mode with the pool's JWKS holding ``private_key``'s public half as ``k1``."""
    verifier = CognitoVerifier(
        StaticJwks({"keys": [public_jwk(private_key, "k1")]}),
        COGNITO_ISSUER,
        frozenset({COGNITO_CLIENT}),
    )
    return Runtime(settings, verifier, no_x)


def prepare_stage(settings: Settings) -> None:
    ensure_tables(settings, BootstrapReport())
    ensure_secrets(settings, BootstrapReport())


@dataclass
class World:
    """Who exists and what they own, plus genuine tokens and cursors to tamper with."""

    settings: Settings
    key: bytes
    terms: dict[str, str] = field(default_factory=dict)  # value -> term id
    cursors: dict[str, str] = field(default_factory=dict)
    tweet_ids: list[str] = field(default_factory=list)
    #: ``#off``: disabled, followed by nobody; only admins and services may learn of it.
    off_term: str = ""
    #: A tweet that matched #chaos, #other and #off: bob (who follows #chaos) sees one term.
    mixed_tweet: str = ""

    def token(self, user: str, *groups: str, ttl: int = 3600) -> str:
        return mint_token(self.settings, user, ttl_seconds=ttl, groups=groups, key=self.key)

    def auth(self, who: str) -> dict[str, str]:
        """Headers for a named caller: admin, service, alice, bob, or none."""
        if who == "none":
            return {}
        groups = {"admin": ("admin",), "service": ("service",)}.get(who, ())
        return {"Authorization": f"Bearer {self.token(who, *groups)}"}


def call(
    transport: Transport,
    world: World,
    who: str,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    headers = {"Content-Type": "application/json", **world.auth(who), **(headers or {})}
    data = None if body is None else json.dumps(body).encode()
    return transport.send(method, path, headers, data)


def expect_ok(reply: Reply, what: str) -> Any:
    if reply.status >= 300:
        raise RuntimeError(f"setting up the world: {what} -> {reply.status} {reply.body[:200]!r}")
    return json.loads(reply.body) if reply.body else None


def build_world(settings: Settings, transport: Transport) -> World:
    """Terms #chaos, #other and #off (disabled), a key set, subscriptions, feeds and tweets."""
    world = World(settings, read_signing_key(settings))
    for value in ("#chaos", "#other"):
        reply = call(transport, world, "admin", "POST", "/terms", {"value": value})
        created = expect_ok(reply, value)
        world.terms[value] = created["term_id"]
    expect_ok(
        call(transport, world, "admin", "POST", "/keysets",
             {"name": "main", "bearer_token": "AAAA-chaos-bearer-0001"}),
        "key set",
    )  # fmt: skip
    # alice follows both terms (she reads both timelines), bob only #chaos.
    for user, values in (("alice", ("#chaos", "#other")), ("bob", ("#chaos",))):
        for value in values:
            path = f"/users/{user}/subscriptions/{world.terms[value]}"
            expect_ok(call(transport, world, user, "PUT", path), f"{user} subscribes")
    off = call(transport, world, "admin", "POST", "/terms", {"value": "#off", "enabled": False})
    world.off_term = expect_ok(off, "#off")["term_id"]
    for n in range(3):
        body = {"user_ids": ["alice", "bob"], "content": f"hello {n}"}
        expect_ok(call(transport, world, "admin", "POST", "/feed-items", body), "feed item")
    keyed = call(transport, world, "service", "POST", "/users/alice/feed", WORLD_KEYED_BODY,
                 {"Idempotency-Key": WORLD_KEY})  # fmt: skip
    expect_ok(keyed, "a keyed feed item")
    base = datetime.now(UTC) - timedelta(minutes=5)
    for n, term_id in enumerate(list(world.terms.values()) * 3):
        tweet_id = str(1_800_000_000_000_000_000 + n)
        store_tweet(settings, tweet_id, term_id, base + timedelta(seconds=n), f"tweet {n}")
        world.tweet_ids.append(tweet_id)
    world.mixed_tweet = str(1_800_000_000_000_000_100)
    store_tweet(settings, world.mixed_tweet, world.terms["#chaos"], base, "mixed tweet",
                also=(world.terms["#other"], world.off_term))  # fmt: skip
    for user in ("alice", "bob"):
        page = expect_ok(call(transport, world, user, "GET", "/users/me/feed?limit=1"), "feed")
        world.cursors[f"feed:{user}"] = page["next_cursor"]
    for value, term_id in world.terms.items():
        path = f"/terms/{term_id}/tweets?limit=1"
        page = expect_ok(call(transport, world, "alice", "GET", path), "timeline")
        world.cursors[f"timeline:{value}"] = page["next_cursor"]
    return world


def store_tweet(
    settings: Settings,
    tweet_id: str,
    term_id: str,
    when: datetime,
    text: str,
    also: tuple[str, ...] = (),
) -> None:
    """A tweet and its timeline rows, written the way the consumer writes them.

    The payload is X's stream line, ``matching_rules`` and all: each rule's tag
    is a term id, which a caller who does not follow the term must not learn.
    """
    models = bind_models(settings)
    terms = sorted({term_id, *also})
    rules = [{"id": f"rule-{term}", "tag": term} for term in terms]
    line = json.dumps({"data": {"id": tweet_id, "text": text}, "matching_rules": rules}).encode()
    models.tweets(
        tweet_id,
        created_at=when,
        author_id="42",
        author_username="someone",
        text=text,
        lang="en",
        term_ids=set(terms),
        payload=zlib.compress(line),
        stored_at=datetime.now(UTC),
    ).save()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for term in terms:
        models.term_tweets(term, sk=f"{stamp}#{tweet_id:0>19}", tweet_id=tweet_id).save()


def cognito_token(private_key: Any, **changes: Any) -> str:
    """A genuine Cognito access token for the chaos pool (the starting point of forgeries)."""
    import jwt

    claims = claims_now(
        **{
            "sub": "cognito-user",
            "iss": COGNITO_ISSUER,
            "client_id": COGNITO_CLIENT,
            "token_use": "access",
            "cognito:groups": [],
        }
    )
    return jwt.encode({**claims, **changes}, private_key, algorithm="RS256", headers={"kid": "k1"})
