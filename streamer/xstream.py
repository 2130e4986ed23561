"""tweepy's StreamingClient, kept alive and fed to the pipeline as raw lines.

tweepy owns the connection, its reconnects and X's backoff rules. This
subclass only changes what tweepy gets wrong for a long-running collector:
it passes raw lines on instead of building objects, it never lets a callback
exception end the stream (tweepy stops for good when one raises), it turns
silence into a reconnect after ``stall_timeout`` seconds, it stops retrying
on answers that retrying cannot fix (401/403, or 409 when no rules exist), and
it waits out a 429 until X's reset time.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import requests
import tweepy

from streamer.redirect import redirect_session

log = logging.getLogger(__name__)

#: Fields asked for on every connection: what the consumer and feeds need.
STREAM_PARAMS: dict[str, Any] = {
    "expansions": ["author_id", "referenced_tweets.id", "referenced_tweets.id.author_id"],
    "tweet_fields": [
        "author_id", "created_at", "lang", "entities", "public_metrics",
        "referenced_tweets", "conversation_id", "in_reply_to_user_id", "note_tweet",
        "edit_history_tweet_ids",
    ],
    "user_fields": ["username", "name", "verified", "profile_image_url"],
}  # fmt: skip


@dataclass
class ConnectionStats:
    connects: int = 0
    disconnects: int = 0
    keep_alives: int = 0
    callback_errors: int = 0
    http_errors: int = 0
    last_status: int | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    last_byte_at: float | None = None
    connected_since: float | None = None
    fatal: str | None = None
    needs_rules: bool = False
    rate_limited_until: float | None = None


class RawStream(tweepy.StreamingClient):  # type: ignore[misc]
    """A StreamingClient that hands each raw line to ``on_line``."""

    def __init__(
        self,
        bearer_token: str,
        *,
        on_line: Callable[[bytes], None],
        base_url: str | None = None,
        stall_timeout: float = 30.0,
        chunk_size: int = 64 * 1024,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(bearer_token, chunk_size=chunk_size, daemon=True)
        redirect_session(self.session, base_url)
        self._on_line = on_line
        self.stall_timeout = stall_timeout
        self.stats = ConnectionStats()
        self._sleep = sleep
        self._last_headers: dict[str, str] = {}
        self._stream_response: requests.Response | None = None
        self.session.hooks["response"].append(self._remember_headers)

    # tweepy calls _connect for filter() and sample(); add the stall timeout.
    def _connect(self, method: str, endpoint: str, **kwargs: Any) -> None:
        kwargs.setdefault("timeout", self.stall_timeout)
        super()._connect(method, endpoint, **kwargs)

    def _remember_headers(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._last_headers = dict(response.headers)
        if urlparse(response.url).path.endswith("/stream"):  # not the rules calls
            self._stream_response = response

    # -- callbacks ---------------------------------------------------------
    def on_data(self, raw_data: bytes) -> None:
        self.stats.last_byte_at = time.time()
        try:
            self._on_line(raw_data)
        except Exception as exc:
            self.stats.callback_errors += 1
            self._error(f"callback failed: {type(exc).__name__}: {exc}")
            log.exception("line handler failed; the stream goes on")

    def on_keep_alive(self) -> None:
        self.stats.last_byte_at = time.time()
        self.stats.keep_alives += 1

    def on_connect(self) -> None:
        self.stats.connects += 1
        self.stats.connected_since = time.time()
        self.stats.last_byte_at = time.time()
        self.stats.needs_rules = False
        log.info("connected to the X stream")

    def on_disconnect(self) -> None:
        self.stats.disconnects += 1
        self.stats.connected_since = None
        log.info("disconnected from the X stream")

    def on_closed(self, response: requests.Response) -> None:
        self.stats.connected_since = None
        self._error("stream closed by X")

    def on_connection_error(self) -> None:
        self.stats.connected_since = None
        self._error("connection error or stall")

    def on_exception(self, exception: Exception) -> None:
        self._error(f"stream exception: {type(exception).__name__}: {exception}")
        log.error("stream stopped by %s", exception)

    def on_request_error(self, status_code: int) -> None:
        self.stats.http_errors += 1
        self.stats.last_status = status_code
        self._error(f"HTTP {status_code} from X")
        if status_code in (401, 403):
            self.stats.fatal = f"X refused the credentials (HTTP {status_code})"
            self.disconnect()
        elif status_code == 409:
            # No rules: reconnecting cannot help until the rules are synced.
            self.stats.needs_rules = True
            self.disconnect()
        elif status_code == 429:
            self._wait_for_reset()

    def _wait_for_reset(self) -> None:
        """Sleep until X's reset time, minus the 60 s tweepy sleeps after us."""
        reset = self._last_headers.get("x-rate-limit-reset")
        if reset is None or not reset.isdigit():
            return
        until = int(reset)
        self.stats.rate_limited_until = until
        extra = until - time.time() - 60
        if extra > 0:
            self._sleep(min(extra, 900))

    def _error(self, message: str) -> None:
        self.stats.last_error = message
        self.stats.last_error_at = time.time()

    # -- control -----------------------------------------------------------
    @property
    def connected(self) -> bool:
        return bool(self.running and self.stats.connected_since is not None)

    def hang_up(self) -> None:
        """Stop now, even while X sends nothing.

        ``disconnect()`` only takes effect at the next line, and closing the
        session leaves a blocked read waiting up to ``stall_timeout``: a
        stalled stream would outlive ECS's stop timeout. Shutting the socket
        down under the read ends it at once.
        """
        self.disconnect()
        response = self._stream_response
        connection = getattr(response.raw, "connection", None) if response is not None else None
        sock = getattr(connection, "sock", None)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.session.close()

    def start(self, *, sample: bool, backfill_minutes: int = 0) -> threading.Thread:
        params = dict(STREAM_PARAMS)
        if backfill_minutes and not sample:
            params["backfill_minutes"] = backfill_minutes
        self.stats.fatal = None
        if sample:
            thread: threading.Thread = self.sample(threaded=True, **params)
        else:
            thread = self.filter(threaded=True, **params)
        return thread
