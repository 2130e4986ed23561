"""``python -m chaos``: run the scenarios and write RELIABILITY.md (what ``make chaos`` does).

    python -m chaos                       # every scenario, full length (about an hour)
    python -m chaos --profile short       # the CI lengths (written under .streamfeed/chaos/)
    python -m chaos --only x-drops,burst-10x   # some; earlier results of the others are kept
    python -m chaos --list
    python -m chaos --report-only         # re-render RELIABILITY.md from chaos/results.json

Outcomes are saved in ``chaos/results.json`` after every scenario, so an
interrupted run keeps what it measured.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from chaos.cloud import isolate_environment, local_cloud
from chaos.profile import PROFILES
from chaos.report import load_results, render, save_results
from chaos.results import Outcome

if TYPE_CHECKING:
    from chaos.suite import Scenario

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--results", type=Path, help="default: chaos/results.json (full)")
    parser.add_argument("--out", type=Path, help="default: RELIABILITY.md (full)")
    args = parser.parse_args(argv)
    # Only the full run is the record; a short run writes beside the local cloud's data.
    full = args.profile == "full"
    scratch = ROOT / ".streamfeed" / "chaos"
    args.results = args.results or (ROOT / "chaos" / "results.json" if full else
                                    scratch / "results-short.json")  # fmt: skip
    args.out = args.out or (ROOT / "RELIABILITY.md" if full else scratch / "RELIABILITY-short.md")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # SIGTERM stops like Ctrl-C: rigs, composition and the local cloud are cleaned up.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("botocore", "urllib3", "chalicelib", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    isolate_environment()

    from chaos.suite import scenarios  # after the environment is clean

    profile = PROFILES[args.profile]
    available = scenarios(profile)
    if args.list:
        for scenario in available:
            print(scenario.name)
        return 0
    results = load_results(args.results)
    if not args.report_only:
        wanted = {name for name in args.only.split(",") if name}
        unknown = wanted - {s.name for s in available}
        if unknown:
            parser.error(f"unknown scenarios {sorted(unknown)}; see --list")
        chosen = [s for s in available if not wanted or s.name in wanted]
        if not wanted:
            results = {}
        results = _run(chosen, profile.name, results, args.results)
    args.out.write_text(render(results, order=[s.name for s in available]))
    failed = [o.scenario for o in results.values() if not o.passed]
    print(f"wrote {args.out}; {len(results) - len(failed)} passed, {len(failed)} failed {failed}")
    return 1 if failed else 0


def _run(
    chosen: list[Scenario], profile: str, results: dict[str, Outcome], path: Path
) -> dict[str, Outcome]:
    from chaos.runner import run_all

    def keep(outcome: Outcome) -> None:
        results[outcome.scenario] = outcome
        save_results(path, results)
        print(outcome.summary(), flush=True)

    started = time.monotonic()
    with local_cloud() as cloud:
        run_all(cloud, PROFILES[profile], chosen, keep)
    print(f"ran {len(chosen)} scenarios in {time.monotonic() - started:.0f} s", flush=True)
    return results


if __name__ == "__main__":
    sys.exit(main())
