"""The batch writer's counting rule (``feeds.tally``), without a server."""

from __future__ import annotations

from chalicelib.feeds.tally import DIGEST_SIZE, GUARD_KEEP, Tally, count_batch, digest


def ids(first: int, count: int) -> list[str]:
    return [f"tweet:{n}" for n in range(first, first + count)]


def test_new_ids_count_and_repeats_within_a_batch_count_once() -> None:
    state, new = count_batch(Tally(), "p1", ["a", "b", "a"])
    assert (state.count, new, state.through) == (2, 2, "p1")
    assert state.guard == digest("a") + digest("b")


def test_the_same_position_again_counts_only_what_it_lacks() -> None:
    state, _ = count_batch(Tally(), "p1", ids(0, 5))
    state, new = count_batch(state, "p1", ids(3, 5))  # a redo that reaches further
    assert (state.count, new) == (8, 3)


def test_an_older_position_counts_nothing_however_many_items() -> None:
    state, _ = count_batch(Tally(), "p1", ids(0, 500))
    state, _ = count_batch(state, "p2", ids(500, 500))
    again, new = count_batch(state, "p1", ids(0, 500))
    assert (again, new) == (state, 0)


def test_a_newer_position_catches_recent_repeats_and_bounds_the_guard() -> None:
    state, _ = count_batch(Tally(), "p1", ids(0, 200))
    assert len(state.guard) == 200 * DIGEST_SIZE  # everything at the current position
    state, new = count_batch(state, "p2", ids(190, 20))
    assert (state.count, new) == (210, 10)
    assert len(state.guard) == (GUARD_KEEP + 10) * DIGEST_SIZE
    state, new = count_batch(state, "p3", ids(0, 1))  # long gone from the guard: counted
    assert new == 1


def test_nothing_new_leaves_the_state_alone() -> None:
    state, _ = count_batch(Tally(), "p1", ["a"])
    assert count_batch(state, "p2", ["a"]) == (state, 0)
