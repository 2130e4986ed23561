"""``--to-file PATH|-``: the file sink appends to a file, or writes to stdout."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from chalicelib.core.records import Entry
from streamer.assemble import make_sink
from streamer.file_sink import FileSink
from tests.streamer.test_streamer_cli import RETWEET

LINE = orjson.dumps({"data": {"id": "1", "text": "hi"}})


class ClosedPipe(io.RawIOBase):
    """A stdout whose reader has gone away."""

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def fake_stdout(monkeypatch: pytest.MonkeyPatch, raw: io.RawIOBase | None = None) -> io.BytesIO:
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(io.BufferedWriter(raw) if raw is not None else buffer)
    monkeypatch.setattr("sys.stdout", stream)
    return buffer


def test_dash_writes_lines_to_stdout_and_no_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    out = fake_stdout(monkeypatch)
    sink, spool = make_sink(None, Path("-"), capture_retweets=True)  # type: ignore[arg-type]
    assert spool is None and isinstance(sink, FileSink) and sink.to_stdout
    sink.start()
    sink.put(Entry(0, LINE))
    sink.put(Entry(0, orjson.dumps(RETWEET)))
    sink.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == LINE
    assert [orjson.loads(x)["data"]["id"] for x in lines] == ["1", "800", "900"]
    assert sink.written == 3
    assert not (tmp_path / "-").exists()


def test_a_path_is_appended_to(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "out.jsonl"
    for _ in range(2):
        sink = FileSink(path)
        sink.start()
        sink.put(Entry(0, LINE))
        sink.close()
    assert path.read_bytes() == LINE + b"\n" + LINE + b"\n"


def test_a_closed_stdout_drops_lines_and_says_so_once(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_stdout(monkeypatch, ClosedPipe())
    calls: list[int] = []
    sink = FileSink(Path("-"), on_closed=lambda: calls.append(1))
    sink.start()
    for _ in range(3):
        sink.put(Entry(0, LINE))  # never raises: the stream thread must not die of it
    sink.close()
    assert (sink.written, sink.dropped, calls) == (0, 3, [1])
