"""Count DynamoDB requests and consumed capacity on the clients the code already uses.

botocore event hooks on a client add ``ReturnConsumedCapacity=TOTAL`` to every
request that accepts it and read ``ConsumedCapacity`` from every answer, so the
code under test runs unchanged. dynalite computes capacity as DynamoDB does
(1 WCU per 1 KB written, 1 RCU per 4 KB read strongly, half that eventually).
The same hook records the size of every item put, computed with DynamoDB's
item size rules, to cross-check the reported units against the 1 KB rule.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes one attribute value counts for, by DynamoDB's published rules."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode("utf-8"))
    if kind == "B":
        return len(data)
    if kind == "N":
        digits = str(Decimal(data)).lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in data)
    if kind == "BS":
        return sum(len(b) for b in data)
    if kind == "NS":
        return sum(attribute_size({"N": n}) for n in data)
    if kind == "L":
        return 3 + sum(1 + attribute_size(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + attribute_size(v) for k, v in data.items())
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, dict[str, Any]]) -> int:
    """An item's size: attribute names plus values."""
    return sum(len(name.encode("utf-8")) + attribute_size(v) for name, v in item.items())


def write_units(size: int) -> int:
    """WCU of one standard write of an item of ``size`` bytes (1 KB each, rounded up)."""
    return max(1, math.ceil(size / 1024))


@dataclass
class Tally:
    """What the meter saw since the last reset."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)  # (operation, table)
    wcu: Counter[str] = field(default_factory=Counter)  # by table
    rcu: Counter[str] = field(default_factory=Counter)
    #: Sizes of items written by PutItem / BatchWriteItem, by table.
    put_sizes: dict[str, list[int]] = field(default_factory=dict)

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def total_wcu(self) -> float:
        return sum(self.wcu.values())

    @property
    def total_rcu(self) -> float:
        return sum(self.rcu.values())

    def requests_on(self, tables: Iterable[str]) -> int:
        wanted = set(tables)
        return sum(n for (_, table), n in self.requests.items() if table in wanted)

    def breakdown(self) -> list[str]:
        """A markdown table: requests, WCU and RCU per (operation, table)."""
        lines = ["| operation | table | requests |", "|---|---|---|"]
        for (operation, table), count in sorted(self.requests.items()):
            lines.append(f"| {operation} | {_short(table)} | {count:,} |")
        lines += ["", "| table | WCU | RCU |", "|---|---|---|"]
        for table in sorted(set(self.wcu) | set(self.rcu)):
            lines.append(f"| {_short(table)} | {self.wcu[table]:,.1f} | {self.rcu[table]:,.1f} |")
        return lines


def _short(table: str) -> str:
    """``b1234abcd-tweets`` -> ``tweets``: the stage prefix says nothing here."""
    return table.split("-", 1)[1] if "-" in table else table


def find_clients(root: object, service: str = "dynamodb", depth: int = 6) -> list[Any]:
    """Every botocore client of ``service`` reachable from ``root``'s attributes.

    The consumer and the feeds hold their clients in a few layers of objects;
    walking them finds each one without the benchmark knowing the layout.
    """
    from botocore.client import BaseClient

    found: dict[int, Any] = {}
    seen: set[int] = set()
    level: list[object] = [root]
    for _ in range(depth):
        following: list[object] = []
        for obj in level:
            if id(obj) in seen or isinstance(obj, str | bytes | int | float | type):
                continue
            seen.add(id(obj))
            if isinstance(obj, BaseClient):
                if obj.meta.service_model.service_name == service:
                    found[id(obj)] = obj
                continue
            if isinstance(obj, dict):
                following += list(obj.values())
            elif isinstance(obj, list | tuple | set | frozenset):
                following += list(obj)
            else:
                following += list(getattr(obj, "__dict__", {}).values())
                for slot in getattr(type(obj), "__slots__", ()):
                    following.append(getattr(obj, slot, None))
        level = following
    return list(found.values())


class DynamoMeter:
    """Hooks on any number of DynamoDB clients; ``tally`` accumulates until ``reset``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tally = Tally()
        self.enabled = False
        self._attached: set[int] = set()

    def attach(self, *clients: Any) -> DynamoMeter:
        for client in clients:
            if id(client) in self._attached:
                continue
            self._attached.add(id(client))
            events = client.meta.events
            events.register("before-parameter-build.dynamodb", self._before)
            events.register("after-call.dynamodb", self._after)
        return self

    def reset(self) -> Tally:
        with self._lock:
            old, self.tally = self.tally, Tally()
        return old

    @contextmanager
    def measuring(self) -> Iterator[Tally]:
        """Count within the block only; the tally is complete when the block ends."""
        self.reset()
        self.enabled = True
        try:
            yield self.tally
        finally:
            self.enabled = False

    # botocore handlers ------------------------------------------------------
    def _before(self, params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        if not self.enabled:
            return
        context = kwargs.get("context")
        if isinstance(context, dict):
            tables = params.get("RequestItems") or {params.get("TableName", "?"): None}
            context["bench_table"] = "+".join(sorted(tables))
        if "ReturnConsumedCapacity" in model.input_shape.members:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        sizes: list[tuple[str, int]] = []
        if model.name == "PutItem":
            sizes.append((params["TableName"], item_size(params["Item"])))
        elif model.name == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                sizes += [
                    (table, item_size(r["PutRequest"]["Item"]))
                    for r in requests
                    if "PutRequest" in r
                ]
        if sizes:
            with self._lock:
                for table, size in sizes:
                    self.tally.put_sizes.setdefault(table, []).append(size)

    def _after(self, parsed: dict[str, Any], model: Any, **kwargs: Any) -> None:
        if not self.enabled:
            return
        context = kwargs.get("context") or {}
        table = context.get("bench_table", "?")
        consumed = parsed.get("ConsumedCapacity") or []
        if isinstance(consumed, dict):
            consumed = [consumed]
        counter_name = "rcu" if model.name in READS else "wcu"
        with self._lock:
            self.tally.requests[(model.name, table)] += 1
            counter = getattr(self.tally, counter_name)
            for entry in consumed:
                counter[entry.get("TableName", "?")] += float(entry.get("CapacityUnits", 0.0))
