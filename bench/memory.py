"""Figure 6: the streamer's memory: peak RSS at a steady 1,000/s, then in a 20,000/s burst.

The real ``streamfeed stream`` runs in the project's composition (streamer
only, on a fresh stage, shipping to the local Kinesis) against a fake X this
benchmark starts on a fixed port: first at 1,000 tweets/s, then, on the same
port, at 20,000 tweets/s, so the burst hits the same process after its steady
phase (the streamer reconnects by itself). RSS is sampled every 0.2 s and the
kernel's high-water mark (``VmHWM``) gives the true peak between samples.
"""

from __future__ import annotations

import time
from dataclasses import fields
from pathlib import Path
from typing import Any, Final

import psutil

from bench.cloud import FakeXProcess
from bench.context import Context
from bench.end_to_end import prepare_terms
from bench.harness import Figure, fmt, log, peak_rss_mb
from chalicelib.core.settings import Settings
from streamer.kinesis_sink import KinesisSink
from streamer.packing import Limits
from tools.composition import STREAMER, Composition, CompositionConfig
from tools.composition.keys import ensure_keyset
from tools.fakex.engine import DEFAULT_BEARER_TOKEN
from tools.localcloud.ports import free_port

GOAL_MB: Final = 150.0
STEADY_RATE: Final = 1000.0
BURST_RATE: Final = 20_000.0
SHARDS: Final = 8
KEYS: Final = "bench-x"


