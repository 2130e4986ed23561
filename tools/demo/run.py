"""``streamfeed demo``: the whole system on this machine, until Ctrl-C.

Steps: start the local cloud; decide which X to stream from (fake unless a
real key set is stored or one is asked for); seed the demo data on the first
run; start fake X, streamer, consumer runner and API (the composition); print
where everything is, two tokens and three curls; then refresh a one-line
summary until Ctrl-C or SIGTERM, which stop everything and exit 0.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from chalicelib import terms
from chalicelib.core import keysets
from chalicelib.core.keysets.service import stored_default
from chalicelib.core.settings import Settings
from tools.composition import Composition, CompositionConfig, Endpoints
from tools.composition.keys import ensure_keyset
from tools.demo import seed as demo_seed
from tools.demo.banner import BannerFacts, render
from tools.demo.summary import Rates, sample
from tools.demo.summary import render as render_summary
from tools.demo.xsource import CLI_KEYS, XChoice, choose_x
from tools.stopsignal import Stopped, signals_ignored, sigterm_raises

TOKEN_HOURS = 12


@dataclass(frozen=True)
class DemoOptions:
    data_dir: Path
    api_port: int = 8000
    fakex_port: int = 0
    dynamodb_port: int = 0
    kinesis_port: int = 0
    moto_port: int = 0
    rate: float = 5.0
    poll_interval: float = 2.0
    x_api_url: str | None = None
    keys: str | None = None
    #: A bearer token read from a file (or stdin), stored as key set ``demo-x``.
    bearer_token: str | None = None
    to_file: Path | None = None
    timeout: float = 90.0
    #: Seconds between summary lines (None: 1 on a terminal, 5 otherwise).
    summary_every: float | None = None
    #: ``fanout``, ``shared`` or ``redis`` (None: STREAMFEED_FEED_BACKEND's).
    feed_backend: str | None = None


def choose(settings: Settings, options: DemoOptions) -> XChoice:
    """Store ``--bearer-token-file``'s token if given, then pick the X (see ``xsource``)."""
    if options.bearer_token is not None:
        note = "stored by streamfeed demo --bearer-token-file"
        ensure_keyset(settings, options.bearer_token, CLI_KEYS, note)
    stored = [keyset.name for keyset in keysets.list_keysets(settings)]
    return choose_x(
        x_api_url=options.x_api_url,
        keys=options.keys,
        token_given=options.bearer_token is not None,
        stored=stored,
        stored_default=settings.default_keys or stored_default(settings),
        settings_x_api_url=settings.x_api_url,
    )


def _syntax_only() -> tuple[None, str]:
    return None, "demo seed: checked locally"


def run_demo(options: DemoOptions, out: TextIO = sys.stdout) -> None:
    """Run until Ctrl-C or SIGTERM. Raises CompositionError/LocalCloudError/XChoiceError."""
    began = time.monotonic()
    with sigterm_raises():
        _run(options, began, out)
    print(f"stopped; data kept in {options.data_dir}", file=out, flush=True)


def _run(options: DemoOptions, began: float, out: TextIO) -> None:
    config = CompositionConfig(
        data_dir=options.data_dir,
        api_port=options.api_port,
        fakex_port=options.fakex_port,
        dynamodb_port=options.dynamodb_port,
        kinesis_port=options.kinesis_port,
        moto_port=options.moto_port,
        fakex_rate=options.rate,
        poll_interval=options.poll_interval,
        streamer_args=("--to-file", str(options.to_file)) if options.to_file else (),
        start_timeout=options.timeout,
        feed_backend=options.feed_backend,
    )
    system = Composition(config)
    try:
        settings = system.start_cloud()
        choice = choose(settings, options)
        system.reconfigure(x_api_url=choice.x_api_url, keys_name=choice.keys_name)
        report: list[demo_seed.SeedReport] = []
        if choice.fake:
            system.start(prepare=lambda s: report.append(demo_seed.seed(s, _syntax_only)))
        else:
            system.start()
        ends = system.endpoints
        assert ends is not None
        _print_banner(system, ends, choice, bool(report and report[0].seeded), began, out)
        _watch(system, options, began, out)
    except (KeyboardInterrupt, Stopped):
        pass
    finally:
        with signals_ignored():
            if system.processes:
                print("\nstopping…", file=out, flush=True)
            system.stop()


def _print_banner(
    system: Composition,
    ends: Endpoints,
    choice: XChoice,
    seeded_now: bool,
    began: float,
    out: TextIO,
) -> None:
    settings = system.settings
    ttl = TOKEN_HOURS * 3600
    if choice.fake:
        x = f"fake X at {ends.fakex_url}, {system.config.fakex_rate:g} matching tweets/s"
    else:
        x = f"{ends.x_api_url} with key set {choice.keys_name} ({choice.reason})"
    if system.config.streamer_args:
        x += f"; the streamer writes to {' '.join(system.config.streamer_args[1:])}"
    feeds = settings.feed_backend
    where = f" on the local valkey-server {settings.redis_url}" if feeds == "redis" else ""
    feeds += where or " (DynamoDB)"
    facts = BannerFacts(
        endpoints=ends,
        x_description=x,
        feeds_description=feeds,
        admin_user=demo_seed.DEMO_ADMIN,
        admin_token=system.token(demo_seed.DEMO_ADMIN, admin=True, ttl=ttl),
        user=demo_seed.DEMO_USER,
        user_token=system.token(demo_seed.DEMO_USER, ttl=ttl),
        token_hours=TOKEN_HOURS,
        new_term=demo_seed.next_extra_term(settings),
        seeded_now=seeded_now,
        terms=[t.value for t in terms.list_terms(settings) if t.enabled],
        started_in=time.monotonic() - began,
    )
    lines = render(facts)
    if not choice.fake and not demo_seed.seeded(settings):
        lines.insert(1, "(no demo data is seeded when streaming from another X: add terms)")
    print("\n".join(lines) + "\n", file=out, flush=True)


def _watch(system: Composition, options: DemoOptions, began: float, out: TextIO) -> None:
    tty = out.isatty()
    every = options.summary_every or (1.0 if tty else 5.0)
    rates = Rates()
    since = datetime.now(UTC) - timedelta(seconds=time.monotonic() - began)
    last_print = 0.0
    while True:
        system.tick()
        now = time.monotonic()
        record = system.stream_status()
        totals = system.consumer_totals()
        rates.add(sample(now, record, totals, system.config.poll_interval, since))
        if now - last_print >= every:
            line = render_summary(rates, time.strftime("%H:%M:%S"))
            if tty:
                print("\r" + line + "\x1b[K", end="", file=out, flush=True)
            else:
                print(line, file=out, flush=True)
            last_print = now
        time.sleep(min(1.0, every))
