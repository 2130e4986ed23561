"""What a rebuild reads: the stage's terms, subscriptions, term timelines and tweets.

Everything here is read from DynamoDB, which keeps it whatever happens to the
feed store: the ``terms`` table (ids and hot spans), ``subscriptions`` (who
follows what, and since when), ``term-tweets`` (each term's tweets in time
order) and ``tweets`` (each tweet's row, with the whole stream line it came
in, compressed, and when the consumer stored it).
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import orjson

from chalicelib.consumer.parsing import TweetSource
from chalicelib.consumer.subscribers import union
from chalicelib.core import resources
from chalicelib.core.settings import Settings
from chalicelib.core.times import format_time, iso_text, parse_model_time
from chalicelib.dynamo_batches import Batches, RawItem
from chalicelib.hotterms import Span, TermSpans
from chalicelib.hotterms.spans import parse_spans

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: Rows per Query or Scan page.
PAGE: Final = 1000
_TWEET_NAMES: Final = {
    "#i": "tweet_id",
    "#c": "created_at",
    "#a": "author_id",
    "#u": "author_username",
    "#x": "text",
    "#m": "term_ids",
    "#p": "payload",
    "#s": "stored_at",
}


def pages(call: Any, request: dict[str, Any]) -> Iterator[RawItem]:
    """Every item of a paginated Query or Scan."""
    while True:
        page = call(**request, Limit=PAGE)
        yield from page.get("Items", [])
        last = page.get("LastEvaluatedKey")
        if not last:
            return
        request["ExclusiveStartKey"] = last


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One row of a term's timeline: ``sk`` is ``<created_at>#<zero-padded tweet id>``."""

    sk: str
    tweet_id: str
    term_id: str


@dataclass(frozen=True, slots=True)
class StoredTweet:
    """A stored tweet as the consumer saw it, and when the consumer stored it.

    ``from_payload`` is False for a row without its stream line (or one that
    no longer parses): the card is then made from the row's own fields, which
    lack the author's display name.
    """

    source: TweetSource
    stored_at: datetime
    from_payload: bool


class Subscribers:
    """Each term's subscribers with the time they subscribed, sorted by user id."""

    def __init__(self, rows: Iterable[tuple[str, str, datetime]]) -> None:
        by_term: dict[str, list[tuple[str, datetime]]] = {}
        for user, term, since in rows:
            by_term.setdefault(term, []).append((user, since))
        self._by_term = {term: sorted(found) for term, found in by_term.items()}

    def terms(self) -> set[str]:
        return set(self._by_term)

    def count(self) -> int:
        return sum(len(found) for found in self._by_term.values())

    def recipients(self, terms: Iterable[str], at: datetime) -> Iterator[str]:
        """Each user subscribed to any of ``terms`` at ``at`` (or before), once, in id order.

        The merge is the consumer's (``chalicelib.consumer.subscribers.union``).
        """
        return union(self._since(term, at) for term in sorted(set(terms)))

    def _since(self, term: str, at: datetime) -> Iterator[str]:
        return (user for user, since in self._by_term.get(term, ()) if since <= at)


class StoredSpans(TermSpans):
    """The terms' hot spans exactly as stored, read once per term and never settled.

    The consumer's view (``TermSpans.spans``) also settles a transition the
    term's count calls for, which only ever opens or closes a span from now
    (plus the lead) on: it cannot change the choice for a stored tweet. A
    rebuild therefore judges with the stored spans and changes no term.
    """

    def __init__(self, settings: Settings, client: DynamoDBClient, table: str) -> None:
        super().__init__(settings, client, table)
        self._stored: dict[str, tuple[Span, ...]] = {}

    def spans(self, term_ids: Iterable[str]) -> dict[str, tuple[Span, ...]]:
        wanted = set(term_ids)
        missing = sorted(wanted - self._stored.keys())
        if missing:
            rows = self.batches.get(
                self.table,
                [{"term_id": {"S": t}} for t in missing],
                "#t, #s",
                {"#t": "term_id", "#s": "hot_spans"},
            )
            self._stored.update(dict.fromkeys(missing, ()))
            for row in rows:
                texts = (value["S"] for value in row.get("hot_spans", {}).get("L", []))
                self._stored[row["term_id"]["S"]] = parse_spans(texts)
        return {term: self._stored[term] for term in wanted}


