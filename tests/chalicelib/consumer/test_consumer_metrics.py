"""The consumer's metrics: exact after retries, and on the local CloudWatch for the status page."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.consumer import runtime, telemetry
from chalicelib.consumer.service import Consumer
from chalicelib.consumer.telemetry import Counts
from chalicelib.consumer.totals import AllTimeTotals
from chalicelib.core import aws
from chalicelib.core import metricnames as names
from chalicelib.core.settings import Settings
from chalicelib.dynamo_batches import Batches
from chalicelib.status.reader import current_status
from tests.chalicelib.consumer.conftest import emf_counts, feed, invoke, subscribe
from tests.chalicelib.consumer.support import FaultyDynamo, Lines, kinesis_event, record, tweet_id
from tests.tools.eventsource.test_runner import NO_WAIT, Recorder, put
from tools.eventsource.localmetrics import Totals, metric_data
from tools.eventsource.runner import Runner
from tools.eventsource.shards import Pacing

FAST = Pacing(poll_interval=0.2, retry_base=0.01, retry_cap=0.05)


def totals(out: str) -> dict[str, float]:
    """Each metric summed over the EMF documents printed in ``out``."""
    summed: dict[str, float] = {}
    for doc in emf_counts(out):
        for metric in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
            summed[metric["Name"]] = summed.get(metric["Name"], 0) + doc[metric["Name"]]
    return summed


def test_a_record_redone_after_its_fan_out_counts_every_item_once(
    full_stage: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = full_stage
    subscribe(settings, [("ann", "alpha"), ("bob", "alpha"), ("bob", "beta"), ("cy", "beta")])
    faulty = FaultyDynamo(aws.client(settings, "dynamodb"))
    consumer = Consumer.from_settings(settings, batches=Batches(faulty, sleep=lambda _: None))
    consumer.store.client = faulty
    lines = Lines()
    known = lines.line(["alpha"])
    runtime.install(consumer)
    try:
        invoke(kinesis_event([record([known])]))  # ann and bob: 2 items
        capsys.readouterr()
        # The same tweet now also matching beta (only cy lacks it), and a new one
        # for alpha and beta (ann, bob, cy). Both fan-outs happen, then the new
        # tweet's row and the known tweet's new term fail to be written, once each.
        grown = lines.line(["alpha", "beta"], tweet_id=tweet_id(known))
        fresh = lines.line(["alpha", "beta"])
        faulty.failures[("batch_write_item", settings.table_name("tweets"))] = 1
        event = kinesis_event([record([grown, fresh])])
        assert invoke(event)["batchItemFailures"]
        faulty.failures[("update_item", settings.table_name("tweets"))] = 1
        assert invoke(event)["batchItemFailures"]  # the row is in; the new term is not
        assert invoke(event) == {"batchItemFailures": []}
        assert invoke(event) == {"batchItemFailures": []}  # redelivered once more
    finally:
        runtime.install(None)

    summed = totals(capsys.readouterr().out)
    # Four feed items were new (cy: 2, ann and bob: 1 each); fan-outs ran three times.
    assert summed[names.FEED_ITEMS_WRITTEN] == 4
    assert summed[names.TWEETS_STORED] == 1
    # `fresh` on the third and fourth delivery, `grown` on the fourth.
    assert summed[names.DUPLICATES_SKIPPED] == 3
    feeds = consumer.fanout.feeds
    assert {u: len(feeds.get_stream_items(u)) for u in ("ann", "bob", "cy")} == {
        "ann": 2,
        "bob": 2,
        "cy": 2,
    }
    assert [i.id for i in feed(feeds, "cy")] == [
        f"tweet:{tweet_id(fresh)}",
        f"tweet:{tweet_id(known)}",
    ]
    # The status page's all-time totals agree: two tweets, six feed items.
    assert consumer.totals.read() == AllTimeTotals(tweets_stored=2, feed_items_written=6)
    assert current_status(settings)["stored_total"] == 2


def test_metric_data_is_what_the_invocations_emf_says() -> None:
    pending = Totals()
    for stored, lag in ((3, [120.0, 80.0]), (0, []), (2, [40.0])):
        pending.add(Counts(tweets_stored=stored, feed_items_written=stored * 2, lag_ms=lag))
    at = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    data = {d["MetricName"]: d for d in metric_data(pending, "streamfeed-dev", at)}

    assert {name: d.get("Value") for name, d in data.items()} == {
        names.TWEETS_STORED: 5.0,
        names.DUPLICATES_SKIPPED: 0.0,  # zeros too, as the EMF documents carry them
        names.FEED_ITEMS_WRITTEN: 10.0,
        names.RECORDS_QUARANTINED: 0.0,
        names.CONSUMER_LAG_MS: None,
    }
    # Each invocation's worst lag is one sample, as one EMF document per invocation gives.
    assert data[names.CONSUMER_LAG_MS]["StatisticValues"] == {
        "SampleCount": 2.0,
        "Sum": 160.0,
        "Minimum": 40.0,
        "Maximum": 120.0,
    }
    assert all(
        d["Dimensions"] == [{"Name": "Stage", "Value": "streamfeed-dev"}] for d in data.values()
    )
    assert all(d["Timestamp"] == at for d in data.values())
    assert metric_data(Totals(), "streamfeed-dev", at) == []


def test_the_runner_puts_the_metrics_the_status_report_shows(
    consumer: Consumer, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = consumer.settings
    subscribe(settings, [("ann", "alpha"), ("bob", "alpha")])
    lines = Lines()
    now_ms = int(time.time() * 1000)
    batches = [[lines.line(["alpha"]), lines.line([])] for _ in range(12)]
    put(settings, [record(b, received_at_ms=now_ms) for b in batches])
    someone_else = settings.model_copy(update={"name_prefix": "someone-else"})
    recorder = Recorder()

    def invoke_beside_another_stage(event: dict[str, Any], context: Any) -> Any:
        # Another stage's handler in the same process: not this stage's metrics.
        telemetry.publish(someone_else, Counts(tweets_stored=1000))
        return recorder(event, context)

    Runner(settings, invoke_beside_another_stage, mapping=NO_WAIT, pacing=FAST).run(until_idle=True)

    docs = [d for d in emf_counts(capsys.readouterr().out) if d["Stage"] == settings.prefix]
    assert sum(d[names.TWEETS_STORED] for d in docs) == 24
    status = current_status(settings)
    assert status["problems"] == []
    throughput = status["throughput"]
    assert throughput["stored"]["last_hour"] == 24  # the EMF lines' numbers, via CloudWatch
    assert throughput["feed_items"]["last_hour"] == 24  # 12 tweets for alpha, 2 subscribers
    # One put at the end of the run: its maximum is the worst invocation's lag.
    assert status["lag"]["consumer_lag_ms"] == max(d[names.CONSUMER_LAG_MS] for d in docs)
