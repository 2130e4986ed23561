"""The README's example backend is real code: extract it, load it, use it."""

from __future__ import annotations

import re
import sys
import types
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.paginator import Paginator

from chalicelib.core.settings import Settings
from chalicelib.feeds import Feeds, load_backend
from tests.chalicelib.feeds.conftest import BASE, contents

README = Path(__file__).resolve().parents[3] / "chalicelib" / "feeds" / "README.md"


@pytest.fixture
def example_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    section = README.read_text().split("## Writing your own backend", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    source = next(block for block in blocks if "class DictBackend" in block)
    module = types.ModuleType("readme_feeds")
    exec(compile(source, str(README), "exec"), module.__dict__)
    monkeypatch.setitem(sys.modules, "readme_feeds", module)
    return module


def test_the_example_backend_loads_by_dotted_path_and_works(example_module: object) -> None:
    backend = load_backend(Settings(feed_backend="readme_feeds.DictBackend"))
    feeds = Feeds(backend)
    for i in range(25):
        feeds.add_stream_item(["alice", "bob"], f"m{i}", BASE + timedelta(minutes=i))
    again = feeds.add_stream_item("alice", "dup", BASE, item_id="fixed")
    feeds.add_stream_item("alice", "dup", BASE, item_id=again.item_id)

    items = feeds.get_stream_items("alice")
    assert len(items) == 26
    assert contents(items[:3]) == ["m24", "m23", "m22"]
    assert contents(items[-2:]) == ["dup", "m0"]  # equal times: id "fixed" > hex ids
    assert Paginator(items, 10).page(3).has_next() is False
    first = feeds.page("bob", 10)
    second = feeds.page("bob", 10, first.next_cursor)
    assert contents(second.items) == [f"m{i}" for i in range(14, 4, -1)]