class Sampler:
    """RSS samples of one process: (seconds since start, MiB)."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.pid = pid
        self.samples: list[tuple[float, float]] = []
        self.started = time.monotonic()
        #: Largest (received - shipped) the streamer's status record showed, and the RSS then.
        self.backlog: tuple[int, float] = (0, 0.0)
        self._last_status = 0.0

    def sample_for(self, seconds: float, system: Composition) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            rss = self.process.memory_info().rss / 2**20
            self.samples.append((time.monotonic() - self.started, rss))
            if time.monotonic() - self._last_status >= 1.0:
                self._last_status = time.monotonic()
                status = system.stream_status() or {}
                held = int(status.get("received", 0)) - int(status.get("shipped", 0))
                if held > self.backlog[0]:
                    self.backlog = (held, rss)
            system.check()
            time.sleep(0.2)

    def peak(self) -> float:
        return peak_rss_mb(self.pid)


def _prepare(settings: Settings) -> None:
    prepare_terms(settings)
    ensure_keyset(settings, DEFAULT_BEARER_TOKEN, KEYS, "the benchmark's fake X")


def _wait_sending(fake: FakeXProcess, system: Composition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fake.sent() > 0:
            return
        system.check()
        time.sleep(0.2)
    raise RuntimeError("the streamer did not reconnect to the burst's fake X")


def run(ctx: Context) -> Figure:
    scale = ctx.scale
    figure = Figure("6", "Streamer memory: peak RSS, steady 1,000/s and a 20,000/s burst")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = ctx.cloud.stage(shards=SHARDS)
    config = CompositionConfig(
        data_dir=ctx.folder("fig6"),
        x_api_url=url,
        keys_name=KEYS,
        poll_interval=1.0,
        components=(STREAMER,),
    )
    system = Composition(config, cloud=ctx.cloud.cloud, settings=settings)
    fake = FakeXProcess(rate=STEADY_RATE, port=port, keepalive=1.0)
    status: dict[str, Any] = {}
    try:
        system.start(prepare=_prepare)
        system.wait_for_state("connected", 60)
        sampler = Sampler(system.pids()[STREAMER])
        sampler.sample_for(scale.steady_seconds, system)
        steady_peak, steady_at = sampler.peak(), len(sampler.samples)
        steady_sent = fake.sent()
        fake.stop()
        fake = FakeXProcess(rate=BURST_RATE, port=port, keepalive=1.0)
        _wait_sending(fake, system)
        log(f"fig 6: burst at {BURST_RATE:,.0f}/s")
        burst_from = time.monotonic()
        sampler.sample_for(scale.burst_seconds, system)
        burst_seconds = time.monotonic() - burst_from
        burst_sent = fake.sent()
        fake.stop()
        sampler.sample_for(3.0, system)  # the shipper catches up with what it holds
        burst_peak = sampler.peak()
        status = system.stream_status() or {}
    finally:
        fake.stop()
        system.stop()
    figure.add("peak RSS at a steady 1,000 tweets/s", steady_peak, "MiB",
               goal=f"< {GOAL_MB:g} MiB", met=steady_peak < GOAL_MB)  # fmt: skip
    figure.add("peak RSS through a 20,000 tweets/s burst", burst_peak, "MiB",
               goal=f"< {GOAL_MB:g} MiB", met=burst_peak < GOAL_MB)  # fmt: skip
    _details(figure, scale.steady_seconds, steady_sent, burst_seconds, burst_sent, status)
    held, rss_then = sampler.backlog
    line = ctx.units.get("raw_bytes_per_tweet") or sum(map(len, ctx.corpus())) / len(ctx.corpus())
    figure.note(
        f"Where the memory goes: at most {held:,} tweets were received but not yet shipped "
        f"(the status record, once a second; RSS {fmt(rss_then)} MiB then): in the Kinesis "
        "sink's inbox, being packed, or in the spool on disk. The inbox holds at most "
        f"{_sink_default('max_pending'):,} lines or {_sink_default('max_pending_bytes') / 2**20:g} "
        f"MiB of them (lines of about {line:,.0f} bytes, plus an `Entry` object each); once "
        "half of that piles up while a PutRecords runs, the shipper sends what it holds to "
        "the spool and replays the spool as Kinesis takes it, so a slow Kinesis (here the "
        "local one; on AWS a cold or throttled on-demand stream) costs disk, not memory. "
        f"A PutRecords call carries at most {_limit('batch_bytes') / 2**20:g} MiB of records "
        "(botocore holds about four copies of a call's payload while it sends it, and the "
        "shipper and the spool's replayer both put). The rest of the RSS is the process "
        "itself, its botocore sessions sharing one loader of botocore's JSON data "
        "(`streamer/botodata.py`): the steady minimum below is what the "
        "streamer takes before it holds any backlog."
    )
    took = burst_sent / max(burst_seconds, 1e-9)
    if took < 0.9 * BURST_RATE:
        figure.note(
            f"The burst was taken at {took:,.0f} tweets/s, not {BURST_RATE:,.0f}: the rest "
            "waited in the fake X, held back by TCP, while the streamer's inbox was full (it "
            "packs, compresses and spools every line on this shared 2-core machine, next to "
            "the fake X and the local cloud). Nothing is lost that way, but on X a client "
            "that stays behind for long is disconnected."
        )
    _timeline(figure, sampler.samples, steady_at, ctx.folder("fig6"))
    return figure


def _limit(name: str) -> int:
    """A default packing limit of the streamer (``Limits``)."""
    value = getattr(Limits(), name)
    assert isinstance(value, int)
    return value


def _sink_default(name: str) -> int:
    """A default bound of the Kinesis sink, as the streamer builds it."""
    value = next(f.default for f in fields(KinesisSink) if f.name == name)
    assert isinstance(value, int)
    return value


def _details(
    figure: Figure,
    steady_seconds: float,
    steady_sent: int,
    burst_seconds: float,
    burst_sent: int,
    status: dict[str, Any],
) -> None:
    figure.note(
        f"Steady: {steady_sent:,} tweets in {steady_seconds:.0f} s. Burst: {burst_sent:,} "
        f"tweets sent in {burst_seconds:.0f} s ({burst_sent / max(burst_seconds, 1e-9):,.0f}/s "
        f"as received). The stream has {SHARDS} shards; no consumer runs. The streamer's "
        f"status record at the end: received {status.get('received', 0):,}, shipped "
        f"{status.get('shipped', 0):,}, spool depth {status.get('spool_depth', 0):,}."
    )


def _timeline(figure: Figure, samples: list[tuple[float, float]], split: int, folder: Path) -> None:
    steady = [mb for _, mb in samples[:split]]
    burst = [mb for _, mb in samples[split:]]
    figure.note(
        f"RSS samples (every 0.2 s): steady min {fmt(min(steady, default=0))}, max "
        f"{fmt(max(steady, default=0))} MiB; burst and catch-up min "
        f"{fmt(min(burst, default=0))}, max {fmt(max(burst, default=0))} MiB."
    )
    (folder / "rss.csv").write_text(
        "seconds,rss_mib\n" + "".join(f"{t:.1f},{mb:.1f}\n" for t, mb in samples)
    )