class StoredData:
    """The stage's DynamoDB tables a rebuild reads (it writes none of them)."""

    def __init__(self, settings: Settings, client: DynamoDBClient) -> None:
        self.settings = settings
        self.client = client
        self.batches = Batches(client)
        self.terms_table = settings.table_name(resources.TERMS.logical)
        self.tweets_table = settings.table_name(resources.TWEETS.logical)
        self.timeline_table = settings.table_name(resources.TERM_TWEETS.logical)
        self.subscriptions_table = settings.table_name(resources.SUBSCRIPTIONS.logical)
        self.by_term_index = resources.SUBSCRIPTIONS.indexes[0].name

    def spans(self) -> StoredSpans:
        return StoredSpans(self.settings, self.client, self.terms_table)

    # Terms
    def all_terms(self) -> list[str]:
        request: dict[str, Any] = {
            "TableName": self.terms_table,
            "ProjectionExpression": "#t",
            "ExpressionAttributeNames": {"#t": "term_id"},
        }
        return sorted(row["term_id"]["S"] for row in pages(self.client.scan, request))

    def existing_terms(self, term_ids: Collection[str]) -> set[str]:
        keys = [{"term_id": {"S": term}} for term in sorted(term_ids)]
        rows = self.batches.get(self.terms_table, keys, "#t", {"#t": "term_id"})
        return {row["term_id"]["S"] for row in rows}

    # Subscriptions
    def subscribers(self, users: Collection[str], terms: Collection[str]) -> Subscribers:
        """Subscriptions of ``users`` (all users if empty) to ``terms`` (all terms if empty).

        By user: one Query per user. By term: the ``by-term`` index (keys only)
        and a BatchGetItem for the times. Neither: one Scan of the table.
        """
        rows: Iterator[RawItem]
        if users:
            rows = (row for user in sorted(users) for row in self._of_user(user))
        elif terms:
            rows = (row for term in sorted(terms) for row in self._of_term(term))
        else:
            request: dict[str, Any] = {
                "TableName": self.subscriptions_table,
                "ProjectionExpression": "#u, #t, #c",
                "ExpressionAttributeNames": {"#u": "user_id", "#t": "term_id", "#c": "created_at"},
            }
            rows = pages(self.client.scan, request)
        wanted = set(terms)
        return Subscribers(
            (row["user_id"]["S"], row["term_id"]["S"], parse_model_time(row["created_at"]["S"]))
            for row in rows
            if not wanted or row["term_id"]["S"] in wanted
        )

    def _of_user(self, user: str) -> Iterator[RawItem]:
        request: dict[str, Any] = {
            "TableName": self.subscriptions_table,
            "KeyConditionExpression": "#u = :u",
            "ProjectionExpression": "#u, #t, #c",
            "ExpressionAttributeNames": {"#u": "user_id", "#t": "term_id", "#c": "created_at"},
            "ExpressionAttributeValues": {":u": {"S": user}},
            "ConsistentRead": True,
        }
        return pages(self.client.query, request)

    def _of_term(self, term: str) -> Iterator[RawItem]:
        request: dict[str, Any] = {
            "TableName": self.subscriptions_table,
            "IndexName": self.by_term_index,
            "KeyConditionExpression": "#t = :t",
            "ExpressionAttributeNames": {"#t": "term_id"},
            "ExpressionAttributeValues": {":t": {"S": term}},
        }
        keys: list[RawItem] = []
        for row in pages(self.client.query, request):
            keys.append({"user_id": row["user_id"], "term_id": row["term_id"]})
            if len(keys) >= PAGE:
                yield from self._subscription_rows(keys)
                keys = []
        yield from self._subscription_rows(keys)

    def _subscription_rows(self, keys: Sequence[RawItem]) -> list[RawItem]:
        if not keys:
            return []
        names = {"#u": "user_id", "#t": "term_id", "#c": "created_at"}
        return self.batches.get(self.subscriptions_table, keys, "#u, #t, #c", names)

    # Timelines
    def timeline_rows(
        self, terms: Collection[str], since: datetime | None
    ) -> Iterator[TimelineRow]:
        """Every timeline row of ``terms`` from ``since`` on, oldest first, terms merged."""
        streams = [self._timeline(term, since) for term in sorted(terms)]
        return heapq.merge(*streams, key=lambda row: row.sk)

    def count_timeline_rows(self, terms: Collection[str], since: datetime | None) -> int:
        """What ``timeline_rows`` will yield: a COUNT Query per term (keys read, none returned)."""
        total = 0
        for term in sorted(terms):
            request = self._timeline_request(term, since, count=True)
            while True:
                page = self.client.query(**request)
                total += int(page.get("Count", 0))
                last = page.get("LastEvaluatedKey")
                if not last:
                    break
                request["ExclusiveStartKey"] = last
        return total

    def _timeline(self, term: str, since: datetime | None) -> Iterator[TimelineRow]:
        for row in pages(self.client.query, self._timeline_request(term, since)):
            yield TimelineRow(row["sk"]["S"], row["tweet_id"]["S"], term)

    def _timeline_request(
        self, term: str, since: datetime | None, *, count: bool = False
    ) -> dict[str, Any]:
        names = {"#t": "term_id"}
        values: dict[str, Any] = {":t": {"S": term}}
        condition = "#t = :t"
        if since is not None:
            condition += " AND #s >= :since"
            values[":since"] = {"S": f"{format_time(since)}#"}
        request: dict[str, Any] = {
            "TableName": self.timeline_table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": True,
        }
        if count:
            request["Select"] = "COUNT"
        else:
            request["ProjectionExpression"] = "#s, #i"
            names["#i"] = "tweet_id"
        if since is not None or not count:
            names["#s"] = "sk"
        request["ExpressionAttributeNames"] = names
        return request

    # Tweets
    def tweets(self, tweet_ids: Sequence[str]) -> dict[str, StoredTweet]:
        """The stored tweets among ``tweet_ids`` (a tweet not stored yet is absent)."""
        keys = [{"tweet_id": {"S": tweet_id}} for tweet_id in tweet_ids]
        rows = self.batches.get(self.tweets_table, keys, ", ".join(_TWEET_NAMES), _TWEET_NAMES)
        return {row["tweet_id"]["S"]: stored_tweet(row) for row in rows}


