"""The consumer's pure parts: parsing, merging, recipients, Lambda's rules, names. No servers."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from chalicelib import cards
from chalicelib.consumer.delivery import feed_card
from chalicelib.consumer.mapping import MAPPING, stream_name
from chalicelib.consumer.parsing import TweetSource, parse_entries
from chalicelib.consumer.store import timeline_key
from chalicelib.consumer.subscribers import difference, union
from chalicelib.consumer.tweetmodel import tweet_time
from chalicelib.core.records import Entry
from chalicelib.core.settings import Settings, SettingsError
from chalicelib.feeds.inputs import MAX_CONTENT_BYTES, check_content
from tests.chalicelib.consumer.support import Lines, original_id, tweet_id
from tools.eventsource.events import on_failure_message, outcome


def entries(*lines: bytes) -> list[Entry]:
    return [Entry(1_000 + n, line) for n, line in enumerate(lines)]


def test_duplicates_in_a_record_merge_their_terms() -> None:
    lines = Lines()
    line = lines.line(["alpha"])
    again = orjson.loads(line)
    again["matching_rules"] = [{"id": "9", "tag": "beta"}, {"id": "8", "tag": ""}]
    parsed = parse_entries(entries(line, orjson.dumps(again)), capture_retweets=False)
    [only] = parsed.tweets
    assert (only.tweet_id, only.term_ids, parsed.duplicates) == (
        tweet_id(line),
        {"alpha", "beta"},
        1,
    )
    assert parsed.oldest_received_ms == 1_000


def test_a_delivered_tweet_wins_over_its_captured_copy() -> None:
    lines = Lines()
    retweet = lines.line(["alpha"], kind="retweet")
    original = orjson.loads(retweet)["includes"]["tweets"][0]
    delivered = orjson.dumps({"data": original, "matching_rules": [{"id": "1", "tag": "beta"}]})
    parsed = parse_entries(entries(retweet, delivered), capture_retweets=True)
    by_id = {t.tweet_id: t for t in parsed.tweets}
    kept = by_id[original_id(retweet)]
    assert (kept.captured, kept.term_ids, kept.raw_line) == (False, {"beta"}, delivered)
    assert by_id[tweet_id(retweet)].term_ids == {"alpha"}


def test_a_captured_original_is_a_line_of_its_own_with_its_author() -> None:
    retweet = Lines().line(["alpha"], kind="retweet")
    parsed = parse_entries(entries(retweet), capture_retweets=True)
    captured = parsed.tweets[1]
    assert captured.captured and captured.term_ids == frozenset()
    own = orjson.loads(captured.raw_line)
    assert own["data"]["id"] == original_id(retweet)
    assert own["includes"]["users"][0]["id"] == own["data"]["author_id"]
    assert captured.author == own["includes"]["users"][0]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b"{broken", "invalid JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"errors": [{"title": "x"}]}', "an error message from X"),
        (b'{"data": {"id": "12ab"}}', "no data.id"),
    ],
)
def test_lines_without_a_tweet_are_set_aside(line: bytes, why: str) -> None:
    good = Lines().line()
    parsed = parse_entries(entries(good, line), capture_retweets=False)
    assert [t.tweet_id for t in parsed.tweets] == [tweet_id(good)]
    [bad] = parsed.bad
    assert (bad.index, bad.line) == (1, line)
    assert why in bad.error


def test_recipients_merge_sorted_streams_once_each() -> None:
    streams = [iter(["a", "c", "d"]), iter(["b", "c"]), iter([]), iter(["a", "e"])]
    assert list(union(streams)) == ["a", "b", "c", "d", "e"]
    assert list(difference(iter("abcdef"), iter("bdz"))) == list("acef")
    assert list(difference(iter("abc"), iter(""))) == list("abc")


def test_item_ids_and_cards_are_stable_and_fit_the_feeds() -> None:
    line = orjson.loads(Lines().line())
    line["data"]["text"] = "é<" * 20_000  # far over the 16 KB limit
    source = TweetSource(line["data"], line, orjson.dumps(line), frozenset(), 0)
    content = feed_card(source)
    assert content == feed_card(source)  # a retry writes the same content
    assert check_content(content) == content
    assert len(content.encode()) <= MAX_CONTENT_BYTES
    assert cards.item_id("123") == "tweet:123"
    html = cards.render("tweet:123", content)
    assert html.startswith('<article class="tweet" data-tweet-id="123">')
    assert "é&lt;é&lt;" in html and html.count("…") == 1


def test_a_card_is_the_tweets_plain_fields_in_few_bytes() -> None:
    line = orjson.loads(Lines().line(text="hi\nthere"))
    source = TweetSource(line["data"], line, orjson.dumps(line), frozenset(), 0)
    author = line["includes"]["users"][0]
    card = orjson.loads(feed_card(source))
    assert card == {
        "a": line["data"]["author_id"],
        "u": author["username"],
        "n": author["name"],
        "t": "hi\nthere",
    }
    html = cards.render("tweet:9", feed_card(source))
    assert "hi<br>there" in html
    assert f'href="https://x.com/{author["username"]}/status/9"' in html


def test_content_that_is_not_a_card_is_shown_as_stored() -> None:
    for item, content in [
        ("0193abc", '{"t": "an API item that looks like a card"}'),
        ("tweet:1", "<b>plain HTML</b>"),
        ("tweet:1", "{not json"),
        ("tweet:1", '{"u": "no text"}'),
        ("tweet:1", "[1, 2]"),
    ]:
        assert cards.render(item, content) == content
    nameless = cards.render("tweet:5", cards.encode("42", None, None, "<x>"))
    assert '<span class="author">user 42</span>' in nameless and "&lt;x&gt;" in nameless
    assert "https://x.com/i/web/status/5" in nameless
    assert cards.clip("x" * 50, 20).endswith("…") and len(cards.clip("x" * 50, 20).encode()) <= 20


def test_tweet_time_falls_back_to_the_snowflake_then_to_arrival() -> None:
    def source(tweet: dict[str, object]) -> TweetSource:
        return TweetSource(tweet, {"data": tweet}, b"", frozenset(), 1_700_000_000_000)

    stamped = source({"id": "1", "created_at": "2024-05-01T10:00:00.123Z"})
    assert tweet_time(stamped) == datetime(2024, 5, 1, 10, 0, 0, 123_000, tzinfo=UTC)
    snowflake = source({"id": "1790000000000000000"})
    assert tweet_time(snowflake).year == 2024
    assert tweet_time(source({"id": "20"})) == datetime.fromtimestamp(1_700_000_000, UTC)


def test_timeline_keys_sort_by_time_then_id() -> None:
    early = timeline_key(datetime(2024, 1, 1, tzinfo=UTC), "99")
    late = timeline_key(datetime(2024, 1, 1, 0, 0, 0, 1, tzinfo=UTC), "1")
    assert early == "2024-01-01T00:00:00.000000Z#0000000000000000099"
    assert early < late


def test_lambda_reads_batch_item_failures_from_the_lowest_sequence() -> None:
    batch = [{"SequenceNumber": s} for s in ("10", "20", "30", "40")]
    assert outcome(batch, {"batchItemFailures": []}).done == 4
    assert outcome(batch, None).done == 4
    failed = {"batchItemFailures": [{"itemIdentifier": "40"}, {"itemIdentifier": "20"}]}
    assert outcome(batch, failed).done == 1
    unknown = outcome(batch, {"batchItemFailures": [{"itemIdentifier": "99"}]})
    assert unknown.done == 0 and "invalid" in (unknown.error or "")
    assert outcome(batch, {"batchItemFailures": [{"itemIdentifier": ""}]}).done == 0


def test_an_on_failure_message_describes_the_batch() -> None:
    batch = [
        {"SequenceNumber": "10", "ApproximateArrivalTimestamp": datetime(2024, 1, 1, tzinfo=UTC)},
        {"SequenceNumber": "30", "ApproximateArrivalTimestamp": datetime(2024, 1, 2, tzinfo=UTC)},
    ]
    message = on_failure_message(
        batch,
        shard_id="shardId-1",
        stream_arn="arn:s",
        function_arn="arn:f",
        invocations=3,
        error="boom",
        function_error=True,
    )
    info = message["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (
        "10",
        "30",
        2,
    )
    assert info["approximateArrivalOfFirstRecord"].startswith("2024-01-01T00:00:00")
    assert message["responseContext"]["functionError"] == "Unhandled"


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"STREAMFEED_STAGE": "prod"},
        {"STREAMFEED_STAGE": "prod", "STREAMFEED_NAME_PREFIX": "acme-feeds"},
        {"STREAMFEED_STREAM_NAME": "tweets-in", "STREAMFEED_STAGE": "prod"},
    ],
)
def test_the_stream_name_at_import_is_the_settings_stream(
    environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("STREAMFEED_STREAM_SHARDS", "many")  # unrelated and bad: not read
    assert stream_name() == Settings.model_construct(**_fields(environ)).kinesis_stream


def _fields(environ: dict[str, str]) -> dict[str, str]:
    return {k.removeprefix("STREAMFEED_").lower(): v for k, v in environ.items()}


def test_a_bad_stage_fails_the_import_in_one_line() -> None:
    with pytest.raises(SettingsError, match=r"bad setting STREAMFEED_STAGE: .*got 'Prod!'"):
        stream_name({"STREAMFEED_STAGE": "Prod!"})


def test_the_mapping_is_what_the_cdk_app_needs() -> None:
    properties = MAPPING.cloudformation_properties("arn:stream", "arn:queue")
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["DestinationConfig"] == {"OnFailure": {"Destination": "arn:queue"}}
    assert properties["MaximumRetryAttempts"] == MAPPING.maximum_retry_attempts
    assert MAPPING.record_max_attempts <= MAPPING.maximum_retry_attempts


def test_batch_marks_follow_the_shard_order_of_records_and_chunks() -> None:
    from chalicelib.consumer.quarantine import RecordRef
    from chalicelib.consumer.service import batch_mark

    sequences = ["9", "10", "49590338271490256608559692538361571095921575989136588898", "99" * 30]
    marks = [batch_mark(RecordRef("arn", "shardId-1", seq), chunk) for seq in sequences
             for chunk in (0, 1, 12)]  # fmt: skip
    assert [m.position for m in marks] == sorted(m.position for m in marks)
    assert len({m.position for m in marks}) == len(marks)
    assert {m.writer for m in marks} == {"shardId-1"}
    assert batch_mark(RecordRef("arn", "shardId-1", "10"), 1) == marks[4]


def test_timeline_keys_are_fixed_width_for_every_year() -> None:
    from chalicelib.consumer.store import timeline_key

    old = timeline_key(datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC), "42")
    assert old == "0999-01-02T03:04:05.000006Z#0000000000000000042"
    later = timeline_key(datetime(2026, 12, 4, tzinfo=UTC), "7")
    assert old < later and len(old) == len(later)
