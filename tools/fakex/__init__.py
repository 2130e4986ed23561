"""A local stand-in for the X API v2 filtered stream (``streamfeed fake-x``).

No test, demo or benchmark may reach the real X API, yet the streamer must be
proven against the real protocol. This package serves the filtered and sample
streams, the rules endpoint, bearer auth and X's error bodies, with generated
(or replayed) tweets, fault injection and a ledger of everything sent.

Modules, one job each: ``rulelang`` (rule parser), ``matcher`` (rule matching),
``witness`` + ``people`` + ``textgen`` + ``tweets`` (tweet generator),
``fields`` (field selection and expansions), ``problems`` (error bodies),
``rulestore`` (rules endpoint), ``timeline`` + ``sources`` + ``replay`` (what is
sent when), ``faults``, ``ledger``, ``engine`` (all of it, minus HTTP),
``stream`` (one connection), ``server`` (HTTP adapter), ``testing`` (the
:class:`FakeX` helper) and ``cli``.
"""

from __future__ import annotations

from tools.fakex.engine import DEFAULT_BEARER_TOKEN, Engine, FakeXConfig
from tools.fakex.faults import (
    ConnectError,
    Drop,
    Duplicate,
    Fault,
    Malformed,
    OperationalDisconnect,
    Stall,
)
from tools.fakex.testing import FakeX, FakeXClient, LedgerEntry

__all__ = [
    "DEFAULT_BEARER_TOKEN",
    "ConnectError",
    "Drop",
    "Duplicate",
    "Engine",
    "FakeX",
    "FakeXClient",
    "FakeXConfig",
    "Fault",
    "LedgerEntry",
    "Malformed",
    "OperationalDisconnect",
    "Stall",
]
