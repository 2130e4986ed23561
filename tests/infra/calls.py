"""The AWS calls each component's code really makes, recorded in process under moto.

Every botocore call (boto3 clients and PynamoDB alike) passes through
``BaseClient._make_api_call``; the recorder wraps it and notes, for the
component whose code is running, the action, the resource it names (a table
or index by logical name, a secret, the queue, the stream, the metrics
namespace) and the request values IAM conditions look at (a write's partition
key, DeleteSecret's recovery options).

The scenarios drive the real entry points: the Chalice app's routes (through
its authorizer, with Cognito-style tokens verified against a local key), the
consumer's Kinesis handler, and the streamer's control loop against the fake X
server. Nothing reaches AWS: moto answers in process.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import botocore.client
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from chalicelib.core import resources

#: moto's account; the region the tests synthesize for.
ACCOUNT: Final = "123456789012"
REGION: Final = "us-east-1"
POOL: Final = "us-east-1_CallsPool"
CLIENT_ID: Final = "calls-client"


@dataclass(frozen=True, order=True)
class Call:
    """One AWS request as IAM sees it."""

    service: str
    action: str
    #: ``table:<logical>``, ``index:<logical>/<index>``, ``secret:<name>``,
    #: ``queue:<name>``, ``stream:<name>``, ``namespace:<name>`` or ``*``.
    resource: str
    #: Request values IAM conditions read: ``("dynamodb:LeadingKeys", value)`` per
    #: item written, ``("secretsmanager:RecoveryWindowInDays", "7")``...
    context: tuple[tuple[str, str], ...] = ()


@dataclass
class Recorder:
    """Which component's code runs now, and every call it made."""

    tables: dict[str, str]
    hash_keys: dict[str, str]
    calls: dict[str, set[Call]] = field(default_factory=dict)
    component: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def running(self, component: str) -> Iterator[None]:
        """Attribute every call (from any thread) to ``component`` until the block ends."""
        self.component = component
        try:
            yield
        finally:
            self.component = None

    def note(self, service: str, action: str, params: dict[str, Any]) -> None:
        component = self.component
        if component is None:
            return
        found = set(self._calls(service, action, params))
        with self.lock:
            self.calls.setdefault(component, set()).update(found)

    def _calls(self, service: str, action: str, params: dict[str, Any]) -> Iterator[Call]:
        if service == "dynamodb":
            yield from self._dynamodb(action, params)
        elif service == "secretsmanager":
            secret = str(params.get("SecretId") or params.get("Name"))
            context = tuple(
                (f"secretsmanager:{key}", str(params[key]).lower())
                for key in ("RecoveryWindowInDays", "ForceDeleteWithoutRecovery")
                if key in params
            )
            yield Call(service, action, f"secret:{secret}", context)
        elif service == "sqs":
            queue = str(params.get("QueueName") or str(params.get("QueueUrl")).rsplit("/", 1)[-1])
            yield Call(service, action, f"queue:{queue}")
        elif service == "kinesis":
            yield Call(service, action, f"stream:{params.get('StreamName')}")
        elif service == "cloudwatch":
            if "Namespace" in params:
                namespace = str(params["Namespace"])
                context = (("cloudwatch:namespace", namespace),)
                yield Call(service, action, "*", context)
            else:
                yield Call(service, action, "*")
        else:
            yield Call(service, action, "*")

    def _dynamodb(self, action: str, params: dict[str, Any]) -> Iterator[Call]:
        if action in ("BatchGetItem", "BatchWriteItem"):
            for table, requests in params["RequestItems"].items():
                logical = self.tables[table]
                keys: list[str] = []
                if action == "BatchWriteItem":
                    for request in requests:
                        item = request.get("PutRequest", {}).get("Item") or request.get(
                            "DeleteRequest", {}
                        ).get("Key")
                        keys.append(self._partition(logical, item))
                yield Call("dynamodb", action, f"table:{logical}", _leading(keys))
            return
        logical = self.tables[str(params["TableName"])]
        if action == "Query" and params.get("IndexName"):
            yield Call("dynamodb", action, f"index:{logical}/{params['IndexName']}")
            return
        keys = []
        if action in ("PutItem", "UpdateItem", "DeleteItem"):
            keys.append(self._partition(logical, params.get("Item") or params.get("Key")))
        yield Call("dynamodb", action, f"table:{logical}", _leading(keys))

    def _partition(self, logical: str, item: Any) -> str:
        value = item[self.hash_keys[logical]]
        return str(next(iter(value.values())))


def _leading(keys: list[str]) -> tuple[tuple[str, str], ...]:
    return tuple(("dynamodb:LeadingKeys", key) for key in sorted(set(keys)))