def stored_tweet(row: RawItem) -> StoredTweet:
    """The :class:`TweetSource` the consumer had, from the row's compressed stream line.

    ``payload`` is the line exactly as the consumer received it (for a
    captured retweeted original, the small line the consumer made for it), so
    the card made from it is the one the consumer wrote. ``received_at_ms`` is
    not stored; it is set so that ``tweet_time`` gives the stored
    ``created_at`` even for a tweet whose time came from it.
    """
    tweet_id = row["tweet_id"]["S"]
    created = parse_model_time(row["created_at"]["S"])
    stored = parse_model_time(row["stored_at"]["S"]) if "stored_at" in row else created
    terms = frozenset(row.get("term_ids", {}).get("SS", ()))
    received_ms = round(created.timestamp() * 1000)
    payload = row.get("payload", {}).get("B")
    if payload is not None:
        try:
            raw = zlib.decompress(payload)
            line = orjson.loads(raw)
        except (zlib.error, orjson.JSONDecodeError):
            line = None
        tweet = line.get("data") if isinstance(line, dict) else None
        if isinstance(line, dict) and isinstance(tweet, dict) and str(tweet.get("id")) == tweet_id:
            return StoredTweet(TweetSource(tweet, line, raw, terms, received_ms), stored, True)
    return StoredTweet(_from_fields(row, tweet_id, created, terms, received_ms), stored, False)


def _from_fields(
    row: RawItem, tweet_id: str, created: datetime, terms: frozenset[str], received_ms: int
) -> TweetSource:
    """A source with what the row itself keeps: author id and username, text, time."""
    author_id = row.get("author_id", {}).get("S") or None
    username = row.get("author_username", {}).get("S")
    tweet: dict[str, Any] = {
        "id": tweet_id,
        "text": row.get("text", {}).get("S", ""),
        "created_at": iso_text(created),
    }
    line: dict[str, Any] = {"data": tweet}
    if author_id:
        tweet["author_id"] = author_id
        user = {"id": author_id, **({"username": username} if username else {})}
        line["includes"] = {"users": [user]}
    return TweetSource(tweet, line, orjson.dumps(line), terms, received_ms)
