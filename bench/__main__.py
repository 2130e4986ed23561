"""``python -m bench``: run the benchmarks and write BENCHMARKS.md.

    python -m bench                       # full run (make bench), writes BENCHMARKS.md
    python -m bench --scale quick         # make bench-quick: under two minutes
    python -m bench --only 2,3 --out /tmp/b.md
    python -m bench --only 5 --merge BENCHMARKS.md   # re-run figure 5, keep the others

A figure that crashes is reported (and makes the exit status 1, which is what
the smoke test watches); a figure that misses its goal is only reported.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import report
from bench.cloud import BenchCloud
from bench.context import Context
from bench.harness import PROJECT_ROOT, SCALES, Figure, load_figures, log, save_figures
from bench.report import WRITTEN
from tools.localcloud import LocalCloud

Runner = Callable[[Context], Figure]


#: Figure key -> the module that measures it, in the order they run (the cost model last,
#: since it prices what the others measured).
FIGURES = {
    "2": "bench.shipping",
    "3": "bench.consumer_cost",
    "3b": "bench.latency",
    "3c": "bench.delivery",
    "3d": "bench.hot_terms",
    "4": "bench.feeds_bench",
    "4b": "bench.feed_backends",
    "1": "bench.streamer_throughput",
    "6": "bench.memory",
    "5": "bench.end_to_end",
    "5b": "bench.feed_latency",
    "8": "bench.cold_import",
    "scaling": "bench.scaling",
    "7": "bench.cost_model",
}


def runner_for(key: str) -> Runner:
    run: Runner = importlib.import_module(FIGURES[key]).run
    return run


def run_all(
    scale_name: str,
    only: set[str] | None,
    work: Path,
    cloud: LocalCloud | None = None,
) -> list[Figure]:
    scale = SCALES[scale_name]
    results: list[Figure] = []
    if not [key for key in FIGURES if not only or key in only]:
        return results  # --only none: merge earlier results only
    data_dir = None if cloud is not None else PROJECT_ROOT / ".streamfeed" / "bench" / "cloud"
    with BenchCloud(cloud, data_dir) as bench_cloud:
        ctx = Context(scale, bench_cloud, work)
        for key in FIGURES:
            if only and key not in only:
                continue
            log(f"figure {key}: start ({scale.name})")
            started, load = time.perf_counter(), os.getloadavg()[0]
            try:
                figure = runner_for(key)(ctx)
            except Exception as exc:
                traceback.print_exc()
                error = f"{type(exc).__name__}: {exc}"
                dead = bench_cloud.dead_server()
                figure = Figure(key, f"figure {key}", error=error + (f" ({dead})" if dead else ""))
            bench_cloud.release()
            figure.seconds = time.perf_counter() - started
            figure.note(
                f"_Machine load (1-minute average) {load:.1f} at the start, "
                f"{os.getloadavg()[0]:.1f} at the end: other work shares the 2 cores._"
            )
            log(f"figure {key}: done in {figure.seconds:.1f} s")
            for row in figure.rows:
                mark = {True: "met", False: "MISSED", None: ""}[row.met]
                log(f"  {row.measure}: {row.value} {row.unit} {row.goal} {mark}")
            results.append(figure)
    return results


def merge(paths: list[Path], fresh: list[Figure], elapsed: float) -> tuple[list[Figure], str]:
    """Earlier results (JSON or reports) and ``fresh`` ones; a note saying where each is from."""
    kept: dict[str, tuple[Figure, str]] = {}
    for path in paths:
        if path.suffix == ".md":
            text = path.read_text()
            figures = report.parse(text)
            written = WRITTEN.search(text)
            origin = f"`{path.name}`" + (
                f" (written {written.group(1)} at commit `{written.group(2)}`)" if written else ""
            )
        else:
            figures, origin = load_figures(path), f"`{path.name}`"
        for figure in figures:
            kept[figure.key] = (figure, origin)
    keys = {f.key for f in fresh}
    earlier = [(f, origin) for key, (f, origin) in kept.items() if key not in keys]
    sources: dict[str, list[str]] = {}
    for figure, origin in earlier:
        sources.setdefault(origin, []).append(figure.key)
    parts = [
        f"figure{'s' if len(k) > 1 else ''} {', '.join(k)} from {origin}"
        for origin, k in sources.items()
    ]
    note = "Merged from earlier runs: " + "; ".join(parts) + "."
    if fresh:
        note = (
            f"Figure{'s' if len(keys) > 1 else ''} {', '.join(sorted(keys))} re-run alone "
            f"({elapsed / 60:.1f} minutes). " + note
        )
    return [f for f, _ in earlier] + fresh, note


def main(argv: list[str] | None = None, cloud: LocalCloud | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument(
        "--only", default="", help="comma-separated figure keys (1-7, scaling; none: merge only)"
    )
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "BENCHMARKS.md")
    parser.add_argument("--work", type=Path, default=None, help="where corpora and logs go")
    parser.add_argument(
        "--merge",
        type=Path,
        action="append",
        default=[],
        help="results of an earlier run (its JSON, or the BENCHMARKS.md it wrote): keep its "
        "figures, replace the ones run now; repeat it, later files replacing earlier ones",
    )
    args = parser.parse_args(argv)
    only = {k.strip() for k in args.only.split(",") if k.strip()} or None
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(key, "bench")  # the emulators take any; never real ones
    # The emulators are Node processes, and a long run holds a lot in them: in the 5-minute
    # end-to-end run kinesis-mock keeps every record (about 1 GiB peak RSS without
    # persistence, see bench/cloud.py) and dynalite grows past 2 GiB RSS. kinesis-mock
    # died in an earlier run (persisting then), most likely at Node's default heap limit.
    # The local cloud's children inherit this environment.
    os.environ.setdefault("NODE_OPTIONS", "--max-old-space-size=8192")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="streamfeed-bench-work-") as tmp:
        work = args.work or Path(tmp)
        results = run_all(args.scale, only, work, cloud)
    elapsed = time.perf_counter() - started
    note = None
    fresh = list(results)  # SCALING.md is only rewritten by a scaling run, not a merge
    if args.merge:
        results, note = merge(args.merge, results, elapsed)
    default_out = args.out.resolve() == (PROJECT_ROOT / "BENCHMARKS.md").resolve()
    raw = PROJECT_ROOT / ".streamfeed" / "bench" / "full.json" if default_out else None
    save_figures(results, raw or args.out.with_suffix(".json"))
    total = sum(f.seconds for f in results) if args.merge else elapsed
    text = report.render(results, scale=args.scale, elapsed=total, note=note)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(report.summary_table(results))
    if (
        default_out
        and args.scale == "full"
        and report.update_scaling(PROJECT_ROOT / "SCALING.md", fresh)
    ):
        log("updated the measured section of SCALING.md")
    log(f"wrote {args.out} ({elapsed:.0f} s in all)")
    return 1 if any(f.error for f in results) else 0


if __name__ == "__main__":
    sys.exit(main())
