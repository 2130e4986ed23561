"""The whole system on one machine: the process composition behind ``streamfeed demo``.

One class starts and supervises every part as a child process on free ports
and stops them all, leaving nothing behind; the demo, the end-to-end tests,
the benchmark and the chaos runs all use it, so they exercise what a
developer runs::

    from tools.composition import Composition, CompositionConfig

    config = CompositionConfig(data_dir=Path("run"), fakex_rate=50, poll_interval=1)
    with Composition(config) as system:          # or system.start() ... system.stop()
        ends = system.endpoints                  # api_url, status_page_url, fakex_url,
                                                 # x_api_url, keys_name, logs_dir, env_file
        admin = system.token("ops", admin=True)  # API tokens, as `streamfeed token` mints
        system.wait_for_state("connected")       # the streamer's status record
        system.fakex.set_faults(Drop(after=10))  # the fake X control API (FakeXClient)
        system.fakex.ledger()                    # every tweet the fake X sent
        system.consumer_totals()                 # stored, feed items, lag (from its EMF)
        system.kill("streamer")                  # SIGKILL one component (chaos) ...
        system.restart("streamer")               # ... and start it again
        system.process("consumer").log_path      # ManagedProcess: pid, alive(), log_tail()
        system.all_pids()                        # every live process it started
        system.settings                          # Settings reaching its stage

Components (``config.components``): ``fake-x`` (``streamfeed fake-x``; only
when ``x_api_url`` is None; its token is stored as key set ``fake-x``),
``streamer`` (``streamfeed stream --prevent-exit``), ``consumer``
(``streamfeed consume``) and ``api`` (``streamfeed api`` when it exists, else
``chalice local``). Logs go to ``data_dir/logs/<component>.log``.

Without ``cloud=`` the composition starts its own :class:`LocalCloud` in
``data_dir`` (and writes ``local.env``); with ``cloud=`` and ``settings=``
it runs one stage (a name prefix) on a cloud someone else owns, which is how
the tests share one cloud. ``x_api_url`` streams from another X (the real one,
or a fake started elsewhere) through the same code path, with ``keys_name``.
``start(prepare=fn)`` calls ``fn(settings)`` after the cloud is up and before
any component starts (the demo seeds its data there). ``tick()`` raises
:class:`CompositionError` when a component died and saves moto's state.
"""

from tools.composition.composition import Composition
from tools.composition.config import (
    API,
    COMPONENTS,
    CONSUMER,
    FAKE_KEYS,
    FAKEX,
    STREAMER,
    CompositionConfig,
    Endpoints,
)
from tools.composition.emf import ConsumerTotals
from tools.composition.readiness import CompositionError, wait_until

__all__ = [
    "API",
    "COMPONENTS",
    "CONSUMER",
    "FAKEX",
    "FAKE_KEYS",
    "STREAMER",
    "Composition",
    "CompositionConfig",
    "CompositionError",
    "ConsumerTotals",
    "Endpoints",
    "wait_until",
]
