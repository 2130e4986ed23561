"""Terms' spans and subscriber counts in the ``terms`` table.

The consumer asks which of a chunk's terms pull which tweets; readers ask
which terms were ever hot. Both trust what they read for ``ttl`` seconds,
which is kept under the lead with which spans are decided, so no tweet is
judged by a view older than its span's announcement. Subscribe and
unsubscribe move the count and, across the thresholds, the spans.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from chalicelib.core.settings import Settings
from chalicelib.dynamo_batches import Batches
from chalicelib.hotterms.spans import Span, format_spans, next_spans, parse_spans

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: The feed that holds a hot term's tweets (``~`` cannot start a user id).
FEED_PREFIX: Final = "~term:"
#: At most this long a view of the terms is trusted (and at most a quarter of the lead).
MAX_TTL: Final = 10.0
ATTEMPTS: Final = 5

Spans = tuple[Span, ...]


def term_feed(term_id: str) -> str:
    return f"{FEED_PREFIX}{term_id}"


def view_ttl(settings: Settings) -> float:
    return min(MAX_TTL, settings.hot_term_lead_seconds / 4)


class TermSpans:
    """Spans of terms, read in batches and trusted for ``ttl`` seconds."""

    def __init__(
        self,
        settings: Settings,
        client: DynamoDBClient,
        table: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.client = client
        self.table = table
        self.batches = Batches(client)
        self.ttl = view_ttl(settings)
        self.clock = clock
        self.now = now
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, Spans]] = {}
        self._ever: tuple[float, frozenset[str]] | None = None

    def spans(self, term_ids: Iterable[str]) -> dict[str, Spans]:
        """Each term's spans (empty for a term never hot, or deleted)."""
        wanted = set(term_ids)
        moment = self.clock()
        with self._lock:
            fresh = {
                t: s for t, (at, s) in self._seen.items() if t in wanted and moment - at < self.ttl
            }
        missing = sorted(wanted - fresh.keys())
        if missing:
            rows = self.batches.get(
                self.table,
                [{"term_id": {"S": t}} for t in missing],
                "#t, #s, #c, #v",
                {"#t": "term_id", "#s": "hot_spans", "#c": "subscribers", "#v": "spans_version"},
            )
            read: dict[str, Spans] = dict.fromkeys(missing, ())
            for row in rows:
                read[row["term_id"]["S"]] = self._settle(row)
            with self._lock:
                self._seen.update({t: (moment, s) for t, s in read.items()})
            fresh.update(read)
        return fresh

    def ever_hot(self) -> frozenset[str]:
        """Every term that has spans: the only ones a reader may have to merge."""
        moment = self.clock()
        with self._lock:
            if self._ever is not None and moment - self._ever[0] < self.ttl:
                return self._ever[1]
        found: set[str] = set()
        request: Any = {
            "TableName": self.table,
            "ProjectionExpression": "#t",
            "FilterExpression": "size(#s) > :zero",
            "ExpressionAttributeNames": {"#t": "term_id", "#s": "hot_spans"},
            "ExpressionAttributeValues": {":zero": {"N": "0"}},
        }
        while True:
            page = self.client.scan(**request)
            found.update(row["term_id"]["S"] for row in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        with self._lock:
            self._ever = (moment, frozenset(found))
        return self._ever[1]

    def count_subscriber(self, term_id: str, delta: int) -> None:
        """Move the term's subscriber count by ``delta``; turn it hot or cold across the marks."""
        self._update_count(term_id, "ADD #c :n", delta)

    def recount(self, term_id: str, subscriptions: str, index: str) -> int:
        """Set the term's subscriber count from its subscriptions (a keys-only COUNT Query).

        For terms whose subscriptions predate counting, or a count a crash left
        off by one; the spans follow the new count.
        """
        request: Any = {
            "TableName": subscriptions,
            "IndexName": index,
            "KeyConditionExpression": "#t = :t",
            "ExpressionAttributeNames": {"#t": "term_id"},
            "ExpressionAttributeValues": {":t": {"S": term_id}},
            "Select": "COUNT",
        }
        count = 0
        while True:
            page = self.client.query(**request)
            count += int(page.get("Count", 0))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        self._update_count(term_id, "SET #c = :n", count)
        return count

    def _update_count(self, term_id: str, expression: str, value: int) -> None:
        """Change the count (``expression`` on ``#c`` with ``:n``), then settle the spans.

        A term deleted meanwhile is left alone: there is nothing to count.
        """
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key={"term_id": {"S": term_id}},
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(#t)",
                ExpressionAttributeNames={"#c": "subscribers", "#t": "term_id"},
                ExpressionAttributeValues={":n": {"N": str(value)}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _refused(error):
                return
            raise
        self._settle(response["Attributes"])

    def _settle(self, row: dict[str, Any]) -> Spans:
        """The row's spans, after the transition its count calls for (if any)."""
        for _ in range(ATTEMPTS):
            spans = parse_spans(value["S"] for value in row.get("hot_spans", {}).get("L", []))
            count = int(row.get("subscribers", {}).get("N", "0"))
            lead = timedelta(seconds=self.settings.hot_term_lead_seconds)
            changed = next_spans(spans, count, self.settings.hot_term_subscribers, self.now(), lead)
            if changed is None:
                return spans
            version = row.get("spans_version", {}).get("N")
            if self._save(row["term_id"]["S"], changed, version):
                return changed
            reread = self.client.get_item(
                TableName=self.table, Key={"term_id": row["term_id"]}, ConsistentRead=True
            )
            if "Item" not in reread:
                return ()
            row = reread["Item"]
        return spans

    def _save(self, term_id: str, spans: Sequence[Span], version: str | None) -> bool:
        values: dict[str, Any] = {
            ":s": {"L": [{"S": text} for text in format_spans(spans)]},
            ":next": {"N": str(int(version or 0) + 1)},
        }
        names = {"#s": "hot_spans", "#v": "spans_version"}
        if version is None:
            condition = "attribute_exists(#t) AND attribute_not_exists(#v)"
            names["#t"] = "term_id"
        else:
            condition = "#v = :v"
            values[":v"] = {"N": version}
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"term_id": {"S": term_id}},
                UpdateExpression="SET #s = :s, #v = :next",
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if _refused(error):
                return False
            raise
        with self._lock:
            self._seen.pop(term_id, None)
            self._ever = None
        return True


def _refused(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def term_spans(settings: Settings, client: DynamoDBClient | None = None) -> TermSpans:
    """The stage's terms table, on the bulk client unless one is given."""
    from chalicelib.core import aws, resources

    table = settings.table_name(resources.TERMS.logical)
    return TermSpans(settings, client or aws.bulk_dynamodb(settings), table)
