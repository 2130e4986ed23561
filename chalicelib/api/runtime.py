"""Everything a request needs, built once per process and replaceable in tests.

Lambda keeps a process warm across requests, so settings, the token verifier
(with its cached keys) and the feeds backend are built on first use and kept.
Nothing is read at import time: ``app.py`` imports cleanly without AWS, and a
test installs a :class:`Runtime` for its own stage with :func:`install`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chalicelib.api.telemetry import logger
from chalicelib.auth import AuthConfig, KeySource, Verifier, build_verifier, cached_key
from chalicelib.auth.config import load_auth_config
from chalicelib.core.lazy import ProcessDefault
from chalicelib.core.settings import Settings, load_settings

if TYPE_CHECKING:
    from chalicelib.feeds import Feeds
    from chalicelib.terms import RuleChecker
    from chalicelib.terms.xrules import Transport


@dataclass
class Runtime:
    """Settings plus the long-lived collaborators built from them."""

    settings: Settings
    verifier: Verifier
    #: Transport for X's rules endpoint (tests swap it; None: urllib).
    x_transport: Transport | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _feeds: Feeds | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(
        cls,
        settings: Settings,
        auth: AuthConfig | None = None,
        *,
        keys: KeySource | None = None,
        x_transport: Transport | None = None,
    ) -> Runtime:
        config = auth if auth is not None else load_auth_config()
        verifier = build_verifier(config, settings.prefix, cached_key(settings), keys)
        logger.setLevel(settings.log_level)  # STREAMFEED_LOG_LEVEL, as in every component
        return cls(settings, verifier, x_transport)

    @property
    def feeds(self) -> Feeds:
        # Imported here: the authorizer builds a Runtime too, and never reads a feed.
        from chalicelib.feeds import Feeds
        from chalicelib.hotterms import hot_pulls

        with self._lock:
            if self._feeds is None:
                self._feeds = Feeds.from_settings(self.settings, pulls=hot_pulls(self.settings))
            return self._feeds

    def rule_checker(self) -> tuple[RuleChecker | None, str | None]:
        """X's dry run with the key set the streamer would use, if one resolves."""
        from chalicelib.terms.checkers import keyset_checkers
        from chalicelib.terms.xrules import urllib_transport

        return keyset_checkers(self.settings, self.x_transport or urllib_transport)()


_current: ProcessDefault[Runtime] = ProcessDefault(lambda: Runtime.build(load_settings()))


def current() -> Runtime:
    """The process's runtime, built from the environment on first use."""
    return _current.get()


def current_settings() -> Settings:
    """Settings only (``/health`` must work even when auth is misconfigured)."""
    built = _current.peek()
    return built.settings if built is not None else load_settings()


def install(runtime: Runtime | None) -> None:
    """Use ``runtime`` for every request (None: rebuild from the environment)."""
    _current.set(runtime)
