"""Figure 1's stream clients, one per process: ``python -m bench.clients VARIANT ...``.

Each client reads the fake X's filtered stream until it has handled
``--tweets`` tweets, then prints one JSON line: tweets, CPU-seconds of the
whole process (every thread: the stream reader, the shipper, tweepy's and
twarc's own threads) and wall seconds, from the connect to the last tweet
flushed, plus peak RSS. Imports happen before the clock starts.

Variants:

* ``batches``: the streamer's path (``RawStream`` -> ``Pipeline`` ->
  ``KinesisSink``) with a Kinesis client that accepts every record at once:
  socket to sealed, compressed, Kinesis-ready records.
* ``kinesis``: the same, shipping to the local Kinesis (``make_sink``).
* ``to-file``: the same front end with the ``--to-file`` sink (``make_sink``).
* ``tweepy``: a plain ``tweepy.StreamingClient`` whose ``on_tweet`` writes
  ``tweet.data`` as a JSON line (tweepy's defaults otherwise).
* ``twarc2``: twarc2's own ``stream`` command (``--limit``), writing JSONL. Its
  host is hard-coded, so its session gets the project's ``RedirectAdapter``
  after each ``connect()``, exactly as the streamer redirects tweepy; twarc's
  logic is untouched.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.harness import peak_rss_mb, profile_text
from streamer.xstream import STREAM_PARAMS
from tools.fakex.engine import DEFAULT_BEARER_TOKEN

VARIANTS = ("batches", "kinesis", "to-file", "tweepy", "twarc2")


class NullKinesis:
    """A Kinesis client that accepts every record: shipping minus the network."""

    def __init__(self) -> None:
        self.records = 0
        self.bytes = 0

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
        self.records += len(Records)
        self.bytes += sum(len(r["Data"]) for r in Records)
        return {"Records": [{"SequenceNumber": "1", "ShardId": "shardId-0"} for _ in Records]}


def run_project(
    variant: str, url: str, tweets: int, out_dir: Path, profile: bool
) -> dict[str, Any]:
    from chalicelib.core.settings import load_settings
    from streamer.assemble import make_pipeline, make_sink
    from streamer.kinesis_sink import KinesisSink
    from streamer.spool import Spool
    from streamer.xstream import RawStream

    settings = load_settings()
    null = NullKinesis()
    if variant == "batches":
        sink: Any = KinesisSink(null, "bench", Spool(out_dir / "spool"))
    elif variant == "kinesis":
        sink, _ = make_sink(settings)
    else:
        sink, _ = make_sink(settings, to_file=out_dir / "tweets.jsonl")
    pipeline = make_pipeline(settings, sink)
    done = threading.Event()
    profiles: list[cProfile.Profile] = []
    if profile and isinstance(sink, KinesisSink):
        shipper = cProfile.Profile()
        profiles.append(shipper)
        run = sink._run
        sink._thread = threading.Thread(target=lambda: shipper.runcall(run), daemon=True)

    def on_line(line: bytes) -> None:
        pipeline.handle(line)
        if pipeline.counters.received >= tweets:
            done.set()

    stream = RawStream(DEFAULT_BEARER_TOKEN, on_line=on_line, base_url=url)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    sink.start()
    reader = cProfile.Profile() if profile else None

    def read() -> None:
        stream.filter(**STREAM_PARAMS)

    thread = threading.Thread(
        target=(lambda: reader.runcall(read)) if reader else read, daemon=True
    )
    thread.start()
    done.wait()
    stream.disconnect()
    thread.join(30)
    sink.close(60)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    if reader is not None:
        profiles.append(reader)
    result: dict[str, Any] = {"tweets": pipeline.counters.received, "cpu_s": cpu, "wall_s": wall}
    if isinstance(sink, KinesisSink):
        result.update(
            records=sink.stats.records,
            shipped=sink.stats.shipped,
            spooled=sink.stats.spooled,
            put_calls=sink.stats.put_calls,
            failed_records=sink.stats.failed_records,
        )
        if variant == "batches":
            result["record_bytes"] = null.bytes
    if profiles:
        result["profile"] = profile_text(profiles)
    return result


def run_tweepy(url: str, tweets: int, out_dir: Path) -> dict[str, Any]:
    import tweepy

    from streamer.redirect import redirect_client

    out = (out_dir / "tweepy.jsonl").open("w")
    count = 0

    class Collector(tweepy.StreamingClient):  # type: ignore[misc]
        def on_tweet(self, tweet: Any) -> None:
            nonlocal count
            out.write(json.dumps(tweet.data) + "\n")
            count += 1
            if count >= tweets:
                self.disconnect()

    client = redirect_client(Collector(DEFAULT_BEARER_TOKEN), url)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    client.filter(**STREAM_PARAMS)
    out.close()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"tweets": count, "cpu_s": cpu, "wall_s": wall}


def run_twarc2(url: str, tweets: int, out_dir: Path) -> dict[str, Any]:
    import twarc  # type: ignore[import-untyped]
    from twarc.command2 import twarc2  # type: ignore[import-untyped]
    from twarc.expansions import (  # type: ignore[import-untyped]
        EXPANSIONS,
        TWEET_FIELDS,
        USER_FIELDS,
    )

    from streamer.redirect import redirect_session

    class Redirected(twarc.Twarc2):  # type: ignore[misc]
        """twarc2's client with the X host redirected to the fake; nothing else changed."""

        def connect(self) -> None:
            super().connect()
            redirect_session(self.client, url)

    twarc.Twarc2 = Redirected
    outfile = out_dir / "twarc2.jsonl"
    args = [
        "--bearer-token", DEFAULT_BEARER_TOKEN, "--log", str(out_dir / "twarc.log"),
        "stream", "--limit", str(tweets),
        # The streamer's fields, less those twarc 2.14 does not know (note_tweet).
        "--expansions", _known(STREAM_PARAMS["expansions"], EXPANSIONS),
        "--tweet-fields", _known(STREAM_PARAMS["tweet_fields"], TWEET_FIELDS),
        "--user-fields", _known(STREAM_PARAMS["user_fields"], USER_FIELDS),
        str(outfile),
    ]  # fmt: skip
    cpu0, wall0 = time.process_time(), time.perf_counter()
    twarc2.main(args=args, standalone_mode=False)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    with outfile.open("rb") as written:
        count = sum(1 for line in written if line.startswith(b'{"data"'))
    return {"tweets": count, "cpu_s": cpu, "wall_s": wall}


def _known(wanted: list[str], known: list[str]) -> str:
    return ",".join(field for field in wanted if field in known)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=VARIANTS)
    parser.add_argument("--url", required=True)
    parser.add_argument("--tweets", type=int, required=True)
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.variant == "tweepy":
        result = run_tweepy(args.url, args.tweets, args.out_dir)
    elif args.variant == "twarc2":
        result = run_twarc2(args.url, args.tweets, args.out_dir)
    else:
        result = run_project(args.variant, args.url, args.tweets, args.out_dir, args.profile)
    result["variant"] = args.variant
    result["peak_rss_mb"] = peak_rss_mb()
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
