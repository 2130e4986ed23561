"""The one definition of every table, stream, queue and secret.

The local bootstrap, the tests and the CDK app all read this module, so the
local cloud and AWS cannot drift apart. It is plain data: no boto3, no CDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

AttrType = Literal["S", "N", "B"]
Projection = Literal["ALL", "KEYS_ONLY", "INCLUDE"]


@dataclass(frozen=True)
class Key:
    name: str
    type: AttrType = "S"


@dataclass(frozen=True)
class IndexSpec:
    """A global secondary index."""

    name: str
    hash_key: Key
    range_key: Key | None = None
    projection: Projection = "ALL"
    include: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    logical: str
    hash_key: Key
    range_key: Key | None = None
    indexes: tuple[IndexSpec, ...] = ()
    ttl_attribute: str | None = None
    serves: str = ""

    @property
    def key_attributes(self) -> dict[str, AttrType]:
        keys = [self.hash_key, self.range_key]
        for index in self.indexes:
            keys += [index.hash_key, index.range_key]
        return {k.name: k.type for k in keys if k is not None}

    def create_table_input(self, table_name: str) -> dict[str, Any]:
        """The CreateTable request for this table (on-demand billing)."""
        request: dict[str, Any] = {
            "TableName": table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": n, "AttributeType": t} for n, t in self.key_attributes.items()
            ],
            "KeySchema": _key_schema(self.hash_key, self.range_key),
        }
        if self.indexes:
            request["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": _key_schema(index.hash_key, index.range_key),
                    "Projection": _projection(index),
                }
                for index in self.indexes
            ]
        return request


def _key_schema(hash_key: Key, range_key: Key | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key.name, "KeyType": "HASH"}]
    if range_key is not None:
        schema.append({"AttributeName": range_key.name, "KeyType": "RANGE"})
    return schema


def _projection(index: IndexSpec) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": index.projection}
    if index.projection == "INCLUDE":
        projection["NonKeyAttributes"] = list(index.include)
    return projection


S = Key

TERMS: Final = TableSpec(
    "terms",
    S("term_id"),
    serves="Filter terms (one X rule each): list all (a scan of at most 1,000 rules), get by id.",
)
KEYSETS: Final = TableSpec(
    "keysets",
    S("name"),
    serves="Named X API key sets: metadata and the Secrets Manager id; never the secret.",
)
TWEETS: Final = TableSpec(
    "tweets",
    S("tweet_id"),
    serves="Each tweet once, by id (idempotent under re-delivery), payload compressed.",
)
TERM_TWEETS: Final = TableSpec(
    "term-tweets",
    S("term_id"),
    S("sk"),
    serves="Per-term timeline: a term's tweets newest first (sk = time#tweet id), no scan.",
)
SUBSCRIPTIONS: Final = TableSpec(
    "subscriptions",
    S("user_id"),
    S("term_id"),
    indexes=(IndexSpec("by-term", S("term_id"), S("user_id"), "KEYS_ONLY"),),
    serves="User to term: a user's terms (table) and a term's subscribers (by-term index).",
)
USERS: Final = TableSpec(
    "users",
    S("user_id"),
    serves="Every known user: the recipients of a broadcast, read in resumable pages.",
)
CONTROL: Final = TableSpec(
    "control",
    S("pk"),
    S("sk"),
    ttl_attribute="expires_at",
    serves="Singletons: the streamer lease and status, consumer checkpoints, job progress.",
)
FEEDS: Final = TableSpec(
    "feeds",
    S("user_id"),
    S("sk"),
    serves="`fanout` backend: one copy of each item per recipient, newest first by sk.",
)
FEED_MESSAGES: Final = TableSpec(
    "feed-messages",
    S("item_id"),
    serves="`shared` backend: each item's content, stored once.",
)
FEED_INDEX: Final = TableSpec(
    "feed-index",
    S("user_id"),
    S("sk"),
    serves="`shared` backend: one small row per recipient pointing at feed-messages.",
)
FEED_COUNTERS: Final = TableSpec(
    "feed-counters",
    S("user_id"),
    S("feed"),
    serves="Per-user item count of each DynamoDB feed backend: O(1) len() and trimming.",
)
#: Powertools' Idempotency utility owns this table's rows and names (its defaults:
#: key ``id``, TTL ``expiration``); no PynamoDB model reads or writes it.
IDEMPOTENCY: Final = TableSpec(
    "idempotency",
    S("id"),
    ttl_attribute="expiration",
    serves="The API's idempotent writes: one record per (caller, operation, "
    "Idempotency-Key), in progress then the first answer, for 24 hours.",
)

TABLES: Final[tuple[TableSpec, ...]] = (
    TERMS,
    KEYSETS,
    TWEETS,
    TERM_TWEETS,
    SUBSCRIPTIONS,
    USERS,
    CONTROL,
    FEEDS,
    FEED_MESSAGES,
    FEED_INDEX,
    FEED_COUNTERS,
    IDEMPOTENCY,
)


@dataclass(frozen=True)
class StreamSpec:
    """The Kinesis stream between the streamer and the consumer."""

    retention_hours: int = 24
    encrypted: bool = True


@dataclass(frozen=True)
class QueueSpec:
    """The consumer's dead-letter queue."""

    retention_seconds: int = 14 * 24 * 3600
    visibility_timeout: int = 30


@dataclass(frozen=True)
class SecretSpec:
    logical: str
    description: str
    generate_bytes: int = field(default=32)


TWEET_STREAM: Final = StreamSpec()
DEAD_LETTER_QUEUE: Final = QueueSpec()
#: Secrets the system itself creates. Key-set secrets are created per key set.
SECRETS: Final[tuple[SecretSpec, ...]] = (
    SecretSpec("jwt-signing-key", "Signs development API tokens (local cloud only)."),
)
KEYSET_SECRET_PREFIX: Final = "keysets/"  # noqa: S105 - a name, not a secret
#: Log groups the components write to, below /streamfeed/<prefix>/.
LOG_GROUPS: Final[tuple[str, ...]] = ("streamer", "consumer", "api")
LOG_RETENTION_DAYS: Final = 30


def table_spec(logical: str) -> TableSpec:
    for spec in TABLES:
        if spec.logical == logical:
            return spec
    raise KeyError(logical)
