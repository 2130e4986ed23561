"""Fixtures for the consumer: a stage with every resource, its consumer, and readers.

Everything runs against the session's local cloud (dynalite, kinesis-mock,
moto's SQS); nothing AWS is mocked in-process.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.consumer import runtime
from chalicelib.consumer.service import Consumer
from chalicelib.core import aws
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from chalicelib.dynamo_batches import Batches, chunks
from chalicelib.feeds import Feeds
from chalicelib.timelines import term_tweets


def pytest_configure(config: pytest.Config) -> None:
    # As in tests/chalicelib/feeds: runs by default;
    # `-m "not slow"` skips the 10,000-subscriber fan-out.
    config.addinivalue_line("markers", "slow: a test that moves 10^4-10^5 items")


@pytest.fixture
def consumer(full_stage: Settings) -> Iterator[Consumer]:
    """The stage's consumer, also installed as the handler's (as Lambda would build it)."""
    built = Consumer.from_settings(full_stage)
    runtime.install(built)
    try:
        yield built
    finally:
        runtime.install(None)


def subscribe(settings: Settings, pairs: Iterable[tuple[str, str]]) -> None:
    """(user, term) subscriptions, as the API stores them; big lists on 4 threads."""
    model = bind_models(settings).subscriptions
    now = datetime.now(UTC)
    items = [model(user, term, created_at=now).serialize() for user, term in pairs]
    batches = Batches(aws.client(settings, "dynamodb"))
    table = str(model.Meta.table_name)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda c: batches.write(table, c), chunks(items, 500)))


def stored_tweets(settings: Settings) -> dict[str, Any]:
    """Every stored tweet by id (the API's model: what readers see)."""
    return {t.tweet_id: t for t in bind_models(settings).tweets.scan()}


def timeline(settings: Settings, term_id: str) -> list[str]:
    """A term's tweet ids, newest first, through the API's reader."""
    rows = bind_models(settings).term_tweets.query(term_id, scan_index_forward=False)
    return [row.tweet_id for row in rows]


def api_timeline(settings: Settings, term_id: str) -> list[str]:
    """The same through ``chalicelib.timelines`` (needs the term to exist)."""
    return [t.tweet_id for t in term_tweets(settings, term_id, 100).tweets]


def dead_letters(settings: Settings) -> list[dict[str, Any]]:
    """Every message on the stage's dead-letter queue (consumed)."""
    sqs = aws.client(settings, "sqs")
    url = sqs.get_queue_url(QueueName=settings.dead_letter_queue)["QueueUrl"]
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = got.get("Messages", [])
        if not messages:
            return out
        for message in messages:
            out.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def feed(feeds: Feeds, user: str) -> list[Any]:
    return list(feeds.get_stream_items(user))


def invoke(event: dict[str, Any]) -> Any:
    """Run the app's Kinesis handler as Lambda would; returns its response."""
    with Client(app) as client:
        return client.lambda_.invoke("consume_tweets", event).payload


def emf_counts(out: str) -> list[dict[str, Any]]:
    """The EMF documents printed on stdout (one per invocation), one-value lists unwrapped."""
    docs = [json.loads(line) for line in out.splitlines() if '"_aws"' in line]
    return [
        {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in d.items()} for d in docs
    ]
