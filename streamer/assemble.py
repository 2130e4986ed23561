"""Put a streamer together from settings: the CLI and the tests share this.

:class:`CloudSetup` is the container's way (key set from Secrets Manager;
terms, lease and status in DynamoDB; metrics to CloudWatch); the offline one
is :class:`streamer.control.OfflineSetup`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from botocore.config import Config

from chalicelib.core import aws
from chalicelib.core.keysets import KeySetError, resolve_keyset
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from streamer import botodata
from streamer.control import Control, TableTerms
from streamer.file_sink import FileSink
from streamer.heartbeat import MetricsPublisher, StatusRecord
from streamer.kinesis_sink import KinesisSink
from streamer.lease import Lease, new_holder
from streamer.pipeline import Pipeline, Sink
from streamer.runner import KeySetLike, Streamer, StreamerError, StreamOptions, lease_ttl
from streamer.spool import Spool

#: Fail fast: the sink retries and spools by itself.
SHIPPER_CONFIG = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 1})


def make_sink(
    settings: Settings,
    to_file: Path | None = None,
    capture_retweets: bool = False,
    on_closed: Callable[[], None] | None = None,
) -> tuple[Sink, Spool | None]:
    """A file sink for ``--to-file`` (``-``: stdout), else Kinesis with a spool under local_dir.

    ``on_closed`` is called when stdout's reader goes away (see :class:`FileSink`).
    """
    if to_file is not None:
        return FileSink(to_file, capture_retweets=capture_retweets, on_closed=on_closed), None
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
    control: Control | None = None,
) -> Streamer:
    """A streamer; without ``control``, the cloud's (as the container runs it)."""
    return Streamer(
        settings=settings,
        keyset=keyset,
        pipeline=pipeline,
        options=options,
        shipped=partial(shipped, pipeline.sink, shipped_before),
        spool_depth=partial(depth, spool),
        control=control or cloud_control(settings, keyset.name, options),
        stop_event=stop_event,
    )


def cloud_control(settings: Settings, key_set: str, options: StreamOptions) -> Control:
    """Terms from the terms table; lease and status record of ``key_set``; CloudWatch."""
    models = bind_models(settings)
    metrics = MetricsPublisher(
        aws.client(settings, "cloudwatch"), settings.metrics_namespace, settings.prefix
    )
    return Control(
        terms=TableTerms(models.terms),
        lease=Lease(models.control, key_set, new_holder(), lease_ttl(options)),
        status=StatusRecord(models.control, key_set),
        metrics=metrics,
    )


@dataclass(frozen=True)
class CloudSetup:
    """The container's setup: the key set ``keys_name`` (else the default) and the cloud."""

    settings: Settings
    keys_name: str | None = None

    def keyset(self) -> KeySetLike:
        try:
            return resolve_keyset(self.settings, self.keys_name)
        except KeySetError as exc:
            raise StreamerError(str(exc)) from None

    def control(self, keyset: KeySetLike, options: StreamOptions) -> Control:
        return cloud_control(self.settings, keyset.name, options)
