"""Put a streamer together from settings: the CLI and the tests share this."""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

from botocore.config import Config

from chalicelib.core import aws
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from streamer import botodata
from streamer.file_sink import FileSink
from streamer.heartbeat import MetricsPublisher
from streamer.kinesis_sink import KinesisSink
from streamer.pipeline import Pipeline, Sink
from streamer.runner import KeySetLike, Streamer, StreamOptions
from streamer.spool import Spool

#: Fail fast: the sink retries and spools by itself.
SHIPPER_CONFIG = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 1})


def make_sink(
    settings: Settings, to_file: Path | None = None, capture_retweets: bool = False
) -> tuple[Sink, Spool | None]:
    """A file sink for ``--to-file``, else Kinesis with a spool under local_dir."""
    if to_file is not None:
        return FileSink(to_file, capture_retweets=capture_retweets), None
    # The streamer process: every botocore session made from here on shares one data loader.
    botodata.share_loader()
    spool = Spool(Path(settings.local_dir) / "spool")
    client = aws.new_client(settings, "kinesis", SHIPPER_CONFIG)
    return KinesisSink(client, settings.kinesis_stream, spool), spool


def make_pipeline(settings: Settings, sink: Sink) -> Pipeline:
    return Pipeline(sink, rejects_path=Path(settings.local_dir) / "rejected.ndjson")


def shipped(sink: Sink, before: int = 0) -> int:
    if isinstance(sink, KinesisSink):
        # ``stats.shipped`` counts every line Kinesis accepted, replays from the spool
        # included (``stats.replayed`` is the part of it that went through the spool).
        return before + sink.stats.shipped
    if isinstance(sink, FileSink):
        return before + sink.written
    return before


def depth(spool: Spool | None) -> int:
    return spool.depth if spool is not None else 0


def build_streamer(
    settings: Settings,
    keyset: KeySetLike,
    pipeline: Pipeline,
    spool: Spool | None,
    options: StreamOptions,
    stop_event: threading.Event,
    shipped_before: int = 0,
) -> Streamer:
    metrics = MetricsPublisher(
        aws.client(settings, "cloudwatch"), settings.metrics_namespace, settings.prefix
    )
    return Streamer(
        settings=settings,
        models=bind_models(settings),
        keyset=keyset,
        pipeline=pipeline,
        options=options,
        shipped=partial(shipped, pipeline.sink, shipped_before),
        spool_depth=partial(depth, spool),
        metrics=metrics,
        stop_event=stop_event,
    )