@contextmanager
def recording(recorder: Recorder) -> Iterator[Recorder]:
    """Route every botocore call of the process through ``recorder``."""
    original = botocore.client.BaseClient._make_api_call

    def recorded(client: Any, operation: str, params: dict[str, Any]) -> Any:
        recorder.note(client.meta.service_model.service_name, operation, params)
        return original(client, operation, params)

    botocore.client.BaseClient._make_api_call = recorded  # type: ignore[method-assign]
    try:
        yield recorder
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


# -- tokens --------------------------------------------------------------------------------------

KEY: Final = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ISSUER: Final = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"


def jwks() -> dict[str, Any]:
    public = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
    return {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}


def token(user: str, *groups: str) -> str:
    """An access token as the stage's Cognito pool would issue it."""
    now = int(time.time())
    claims = {
        "sub": user,
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "token_use": "access",
        "iat": now,
        "exp": now + 600,
        "cognito:groups": list(groups),
    }
    return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"})


# -- the world ------------------------------------------------------------------------------------


def create_resources(settings: Any) -> None:
    """What the CDK stack creates, in moto: tables, stream, queue."""
    from chalicelib.core import aws

    dynamodb = aws.client(settings, "dynamodb")
    for spec in resources.TABLES:
        dynamodb.create_table(**spec.create_table_input(settings.table_name(spec.logical)))
    aws.client(settings, "kinesis").create_stream(StreamName=settings.kinesis_stream, ShardCount=1)
    aws.client(settings, "sqs").create_queue(QueueName=settings.dead_letter_queue)


def new_recorder(settings: Any) -> Recorder:
    return Recorder(
        tables={settings.table_name(t.logical): t.logical for t in resources.TABLES},
        hash_keys={t.logical: t.hash_key.name for t in resources.TABLES},
    )


def kinesis_event(datas: list[bytes], settings: Any, first: int = 1) -> dict[str, Any]:
    """A Lambda Kinesis event with increasing sequence numbers."""
    arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{settings.kinesis_stream}"
    out = []
    for offset, data in enumerate(datas):
        sequence = str(49_000_000_000_000_000_000_000_000_000_000_000_000_000 + first + offset)
        out.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": f"pk-{offset}",
                    "sequenceNumber": sequence,
                    "data": base64.b64encode(data).decode(),
                    "approximateArrivalTimestamp": time.time(),
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/consumer",
                "awsRegion": REGION,
                "eventSourceARN": arn,
            }
        )
    return {"Records": out}


