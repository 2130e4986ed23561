"""Hand-written hostile requests, by category.

Each case is one request an attacker or a broken client could send. Unless a
case says otherwise (``inert``), the API must answer 4xx in its JSON error
shape with a clear message, and the stage must be unchanged afterwards.
``inert`` cases send markup that a caller allowed to write may store (feed
content is plain text or HTML by design, a term is an X rule); for those the
claim is that it is only ever served inert (JSON-encoded with ``nosniff``, or
HTML-escaped), which ``inert`` checks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.feeds.cursors import FEED_CURSORS
from chaos.api import tokens as t
from chaos.api.world import COGNITO_ISSUER, WORLD_KEY, WORLD_KEYED_BODY, World, cognito_token

ALICE_TAG = FEED_CURSORS.tag("alice")

ATTACKER = t.ATTACKER_KEY


@dataclass(frozen=True)
class Ctx:
    world: World
    cognito_key: Any

    @property
    def alice(self) -> str:
        return self.world.token("alice")

    @property
    def cognito(self) -> str:
        return cognito_token(self.cognito_key)

    def term(self, value: str = "#chaos") -> str:
        return self.world.terms[value]


Value = Callable[[Ctx], Any]


@dataclass(frozen=True)
class Case:
    category: str
    name: str
    method: str
    path: str | Value
    who: str = "admin"
    auth: Value | None = None  # the raw Authorization header instead of ``who``'s token
    body: bytes | Value | None = None
    content_type: str = "application/json"
    mode: Literal["local", "cognito"] = "local"
    #: Set: the request may succeed, and this names where its result must be served inert.
    inert: Literal["terms", "feed", "status-page"] | None = None
    #: A string that must not come back in the answer (a secret sent in the body).
    secret: str | None = None
    #: A reported, still open bug this case shows: counted apart, does not fail CI.
    known: str | None = None
    #: More request headers (an ``Idempotency-Key``).
    headers: dict[str, str] | None = None
    #: A read that may succeed (2xx) if it changes nothing and shows none of ``hidden``.
    read: bool = False
    #: What the caller must not learn from the answer, success or not (a term's id).
    hidden: Callable[[Ctx], tuple[str, ...]] | None = None

    def resolve(self, ctx: Ctx) -> tuple[str, dict[str, str], bytes | None]:
        path = self.path(ctx) if callable(self.path) else self.path
        body = self.body(ctx) if callable(self.body) else self.body
        if isinstance(body, dict | list | str) and not isinstance(body, bytes):
            body = json.dumps(body).encode()
        headers = {"Content-Type": self.content_type} if self.content_type else {}
        if self.auth is not None:
            value = self.auth(ctx)
            if value is not None:
                headers["Authorization"] = value
        else:
            headers.update(ctx.world.auth(self.who))
        headers.update(self.headers or {})
        return path, headers, body


def j(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def deep_array(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def deep_object(depth: int, leaf: bytes = b"1") -> bytes:
    return b'{"a":' * depth + leaf + b"}" * depth


def cursor(body: Any) -> str:
    return t.b64json(body)


def flip(text: str) -> str:
    middle = len(text) // 2
    return text[:middle] + ("A" if text[middle] != "A" else "B") + text[middle + 1 :]


FEED = "/users/alice/feed"
C = Case
CASES: tuple[Case, ...] = (
    # -- huge bodies -------------------------------------------------------
    C("huge body", "70 KB JSON body on POST /terms", "POST", "/terms",
      body=j({"value": "#x", "pad": "x" * 70_000})),
    C("huge body", "2 MB body on PUT /keysets/main", "PUT", "/keysets/main",
      body=j({"bearer_token": "A" * 2_000_000})),
    C("huge body", "16 KB + 1 character of feed content", "POST", FEED,
      body=j({"content": "x" * 16_385})),
    C("huge body", "16,000 four-byte characters of content (64 KB of UTF-8)", "POST", FEED,
      body=j({"content": "\U0001d11e" * 16_000}, )),
    C("huge body", "501 recipients", "POST", "/feed-items",
      body=j({"user_ids": [f"u{i}" for i in range(501)], "content": "hi"})),
    C("huge body", "a 60 KB bearer token for a key set", "POST", "/keysets",
      body=j({"name": "huge", "bearer_token": "B" * 60_000})),
    C("huge body", "a 20 KB cursor in the query", "GET", FEED + "?cursor=" + "A" * 20_000,
      who="alice"),
    C("huge body", "a 5,000-character rule", "POST", "/terms", body=j({"value": "a" * 5000})),
    # -- deep JSON ---------------------------------------------------------
    C("deep JSON", "array nested 30,000 deep (60 KB)", "POST", "/terms", body=deep_array(30_000)),
    C("deep JSON", "object nested 8,000 deep", "POST", "/terms", body=deep_object(8_000)),
    C("deep JSON", "deep array as a field value", "POST", FEED,
      body=b'{"content":' + deep_array(20_000) + b"}"),
    C("deep JSON", "deep array inside an otherwise valid term", "PATCH",
      lambda c: f"/terms/{c.term()}", body=b'{"enabled":' + deep_array(25_000) + b"}"),
    C("deep JSON", "a token whose header nests 3,000 deep", "GET", "/me",
      auth=lambda c: t.deep_header_token(3_000)),
    # -- invalid UTF-8 -----------------------------------------------------
    C("invalid UTF-8", "bytes 0xFF 0xFE in a term", "POST", "/terms",
      body=b'{"value": "#x\xff\xfe"}'),
    C("invalid UTF-8", "overlong encoding of '/'", "POST", "/terms", body=b'{"value": "\xc0\xaf"}'),
    C("invalid UTF-8", "a lone surrogate escape in a term", "POST", "/terms",
      body=b'{"value": "#x\\ud800"}'),
    C("invalid UTF-8", "a lone surrogate escape in feed content", "POST", FEED,
      body=b'{"content": "hi \\udfff"}'),
    C("invalid UTF-8", "a lone surrogate in a key set secret", "POST", "/keysets",
      body=b'{"name": "sur", "bearer_token": "AAAA\\ud83d-token-0001"}'),
    C("invalid UTF-8", "%FF%FE as a term id", "GET", "/terms/%FF%FE", who="alice"),
    C("invalid UTF-8", "%C0%AF in a cursor", "GET", FEED + "?cursor=%C0%AF", who="alice"),
    C("invalid UTF-8", "latin-1 body declared as JSON", "POST", FEED,
      body='{"content": "caf\u00e9"}'.encode("latin-1")),
    # -- control characters -----------------------------------------------
    C("control characters", "NUL inside a term", "POST", "/terms", body=j({"value": "#a\u0000b"})),
    C("control characters", "terminal escape in a term", "POST", "/terms",
      body=j({"value": "#x \u001b[2J"})),
    C("control characters", "raw newline inside a JSON string", "POST", "/terms",
      body=b'{"value": "#a\nb"}'),
    C("control characters", "NUL in a user id (path)", "GET", "/users/al%00ice/feed", who="admin"),
    C("control characters", "NUL in a recipient id", "POST", "/feed-items",
      body=j({"user_ids": ["al\u0000ice"], "content": "hi"})),
    C("control characters", "CR LF in a key set name", "POST", "/keysets",
      body=j({"name": "a\r\nb", "bearer_token": "AAAA-crlf-000001"})),
    C("control characters", "NUL in a broadcast job id", "POST", "/broadcasts",
      body=j({"content": "hi", "job_id": "a\u0000"})),
    C("control characters", "a limit of NUL", "GET", FEED + "?limit=%00", who="alice"),
    # -- HTML and script ---------------------------------------------------
    C("HTML/script", "script tag as a term (admin)", "POST", "/terms",
      body=j({"value": "<script>alert(1)</script>"}), inert="status-page"),
    C("HTML/script", "event-handler markup in feed content (admin)", "POST", FEED,
      body=j({"content": "<img src=x onerror=alert(1)>"}), inert="feed"),
    C("HTML/script", "script in feed content from a plain user", "POST", "/users/bob/feed",
      who="alice", body=j({"content": "<script>alert(1)</script>"})),
    C("HTML/script", "script tag as a user id", "GET", "/users/%3Cscript%3E/feed"),
    C("HTML/script", "markup as a key set name", "POST", "/keysets",
      body=j({"name": "<b>x</b>", "bearer_token": "AAAA-html-000001"})),
    C("HTML/script", "markup as a broadcast job id", "POST", "/broadcasts",
      body=j({"content": "hi", "job_id": "<svg/onload=alert(1)>"})),
    C("HTML/script", "a term from a plain user", "POST", "/terms", who="alice",
      body=j({"value": "<script>alert(1)</script>"})),
    # -- cursor tampering --------------------------------------------------
    C("cursor tampering", "bob's cursor on alice's feed", "GET",
      lambda c: f"{FEED}?cursor={c.world.cursors['feed:bob']}", who="alice"),
    C("cursor tampering", "one character changed", "GET",
      lambda c: f"{FEED}?cursor={flip(c.world.cursors['feed:alice'])}", who="alice"),
    C("cursor tampering", "a forged position outside the key format", "GET",
      lambda c: FEED + "?cursor=" + cursor({"v": 1, "u": ALICE_TAG, "k": "../../x"}),
      who="alice"),
    C("cursor tampering", "an unknown cursor version", "GET",
      lambda c: FEED + "?cursor=" + cursor({"v": 2, "u": ALICE_TAG, "k": "x"}),
      who="alice"),
    C("cursor tampering", "a cursor that is a JSON list", "GET", FEED + "?cursor=" + cursor([1]),
      who="alice"),
    C("cursor tampering", "a 600-character cursor", "GET", FEED + "?cursor=" + "A" * 600,
      who="alice"),
    C("cursor tampering", "not base64 at all", "GET", FEED + "?cursor=%25%25%25", who="alice"),
    C("cursor tampering", "one term's cursor on another term", "GET",
      lambda c: f"/terms/{c.term('#other')}/tweets?cursor={c.world.cursors['timeline:#chaos']}",
      who="alice"),
    C("cursor tampering", "a timeline cursor on a feed", "GET",
      lambda c: f"{FEED}?cursor={c.world.cursors['timeline:#chaos']}", who="alice"),
    C("cursor tampering", "limit of -1", "GET", FEED + "?limit=-1", who="alice"),
    C("cursor tampering", "limit of 10^30", "GET", FEED + "?limit=1" + "0" * 30, who="alice"),
    # -- path traversal in ids ---------------------------------------------
    C("path traversal", "../bob as a user id", "GET", "/users/..%2Fbob/feed", who="alice"),
    C("path traversal", "alice/../bob as a user id", "GET", "/users/alice%2F..%2Fbob/feed",
      who="alice"),
    C("path traversal", "me/../bob subscribing", "PUT",
      lambda c: f"/users/me%2F..%2Fbob/subscriptions/{c.term()}", who="alice"),
    C("path traversal", "../../keysets as a term id", "GET", "/terms/..%2F..%2Fkeysets",
      who="alice"),
    C("path traversal", "../../../etc/passwd as a tweet id", "GET",
      "/tweets/..%2F..%2F..%2Fetc%2Fpasswd", who="alice"),
    C("path traversal", "../main as a key set name", "GET", "/keysets/..%2Fmain"),
    C("path traversal", "%2e%2e as a term id", "DELETE", "/terms/%2e%2e"),
    C("path traversal", "a term id with a trailing slash-dot", "DELETE",
      lambda c: f"/terms/{c.term()}%2F."),
    C("path traversal", "bob's feed read by alice", "GET", "/users/bob/feed", who="alice"),
    C("path traversal", "alice subscribing bob", "PUT",
      lambda c: f"/users/bob/subscriptions/{c.term()}", who="alice"),
    C("path traversal", "a service reading a feed", "GET", FEED, who="service"),
    C("path traversal", "a plain user listing key sets", "GET", "/keysets", who="alice"),
    C("path traversal", "a service deleting a term", "DELETE", lambda c: f"/terms/{c.term()}",
      who="service"),
    # -- term privacy: bob follows #chaos only; #off is disabled -----------
    C("term privacy", "a disabled term's timeline", "GET",
      lambda c: f"/terms/{c.world.off_term}/tweets", who="bob",
      hidden=lambda c: ("mixed tweet",)),
    C("term privacy", "an unfollowed term's timeline", "GET",
      lambda c: f"/terms/{c.term('#other')}/tweets", who="bob",
      hidden=lambda c: ("mixed tweet", "tweet 1")),
    C("term privacy", "subscribing to a disabled term by id", "PUT",
      lambda c: f"/users/me/subscriptions/{c.world.off_term}", who="bob",
      hidden=lambda c: ("#off",)),
    C("term privacy", "subscribing to a disabled term by its rule", "POST",
      "/users/me/subscriptions", who="bob", body=j({"value": "#off"}),
      hidden=lambda c: (c.world.off_term,)),
    C("term privacy", "a tweet's term_ids", "GET", lambda c: f"/tweets/{c.world.mixed_tweet}",
      who="bob", read=True, hidden=lambda c: (c.world.off_term, c.term("#other"))),
    C("term privacy", "a payload's matching_rules", "GET",
      lambda c: f"/tweets/{c.world.mixed_tweet}?include=payload", who="bob", read=True,
      hidden=lambda c: (c.world.off_term, c.term("#other"))),
    C("term privacy", "a followed timeline's other terms", "GET",
      lambda c: f"/terms/{c.term()}/tweets?limit=100", who="bob", read=True,
      hidden=lambda c: (c.world.off_term, c.term("#other"))),
    # -- idempotency keys: the world's service wrote WORLD_KEYED_BODY once ----
    C("idempotency key", "the same key with another body", "POST", FEED, who="service",
      body=j({"content": "written twice?"}), headers={"Idempotency-Key": WORLD_KEY}),
    C("idempotency key", "the same key and body on another user's feed", "POST",
      "/users/bob/feed", who="service", body=j(WORLD_KEYED_BODY),
      headers={"Idempotency-Key": WORLD_KEY}),
    C("idempotency key", "the same key and body again (a replay, adds nothing)", "POST", FEED,
      who="service", body=j(WORLD_KEYED_BODY), headers={"Idempotency-Key": WORLD_KEY},
      read=True),
    C("idempotency key", "the service's key from a plain user", "POST", FEED, who="alice",
      body=j(WORLD_KEYED_BODY), headers={"Idempotency-Key": WORLD_KEY}),
    C("idempotency key", "a 129-character key", "POST", FEED, who="service",
      body=j({"content": "hi"}), headers={"Idempotency-Key": "k" * 129}),
    C("idempotency key", "a 10 KB key", "POST", "/broadcasts", who="service",
      body=j({"content": "hi"}), headers={"Idempotency-Key": "k" * 10_000}),
    C("idempotency key", "a non-ASCII key", "POST", FEED, who="service",
      body=j({"content": "hi"}), headers={"Idempotency-Key": "cl\u00e9"}),
    C("idempotency key", "a key with a DEL character", "POST", "/feed-items", who="service",
      body=j({"user_ids": ["alice"], "content": "hi"}), headers={"Idempotency-Key": "k\x7f"}),
    # -- token tampering ---------------------------------------------------
    C("token tampering", "claims rewritten to admin, signature kept", "GET", "/keysets",
      auth=lambda c: t.escalated(c.alice, **{"cognito:groups": ["admin"]})),
    C("token tampering", "sub rewritten to bob, signature kept", "GET", "/users/bob/feed",
      auth=lambda c: t.escalated(c.alice, sub="bob")),
    C("token tampering", "expiry extended, signature kept", "GET", "/me",
      auth=lambda c: t.escalated(c.world.token("alice", ttl=60), exp=4_000_000_000)),
    C("token tampering", "signature stripped", "GET", "/me", auth=lambda c: t.stripped(c.alice)),
    C("token tampering", "signed with another stage's key", "GET", "/keysets",
      auth=lambda c: t.resigned(c.alice, b"k" * 32, "HS256")),
    C("token tampering", "expired two hours ago", "GET", "/me",
      auth=lambda c: t.reissued(c.alice, c.world.key, exp=int(time.time()) - 7200)),
    C("token tampering", "issued for another stage (issuer)", "GET", "/me",
      auth=lambda c: t.reissued(c.alice, c.world.key, iss="streamfeed-local/another-stage")),
    C("token tampering", "wrong audience", "GET", "/me",
      auth=lambda c: t.reissued(c.alice, c.world.key, aud="someone-else")),
    C("token tampering", "a sub with path characters", "GET", "/users/me/feed",
      auth=lambda c: t.reissued(c.alice, c.world.key, sub="../bob")),
    C("token tampering", "no expiry at all", "GET", "/me",
      auth=lambda c: t.reissued(c.alice, c.world.key, exp=None)),
    C("token tampering", "a 9,000-character token", "GET", "/me",
      auth=lambda c: t.bearer("a" * 4000 + "." + "b" * 4000 + "." + "c" * 998)),
    C("token tampering", "Basic instead of Bearer", "GET", "/me",
      auth=lambda c: "Basic YWxpY2U6cGFzc3dvcmQ="),
    C("token tampering", "Bearer with no token", "GET", "/me", auth=lambda c: "Bearer    "),
    C("token tampering", "two tokens", "GET", "/keysets",
      auth=lambda c: f"Bearer {c.alice} {c.world.token('root', 'admin')}x"),
    # -- alg none ----------------------------------------------------------
    C("alg none", "alg none, no signature", "GET", "/keysets", auth=lambda c: t.unsigned(c.alice)),
    C("alg none", "alg None (capitalised)", "GET", "/keysets",
      auth=lambda c: t.unsigned(c.alice, "None")),
    C("alg none", "alg none with the original signature", "GET", "/keysets",
      auth=lambda c: t.unsigned(c.alice, keep_signature=True)),
    C("alg none", "alg none against Cognito", "GET", "/keysets", mode="cognito",
      auth=lambda c: t.unsigned(c.cognito)),
    # -- HS/RS confusion ----------------------------------------------------
    C("HS/RS swap", "HS256 keyed with the pool's RSA public key (PEM)", "GET", "/keysets",
      mode="cognito", auth=lambda c: t.hs_with_public_key(c.cognito, t.public_pem(c.cognito_key))),
    C("HS/RS swap", "HS256 keyed with the pool's JWK as text", "GET", "/keysets", mode="cognito",
      auth=lambda c: t.hs_with_public_key(
          c.cognito, json.dumps(t.public_jwk(c.cognito_key, "k1")).encode())),
    C("HS/RS swap", "RS256 signed by the attacker under the pool's kid", "GET", "/keysets",
      mode="cognito", auth=lambda c: t.resigned(c.cognito, ATTACKER, "RS256", kid="k1")),
    C("HS/RS swap", "RS256 with the attacker's key embedded (jwk header)", "GET", "/keysets",
      mode="cognito", auth=lambda c: t.resigned(
          c.cognito, ATTACKER, "RS256", kid="evil", jwk=t.public_jwk(ATTACKER, "evil"))),
    C("HS/RS swap", "RS256 pointing at the attacker's JWKS (jku)", "GET", "/keysets",
      mode="cognito", auth=lambda c: t.resigned(
          c.cognito, ATTACKER, "RS256", kid="evil", jku="http://127.0.0.1:9/jwks.json")),
    C("HS/RS swap", "a path as the kid", "GET", "/keysets", mode="cognito",
      auth=lambda c: t.resigned(c.cognito, ATTACKER, "RS256", kid="../../../../dev/null")),
    C("HS/RS swap", "a local HS256 admin token against Cognito", "GET", "/keysets",
      mode="cognito", auth=lambda c: t.bearer(c.world.token("root", "admin"))),
    C("HS/RS swap", "an RS256 token against the local HS256 verifier", "GET", "/keysets",
      auth=lambda c: t.resigned(c.alice, ATTACKER, "RS256")),
    C("HS/RS swap", "a Cognito id token for another client", "GET", "/keysets", mode="cognito",
      auth=lambda c: t.bearer(cognito_token(
          c.cognito_key, **{"token_use": "id", "aud": "other", "cognito:groups": ["admin"]}))),
    C("HS/RS swap", "a Cognito token from another pool", "GET", "/keysets", mode="cognito",
      auth=lambda c: t.bearer(cognito_token(
          c.cognito_key, iss=COGNITO_ISSUER + "x", **{"cognito:groups": ["admin"]}))),
)  # fmt: skip
