"""The one importer of dotted paths: every failure says what to fix."""

from __future__ import annotations

import pytest

from chalicelib.dotted import DottedPathError, import_dotted
from chalicelib.feeds.backends.memory import MemoryBackend


def test_both_separators_name_the_object() -> None:
    assert import_dotted("chalicelib.feeds.backends.memory.MemoryBackend") is MemoryBackend
    assert import_dotted("chalicelib.feeds.backends.memory:MemoryBackend") is MemoryBackend


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("nodots", "is not a dotted path"),
        ("chalicelib.nowhere.Thing", "there is no module 'chalicelib.nowhere'"),
        ("chalicelib.feeds.backends.memory.Nothing", "has no attribute 'Nothing'"),
        ("chalicelib.feeds.backends.memory:", "is not a dotted path"),
    ],
)
def test_each_failure_is_one_error_that_says_why(path: str, says: str) -> None:
    with pytest.raises(DottedPathError, match=says):
        import_dotted(path)