def tweet_line(tweet_id: int, *terms: str, when: datetime | None = None) -> bytes:
    """A stream line as X sends it (the fields the consumer reads)."""
    created = (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    line = {
        "data": {
            "id": str(tweet_id),
            "text": f"tweet {tweet_id}",
            "author_id": "42",
            "created_at": created,
            "lang": "en",
        },
        "includes": {"users": [{"id": "42", "username": "someone", "name": "Some One"}]},
        "matching_rules": [{"id": f"r{term}", "tag": term} for term in terms],
    }
    return json.dumps(line).encode()


def record(*lines: bytes) -> bytes:
    from chalicelib.core import records
    from chalicelib.core.records import Entry

    now = int(time.time() * 1000)
    return records.encode(Entry(now, line) for line in lines)


# -- the scenarios --------------------------------------------------------------------------------


class ApiSession:
    """The Chalice app under test, called as a given user."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        user: tuple[str, ...],
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> Any:
        """The JSON answer; the call must succeed, or answer ``status`` when given."""
        sent = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token(*user)}",
            **(headers or {}),
        }
        data = b"" if body is None else json.dumps(body).encode()
        response = self.client.http.request(method, path, headers=sent, body=data)
        if status is not None:
            assert response.status_code == status, (method, path, response.body)
        else:
            assert response.status_code < 400, (method, path, response.status_code, response.body)
        if not response.body or not response.headers.get("Content-Type", "").startswith(
            "application/json"
        ):
            return None
        return json.loads(response.body)


ADMIN: Final = ("root", "admin")
WRITER: Final = ("feeder", "service")
ALICE: Final = ("alice",)
BOB: Final = ("bob",)


def no_x(url: str, body: bytes, headers: dict[str, str]) -> Any:
    raise OSError("the recorded API never reaches X")


@contextmanager
def api_session(settings: Any, recorder: Recorder) -> Iterator[ApiSession]:
    """The Chalice app with Cognito-mode auth (a local JWKS), its calls noted as the API's."""
    from app import app
    from chalicelib.api import runtime
    from chalicelib.api.runtime import Runtime
    from chalicelib.auth import AuthConfig, StaticJwks
    from tools.apiserver.server import ApiClient

    auth = AuthConfig(cognito_user_pool_id=POOL, cognito_client_ids=CLIENT_ID)
    runtime.install(Runtime.build(settings, auth, keys=StaticJwks(jwks()), x_transport=no_x))
    try:
        with ApiClient(app) as client, recorder.running("api"):
            yield ApiSession(client)
    finally:
        runtime.install(None)


def api_writes(api: ApiSession) -> tuple[str, str]:
    """Key sets, terms, subscriptions, feed writes and broadcasts; the hot and cold term ids."""
    api.call("GET", "/health", ALICE)
    api.call("GET", "/openapi.json", ALICE)
    api.call("GET", "/me", ALICE)
    # Key sets: create, replace, default, a second one deleted and created again.
    api.call("POST", "/keysets", ADMIN, {"name": "main", "bearer_token": "AAAA-calls-token-0001"})
    api.call("PUT", "/keysets/main", ADMIN, {"bearer_token": "AAAA-calls-token-0002"})
    api.call("GET", "/keysets", ADMIN)
    api.call("GET", "/keysets/main", ADMIN)
    api.call("PUT", "/default-keyset", ADMIN, {"name": "main"})
    api.call("GET", "/default-keyset", ADMIN)
    api.call("POST", "/keysets", ADMIN, {"name": "extra", "bearer_token": "AAAA-calls-token-0003"})
    api.call("DELETE", "/keysets/extra", ADMIN)
    api.call("POST", "/keysets", ADMIN, {"name": "extra", "bearer_token": "AAAA-calls-token-0004"})
    api.call("DELETE", "/default-keyset", ADMIN)
    api.call("PUT", "/default-keyset", ADMIN, {"name": "main"})
    # Terms (X's dry run with the default key set; X is unreachable here).
    hot = api.call("POST", "/terms", ADMIN, {"value": "#hot lang:en"})["term_id"]
    cold = api.call("POST", "/terms", ADMIN, {"value": "#cold"})["term_id"]
    gone = api.call("POST", "/terms", ADMIN, {"value": "#gone"})["term_id"]
    api.call("GET", "/terms", ADMIN)
    api.call("GET", f"/terms/{hot}", ADMIN)
    api.call("PATCH", f"/terms/{cold}", ADMIN, {"enabled": False})
    api.call("PATCH", f"/terms/{cold}", ADMIN, {"enabled": True})
    # Subscriptions: by id and by rule; two subscribers make a term hot (settings).
    for user in (ALICE, BOB):
        api.call("PUT", f"/users/{user[0]}/subscriptions/{hot}", user)
        api.call("PUT", f"/users/me/subscriptions/{gone}", user)
    api.call("POST", "/users/me/subscriptions", ALICE, {"value": "#cold"})
    api.call("PUT", f"/users/me/subscriptions/{hot}", ALICE)  # again: already subscribed
    api.call("GET", "/users/me/subscriptions", ALICE)
    api.call("DELETE", f"/users/me/subscriptions/{gone}", BOB)
    api.call("DELETE", f"/terms/{gone}", ADMIN)
    # Feeds: writes by a service, past the length limit (trims); broadcast and its resume.
    for n in range(4):
        api.call("POST", "/users/alice/feed", WRITER, {"content": f"note {n}"})
    api.call("POST", "/feed-items", WRITER, {"user_ids": ["alice", "bob"], "content": "both"})
    job = f"job-{uuid.uuid4().hex[:8]}"
    api.call("POST", "/broadcasts", WRITER, {"content": "all", "job_id": job})
    api.call("POST", "/broadcasts", WRITER, {"content": "all", "job_id": job})
    # Idempotent writes: stored, replayed, refused with another body; a request that
    # fails in its handler leaves no record (so a retry runs it again).
    once = {"Idempotency-Key": f"calls-{uuid.uuid4().hex[:8]}"}
    api.call("POST", "/users/alice/feed", WRITER, {"content": "once"}, headers=once)
    api.call("POST", "/users/alice/feed", WRITER, {"content": "once"}, headers=once)
    api.call("POST", "/users/alice/feed", WRITER, {"content": "two"}, headers=once, status=422)
    failing = {"Idempotency-Key": f"calls-{uuid.uuid4().hex[:8]}"}
    changed = {"content": "changed", "job_id": job}
    api.call("POST", "/broadcasts", WRITER, changed, headers=failing, status=409)
    return hot, cold


def api_reads(api: ApiSession, hot: str) -> None:
    """Feeds (merged with a hot term's feed), timelines, tweets and status."""
    page = api.call("GET", "/users/me/feed?limit=2", ALICE)
    if page["next_cursor"]:
        api.call("GET", f"/users/me/feed?limit=2&cursor={page['next_cursor']}", ALICE)
    api.call("GET", "/users/bob/feed", BOB)
    listed = api.call("GET", f"/terms/{hot}/tweets", ALICE)
    assert listed["items"], "the consumer stored no tweet of the hot term"
    for tweet in listed["items"][:1]:
        api.call("GET", f"/tweets/{tweet['id']}", ALICE)
        api.call("GET", f"/tweets/{tweet['id']}?include=payload", ADMIN)
    api.call("GET", "/status", ADMIN)
    api.call("GET", "/status/page", ADMIN)
    api.call("DELETE", f"/users/me/subscriptions/{hot}", BOB)


def run_authorizer(recorder: Recorder) -> None:
    """The authorizer function alone: valid, foreign and broken tokens."""
    from chalice.app import AuthRequest

    from chalicelib.api.authorizer import authorize

    with recorder.running("authorizer"):
        for sent in (token(*ADMIN), token(*ALICE), "not-a-token", token("x") + "x"):
            authorize(AuthRequest("TOKEN", f"Bearer {sent}", "arn:aws:execute-api:x"))


def run_consumer(settings: Any, recorder: Recorder, hot: str, cold: str) -> None:
    """Batches as the stream delivers them: new tweets, repeats with more terms, bad records."""
    from chalice.test import Client

    from app import app
    from chalicelib.consumer import runtime
    from chalicelib.consumer.service import Consumer
    from chalicelib.core.models import bind_models

    # A subscriber count whose spans were never settled (an API instance that
    # died in between): the consumer settles them when it reads the term.
    terms = bind_models(settings).terms
    terms.get(cold).update(actions=[terms.subscribers.set(50)])
    now = datetime.now(UTC)
    first = [tweet_line(1000 + n, hot, when=now - timedelta(seconds=n)) for n in range(5)]
    again = [tweet_line(1000, hot, cold, when=now)]
    bad = [b"{not json", json.dumps({"errors": [{"title": "x"}]}).encode()]
    batches = [
        [record(*first), record(*again, *bad)],
        [b"\x00 not a record"],
        [record(tweet_line(2000, cold, when=now))],
    ]
    runtime.install(Consumer.from_settings(settings))
    try:
        with Client(app) as client, recorder.running("consumer"):
            for index, datas in enumerate(batches):
                event = kinesis_event(datas, settings, first=index * 10)
                client.lambda_.invoke("consume_tweets", event)
            _poison_record(settings, client)
    finally:
        runtime.install(None)


def _poison_record(settings: Any, client: Any) -> None:
    """A record that keeps failing: its attempts are counted, then it is dead-lettered."""
    from chalicelib.consumer import runtime
    from chalicelib.consumer.service import Consumer

    consumer = Consumer.from_settings(settings)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("poison")

    consumer.store.known_terms = fail  # type: ignore[method-assign]
    runtime.install(consumer)
    event = kinesis_event([record(tweet_line(3000, "x"))], settings, first=900)
    for _ in range(consumer.mapping.record_max_attempts):
        client.lambda_.invoke("consume_tweets", event)


def run_streamer(settings: Any, recorder: Recorder, local_dir: Path) -> None:
    """The streamer's loop against the fake X server: lease, rules, tweets, status, metrics."""
    from chalicelib.core.keysets import resolve_keyset, service
    from streamer.assemble import build_streamer, make_pipeline, make_sink
    from streamer.runner import StreamOptions
    from tools.fakex.testing import FakeX

    with FakeX(rate=200, keepalive=0.2, seed=3) as fake:
        live = settings.model_copy(
            update={"x_api_url": fake.url, "local_dir": str(local_dir), "poll_interval": 0.2}
        )
        # One key set and no stored default: the streamer finds "the only key set".
        service.clear_default(live)
        for other in service.list_keysets(live):
            if other.name != "main":
                service.delete_keyset(live, other.name)
        service.replace_keyset(live, "main", _values(fake.bearer_token))
        with recorder.running("streamer"):
            sink, spool = make_sink(live)
            pipeline = make_pipeline(live, sink)
            stop = threading.Event()
            options = StreamOptions(poll_interval=0.2, metrics_every=0.0)
            keyset = resolve_keyset(live, None)
            streamer = build_streamer(live, keyset, pipeline, spool, options, stop)
            thread = threading.Thread(target=streamer.run, daemon=True)
            thread.start()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not (
                streamer.state == "connected" and getattr(sink, "stats").shipped  # noqa: B009
            ):
                time.sleep(0.05)
            stop.set()
            thread.join(60)
            assert not thread.is_alive()
            assert getattr(sink, "stats").shipped, "the streamer shipped nothing"  # noqa: B009


def _values(bearer_token: str) -> Any:
    from chalicelib.core.keysets.values import SecretValues

    return SecretValues(bearer_token=bearer_token)
