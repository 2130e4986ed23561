"""One streamer per key set: the lease against dynalite."""

from __future__ import annotations

from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from streamer.lease import Lease


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_one_holder_then_takeover_after_expiry(stage: Settings) -> None:
    control = bind_models(stage).control
    clock = Clock()
    a = Lease(control, "main", "host-a", ttl=30, clock=clock)
    b = Lease(control, "main", "host-b", ttl=30, clock=clock)
    assert a.acquire()
    assert not b.acquire()
    clock.now += 20
    assert a.acquire()  # renewal
    clock.now += 25
    assert not b.acquire()  # renewed 25 s ago: still live
    assert b.current_holder() == "host-a"
    clock.now += 6
    assert b.acquire()  # a missed its renewals
    assert not a.acquire()
    assert a.current_holder() == "host-b"


def test_release_hands_over_at_once_and_key_sets_are_separate(stage: Settings) -> None:
    control = bind_models(stage).control
    clock = Clock()
    a = Lease(control, "main", "host-a", ttl=30, clock=clock)
    b = Lease(control, "main", "host-b", ttl=30, clock=clock)
    other = Lease(control, "backup", "host-b", ttl=30, clock=clock)
    assert a.acquire()
    assert other.acquire()
    b.release()  # not the holder: changes nothing
    assert not b.acquire()
    a.release()
    assert b.acquire()
