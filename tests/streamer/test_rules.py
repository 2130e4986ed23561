"""Rule diffing: X ends up holding exactly the enabled terms, one rule each."""

from __future__ import annotations

from streamer.rules import Rule, diff


def test_empty_x_gets_every_term() -> None:
    plan = diff({"t2": "cats", "t1": "#aws lang:en"}, [])
    assert plan.add == (("t1", "#aws lang:en"), ("t2", "cats"))
    assert plan.delete == ()


def test_in_sync_is_a_no_op() -> None:
    plan = diff({"t1": "cats"}, [Rule("9", "cats", "t1")])
    assert plan.empty
    assert plan.active == {"t1": "9"}


def test_removed_changed_foreign_and_duplicate_rules_are_deleted() -> None:
    current = [
        Rule("1", "cats", "t1"),  # kept
        Rule("2", "cats", "t1"),  # duplicate of a kept rule
        Rule("3", "dogs", "t2"),  # t2's value changed
        Rule("4", "birds", "t3"),  # t3 removed/disabled
        Rule("5", "by hand", None),  # not ours
    ]
    plan = diff({"t1": "cats", "t2": "dogs OR wolves"}, current)
    assert plan.active == {"t1": "1"}
    assert sorted(plan.delete) == ["2", "3", "4", "5"]
    assert plan.add == (("t2", "dogs OR wolves"),)


def test_no_terms_deletes_everything() -> None:
    plan = diff({}, [Rule("1", "cats", "t1")])
    assert plan.delete == ("1",) and plan.add == ()
