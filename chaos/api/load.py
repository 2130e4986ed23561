"""Concurrent clients on the API, reads and writes mixed, two ways:

* **in process, through the Lambda handlers**: each client is a process of its
  own (a warm Lambda container serves one request at a time, and Chalice's
  ``app.current_request`` is per process), driving the app with Chalice's
  local gateway: the authorizer function, then the route function;
* **over HTTP**, through the local API server the composition runs.

Every answer must be the operation's success status; afterwards each user's
feed must hold exactly the items the clients added to it. Latencies are
reported per operation.
"""

from __future__ import annotations

import json
import multiprocessing
import statistics
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from chalicelib.core.settings import Settings
from chaos.api.transport import Http, InProcess, Transport, installed
from chaos.api.world import World, build_world, call, local_runtime
from chaos.results import Outcome

#: (operation, caller, method, path, body, success status). ``{u}`` is the client's user.
Step = tuple[str, str, str, str, Any, int]


def plan(world: World, user: str, n: int) -> list[Step]:
    """``n`` requests for one client: two thirds reads, one third writes."""
    other = world.terms["#other"]
    tweet = world.tweet_ids[0]
    cycle: list[Step] = [
        ("readFeed", user, "GET", "/users/me/feed?limit=20", None, 200),
        ("subscribe", user, "PUT", f"/users/me/subscriptions/{other}", None, 0),
        ("listSubscriptions", user, "GET", "/users/me/subscriptions", None, 200),
        ("addFeedItem", "service", "POST", f"/users/{user}/feed", {"content": "load"}, 201),
        # While subscribed: a user reads only the timelines of the terms they follow.
        ("listTermTweets", user, "GET", f"/terms/{other}/tweets?limit=10", None, 200),
        ("unsubscribe", user, "DELETE", f"/users/me/subscriptions/{other}", None, 204),
        ("getTweet", user, "GET", f"/tweets/{tweet}", None, 200),
        ("getMe", user, "GET", "/me", None, 200),
        ("addFeedItems", "admin", "POST", "/feed-items", {"user_ids": [user], "content": "x"}, 201),
    ]
    return [cycle[i % len(cycle)] for i in range(n)]


@dataclass
class Result:
    op: str
    user: str
    status: int
    expected: int
    seconds: float


def run_client(transport: Transport, world: World, user: str, steps: list[Step]) -> list[Result]:
    results = []
    for op, who, method, path, body, expected in steps:
        started = time.perf_counter()
        reply = call(transport, world, who, method, path, body)
        seconds = time.perf_counter() - started
        results.append(Result(op, user, reply.status, expected, seconds))
    return results


def _in_process_worker(
    args: tuple[dict[str, Any], dict[str, Any], str, list[Step]],
) -> list[Result]:
    """One Lambda container: the app in a fresh process, one request at a time."""
    settings_data, world_data, user, steps = args
    settings = Settings.model_validate(settings_data)
    world = World(settings, world_data["key"].encode("latin-1"), world_data["terms"],
                  world_data["cursors"], world_data["tweet_ids"])  # fmt: skip
    with installed(local_runtime(settings)):
        return run_client(InProcess(), world, user, steps)


def _warm() -> None:
    """A container's cold start: import the app before the clock starts."""
    import app  # noqa: F401


def _warm_wait(_: int) -> None:
    time.sleep(0.2)


