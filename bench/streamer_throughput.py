"""Figure 1: streamer throughput against twarc2, plain tweepy and ``--to-file``.

The fake X runs at full speed in its own process; each client runs in its own
process (``bench.clients``) and reports its CPU-seconds, so "tweets per
CPU-second" is what one core does, whatever else the shared machine is busy
with. Clients alternate within the run (rotated order per round); the table
gives medians and ratios to twarc2.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any, Final

from bench.cloud import FakeXProcess
from bench.context import Context
from bench.harness import PROJECT_ROOT, PYTHON, Figure, alternate, fmt, log, median

#: Figure 1's clients, in table order.
CLIENTS: Final = ("batches", "kinesis", "to-file", "tweepy", "twarc2")
LABELS: Final = {
    "batches": "streamfeed: socket -> Kinesis-ready batches",
    "kinesis": "streamfeed: socket -> local Kinesis",
    "to-file": "streamfeed --to-file",
    "tweepy": "tweepy StreamingClient.on_tweet -> JSONL",
    "twarc2": "twarc2 stream -> JSONL",
}
GOAL_PER_CORE: Final = 20_000
GOAL_RATIO: Final = 3.0
#: Shards of the stream the ``kinesis`` client writes to: enough bytes/s for full speed.
SHARDS: Final = 16


def run_client(
    ctx: Context, variant: str, url: str, env: dict[str, str], label: str, profile: bool = False
) -> dict[str, Any]:
    out_dir = ctx.folder(f"fig1/{label}")
    command = [PYTHON, "-m", "bench.clients", variant, "--url", url,
               "--tweets", str(ctx.scale.stream_tweets), "--out-dir", str(out_dir)]  # fmt: skip
    if profile:
        command.append("--profile")
    env = {**env, "STREAMFEED_LOCAL_DIR": str(out_dir), "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"client {variant} failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(ctx: Context) -> Figure:
    figure = Figure("1", "Streamer throughput (fake X at full speed)")
    settings = ctx.cloud.stage(shards=SHARDS)
    env = ctx.cloud.env(settings)
    results: dict[str, list[dict[str, Any]]] = {c: [] for c in CLIENTS}
    with FakeXProcess(rate=1_000_000) as fake:
        fake.add_rules()
        for number, variant in alternate(ctx.scale.stream_rounds, list(CLIENTS)):
            fake.wait_closed()
            result = run_client(ctx, variant, fake.url, env, f"r{number}-{variant}")
            log(
                f"fig 1 round {number} {variant}: {result['tweets'] / result['cpu_s']:,.0f} "
                f"tweets/CPU-s, {result['tweets'] / result['wall_s']:,.0f} tweets/s wall"
            )
            results[variant].append(result)
        per_core = {c: median(r["tweets"] / r["cpu_s"] for r in results[c]) for c in CLIENTS}
        wall = {c: median(r["tweets"] / r["wall_s"] for r in results[c]) for c in CLIENTS}
        missed = per_core["batches"] < GOAL_PER_CORE or (
            per_core["batches"] < GOAL_RATIO * per_core["twarc2"]
        )
        if missed:
            fake.wait_closed()
            profiled = run_client(ctx, "batches", fake.url, env, "profile", profile=True)
            figure.profiles["streamfeed: socket -> batches (reader + shipper threads)"] = (
                profiled.get("profile", "")
            )
    twarc = per_core["twarc2"]
    for client in CLIENTS:
        goal, met = "", None
        if client == "batches":
            goal, met = f">= {GOAL_PER_CORE:,}", per_core[client] >= GOAL_PER_CORE
        figure.add(f"{LABELS[client]}: tweets per CPU-second", per_core[client], "tweets/CPU-s",
                   goal=goal, met=met)  # fmt: skip
    ratio = per_core["batches"] / twarc
    figure.add("streamfeed (batches) vs twarc2, tweets per CPU-second", ratio, "x",
               goal=f">= {GOAL_RATIO:g}x", met=ratio >= GOAL_RATIO)  # fmt: skip
    figure.add("streamfeed (local Kinesis) vs twarc2, tweets per CPU-second",
               per_core["kinesis"] / twarc, "x")  # fmt: skip
    _details(ctx, figure, results, per_core, wall)
    ctx.units["streamer_tweets_per_cpu_s"] = per_core["kinesis"]
    return figure


def _details(
    ctx: Context,
    figure: Figure,
    results: dict[str, list[dict[str, Any]]],
    per_core: dict[str, float],
    wall: dict[str, float],
) -> None:
    rounds = ctx.scale.stream_rounds
    figure.note(
        f"{ctx.scale.stream_tweets:,} tweets per client run, {rounds} alternating rounds; "
        "medians. CPU-seconds are the client process's (all its threads), from connect to "
        "the last tweet flushed; the fake X runs in its own process."
    )
    table = ["| client | tweets/CPU-s | vs twarc2 | tweets/s (wall) | peak RSS MB |",
             "|---|---|---|---|---|"]  # fmt: skip
    for client in CLIENTS:
        rss = median(r["peak_rss_mb"] for r in results[client])
        table.append(
            f"| {LABELS[client]} | {fmt(per_core[client])} | "
            f"{per_core[client] / per_core['twarc2']:.2f}x | {fmt(wall[client])} | {fmt(rss)} |"
        )
    figure.note("\n".join(table))
    kinesis = results["kinesis"]
    records = sum(r.get("records", 0) for r in kinesis)
    shipped = sum(r.get("shipped", 0) for r in kinesis)
    spooled = sum(r.get("spooled", 0) for r in kinesis)
    figure.note(
        f"local Kinesis ({SHARDS} shards): {shipped:,} tweets in {records:,} records "
        f"({shipped / max(records, 1):,.0f} tweets/record), {spooled:,} spooled. Wall rates "
        "are bounded by the fake X and the emulators sharing the same 2 cores."
    )
    figure.note(
        "Same lines for every client: the streamer's expansions and fields (twarc2 "
        "2.14 does not know `note_tweet`, so it is left out of twarc2's request). "
        "twarc2 runs its own `stream` command with its defaults (`__twarc` metadata, INFO "
        "log per tweet); tweepy uses its defaults (512-byte reads, objects per tweet)."
    )
