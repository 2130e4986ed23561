"""Figure 5: end to end on the local cloud: fake X -> streamer -> Kinesis -> consumer -> feeds.

The project's composition (``tools.composition``: the demo's processes,
each the real command) runs the fake X at ``e2e_rate`` tweets/s, the streamer
and the consumer runner on a fresh stage. One subscriber ("watcher") follows
every term, so every tweet lands in one feed exactly once.

Latency is from the fake X writing a tweet to the socket (its ledger time) to
the tweet's item being readable in the watcher's feed. The benchmark tails the
ledger, samples tweets, and looks for each sampled tweet's feed row (its key
is known from the tweet's id and time) with BatchGetItem every ``POLL`` s, or
less often when many samples are pending: the watcher's own reads stay under
``WATCH_REQUESTS_PER_S``, so a backlog slows its sweeps, not the local cloud
(the slowest sweep is the latency's resolution, reported).
After the run the fake X is stalled, the pipeline drains, and the ledger is
checked against the tweets table and the feed: nothing lost, nothing doubled.

Where the consumer falls behind, a replay of corpus tweets through its handler
in this process, with the same subscriber, gives the tweets/s one shard stores
and a profile of where that time goes.
"""

from __future__ import annotations

import math
import pstats
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import orjson
import psutil
import requests
from botocore.exceptions import BotoCoreError, ClientError

from bench.cloud import RULES, TERM_IDS
from bench.consumer_cost import events, invoke_all
from bench.context import Context
from bench.harness import (
    Figure,
    fmt,
    log,
    metered,
    peak_rss_mb,
    percentile,
    profile_text,
    profiled,
)
from chalicelib.consumer.service import Consumer
from chalicelib.core import aws, records, resources
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from chalicelib.feeds.keys import sort_key
from chalicelib.status.reader import read_status_record
from streamer.spool import Spool
from tools.composition import CONSUMER, FAKEX, STREAMER, Composition, CompositionConfig
from tools.fakex import Stall
from tools.fakex.snowflake import snowflake_ms
from tools.localcloud.readback import stream_entries as read_stream

WATCHER: Final = "watcher"
POLL: Final = 0.05
#: Most BatchGetItem requests a second the watcher sends (100 samples each).
WATCH_REQUESTS_PER_S: Final = 40.0
#: Corpus tweets replayed through the consumer's handler for its rate and profile.
REPLAY_TWEETS: Final = {"full": 1000, "quick": 100, "smoke": 40}
SHARDS: Final = 2
GOAL_P99_S: Final = 2.0
#: Seconds the pipeline gets to drain after the source stops, per second of the run.
DRAIN_PER_SECOND: Final = 0.5
DRAIN_MIN: Final = 8.0
#: The diagnostic run without subscribers runs at most this long (and only when the
#: main run lasts longer than ``DIAGNOSE_FROM`` seconds: bench-quick skips it).
DIAGNOSE_SECONDS: Final = 60.0
DIAGNOSE_FROM: Final = 30.0


def prepare_terms(settings: Settings) -> None:
    """The benchmark's terms, enabled: the streamer makes them X rules."""
    models = bind_models(settings)
    now = datetime.now(UTC)
    for value, term_id in RULES:
        models.terms(term_id, value=value, tag=term_id, enabled=True, created_at=now,
                     updated_at=now).save()  # fmt: skip


def prepare(settings: Settings) -> None:
    """The terms, and one subscriber to all of them."""
    prepare_terms(settings)
    models = bind_models(settings)
    now = datetime.now(UTC)
    with models.subscriptions.batch_write() as batch:
        for term_id in TERM_IDS:
            batch.save(models.subscriptions(WATCHER, term_id, created_at=now))


def feed_key(tweet_id: str) -> str:
    """The watcher's feed row key for a tweet: its time from the snowflake id, then the item id."""
    ms = snowflake_ms(int(tweet_id))
    created = datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=(ms % 1000) * 1000)
    return sort_key(created, f"tweet:{tweet_id}")