def run(settings: Settings, api_url: str | None, clients: int, requests_each: int) -> Outcome:
    outcome = Outcome("api-load", f"{clients} concurrent clients, reads and writes mixed")
    started = time.monotonic()
    with installed(local_runtime(settings)):
        world = build_world(settings, InProcess())
    users = [f"load{i}" for i in range(clients)]
    plans = {user: plan(world, user, requests_each) for user in users}
    by_way: dict[str, list[Result]] = {}
    world_data = {"key": world.key.decode("latin-1"), "terms": world.terms,
                  "cursors": world.cursors, "tweet_ids": world.tweet_ids}  # fmt: skip
    context = multiprocessing.get_context("spawn")
    wall: dict[str, float] = {}
    with context.Pool(clients, initializer=_warm) as pool:
        jobs = [(settings.model_dump(), world_data, u, plans[u]) for u in users]
        pool.map(_warm_wait, range(clients), chunksize=1)  # every container warm first
        began = time.perf_counter()
        by_way["in-process (Lambda handlers)"] = [
            r for rs in pool.map(_in_process_worker, jobs, chunksize=1) for r in rs
        ]
        wall["in-process (Lambda handlers)"] = time.perf_counter() - began
    if api_url is not None:
        http = Http(api_url)
        collected: list[list[Result]] = [[] for _ in users]
        threads = [
            threading.Thread(target=lambda i=i, u=u: collected[i].extend(
                run_client(http, world, u, plans[u])))
            for i, u in enumerate(users)
        ]  # fmt: skip
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall["HTTP (local API server)"] = time.perf_counter() - began
        by_way["HTTP (local API server)"] = [r for rs in collected for r in rs]
    _judge(outcome, world, by_way, wall, users, InProcess())
    outcome.seconds = round(time.monotonic() - started, 1)
    return outcome


def _ok(result: Result) -> bool:
    if result.expected == 0:  # subscribe: 201 new, 200 already there
        return result.status in (200, 201)
    return result.status == result.expected


def _judge(
    outcome: Outcome, world: World, by_way: dict[str, list[Result]], wall: dict[str, float],
    users: list[str], transport: Transport,
) -> None:  # fmt: skip
    summary: dict[str, Any] = {}
    for way, results in by_way.items():
        errors = [r for r in results if not _ok(r)]
        per_op: dict[str, list[float]] = defaultdict(list)
        for r in results:
            per_op[r.op].append(r.seconds * 1000)
        summary[way] = {
            "requests": len(results),
            "errors": len(errors),
            "error_statuses": dict(Counter(f"{r.op}:{r.status}" for r in errors)),
            "requests_per_s": round(len(results) / max(wall[way], 1e-9), 1),
            "latency_ms": {op: _stats(v) for op, v in sorted(per_op.items())},
            "all_ms": _stats([r.seconds * 1000 for r in results]),
        }
        outcome.check(f"{way}: no errors", not errors, json.dumps(summary[way]["error_statuses"]))
    outcome.counts["load"] = summary
    added: Counter[str] = Counter()
    for results in by_way.values():
        for r in results:
            if r.op in ("addFeedItem", "addFeedItems") and _ok(r):
                added[r.user] += 1
    feeds = _feed_counts(world, users, transport)
    outcome.counts["feed_items_added"] = sum(added.values())
    wrong = {u: (feeds[u], added[u]) for u in users if feeds[u] != (added[u], added[u])}
    outcome.check(
        "every item a client added is in its user's feed, once",
        not wrong, f"user: ((items, distinct), added): {wrong}",
    )  # fmt: skip


def _feed_counts(
    world: World, users: list[str], transport: Transport
) -> dict[str, tuple[int, int]]:
    """Per user: (items in the feed, distinct item ids)."""
    counts: dict[str, tuple[int, int]] = {}
    with installed(local_runtime(world.settings)):
        for user in users:
            seen: Counter[str] = Counter()
            cursor = None
            while True:
                path = "/users/me/feed?limit=100" + (f"&cursor={cursor}" if cursor else "")
                page = json.loads(call(transport, world, user, "GET", path).body)
                seen.update(item["id"] for item in page["items"])
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            counts[user] = (sum(seen.values()), len(seen))
    return counts


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50": pick(0.5), "p95": pick(0.95), "p99": pick(0.99), "max": round(ordered[-1], 1),
            "mean": round(statistics.fmean(ordered), 1), "n": len(ordered)}  # fmt: skip
