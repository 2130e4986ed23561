"""Figure 3b: consumer throughput when every DynamoDB request takes AWS-like time.

On the local cloud a DynamoDB call costs CPU on this machine (dynalite), not a
network round trip, so overlapping requests gains nothing there; on AWS each
call is a few milliseconds of waiting. Here a proxy adds ``DELAY_S`` to every
DynamoDB answer, and the consumer's handler stores and fans out the same
records with a chunk's tweets delivered as one feeds batch (what ships) and
one tweet after another, each its own feeds call (what it did before 2026-12-04,
less the parallel fan-outs), alternating, medians reported.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Final
from unittest import mock

from bench.consumer_cost import events, invoke_all, subscribe
from bench.context import Context
from bench.harness import Figure, alternate, fmt, median
from chalicelib.consumer.delivery import FanOut
from chalicelib.consumer.service import Consumer
from chalicelib.consumer.telemetry import logger
from chalicelib.feeds import BatchMark, Delivery

#: Added to every DynamoDB answer: a same-region round trip from Lambda.
DELAY_S: Final = 0.005
VARIANTS: Final = ["batched", "one at a time"]


def one_at_a_time(fanout: FanOut, deliveries: Sequence[Delivery], mark: BatchMark) -> list[int]:
    return [fanout.feeds.add_stream_items([d], mark=mark)[0].recipients for d in deliveries]


class DelayProxy:
    """TCP proxy that holds each chunk of the server's answer for ``delay`` seconds."""

    def __init__(self, port: int, delay: float) -> None:
        self.target, self.delay = port, delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=_pipe, args=(client, server, 0.0), daemon=True).start()
            threading.Thread(target=_pipe, args=(server, client, self.delay), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket, delay: float) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(1 << 16):
            if delay:
                time.sleep(delay)
            sink.sendall(data)
    for end in (source, sink):
        with contextlib.suppress(OSError):
            end.close()


@contextlib.contextmanager
def delivering(variant: str) -> Iterator[None]:
    if variant == "batched":
        yield
        return
    with mock.patch.object(FanOut, "deliver", one_at_a_time):
        yield


def run(ctx: Context) -> Figure:
    figure = Figure("3b", "Consumer throughput with 5 ms per DynamoDB request (as on AWS)")
    logger.setLevel(logging.WARNING)
    quick = ctx.scale.name == "quick"
    tweets = 60 if quick else 300
    rounds = 1 if quick else ctx.scale.consumer_rounds
    lines = ctx.corpus()[:tweets]
    for per_term in (1,) if quick else (1, 10):
        rates: dict[str, list[float]] = {v: [] for v in VARIANTS}
        for _, variant in alternate(rounds, VARIANTS):
            settings = ctx.cloud.stage()
            subscribe(settings, per_term)
            port = int((settings.dynamodb_endpoint or "").rsplit(":", 1)[1])
            proxy = DelayProxy(port, DELAY_S)
            try:
                slow = settings.model_copy(update={"dynamodb_endpoint": proxy.url})
                consumer = Consumer.from_settings(slow)
                batches = events(lines, slow)
                with delivering(variant):
                    began = time.perf_counter()
                    invoke_all(consumer, batches)
                    rates[variant].append(len(lines) / (time.perf_counter() - began))
            finally:
                proxy.close()
        fast, slow_rate = median(rates["batched"]), median(rates["one at a time"])
        label = f"{per_term} subscriber{'s' if per_term > 1 else ''} per term"
        figure.add(f"tweets/s stored and fanned out, {label}, one feeds batch per chunk", fast,
                   "tweets/s")  # fmt: skip
        figure.add(f"the same, one tweet at a time, {label}", slow_rate, "tweets/s")
        figure.add(f"batched vs one at a time, {label}", fast / slow_rate, "x")
    figure.note(
        f"{tweets} corpus tweets per run, packed as the streamer packs them, through the "
        f"consumer's handler on a fresh stage; {fmt(DELAY_S * 1000)} ms added to each "
        f"DynamoDB answer by a proxy; {rounds} alternating round(s), medians. One shard's "
        "Lambda sees these rates; shards add up."
    )
    return figure