@dataclass
class Watch:
    """Ledger tail and visibility checks, on a thread of their own."""

    system: Composition
    settings: Settings
    sample_every: int
    #: Look for the tweet in the watcher's feed (else its row in the tweets table).
    feed: bool = True
    sent: list[tuple[str, float]] = field(default_factory=list)
    visible: dict[str, float] = field(default_factory=dict)
    pending: dict[str, float] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    #: Longest pause between two looks at a pending sample (the latency's resolution).
    slowest_sweep: float = POLL

    def run(self) -> None:
        client = aws.client(self.settings, "dynamodb")
        logical = resources.FEEDS.logical if self.feed else resources.TWEETS.logical
        table = self.settings.table_name(logical)
        fake = self.system.fakex
        last_tail = 0.0
        while not self.stop.is_set():
            if time.monotonic() - last_tail > 0.2 and self.system.process(FAKEX).alive():
                try:
                    tail = fake.ledger(len(self.sent))
                except requests.RequestException:
                    tail = []  # the source was just stopped: the run's ledger is final
                for entry in tail:
                    if len(self.sent) % self.sample_every == 0:
                        self.pending[entry.id] = entry.at
                    self.sent.append((entry.id, entry.at))
                last_tail = time.monotonic()
            reads = self._check(client, table)
            pause = max(POLL, reads / WATCH_REQUESTS_PER_S)
            self.slowest_sweep = max(self.slowest_sweep, pause)
            self.stop.wait(pause)

    def _check(self, client: Any, table: str) -> int:
        """Look for every pending sample once; the number of requests it took."""
        ids = list(self.pending)
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            if self.feed:
                keys = [{"user_id": {"S": WATCHER}, "sk": {"S": feed_key(i)}} for i in chunk]
                projection = "sk"
            else:
                keys = [{"tweet_id": {"S": i}} for i in chunk]
                projection = "tweet_id"
            response = client.batch_get_item(
                RequestItems={table: {"Keys": keys, "ProjectionExpression": projection}}
            )
            now = time.time()
            for item in response.get("Responses", {}).get(table, []):
                key = next(iter(item.values()))["S"]
                tweet_id = key.rsplit("tweet:", 1)[1] if self.feed else key
                emitted = self.pending.pop(tweet_id, None)
                if emitted is not None:
                    self.visible[tweet_id] = now - emitted
        return math.ceil(len(ids) / 100)


def cpu_by_component(system: Composition, ctx: Context) -> dict[str, float]:
    """CPU-seconds so far of each component and cloud server, children included."""
    pids = {**system.pids(), **ctx.cloud.cloud.pids()}
    out: dict[str, float] = {}
    for name, pid in pids.items():
        total = 0.0
        try:
            proc = psutil.Process(pid)
            for p in [proc, *proc.children(recursive=True)]:
                times = p.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
        out[name] = total
    return out


@dataclass
class Outcome:
    """One run: what was sent, seen, checked, and the CPU it took."""

    watch: Watch
    flowing: float
    drained: float
    check: dict[str, int]
    cpu: dict[str, float]
    invocations: int
    #: Peak RSS (MiB) of each local cloud server by the end of the run.
    cloud_rss: dict[str, float] = field(default_factory=dict)


def composition(ctx: Context, folder: str, rate: float) -> Composition:
    """Fake X at ``rate``, the streamer and the consumer runner, on a fresh stage."""
    config = CompositionConfig(
        data_dir=ctx.folder(folder),
        fakex_rate=rate,
        fakex_keepalive=1.0,
        poll_interval=1.0,
        consumer_poll_interval=0.2,
        components=(FAKEX, STREAMER, CONSUMER),
        start_timeout=90.0,
    )
    return Composition(config, cloud=ctx.cloud.cloud, settings=ctx.cloud.stage(shards=SHARDS))


