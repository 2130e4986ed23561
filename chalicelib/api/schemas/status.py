"""The status report (``GET /status``): what the status page also draws.

Sections that come from CloudWatch or SQS are null when those could not be
read; ``problems`` then says why. Counts from CloudWatch are sums of what the
components published (the streamer once a minute, the consumer per batch).
Each key set's streamer reports on its own (``streams``); ``stream`` is one
of them, kept for readers from before there were several.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.api.schemas.common import Output

StateName = Literal["connected", "waiting-for-terms", "backing-off", "standby", "down"]


class StreamState(Output):
    key_set: str | None = Field(
        None,
        description="The key set this streamer streams with (null: a record written before "
        "there was one record per key set).",
    )
    state: StateName = Field(
        description="`down` whenever the heartbeat is older than 3 poll intervals."
    )
    state_reason: str = Field(description="Why the state is what it is, for people.")
    reported_state: str | None = Field(description="What the streamer itself last wrote.")
    stale: bool
    heartbeat_age_seconds: float | None
    heartbeat_at: str | None
    connected_since: str | None
    received: int | float | None = Field(description="Tweets received since the process started.")
    shipped: int | float | None = Field(description="Tweets shipped to Kinesis since start.")
    rate_per_min: float | None = Field(description="The streamer's own last-minute rate.")
    last_tweet_at: str | None
    last_error: str | None
    last_error_at: str | None
    active_terms: int | float | None
    lease_holder: str | None
    host: str | None
    version: str | None
    poll_interval: float | None
    bad_lines: int | float | None
    spool_depth: int | float | None
    reconnects: int | float | None


class RejectedTerm(Output):
    term_id: str
    value: str
    sync_error: str | None


class TermRow(Output):
    term_id: str
    value: str
    enabled: bool
    sync_state: str
    sync_error: str | None


class TermSyncSummary(Output):
    total: int
    enabled: int
    by_sync_state: dict[str, int]
    rejected: list[RejectedTerm]
    items: list[TermRow]


class Flow(Output):
    per_minute: float | None = Field(description="Average over the last rate window.")
    last_hour: int | None
    last_day: int | None


class Throughput(Output):
    rate_window_minutes: int
    received: Flow
    shipped: Flow
    stored: Flow
    feed_items: Flow


class ErrorCounts(Output):
    window: Literal["last_hour"]
    stream_errors: int | None
    bad_lines: int | None
    reconnects: int | None
    quarantined: int | None


class Lag(Output):
    consumer_lag_ms: float | None = Field(
        description="ConsumerLagMilliseconds the consumer published (latest, last 5 minutes)."
    )
    iterator_age_ms: float | None = Field(
        description="AWS/Kinesis GetRecords.IteratorAgeMilliseconds (AWS only)."
    )


class ChartPoint(Output):
    t: str
    received: float | None
    stored: float | None


class Chart(Output):
    period_seconds: int
    unit: str
    points: list[ChartPoint]


class Charts(Output):
    last_hour: Chart
    last_day: Chart


class DeadLetter(Output):
    queue: str
    messages: int | None
    in_flight: int | None
    error: str | None


class ErrorEntry(Output):
    source: str
    message: str
    at: str | None


class Status(Output):
    stream: StreamState = Field(
        description="The default key set's stream, else the one with the newest heartbeat "
        "(kept for readers of a single stream; `streams` lists them all)."
    )
    streams: list[StreamState] = Field(
        default_factory=list,
        description="Every key set's stream, by key set name; empty when none has reported.",
    )
    terms: TermSyncSummary
    throughput: Throughput | None
    stored_total: int | None = Field(
        description="Tweets the consumer has stored, all time (exact; null if unreadable)."
    )
    errors: ErrorCounts | None
    lag: Lag | None
    series: Charts | None
    dead_letter: DeadLetter | None
    last_error: ErrorEntry | None
    recent_errors: list[ErrorEntry]
    problems: list[str] = Field(description="What could not be read, and so is null above.")
    generated_at: str
