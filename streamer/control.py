"""What the streamer coordinates through besides X and its sink: terms, lease, status, metrics.

The container keeps all four in the cloud: the terms table, a lease and a
status record in the ``control`` table, CloudWatch. ``streamfeed stream --rule
… --to-file PATH`` must run with no cloud at all (django-twitter-stream's
``--to-file`` existed for exactly that), so each of the four is a small
protocol with a cloud implementation and an offline one. The choice is made
once, when the streamer is put together (a :class:`Setup`), so the control
loop in :mod:`streamer.runner` has no ``if offline`` of its own.

Nothing here may import outside ``streamer`` and ``chalicelib.core``: the
image holds nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.core.models import TermModel
from streamer import rulesync
from streamer.lease import new_holder

if TYPE_CHECKING:
    from streamer.heartbeat import MetricsPublisher
    from streamer.runner import KeySetLike, StreamOptions

log = logging.getLogger(__name__)


class TermSource(Protocol):
    """Where the rules X should hold come from, and where their sync states go."""

    def desired(self) -> dict[str, str]:
        """Term id (the rule's tag) -> rule value, for every rule X should hold now."""
        ...

    def record(self, result: rulesync.SyncResult) -> None:
        """What X made of the last sync (active and rejected rules)."""
        ...


class LeaseLike(Protocol):
    """One streamer per key set (see :class:`streamer.lease.Lease`)."""

    @property
    def holder(self) -> str: ...
    @property
    def ttl(self) -> float: ...
    def acquire(self) -> bool: ...
    def current_holder(self) -> str | None: ...
    def last_holder(self) -> str | None: ...
    def release(self) -> None: ...


class StatusWriter(Protocol):
    """Where the status record of every poll goes (``GET /status`` reads it)."""

    def write(self, data: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class Control:
    """The four things the control loop coordinates through."""

    terms: TermSource
    lease: LeaseLike
    status: StatusWriter
    #: None: publish no metrics.
    metrics: MetricsPublisher | None = None


class Setup(Protocol):
    """Where a streamer's key set and :class:`Control` come from (cloud or offline)."""

    def keyset(self) -> KeySetLike:
        """The key set to stream with; raises ``StreamerError`` when there is none."""
        ...

    def control(self, keyset: KeySetLike, options: StreamOptions) -> Control: ...


# -- the terms table -------------------------------------------------------------------


@dataclass
class TableTerms:
    """The terms table: enabled terms are the rules; each term gets its sync state back."""

    model: type[TermModel]
    _read: list[TermModel] = field(default_factory=list)

    def desired(self) -> dict[str, str]:
        self._read = list(self.model.scan())
        return {t.term_id: t.value for t in self._read if t.enabled}

    def record(self, result: rulesync.SyncResult) -> None:
        rulesync.record_states(self.model, self._read, result)


# -- offline -------------------------------------------------------------------------


@dataclass
class FixedRules:
    """Rules given on the command line: nowhere to record states, so X's refusals are logged.

    Each refusal is logged once (again only if X's message changes), so an
    operator sees why a rule is not streaming without a line every poll.
    """

    rules: Mapping[str, str]
    _refused: dict[str, str] = field(default_factory=dict)

    def desired(self) -> dict[str, str]:
        return dict(self.rules)

    def record(self, result: rulesync.SyncResult) -> None:
        for tag, why in result.rejected.items():
            if self._refused.get(tag) != why:
                log.error("X refused the rule %r: %s", self.rules.get(tag, tag), why)
        self._refused = dict(result.rejected)


@dataclass(frozen=True)
class NoLease:
    """Always held: offline there is no table to hold a lease in.

    Two offline streamers on the same X app therefore both connect, and X
    refuses the second (429); that is the documented cost of the mode.
    """

    holder: str
    ttl: float = 0.0

    def acquire(self) -> bool:
        return True

    def current_holder(self) -> str | None:
        return self.holder

    def last_holder(self) -> str | None:
        return None  # never a takeover, so never a backfill for one

    def release(self) -> None:
        return None


class NoStatus:
    """Offline there is no status record; the log says what the stream does."""

    def write(self, data: dict[str, Any]) -> None:
        return None


@dataclass(frozen=True)
class FixedKeySet:
    """A bearer token read from a file or the environment (never shown by ``repr``)."""

    name: str
    bearer_token: str = field(repr=False)


@dataclass(frozen=True)
class OfflineSetup:
    """No cloud: the token and the rules are given; no lease, status record or metrics."""

    bearer_token: str = field(repr=False)
    rules: Mapping[str, str]
    #: Only shows in log lines: offline there is no key set.
    name: str = "offline"

    def keyset(self) -> KeySetLike:
        return FixedKeySet(self.name, self.bearer_token)

    def control(self, keyset: KeySetLike, options: StreamOptions) -> Control:
        log.info(
            "offline: %d rule(s) from the command line; no lease, status record or metrics",
            len(self.rules),
        )
        return Control(terms=FixedRules(self.rules), lease=NoLease(new_holder()), status=NoStatus())