@dataclass
class Flow:
    """What ``flow`` saw: seconds flowing and draining, the final ledger, CPU by process."""

    flowing: float
    drained: float
    final: list[tuple[str, float]]
    cpu: dict[str, float]


def flow(ctx: Context, system: Composition, watch: Watch, seconds: float) -> Flow:
    """Watch tweets flow for ``seconds``, stop the source, and drain (the watch included)."""
    thread = threading.Thread(target=watch.run, name="e2e-watch", daemon=True)
    cpu0 = cpu_by_component(system, ctx)
    thread.start()
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        time.sleep(1.0)
        system.tick()
    flowing = time.monotonic() - started
    cpu1 = cpu_by_component(system, ctx)
    final = _stop_source(system)
    log(f"{len(final):,} tweets sent in {flowing:.0f} s; draining")
    drained = _drain(system, watch, len(final), max(DRAIN_MIN, seconds * DRAIN_PER_SECOND))
    watch.stop.set()
    thread.join(10)
    cpu = {name: cpu1.get(name, 0.0) - cpu0.get(name, 0.0) for name in cpu1}
    return Flow(flowing, drained, final, cpu)


def run_once(ctx: Context, *, fanout: bool, seconds: float) -> Outcome:
    """One composition at ``e2e_rate`` for ``seconds``; ``fanout``: watch the feed, else storage."""
    rate = ctx.scale.e2e_rate
    system = composition(ctx, f"fig5-{'feed' if fanout else 'store'}", rate)
    sample_every = max(1, round(rate / 100))  # about 100 samples a second
    try:
        system.start(prepare=prepare if fanout else prepare_terms)
        system.wait_for_state("connected", 60)
        watch = Watch(system, system.settings, sample_every, feed=fanout)
        flowed = flow(ctx, system, watch, seconds)
        system.process(STREAMER).stop()  # SIGTERM: ships what it holds, spools the rest
        spooled = _spooled_ids(system.config.data_dir / "spool")
        sent = [tweet_id for tweet_id, _ in flowed.final]
        check = _ledger_check(system.settings, sent, spooled)
        invocations = system.consumer_totals().invocations
    finally:
        system.stop()
    rss = {name: peak_rss_mb(pid) for name, pid in ctx.cloud.cloud.pids().items()}
    return Outcome(watch, flowed.flowing, flowed.drained, check, flowed.cpu, invocations, rss)


def run(ctx: Context) -> Figure:
    scale = ctx.scale
    figure = Figure("5", f"End to end at {scale.e2e_rate:,.0f} tweets/s on the local cloud")
    feed = run_once(ctx, fanout=True, seconds=scale.e2e_seconds)
    ctx.cloud.release()  # the local Kinesis keeps every record in memory
    _report(figure, scale.e2e_rate, feed)
    stored_rate = feed.check["stored"] / (feed.flowing + feed.drained)
    if figure.missed or stored_rate < 0.95 * scale.e2e_rate:
        _replay_consumer(ctx, figure, scale.e2e_rate)
    if scale.e2e_seconds > DIAGNOSE_FROM:
        store = run_once(ctx, fanout=False, seconds=min(scale.e2e_seconds, DIAGNOSE_SECONDS))
        _diagnose(figure, store)
    return figure


