"""What every benchmark shares: scales, results, medians, CPU meters, profiles.

Benchmarks run on shared, noisy 2-core machines, so they measure CPU-seconds of
the process under test where the question is "per core", run the variants they
compare alternately within one run, and report medians and ratios. They print
what they measured and never fail on a number: a goal missed is a line in
BENCHMARKS.md, with a profile of where the time went.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import resource
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(PROJECT_ROOT / ".venv" / "bin" / "python")
STREAMFEED = str(PROJECT_ROOT / ".venv" / "bin" / "streamfeed")


@dataclass(frozen=True)
class Scale:
    """How big each benchmark is; ``full`` is ``make bench``, ``quick`` is ``make bench-quick``."""

    name: str
    #: Figure 1: tweets per client run, and alternating rounds of every client.
    stream_tweets: int
    stream_rounds: int
    #: Figures 2-3 and scaling: tweets in the captured corpus.
    corpus_tweets: int
    consumer_rounds: int
    #: Figure 3: tweets delivered to 10 subscribers per term (a delivery is a slow write).
    fanout_tweets: int
    #: Figure 4: recipients of one fan-out, items in the big feed, page reads.
    fanout_recipients: int
    feed_items: int
    page_reads: int
    #: Figure 5: seconds at ``e2e_rate`` tweets/s.
    e2e_seconds: float
    e2e_rate: float
    #: Figure 6: seconds at 1,000/s, then seconds of the 20,000/s burst.
    steady_seconds: float
    burst_seconds: float
    #: Scaling: tweets replayed into the 4-shard stream, subscriber counts tried.
    scaling_tweets: int
    scaling_subscribers: tuple[int, ...]


FULL = Scale(
    name="full",
    stream_tweets=100_000,
    stream_rounds=3,
    corpus_tweets=20_000,
    consumer_rounds=2,
    fanout_tweets=1_000,
    fanout_recipients=10_000,
    feed_items=100_000,
    page_reads=20,
    e2e_seconds=300.0,
    e2e_rate=1000.0,
    steady_seconds=60.0,
    burst_seconds=20.0,
    scaling_tweets=20_000,
    scaling_subscribers=(0, 10, 1000, 10_000),
)
QUICK = Scale(
    name="quick",
    stream_tweets=10_000,
    stream_rounds=1,
    corpus_tweets=1_000,
    consumer_rounds=1,
    fanout_tweets=100,
    fanout_recipients=500,
    feed_items=2_000,
    page_reads=3,
    e2e_seconds=8.0,
    e2e_rate=1000.0,
    steady_seconds=4.0,
    burst_seconds=3.0,
    scaling_tweets=1_000,
    scaling_subscribers=(0,),
)
#: The test suite's smoke run: every code path, tiny sizes.
SMOKE = replace(
    QUICK,
    name="smoke",
    stream_tweets=2_000,
    corpus_tweets=300,
    fanout_tweets=30,
    fanout_recipients=50,
    feed_items=300,
    page_reads=1,
    e2e_seconds=4.0,
    e2e_rate=200.0,
    steady_seconds=2.0,
    burst_seconds=2.0,
    scaling_tweets=300,
    scaling_subscribers=(0, 10),
)
SCALES = {s.name: s for s in (FULL, QUICK, SMOKE)}


@dataclass
class Row:
    """One measured figure: a value with its unit, and the goal it is held to."""

    measure: str
    value: float | int | str | None
    unit: str = ""
    goal: str = ""
    #: True / False against the goal; None when there is no goal.
    met: bool | None = None


@dataclass
class Figure:
    """One benchmark's result: rows for the table, notes and profiles for the reader."""

    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    def add(self, measure: str, value: float | int | str | None, unit: str = "", **kw: Any) -> Row:
        row = Row(measure, value, unit, **kw)
        self.rows.append(row)
        return row

    def note(self, text: str) -> None:
        self.details.append(text)

    @property
    def missed(self) -> bool:
        return any(row.met is False for row in self.rows)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        rows = [Row(**row) for row in data.pop("rows", [])]
        return cls(rows=rows, **data)


def save_figures(figures: Iterable[Figure], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([f.to_json() for f in figures], indent=1))


def load_figures(path: Path) -> list[Figure]:
    return [Figure.from_json(item) for item in json.loads(path.read_text())]


def median(values: Iterable[float]) -> float:
    data = list(values)
    return statistics.median(data) if data else float("nan")


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0-100) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def alternate(rounds: int, variants: list[str]) -> Iterator[tuple[int, str]]:
    """(round, variant) pairs: every variant once per round, order rotated each round.

    Rotating spreads slow moments of a shared machine over all variants
    instead of always hitting the one that runs at the same point of a round.
    """
    for number in range(rounds):
        shift = number % len(variants)
        for variant in variants[shift:] + variants[:shift]:
            yield number, variant


@dataclass
class Meter:
    """CPU-seconds (every thread of this process) and wall seconds of a block."""

    cpu: float = 0.0
    wall: float = 0.0


@contextmanager
def metered() -> Iterator[Meter]:
    meter = Meter()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        yield meter
    finally:
        meter.cpu = time.process_time() - cpu0
        meter.wall = time.perf_counter() - wall0


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's peak resident set size so far, in MiB.

    From ``VmHWM`` in ``/proc``: ``getrusage``'s ``ru_maxrss`` survives
    ``exec``, so a child would report its parent's peak when that is higher.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def profile_text(profiles: Iterable[cProfile.Profile], top: int = 18) -> str:
    """The ``top`` entries by cumulative and by own time, merged over ``profiles``."""
    items = list(profiles)
    if not items:
        return ""
    out = io.StringIO()
    stats = pstats.Stats(items[0], stream=out)
    for more in items[1:]:
        stats.add(more)
    stats.strip_dirs()
    out.write(f"-- top {top} by own time (tottime) --\n")
    stats.sort_stats("tottime").print_stats(top)
    out.write(f"-- top {top} by cumulative time --\n")
    stats.sort_stats("cumulative").print_stats(top)
    return _trim_profile(out.getvalue())


def _trim_profile(text: str) -> str:
    """Drop pstats' preamble lines (file names, 'Ordered by'), keep the tables."""
    keep = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("Ordered by", "List reduced")):
            continue
        keep.append(line.rstrip())
    return "\n".join(keep)


def profiled(function: Callable[[], Any]) -> tuple[Any, cProfile.Profile]:
    profile = cProfile.Profile()
    result = profile.runcall(function)
    return result, profile


def fmt(value: float | int | str | None, digits: int = 3) -> str:
    """Numbers for tables: thousands separators, ``digits`` significant figures."""
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if value != value:  # NaN
        return "n/a"
    if isinstance(value, int) or (abs(value) >= 100 and float(value).is_integer()):
        return f"{int(value):,}"
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def log(message: str) -> None:
    """Progress on stderr, so ``make bench`` shows what it is doing."""
    stamp = time.strftime("%H:%M:%S")
    print(f"[bench {stamp}] {message}", flush=True, file=_stderr())


def _stderr() -> Any:
    import sys

    return sys.stderr


def env_without_proxies() -> dict[str, str]:
    """The environment for child processes: loopback only, never through a proxy."""
    env = dict(os.environ)
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(key, None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env
