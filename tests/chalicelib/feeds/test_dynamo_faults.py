"""DynamoDB backends under faults dynalite never produces by itself.

dynalite always processes whole batches and never loses a response, so these
tests wrap the real client (every request still goes to dynalite) and inject
the faults DynamoDB does produce: unprocessed batch items and keys, and an
UpdateItem that was applied but whose response was lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.core.aws import bulk_dynamodb
from chalicelib.core.settings import Settings
from chalicelib.feeds import BatchMark, Delivery, Feeds, FeedStoreError
from chalicelib.feeds.backends.counters import GUARD_MAX
from chalicelib.feeds.backends.dynamo import DynamoBackend
from chalicelib.feeds.backends.fanout import FanoutBackend
from chalicelib.feeds.backends.shared import SharedBackend
from tests.chalicelib.feeds.conftest import BASE, DYNAMO_BACKENDS, all_items

CLASSES: dict[str, type[DynamoBackend]] = {"fanout": FanoutBackend, "shared": SharedBackend}


class WrappedClient:
    """The real client; records calls, and lets a test replace any operation."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.real, name)
        if not callable(real):
            return real

        def call(**kwargs: Any) -> Any:
            with self.lock:
                self.calls.append((name, kwargs))
            return real(**kwargs)

        return call

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def _error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "injected"}}, "Injected")


@pytest.fixture(params=DYNAMO_BACKENDS)
def make_backend(
    request: pytest.FixtureRequest, stage: Settings
) -> Callable[..., tuple[DynamoBackend, list[float]]]:
    def make(client: Any, max_length: int = 0) -> tuple[DynamoBackend, list[float]]:
        sleeps: list[float] = []
        settings = stage.model_copy(
            update={"feed_backend": request.param, "feed_max_length": max_length}
        )
        return CLASSES[request.param](settings, client=client, sleep=sleeps.append), sleeps

    return make


def real_client(stage: Settings) -> Any:
    return bulk_dynamodb(stage)


def test_unprocessed_items_are_retried_with_backoff(make_backend: Any, stage: Settings) -> None:
    class HalfProcessing(WrappedClient):
        """The first attempt of every batch writes half and hands back the rest."""

        faults = 0

        def batch_write_item(self, RequestItems: Any) -> Any:
            ((table, requests),) = RequestItems.items()
            if len(requests) not in (25, 10):  # a retry (13, 5 items): let it through
                return self.real.batch_write_item(RequestItems=RequestItems)
            with self.lock:
                self.faults += 1
            half = len(requests) // 2
            self.real.batch_write_item(RequestItems={table: requests[:half]})
            return {"UnprocessedItems": {table: requests[half:]}}

    client = HalfProcessing(real_client(stage))
    backend, sleeps = make_backend(client)
    feeds = Feeds(backend)
    users = [f"user-{i:02d}" for i in range(60)]  # batches of 25, 25 and 10
    result = feeds.add_stream_item(users, "eventually", BASE)
    for user in users:
        assert len(feeds.get_stream_items(user)) == 1
        assert [i.id for i in all_items(feeds, user)] == [result.item_id]
    assert client.faults == 3 and len(sleeps) == 3
    assert all(0.025 <= s <= 0.05 for s in sleeps)  # first retry: half to one base step


def test_a_batch_that_never_succeeds_raises_and_counts_nothing(
    make_backend: Any, stage: Settings
) -> None:
    class Throttled(WrappedClient):
        def batch_write_item(self, RequestItems: Any) -> Any:
            return {"UnprocessedItems": RequestItems}

    backend, sleeps = make_backend(Throttled(real_client(stage)))
    feeds = Feeds(backend)
    with pytest.raises(FeedStoreError, match="still unprocessed after 8 attempts"):
        feeds.add_stream_item(["alice", "bob"], "never lands", BASE)
    assert len(sleeps) == 7 and sleeps == sorted(sleeps)  # equal jitter: never shorter
    assert len(feeds.get_stream_items("alice")) == 0


def test_a_lost_counter_response_then_a_retry_counts_once(
    make_backend: Any, stage: Settings
) -> None:
    class LosesOneResponse(WrappedClient):
        lost = False

        def update_item(self, **kwargs: Any) -> Any:
            response = self.real.update_item(**kwargs)  # applied on the server...
            user = kwargs["Key"]["user_id"]["S"]
            if user == "bob" and not self.lost:
                self.lost = True
                raise _error("InternalServerError")  # ...but the caller never hears
            return response

    backend, _ = make_backend(LosesOneResponse(real_client(stage)))
    feeds = Feeds(backend)
    users = ["alice", "bob", "carol"]
    with pytest.raises(ClientError):
        feeds.add_stream_item(users, "retried", BASE, item_id="event-1")
    feeds.add_stream_item(users, "retried", BASE, item_id="event-1")
    for user in users:
        assert len(feeds.get_stream_items(user)) == 1
        assert [i.id for i in all_items(feeds, user)] == ["event-1"]


def test_a_request_retried_by_botocore_after_success_counts_once(
    make_backend: Any, stage: Settings
) -> None:
    class AppliesTwice(WrappedClient):
        def update_item(self, **kwargs: Any) -> Any:
            self.real.update_item(**kwargs)  # the first try succeeded, response lost
            return self.real.update_item(**kwargs)  # the automatic retry

    backend, _ = make_backend(AppliesTwice(real_client(stage)))
    feeds = Feeds(backend)
    feeds.add_stream_item(["alice", "bob"], "once", BASE)
    feeds.add_stream_item("alice", "twice", BASE + timedelta(seconds=1))
    assert len(feeds.get_stream_items("alice")) == 2
    assert len(feeds.get_stream_items("bob")) == 1


