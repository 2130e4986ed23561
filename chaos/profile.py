"""How long and how hard: one knob set for ``make chaos``, one for CI.

The same scenario code runs with either profile. Full runs the fault lengths
the reliability issue names (Kinesis away 30 s and 5 min, DynamoDB away 30 s,
a 60 s stall, a 60 s burst); short keeps each fault long enough to cross the
thresholds that matter (the streamer spools after 5 s without Kinesis, the
consumer retries with backoff) so CI exercises the same code paths in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Profile:
    name: Literal["full", "short"]
    #: Tweets per second from fake X in steady state.
    rate: float
    #: X faults: how many drops, which share of X's disconnect types, how many duplicates.
    drops: int
    disconnect_types: int
    duplicates: int
    #: HTTP 503 answers in a row to reconnects (tweepy backs off 5 s, 10 s, 20 s ...).
    storm_503: int
    #: HTTP 429 answers in a row, and the fake X's rate-limit window: X's 15 minutes in
    #: full; short, the reset is at most 30 s away and tweepy's own 60 s wait dominates.
    storm_429: int
    rate_limit_window: int
    #: Seconds before a killed component is started again (ECS replacing a task).
    restart_after: float
    #: Kinesis unreachable for each of these (seconds).
    kinesis_outages: tuple[float, ...]
    #: Kinesis refusing a share of every PutRecords, for this long.
    kinesis_throttle_seconds: float
    #: DynamoDB unreachable for the consumer (seconds).
    dynamo_outage: float
    dynamo_throttle_seconds: float
    #: X sends nothing, not even keep-alives, for this long.
    stall_seconds: float
    #: Seconds of 10x rate.
    burst_seconds: float
    burst_factor: int
    #: Times the followed term is disabled and enabled again.
    term_flaps: int
    #: Term add/remove operations in the churn scenario, and their pace (per second).
    term_changes: int
    term_change_rate: float
    #: OpenAPI property run: generated requests per operation.
    property_examples: int
    #: API load: concurrent clients and requests each.
    api_clients: int
    api_requests: int
    #: Seconds of steady flow before and after each fault.
    calm: float
    #: How long to wait for everything to be stored once a fault is over.
    settle_timeout: float


FULL = Profile(
    name="full",
    rate=40.0,
    drops=10,
    disconnect_types=10,
    duplicates=20,
    storm_503=3,
    storm_429=2,
    rate_limit_window=15 * 60,
    restart_after=20.0,
    kinesis_outages=(30.0, 300.0),
    kinesis_throttle_seconds=30.0,
    dynamo_outage=30.0,
    dynamo_throttle_seconds=30.0,
    stall_seconds=60.0,
    burst_seconds=60.0,
    burst_factor=10,
    term_flaps=3,
    term_changes=600,
    term_change_rate=1.0,
    property_examples=300,
    api_clients=8,
    api_requests=150,
    calm=5.0,
    settle_timeout=240.0,
)

SHORT = Profile(
    name="short",
    rate=25.0,
    drops=2,
    disconnect_types=2,
    duplicates=3,
    storm_503=1,
    storm_429=1,
    rate_limit_window=30,
    restart_after=2.0,
    kinesis_outages=(10.0,),
    kinesis_throttle_seconds=4.0,
    dynamo_outage=5.0,
    dynamo_throttle_seconds=4.0,
    stall_seconds=4.0,
    burst_seconds=4.0,
    burst_factor=10,
    term_flaps=1,
    term_changes=40,
    term_change_rate=4.0,
    property_examples=15,
    api_clients=4,
    api_requests=25,
    calm=1.0,
    settle_timeout=90.0,
)

PROFILES = {"full": FULL, "short": SHORT}
