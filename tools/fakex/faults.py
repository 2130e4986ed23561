"""Fault injection: the misbehaviour of X that a streamer must survive.

Stream faults fire once, after ``after`` more tweets have been sent (counted
over every stream connection from the moment the faults are set; ``after=0``
fires at once or on the next connection). JSON form, as ``POST /_fake/faults``
takes it::

    {"faults": [
        {"kind": "drop", "after": 5},                        # cut the TCP connection
        {"kind": "operational_disconnect", "after": 0,       # in-stream error, clean close
         "disconnect_type": "OperationalDisconnect"},
        {"kind": "connect_error", "status": 503, "count": 2},  # next 2 connects get 503
        {"kind": "stall", "after": 3, "seconds": 2.5},       # no bytes, not even keep-alives
        {"kind": "malformed", "after": 1},                   # one line that is not JSON
        {"kind": "duplicate", "after": 0}                    # next tweet sent twice
    ]}
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from tools.fakex.model import JsonObject
from tools.fakex.problems import DISCONNECT_TYPES


@dataclass(frozen=True, slots=True)
class Drop:
    """Close the TCP connection mid-stream, without ending the chunked body."""

    after: int = 0
    kind: ClassVar[str] = "drop"


@dataclass(frozen=True, slots=True)
class OperationalDisconnect:
    """Send X's ``operational-disconnect`` error line, then end the stream cleanly."""

    after: int = 0
    disconnect_type: str = "OperationalDisconnect"
    kind: ClassVar[str] = "operational_disconnect"


@dataclass(frozen=True, slots=True)
class ConnectError:
    """Answer the next ``count`` stream connects with ``status`` (429, 500, 503, …)."""

    status: int = 503
    count: int = 1
    kind: ClassVar[str] = "connect_error"


@dataclass(frozen=True, slots=True)
class Stall:
    """Send nothing at all (no keep-alive) for ``seconds``; tweets due meanwhile follow."""

    after: int = 0
    seconds: float = 30.0
    kind: ClassVar[str] = "stall"


@dataclass(frozen=True, slots=True)
class Malformed:
    """Emit one line that is not valid JSON (a truncated tweet)."""

    after: int = 0
    kind: ClassVar[str] = "malformed"


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Deliver the next tweet twice."""

    after: int = 0
    kind: ClassVar[str] = "duplicate"


Fault = Drop | OperationalDisconnect | ConnectError | Stall | Malformed | Duplicate
StreamFault = Drop | OperationalDisconnect | Stall | Malformed | Duplicate
_KINDS: dict[str, type[Fault]] = {
    cls.kind: cls
    for cls in (Drop, OperationalDisconnect, ConnectError, Stall, Malformed, Duplicate)
}


def fault_json(fault: Fault) -> JsonObject:
    return {"kind": fault.kind, **asdict(fault)}


def fault_from_json(obj: Any) -> Fault:
    """Parse one fault object; raise ValueError with a one-line reason."""
    if not isinstance(obj, dict) or obj.get("kind") not in _KINDS:
        raise ValueError(f"fault kind must be one of {sorted(_KINDS)}")
    cls = _KINDS[obj["kind"]]
    fields = {k: v for k, v in obj.items() if k != "kind"}
    try:
        fault = cls(**fields)
    except TypeError as exc:
        raise ValueError(f"bad fields for {obj['kind']}: {exc}") from None
    _check(fault)
    return fault


def _check(fault: Fault) -> None:
    if isinstance(fault, ConnectError):
        if not (isinstance(fault.status, int) and 400 <= fault.status <= 599):
            raise ValueError("connect_error status must be an HTTP error status (400-599)")
        if not (isinstance(fault.count, int) and fault.count >= 1):
            raise ValueError("connect_error count must be >= 1")
        return
    if not (isinstance(fault.after, int) and fault.after >= 0):
        raise ValueError(f"{fault.kind} 'after' must be an integer >= 0")
    if isinstance(fault, Stall) and not (
        isinstance(fault.seconds, int | float) and 0 < fault.seconds <= 3600
    ):
        raise ValueError("stall seconds must be in (0, 3600]")
    if isinstance(fault, OperationalDisconnect) and fault.disconnect_type not in DISCONNECT_TYPES:
        raise ValueError(f"disconnect_type must be one of {list(DISCONNECT_TYPES)}")


class FaultBoard:
    """The armed faults. Stream faults carry the sent-tweet count at which they fire."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stream: list[tuple[int, StreamFault]] = []
        self._connect: list[list[int]] = []  # [status, remaining]

    def set(self, faults: list[Fault], sent: int) -> None:
        """Replace every armed fault; stream faults count from ``sent`` tweets."""
        with self._lock:
            self._stream = sorted(
                ((sent + f.after, f) for f in faults if not isinstance(f, ConnectError)),
                key=lambda pair: pair[0],
            )
            self._connect = [[f.status, f.count] for f in faults if isinstance(f, ConnectError)]

    def take_connect_error(self) -> int | None:
        """Status to answer this connect with, consuming one use; None for a normal connect."""
        with self._lock:
            if not self._connect:
                return None
            status = self._connect[0][0]
            self._connect[0][1] -= 1
            if self._connect[0][1] == 0:
                self._connect.pop(0)
            return status

    def next_at(self) -> int | None:
        """Sent count at which the next stream fault fires."""
        stream = self._stream
        return stream[0][0] if stream else None

    def pop_due(self, sent: int) -> list[StreamFault]:
        """Stream faults whose time has come, in order, removed from the board."""
        with self._lock:
            due = [fault for at, fault in self._stream if at <= sent]
            if due:
                self._stream = [(at, fault) for at, fault in self._stream if at > sent]
            return due

    def pending(self, sent: int) -> list[JsonObject]:
        """Armed faults in JSON form; stream faults show tweets still to go."""
        with self._lock:
            stream = [dict(fault_json(f), after=max(0, at - sent)) for at, f in self._stream]
            connect = [fault_json(ConnectError(status, count)) for status, count in self._connect]
            return stream + connect