def test_the_replay_guard_stays_small_and_still_catches_recent_replays(
    make_backend: Any, stage: Settings
) -> None:
    backend, _ = make_backend(real_client(stage))
    feeds = Feeds(backend)
    ids = [
        feeds.add_stream_item("alice", f"m{i}", BASE + timedelta(seconds=i)).item_id
        for i in range(GUARD_MAX + 15)
    ]
    for i in range(GUARD_MAX + 15 - 20, GUARD_MAX + 15):  # replay the 20 most recent
        feeds.add_stream_item("alice", f"m{i}", BASE + timedelta(seconds=i), item_id=ids[i])
    assert len(feeds.get_stream_items("alice")) == GUARD_MAX + 15
    row = backend.models.feed_counters.get("alice", backend.feed, consistent_read=True)
    assert row.item_count == GUARD_MAX + 15
    assert row.recent_ids is not None and len(row.recent_ids) <= GUARD_MAX
    assert row.recent_ids[-1] == ids[-1]


def test_len_is_one_counter_query_and_trimming_never_scans(
    make_backend: Any, stage: Settings
) -> None:
    client = WrappedClient(real_client(stage))
    backend, _ = make_backend(client, max_length=3)
    feeds = Feeds(backend)
    for i in range(6):
        feeds.add_stream_item(["alice", "bob"], f"m{i}", BASE + timedelta(seconds=i))
    items = feeds.get_stream_items("alice")
    client.calls.clear()
    assert len(items) == 3
    assert client.names() == ["query"]
    assert client.calls[0][1]["TableName"] == backend.counters.table
    client.calls.clear()
    feeds.add_stream_item("alice", "one more", BASE + timedelta(days=1))
    assert "scan" not in client.names()
    queries = [
        kwargs
        for name, kwargs in client.calls
        if name == "query" and kwargs["TableName"] == backend.rows_table
    ]
    assert queries and all(q["Limit"] == 1 and q["ScanIndexForward"] for q in queries)
    assert [i.content for i in items] == ["one more", "m5", "m4"]


def test_shared_reads_retry_unprocessed_keys(stage: Settings) -> None:
    class HalfReads(WrappedClient):
        faults = 0

        def batch_get_item(self, RequestItems: Any) -> Any:
            ((table, request),) = RequestItems.items()
            keys = request["Keys"]
            if self.faults >= 2 or len(keys) < 2:
                return self.real.batch_get_item(RequestItems=RequestItems)
            self.faults += 1
            half = len(keys) // 2
            response = self.real.batch_get_item(
                RequestItems={table: {**request, "Keys": keys[:half]}}
            )
            response["UnprocessedKeys"] = {table: {**request, "Keys": keys[half:]}}
            return response

    sleeps: list[float] = []
    settings = stage.model_copy(update={"feed_backend": "shared"})
    client = HalfReads(real_client(stage))
    feeds = Feeds(SharedBackend(settings, client=client, sleep=sleeps.append))
    for i in range(30):
        feeds.add_stream_item("alice", f"m{i}", BASE + timedelta(seconds=i))
    assert [i.content for i in feeds.get_stream_items("alice")[:30]] == [
        f"m{i}" for i in reversed(range(30))
    ]
    assert client.faults == 2 and len(sleeps) == 2


def test_a_marked_batch_shares_batch_writes_and_counts_per_user(
    make_backend: Any, stage: Settings
) -> None:
    """100 items x 10 recipients: 40 row batches, 1 counter read, 1 counter put, no UpdateItem."""
    client = WrappedClient(real_client(stage))
    backend, _ = make_backend(client)
    feeds = Feeds(backend)
    users = [f"u{i}" for i in range(10)]
    batch = [
        Delivery(users, f"m{i}", BASE + timedelta(seconds=i), f"tweet:{i}") for i in range(100)
    ]
    client.calls.clear()
    feeds.add_stream_items(batch, mark=BatchMark("shardId-1", "01"))
    rows = [
        len(kwargs["RequestItems"][backend.rows_table])
        for name, kwargs in client.calls
        if name == "batch_write_item" and backend.rows_table in kwargs["RequestItems"]
    ]
    assert sorted(rows) == [25] * 40
    by_name = [name for name, kwargs in client.calls if backend.counters.table in str(kwargs)]
    assert sorted(by_name) == ["batch_get_item", "batch_write_item"]
    assert "update_item" not in client.names()
    assert len(feeds.get_stream_items("u3")) == 100


def test_a_crash_between_rows_and_counts_is_counted_once_on_retry(
    make_backend: Any, stage: Settings
) -> None:
    class CountersDown(WrappedClient):
        down = True

        def batch_write_item(self, RequestItems: Any) -> Any:
            if self.down and backend.counters.table in RequestItems:
                raise _error("InternalServerError")
            return self.real.batch_write_item(RequestItems=RequestItems)

    client = CountersDown(real_client(stage))
    backend, _ = make_backend(client)
    backend.batcher.max_attempts = 1
    feeds = Feeds(backend)
    batch = [Delivery(["alice", "bob"], f"m{i}", BASE + timedelta(seconds=i)) for i in range(30)]
    batch = [
        Delivery(d.recipients, d.content, d.created_at, f"id-{i}") for i, d in enumerate(batch)
    ]
    mark = BatchMark("shardId-1", "01")
    with pytest.raises(ClientError):
        feeds.add_stream_items(batch, mark=mark)
    assert len(all_items(feeds, "alice")) == 30  # rows first
    assert len(feeds.get_stream_items("alice")) == 0  # not counted yet
    client.down = False
    feeds.add_stream_items(batch, mark=mark)
    feeds.add_stream_items(batch, mark=mark)
    assert len(feeds.get_stream_items("alice")) == len(feeds.get_stream_items("bob")) == 30