def _replay_consumer(ctx: Context, figure: Figure, rate: float) -> None:
    """Corpus tweets through the consumer's handler here, with the watcher: rate and profile.

    Records are packed as the streamer packs them at ``rate`` and handed over in
    events of the mapping's batch size, one after another as one shard's are, on
    a fresh stage. One run, under cProfile: the handler mostly waits on DynamoDB,
    so the profiler's overhead on its CPU changes the rate little.
    """
    count = REPLAY_TWEETS.get(ctx.scale.name, 200)
    lines = ctx.corpus()[:count]

    settings = ctx.cloud.stage(stream=False)
    prepare(settings)
    handler, batches = Consumer.from_settings(settings), events(lines, settings)
    with metered() as clock:
        _, profile = profiled(lambda: invoke_all(handler, batches))
    per_shard = len(lines) / clock.wall
    figure.add("consumer with that subscriber: tweets/s one shard stores (replayed here)",
               per_shard, "tweets/s")  # fmt: skip
    label = (
        f"the consumer's handler storing {len(lines):,} tweets for the one subscriber, wall time"
    )
    figure.profiles[label] = profile_text([profile])
    shares = _shares(profile, ("deliver", "put_tweets", "add_timeline", "known_terms"))
    total = max(shares.pop("", (0, 0.0))[1], 1e-9)
    parts = [
        f"`{name}` {seconds / total:.0%} ({calls:,} calls, {seconds * 1000 / max(calls, 1):.0f} ms "
        "each)"
        for name, (calls, seconds) in shares.items()
    ]
    needed = math.ceil(rate / per_shard) if per_shard > 0 else 0
    if per_shard * SHARDS < rate:
        verdict = (
            f"the {SHARDS}-shard stream drains at most about {fmt(per_shard * SHARDS)} tweets/s, "
            f"so at {rate:,.0f}/s the backlog grows for the whole run and the latency above is "
            "mostly the time tweets wait in Kinesis for their turn"
        )
    else:
        verdict = (
            f"{SHARDS} shards drain up to about {fmt(per_shard * SHARDS)} tweets/s, more than "
            f"the {rate:,.0f}/s arriving"
        )
    figure.note(
        f"Why the consumer falls behind: replaying {len(lines):,} corpus tweets through its "
        f"handler in this process under cProfile, with the same subscriber, stores "
        f"{fmt(per_shard)} tweets/s (CPU of this process {clock.cpu / clock.wall:.0%} of the "
        "wall time; the rest is waiting on the local DynamoDB). That is one shard's rate, "
        f"since a shard's batches run one after another: {verdict}. Of the handler's wall "
        "time (profile below): " + ", ".join(parts) + ". Each chunk of up to 100 tweets is "
        "one feeds batch (`Feeds.add_stream_items`): its feed rows 25 per BatchWriteItem, "
        "then one read and one put of the subscribers' counter rows, so a shard's rate is "
        f"bounded by a few DynamoDB round trips per chunk. Keeping up with {rate:,.0f}/s at "
        f"this rate would take about {needed:,} shards (one concurrent invocation each)."
    )


