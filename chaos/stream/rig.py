"""One running system for a group of stream scenarios.

A rig is the composition (streamer, consumer runner and API as child
processes on the local cloud) streaming from :class:`ChaosFakeX` in this
process, with fault proxies on the paths a scenario may cut:

* the streamer (and the API, which never calls it) reaches Kinesis through
  ``rig.kinesis`` (unreachable, or throttled: partial ``PutRecords`` failures);
* the consumer reaches Kinesis through ``rig.consumer_kinesis`` and DynamoDB
  through ``rig.dynamo``, so the two sides of Kinesis fail independently.

Terms and subscribers are set up before the streamer starts. Scenarios that
can share a system run one after another on one rig, each in its own
measurement :class:`~chaos.stream.window.Window`.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings, env_name
from chalicelib.terms import term_id_for
from chaos.faultproxy import FaultProxy
from chaos.profile import Profile
from chaos.stream.accounting import StoreProbe
from chaos.stream.fakex import ChaosFakeX
from chaos.stream.watchdog import Watchdog
from tools.composition import API, CONSUMER, STREAMER, Composition, CompositionConfig
from tools.composition.keys import ensure_keyset
from tools.localcloud import LocalCloud

KEYS = "chaos-x"
#: Rules, and who follows which (by index): one user per term and one with both.
#: The last term is the one the term scenarios flap; ``dee`` follows it alone.
TERMS: tuple[str, ...] = ("python OR rust", "#golang OR java", "#flap OR kotlin")
FOLLOWERS: dict[str, tuple[int, ...]] = {"ana": (0,), "ben": (1,), "cy": (0, 1), "dee": (2,)}


@dataclass(frozen=True)
class RigOptions:
    #: ``--backfill-minutes`` on every connect (0: only on a lease takeover).
    backfill_minutes: int = 1
    poll_interval: float = 1.0
    keepalive: float = 1.0
    terms: tuple[str, ...] = TERMS
    followers: dict[str, tuple[int, ...]] = field(default_factory=lambda: dict(FOLLOWERS))
    prevent_exit: bool = True


class Rig:
    def __init__(
        self, cloud: LocalCloud, profile: Profile, label: str, options: RigOptions | None = None
    ) -> None:
        self.cloud = cloud
        self.profile = profile
        self.label = label
        self.options = options or RigOptions()
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"chaos-{label}-"))
        prefix = f"x{label.replace('-', '')[:10]}{uuid.uuid4().hex[:6]}".lower()
        self.base_settings = cloud.settings(name_prefix=prefix)
        self.fake = ChaosFakeX(
            rate=profile.rate,
            keepalive=self.options.keepalive,
            rate_limit_window=profile.rate_limit_window,
        )
        self.kinesis = FaultProxy(*_host_port(self.base_settings.kinesis_endpoint))
        self.consumer_kinesis = FaultProxy(*_host_port(self.base_settings.kinesis_endpoint))
        self.dynamo = FaultProxy(*_host_port(self.base_settings.dynamodb_endpoint))
        self.system: Composition | None = None
        self.watchdog: Watchdog | None = None
        self.term_ids = [term_id_for(value) for value in self.options.terms]
        self.subscriptions = {
            user: {self.term_ids[i] for i in indexes}
            for user, indexes in self.options.followers.items()
        }

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> Rig:
        self.fake.start()
        for proxy in self.proxies.values():
            proxy.up()
        opts = self.options
        streamer_args = ("--backfill-minutes", str(opts.backfill_minutes))
        config = CompositionConfig(
            data_dir=self.data_dir,
            x_api_url=self.fake.url,
            keys_name=KEYS,
            poll_interval=opts.poll_interval,
            streamer_args=streamer_args if opts.backfill_minutes else (),
            prevent_exit=opts.prevent_exit,
            consumer_poll_interval=0.5,
            components=(STREAMER, CONSUMER, API),
            env={env_name("kinesis_endpoint"): self.kinesis.url, env_name("log_level"): "INFO"},
        )
        self.system = Composition(config, cloud=self.cloud, settings=self.base_settings)
        self.system.start(prepare=self._prepare)
        # The consumer has proxies of its own.
        self.relaunch(
            CONSUMER,
            {
                env_name("dynamodb_endpoint"): self.dynamo.url,
                env_name("kinesis_endpoint"): self.consumer_kinesis.url,
            },
        )
        self.system.wait_for_state("connected", timeout=60)
        self.watchdog = Watchdog(self.system)
        return self

    def _prepare(self, settings: Settings) -> None:
        ensure_keyset(settings, self.fake.bearer_token, KEYS, "the chaos run's fake X")
        models = bind_models(settings)
        now = datetime.now(UTC)
        for value, term_id in zip(self.options.terms, self.term_ids, strict=True):
            models.terms(
                term_id, value=value, tag=term_id, enabled=True, created_at=now,
                updated_at=now, sync_state="pending",
            ).save()  # fmt: skip
        for user, terms in self.subscriptions.items():
            for term_id in terms:
                models.subscriptions(user, term_id, created_at=now).save()

    def relaunch(self, name: str, env: dict[str, str]) -> None:
        """Restart one component with extra environment (kept for later restarts)."""
        system = self.running
        launch = system.launches[name]
        system.launches[name] = dataclasses.replace(launch, env={**launch.env, **env})
        system.restart(name)

    def stop(self) -> None:
        if self.watchdog is not None:
            self.watchdog.stop()
        if self.system is not None:
            self.system.stop()
        for proxy in self.proxies.values():
            proxy.down()
        self.fake.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Rig:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # fmt: skip
        self.stop()

    # -- while running -----------------------------------------------------
    @property
    def proxies(self) -> dict[str, FaultProxy]:
        return {
            "streamer_kinesis": self.kinesis,
            "consumer_kinesis": self.consumer_kinesis,
            "consumer_dynamodb": self.dynamo,
        }

    @property
    def running(self) -> Composition:
        if self.system is None:
            raise RuntimeError("the rig has not been started")
        return self.system

    @property
    def guard(self) -> Watchdog:
        if self.watchdog is None:
            raise RuntimeError("the rig has not been started")
        return self.watchdog

    @property
    def settings(self) -> Settings:
        return self.running.settings

    def wait_connected(self, timeout: float = 60.0) -> None:
        self.running.wait_for_state("connected", timeout=timeout)

    def wait_sent(self, count: int, timeout: float = 60.0) -> None:
        """Until the fake X has written ``count`` more tweets on connections."""
        target = len(self.fake.engine.ledger) + count
        deadline = time.monotonic() + timeout
        while len(self.fake.engine.ledger) < target:
            self.running.check()
            if time.monotonic() > deadline:
                raise TimeoutError(f"fake X sent fewer than {count} tweets in {timeout} s")
            time.sleep(0.1)

    def wait_caught_up(self, timeout: float, recent: int = 20) -> float | None:
        """Until the last ``recent`` tweets X sent are stored (the pipeline has no backlog
        from an earlier scenario); seconds waited, None if ``timeout`` ran out.

        What X *sent*, not what it published: without backfill, tweets published
        before the streamer connected are never sent, so never stored.
        """
        ledger = self.fake.engine.ledger
        latest = {str(e["id"]) for e in ledger.entries(max(0, len(ledger) - recent))}
        return StoreProbe(self.settings).wait_for(latest, timeout)

    def connections(self) -> int:
        count = self.fake.engine.state()["connections"]
        return count if isinstance(count, int) else 0


def _host_port(url: str | None) -> tuple[str, int]:
    parts = urlsplit(url or "")
    return parts.hostname or "127.0.0.1", parts.port or 80
