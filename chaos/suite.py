"""Every scenario, in run order, with what it needs and which profiles run it.

Stream scenarios share rigs (one running system each) by ``rig`` name and run
one after another on it; API scenarios get a stage of their own. The test
suite and ``make chaos`` both take their list from here, so CI runs a short
version of exactly these scenarios.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from chalicelib.core.settings import Settings
from chaos.api import fuzz, hostile, load
from chaos.profile import Profile
from chaos.results import Outcome
from chaos.stream import awsfaults, burst, combined, poison, processes, terms, xfaults
from chaos.stream.rig import Rig, RigOptions
from tools.composition import API, Composition, CompositionConfig
from tools.fakex.problems import DISCONNECT_TYPES
from tools.localcloud import LocalCloud
from tools.localcloud.bootstrap import bootstrap

RIGS: dict[str, RigOptions] = {
    "main": RigOptions(backfill_minutes=1),
    "no-backfill": RigOptions(backfill_minutes=0),
    # A 429 can mean waiting for X's 15-minute window: give backfill its maximum.
    "max-backfill": RigOptions(backfill_minutes=5),
}


@dataclass
class Context:
    cloud: LocalCloud
    profile: Profile
    rigs: dict[str, Rig] = field(default_factory=dict)

    def rig(self, name: str) -> Rig:
        if name not in self.rigs:
            rig = Rig(self.cloud, self.profile, name, RIGS[name])
            try:
                rig.start()
            except BaseException:
                rig.stop()
                raise
            self.rigs[name] = rig
        return self.rigs[name]

    def stage(self, label: str) -> Settings:
        settings = self.cloud.settings(name_prefix=f"c{label[:8]}{uuid.uuid4().hex[:8]}".lower())
        bootstrap(settings)
        return settings

    def drop_rig(self, name: str) -> None:
        rig = self.rigs.pop(name, None)
        if rig is not None:
            rig.stop()

    def close(self) -> None:
        for rig in self.rigs.values():
            rig.stop()
        self.rigs.clear()


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[[Context], Outcome]
    #: The rig it runs on (None: an API scenario with a stage of its own).
    rig: str | None = "main"
    profiles: tuple[str, ...] = ("full", "short")


def _api_load(ctx: Context) -> Outcome:
    stage = ctx.stage("apiload")
    config = CompositionConfig(data_dir=ctx.cloud.config.data_dir / f"api-{stage.prefix}",
                               components=(API,))  # fmt: skip
    with Composition(config, cloud=ctx.cloud, settings=stage) as system:
        assert system.endpoints is not None
        return load.run(
            stage, system.endpoints.api_url, ctx.profile.api_clients, ctx.profile.api_requests
        )


def _steps(profile: Profile) -> list[tuple[str, Callable[[Rig], Outcome]]]:
    """The main rig's scenarios, in order: name and body."""
    p = profile
    kinds = DISCONNECT_TYPES[: p.disconnect_types]
    steps: list[tuple[str, Callable[[Rig], Outcome]]] = [
        ("baseline", combined.baseline),
        ("x-drops", lambda r: xfaults.drops(r, times=p.drops)),
        ("x-disconnects", lambda r: xfaults.disconnects(r, kinds)),
        ("x-503-storm", lambda r: xfaults.connect_errors(r, 503, p.storm_503)),
        ("x-stall", lambda r: xfaults.stall(r, p.stall_seconds)),
        ("x-bad-lines", xfaults.bad_lines),
        ("x-duplicates", lambda r: xfaults.duplicates(r, p.duplicates)),
    ]
    for n, seconds in enumerate(p.kinesis_outages):
        name = "kinesis-outage" if n == 0 else f"kinesis-outage-{seconds / 60:g}min"
        steps.append((name, _outage(seconds, name)))
    steps += [
        (
            "kinesis-outage-consumer",
            lambda r: awsfaults.kinesis_outage_consumer(r, p.kinesis_outages[0]),
        ),
        ("kinesis-throttle", lambda r: awsfaults.kinesis_throttle(r, p.kinesis_throttle_seconds)),
        ("dynamodb-outage", lambda r: awsfaults.dynamo_outage(r, p.dynamo_outage)),
        ("dynamodb-throttle", lambda r: awsfaults.dynamo_throttle(r, p.dynamo_throttle_seconds)),
        ("poison-records", poison.poison_records),
        (
            "streamer-sigkill-restart",
            lambda r: processes.streamer_sigkill_restart(r, p.restart_after),
        ),
        ("streamer-sigkill-standby", processes.streamer_sigkill_standby),
        ("streamer-sigterm", lambda r: processes.streamer_sigterm(r, p.restart_after)),
        ("consumer-sigkill", lambda r: processes.consumer_sigkill(r, p.restart_after)),
        ("term-flap", lambda r: terms.term_flap(r, p.term_flaps)),
        ("term-churn", lambda r: terms.term_churn(r, p.term_changes, p.term_change_rate)),
        ("burst-10x", lambda r: burst.burst(r, p.burst_seconds, p.burst_factor)),
        ("combined", lambda r: combined.combined(r, p.kinesis_throttle_seconds)),
    ]
    return steps


def _outage(seconds: float, name: str) -> Callable[[Rig], Outcome]:
    return lambda rig: awsfaults.kinesis_outage(rig, seconds, name)


def _on(rig: str, body: Callable[[Rig], Outcome]) -> Callable[[Context], Outcome]:
    def run(ctx: Context) -> Outcome:
        system = ctx.rig(rig)
        # A scenario starts on a pipeline without backlog: an earlier one's slow
        # recovery (a loaded machine) must not count against this one.
        waited = system.wait_caught_up(ctx.profile.settle_timeout)
        outcome = body(system)
        outcome.counts["backlog_wait_s"] = None if waited is None else round(waited, 1)
        return outcome

    return run


def scenarios(profile: Profile) -> list[Scenario]:
    """Every scenario the profile runs, in order."""
    p = profile
    listed = [
        Scenario("hostile-input", lambda c: hostile.run(c.stage("hostile")), rig=None),
        Scenario(
            "openapi-property", lambda c: fuzz.run(c.stage("fuzz"), p.property_examples), rig=None
        ),
        Scenario("api-load", _api_load, rig=None),
        *(Scenario(name, _on("main", body)) for name, body in _steps(p)),
        Scenario(
            "x-drops-no-backfill",
            _on("no-backfill", lambda r: xfaults.drops_without_backfill(r, times=2)),
            rig="no-backfill",
        ),
    ]
    if p.storm_429:
        listed.append(
            Scenario(
                "x-429-storm",
                _on("max-backfill", lambda r: xfaults.connect_errors(r, 429, p.storm_429)),
                rig="max-backfill",
            )
        )
    return [s for s in listed if p.name in s.profiles]
