"""RawStream against the fake X: stopping must not wait for X to speak."""

from __future__ import annotations

import time

from streamer.xstream import RawStream
from tests.streamer.test_streamer_live import wait_until
from tools.fakex.faults import Stall
from tools.fakex.testing import FakeX


def test_hang_up_ends_a_stalled_stream_at_once() -> None:
    with FakeX(rate=200, keepalive=0.2, seed=3) as fake:
        fake.add_rules("python OR rust")
        lines: list[bytes] = []
        # A stall timeout far beyond the join below: only hang_up can end the read.
        stream = RawStream(
            fake.bearer_token, on_line=lines.append, base_url=fake.url, stall_timeout=300
        )
        thread = stream.start(sample=False)
        try:
            wait_until(lambda: len(lines) >= 5, what="tweets")
            fake.set_faults(Stall(after=0, seconds=300))
            seen = -1
            while seen != len(lines):  # until the fake has gone quiet
                seen = len(lines)
                time.sleep(1.0)
            stream.hang_up()
            thread.join(timeout=15)
            assert not thread.is_alive(), "the stream thread still waits on a silent X"
            assert not stream.running
        finally:
            fake.set_faults()
            stream.disconnect()