def _shares(profile: Any, names: tuple[str, ...]) -> dict[str, tuple[int, float]]:
    """Calls and cumulative seconds of the functions ``names`` (and of the whole run, "")."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    out: dict[str, tuple[int, float]] = {}
    for (_, _, function), (_, calls, _, cumulative, _) in stats.items():
        if function in names and cumulative > out.get(function, (0, 0.0))[1]:
            out[function] = (calls, cumulative)
        if function == "invoke_all":
            out[""] = (calls, cumulative)
    return {name: out[name] for name in (*names, "") if name in out}


def _stop_source(system: Composition) -> list[tuple[str, float]]:
    """Stall the fake X, read its final ledger, then stop it (a stalled stream reconnects)."""
    fake = system.fakex
    fake.set_faults(Stall(after=0, seconds=3600))
    previous = -1
    while True:
        time.sleep(0.3)
        ledger = fake.ledger()
        if len(ledger) == previous:
            break
        previous = len(ledger)
    system.process(FAKEX).stop()
    return [(entry.id, entry.at) for entry in ledger]


def _drain(system: Composition, watch: Watch, sent: int, timeout: float) -> float:
    """Seconds until every sampled tweet is seen and every sent tweet stored (or the timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not watch.pending and system.consumer_totals().tweets_stored >= sent:
            break
        time.sleep(0.5)
    return time.monotonic() - started


def _scan_ids(client: Any, **request: Any) -> list[str]:
    found: list[str] = []
    operation = "query" if "KeyConditionExpression" in request else "scan"
    for page in client.get_paginator(operation).paginate(**request):
        found += [next(iter(item.values()))["S"] for item in page["Items"]]
    return found


def _spooled_ids(folder: Path) -> list[str]:
    """Tweet ids in the streamer's spool (shipped later, when Kinesis takes them)."""
    if not folder.exists():
        return []
    data, _ = Spool(folder).read_batch(1 << 30, 1 << 62)
    return [orjson.loads(e.line)["data"]["id"] for d in data for e in records.decode(d)]


def _ledger_check(settings: Settings, ids: list[str], spooled: list[str]) -> dict[str, int]:
    """The fake X's ledger against the stream (and spool), the tweets table and the feed."""
    client = aws.client(settings, "dynamodb")
    stored = _scan_ids(client, TableName=settings.table_name(resources.TWEETS.logical),
                       ProjectionExpression="tweet_id")  # fmt: skip
    feed = [
        key.rsplit("tweet:", 1)[1]
        for key in _scan_ids(
            client,
            TableName=settings.table_name(resources.FEEDS.logical),
            KeyConditionExpression="user_id = :u",
            ExpressionAttributeValues={":u": {"S": WATCHER}},
            ProjectionExpression="sk",
        )
    ]
    try:
        streamed = [orjson.loads(entry.line)["data"]["id"] for entry in read_stream(settings)]
    except (BotoCoreError, ClientError) as exc:
        # kinesis-mock holding a long run's records may stop answering: judge the stream by
        # the streamer's own counts instead of by id.
        log(f"fig 5: could not read the local Kinesis back ({exc}); using the streamer's counts")
        return _count_check(settings, ids, spooled, stored, feed)
    sent, kinesis, table = set(ids), set(streamed), set(stored)
    held = kinesis | set(spooled)
    return {
        "sent": len(ids),
        "sent twice": len(ids) - len(sent),
        "shipped to Kinesis": len(sent & kinesis),
        "in the streamer's spool": len(set(spooled) - kinesis),
        "lost (neither in Kinesis nor spooled)": len(sent - held),
        "in Kinesis twice (a PutRecords retried)": len(streamed) - len(kinesis),
        "stored": len(stored),
        "stored but never sent": len(table - sent),
        "not yet stored (consumer backlog)": len(held - table),
        "feed items": len(feed),
        "feed duplicates": len(feed) - len(set(feed)),
    }


def _count_check(
    settings: Settings, ids: list[str], spooled: list[str], stored: list[str], feed: list[str]
) -> dict[str, int]:
    """The ledger check with the stream judged by the streamer's status record."""
    status = read_status_record(settings) or {}
    sent, table = set(ids), set(stored)
    shipped = int(status.get("shipped", 0))
    return {
        "sent": len(ids),
        "sent twice": len(ids) - len(sent),
        "received by the streamer": int(status.get("received", 0)),
        "shipped to Kinesis (streamer's count)": shipped,
        "in the streamer's spool": len(spooled),
        "lost (neither in Kinesis nor spooled)": max(0, len(sent) - shipped - len(spooled)),
        "stored": len(stored),
        "stored but never sent": len(table - sent),
        "not yet stored (consumer backlog)": len(sent - table),
        "feed items": len(feed),
        "feed duplicates": len(feed) - len(set(feed)),
    }


def _latencies(watch: Watch) -> tuple[list[float], int]:
    """Sampled latencies, with never-seen samples counted as infinitely late."""
    seen = list(watch.visible.values())
    return seen + [math.inf] * len(watch.pending), len(watch.pending)


def _fmt_latency(value: float, bound: float) -> float | str:
    return value if math.isfinite(value) else f"> {bound:.0f}"


def _report(figure: Figure, rate: float, out: Outcome) -> None:
    check = out.check
    latencies, unseen = _latencies(out.watch)
    bound = out.flowing + out.drained
    p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
    figure.add("latency p50, emission to visible in a subscriber's feed",
               _fmt_latency(p50, bound), "s")  # fmt: skip
    figure.add("latency p95", _fmt_latency(p95, bound), "s")
    figure.add("latency p99", _fmt_latency(p99, bound), "s", goal=f"< {GOAL_P99_S:g} s",
               met=p99 < GOAL_P99_S)  # fmt: skip
    bad = check["lost (neither in Kinesis nor spooled)"] + check["sent twice"]
    bad += check["stored but never sent"] + check["feed duplicates"]
    backlog = check["not yet stored (consumer backlog)"]
    verdict = "nothing lost or doubled" if not bad else "NO"
    if not bad and backlog:
        verdict += f" ({backlog:,} still queued when the run ended)"
    figure.add("ledger check (fake X ledger vs Kinesis, tweets table, feed)", verdict,
               goal="nothing lost or doubled", met=not bad)  # fmt: skip
    figure.add("tweets sent per second", check["sent"] / out.flowing, "tweets/s")
    figure.add("tweets stored per second (consumer, incl. drain)",
               check["stored"] / bound, "tweets/s")  # fmt: skip
    figure.note(
        f"{check['sent']:,} tweets sent in {out.flowing:.0f} s; every {out.watch.sample_every}th "
        f"timed ({len(latencies):,} samples, {unseen:,} not visible when the run ended "
        f"{out.drained:.0f} s after the source stopped: counted as later than that). Feed "
        f"rows are looked up every {POLL * 1000:.0f} ms, or less often while many samples "
        f"are pending (at most {WATCH_REQUESTS_PER_S:.0f} reads/s; slowest sweep "
        f"{out.watch.slowest_sweep:.1f} s, the latency's resolution). Stream: {SHARDS} shards; one "
        f"subscriber follows every term. Consumer invocations: {out.invocations:,}."
    )
    figure.note("Ledger check: " + ", ".join(f"{k} {v:,}" for k, v in check.items()) + ".")
    if out.cloud_rss:
        figure.note(
            "Peak RSS of the local cloud's servers by the end of the run (kinesis-mock keeps "
            "every record in memory; the bench runs it without persistence): "
            + ", ".join(f"{name} {mib:,.0f} MiB" for name, mib in sorted(out.cloud_rss.items()))
            + "."
        )
    _cpu_note(figure, "with fan-out to the subscriber", out.cpu, out.flowing, check["sent"])


def _cpu_note(figure: Figure, label: str, cpu: dict[str, float], seconds: float, sent: int) -> None:
    lines = ["| process | CPU-seconds | share of one core | CPU ms per 1,000 tweets |",
             "|---|---|---|---|"]  # fmt: skip
    for name, value in sorted(cpu.items(), key=lambda kv: -kv[1]):
        lines.append(
            f"| {name} | {value:.1f} | {value / seconds:.0%} | {value * 1e6 / max(sent, 1):,.0f} |"
        )
    figure.note(
        f"Where the time goes while tweets flow, {label} (CPU of each process and its "
        "children; 2 cores, shared with the benchmark's watcher):\n\n" + "\n".join(lines)
    )


def _diagnose(figure: Figure, store: Outcome) -> None:
    """The same pipeline without fan-out: latency to the tweets table instead of a feed."""
    latencies, unseen = _latencies(store.watch)
    bound = store.flowing + store.drained
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    figure.add("without subscribers: latency p99 to the tweets table",
               _fmt_latency(p99, bound), "s")  # fmt: skip
    figure.add("without subscribers: tweets stored per second",
               store.check["stored"] / bound, "tweets/s")  # fmt: skip
    figure.note(
        f"Diagnosis: the same composition for {store.flowing:.0f} s with no subscriber, timing "
        f"tweets to their row in the tweets table: p50 {fmt(_fmt_latency(p50, bound))} s, "
        f"p99 {fmt(_fmt_latency(p99, bound))} s ({unseen:,} samples unseen); ledger: "
        + ", ".join(f"{k} {v:,}" for k, v in store.check.items() if v)
        + "."
    )
    _cpu_note(figure, "without subscribers", store.cpu, store.flowing, store.check["sent"])
