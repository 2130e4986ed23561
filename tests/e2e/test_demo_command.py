"""``streamfeed demo`` as a newcomer runs it: what it prints works, Ctrl-C stops it cleanly.

The command runs as a real process with its own local cloud (like ``make
demo``, on free ports and a faster fake X). The test pastes the printed export
lines and curl commands into bash exactly as printed, checks that tweets reach
the feed, sends SIGINT like Ctrl-C, and checks the exit code and that no
process is left. A second start must keep the data and not seed again.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import psutil
import pytest
import requests

from tools.composition.commands import streamfeed_argv
from tools.localcloud.cloud import PROJECT_ROOT

pytestmark = pytest.mark.integration
T = TypeVar("T")


class Demo:
    """One ``streamfeed demo`` process and the lines it has printed so far."""

    def __init__(self, data_dir: Path) -> None:
        argv = streamfeed_argv(
            "demo", "--data-dir", str(data_dir), "--api-port", "0", "--rate", "20",
            "--poll-interval", "0.5", "--summary-every", "0.5",
        )  # fmt: skip
        self.process = subprocess.Popen(
            argv,
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if predicate(line):
                return line
        raise AssertionError(f"no {what}; output so far:\n" + "\n".join(self.lines))

    def banner(self) -> list[str]:
        self.wait_for(lambda line: line.startswith("Ctrl-C stops everything"), 120, "banner")
        return list(self.lines)

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT, then wait for the exit; every process it started must be gone."""
        started = [child.pid for child in psutil.Process(self.process.pid).children(True)]
        assert len(started) >= 7, started  # 3 emulators + fake X, streamer, consumer, API
        self.process.send_signal(signal.SIGINT)
        self.wait_for(lambda line: line.startswith("stopped; data kept in"), 60, "stop line")
        code = self.process.wait(timeout=30)
        left = [pid for pid in started if psutil.pid_exists(pid) and not _zombie(pid)]
        assert left == [], f"left running: {left}"
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _exports(banner: list[str]) -> list[str]:
    return [line.strip() for line in banner if line.strip().startswith("export ")]


def _curls(banner: list[str]) -> list[str]:
    return [line.strip() for line in banner if line.strip().startswith("curl ")]


def _paste(exports: list[str], command: str) -> Any:
    """Run the printed lines in bash exactly as a person would paste them; the JSON answer."""
    script = "\n".join([*exports, command])
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(done.stdout)


def _nonempty(page: dict[str, Any]) -> dict[str, Any] | None:
    return page if page["items"] else None


def _eventually(probe: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def test_demo_prints_what_works_and_stops_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo-data"
    demo = Demo(data_dir)
    try:
        banner = demo.banner()
        text = "\n".join(banner)
        assert "(seeded now)" in text
        exports = _exports(banner)
        values = dict(line.removeprefix("export ").split("#")[0].strip().split("=", 1)
                      for line in exports)  # fmt: skip
        assert set(values) == {"API", "ADMIN_TOKEN", "USER_TOKEN"}
        api = values["API"]
        assert f"status page  {api}/status/page" in text
        assert requests.get(f"{api}/health", timeout=10).json()["status"] == "ok"
        page = requests.get(f"{api}/status/page", timeout=10)
        assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]

        read_feed, add_term, add_item = _curls(banner)
        # The seeded subscriptions fill alice's feed from fake X's tweets.
        feed = _eventually(lambda: _nonempty(_paste(exports, read_feed)), 60, "a feed item")
        assert all(item["id"].startswith("tweet:") for item in feed["items"])
        term = _paste(exports, add_term)
        assert term["value"] == "#rustlang" and term["sync_state"] == "pending"
        item = _paste(exports, add_item)
        assert item["recipients"] == 1
        assert any(i["id"] == item["id"] for i in _paste(exports, read_feed)["items"])
        demo.wait_for(
            lambda line: "connected" in line and "stored 0.0/s (0)" not in line and "·" in line,
            60,
            "a summary line with stored tweets",
        )
        assert demo.interrupt() == 0
    finally:
        demo.kill()

    # Again on the same data: nothing is seeded twice, what was added is still there.
    again = Demo(data_dir)
    try:
        text = "\n".join(again.banner())
        assert "(kept from earlier runs)" in text
        assert "#rustlang" in text.split("terms", 1)[1].splitlines()[0]
        # The example term is one that does not exist yet, so the curl works again.
        assert "#golang" in _curls(again.lines)[1]
        assert again.interrupt() == 0
    finally:
        again.kill()
