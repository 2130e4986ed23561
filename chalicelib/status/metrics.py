"""The status report's numbers, from CloudWatch ``GetMetricData``.

Every component publishes to one namespace with one ``Stage`` dimension
(:mod:`chalicelib.core.metricnames`), and both AWS and the local cloud (moto)
answer ``GetMetricData``, so the same two calls feed the status page in both
places. Building the queries and turning the answers into fixed time grids
are pure functions; only :func:`fetch_metrics` talks to CloudWatch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from chalicelib.core import metricnames as names
from chalicelib.core.settings import Settings
from chalicelib.core.times import iso_text

#: AWS's own Kinesis metric: how far behind the stream's readers are.
KINESIS_NAMESPACE: Final = "AWS/Kinesis"
ITERATOR_AGE: Final = "GetRecords.IteratorAgeMilliseconds"
#: Rates are averaged over this many minutes (one datapoint a minute is published).
RATE_WINDOW_MINUTES: Final = 5


@dataclass(frozen=True, slots=True)
class Window:
    """A time grid: ``buckets`` periods of ``period`` seconds ending after ``now``."""

    period: int
    buckets: int

    def bounds(self, now: datetime) -> tuple[datetime, datetime]:
        """Whole periods, the last one holding ``now``, so buckets line up with CloudWatch's."""
        epoch = int(now.timestamp())
        end = (epoch // self.period + 1) * self.period
        start = end - self.period * self.buckets
        return datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)


HOUR: Final = Window(period=60, buckets=60)
DAY: Final = Window(period=900, buckets=96)

#: Query id -> (metric name, statistic), in the project's namespace.
COUNTS: Final = {
    "received": names.TWEETS_RECEIVED,
    "shipped": names.TWEETS_SHIPPED,
    "stored": names.TWEETS_STORED,
    "feed_items": names.FEED_ITEMS_WRITTEN,
}
ERROR_COUNTS: Final = {
    "stream_errors": names.STREAM_ERRORS,
    "bad_lines": names.BAD_LINES,
    "reconnects": names.RECONNECTS,
    "quarantined": names.RECORDS_QUARANTINED,
}


@dataclass(frozen=True, slots=True)
class Series:
    """One metric on a grid: ``values[i]`` covers ``start + i * period`` (None: no data)."""

    start: datetime
    period: int
    values: tuple[float | None, ...]

    def total(self) -> float | None:
        present = [v for v in self.values if v is not None]
        return sum(present) if present else None

    def tail(self, count: int) -> Series:
        shift = max(0, len(self.values) - count)
        return Series(
            self.start + timedelta(seconds=shift * self.period),
            self.period,
            self.values[shift:],
        )

    def latest(self) -> float | None:
        for value in reversed(self.values):
            if value is not None:
                return value
        return None


@dataclass(frozen=True, slots=True)
class MetricsView:
    """What CloudWatch said about the last hour (per minute) and the last day."""

    hour: Mapping[str, Series]
    day: Mapping[str, Series]


def metric_queries(
    settings: Settings, window: Window, wanted: Sequence[str]
) -> list[dict[str, Any]]:
    """GetMetricData queries for ``wanted`` ids (keys of COUNTS/ERROR_COUNTS, ``lag``, ``age``)."""
    stage = [{"Name": names.STAGE_DIMENSION, "Value": settings.prefix}]
    own = {**COUNTS, **ERROR_COUNTS}
    queries = []
    for query_id in wanted:
        if query_id in own:
            metric = {"Namespace": settings.metrics_namespace, "MetricName": own[query_id]}
            stat = "Sum"
        elif query_id == "lag":
            metric = {"Namespace": settings.metrics_namespace, "MetricName": names.CONSUMER_LAG_MS}
            stat = "Maximum"
        elif query_id == "age":
            metric = {"Namespace": KINESIS_NAMESPACE, "MetricName": ITERATOR_AGE}
            stat = "Maximum"
        else:
            raise KeyError(query_id)
        dimensions = (
            [{"Name": "StreamName", "Value": settings.kinesis_stream}]
            if query_id == "age"
            else stage
        )
        queries.append(
            {
                "Id": query_id,
                "MetricStat": {
                    "Metric": {**metric, "Dimensions": dimensions},
                    "Period": window.period,
                    "Stat": stat,
                },
                "ReturnData": True,
            }
        )
    return queries


def to_series(
    results: Sequence[Mapping[str, Any]], window: Window, start: datetime
) -> dict[str, Series]:
    """GetMetricData results on the window's grid; buckets without data stay None."""
    grids: dict[str, list[float | None]] = {}
    for result in results:
        grid = grids.setdefault(str(result["Id"]), [None] * window.buckets)
        for stamp, value in zip(
            result.get("Timestamps", []), result.get("Values", []), strict=False
        ):
            index = int((_utc(stamp) - start).total_seconds() // window.period)
            if 0 <= index < window.buckets:
                grid[index] = float(value)  # aligned grids: one datapoint per bucket
    return {key: Series(start, window.period, tuple(grid)) for key, grid in grids.items()}


HOUR_QUERIES: Final = (*COUNTS, *ERROR_COUNTS, "lag", "age")
DAY_QUERIES: Final = tuple(COUNTS)


def fetch_metrics(cloudwatch: Any, settings: Settings, now: datetime) -> MetricsView:
    """Two GetMetricData calls: the last hour per minute, the last day per 15 minutes."""
    return MetricsView(
        hour=_fetch(cloudwatch, settings, HOUR, HOUR_QUERIES, now),
        day=_fetch(cloudwatch, settings, DAY, DAY_QUERIES, now),
    )


def _fetch(
    cloudwatch: Any, settings: Settings, window: Window, wanted: Sequence[str], now: datetime
) -> dict[str, Series]:
    start, end = window.bounds(now)
    request: dict[str, Any] = {
        "MetricDataQueries": metric_queries(settings, window, wanted),
        "StartTime": start,
        "EndTime": end,
        "ScanBy": "TimestampAscending",
    }
    results: list[Mapping[str, Any]] = []
    while True:
        page = cloudwatch.get_metric_data(**request)
        results += page.get("MetricDataResults", [])
        token = page.get("NextToken")
        if not token:
            break
        request["NextToken"] = token
    series = to_series(results, window, start)
    empty = Series(start, window.period, (None,) * window.buckets)
    return {key: series.get(key, empty) for key in wanted}


@dataclass(frozen=True, slots=True)
class Summary:
    """The report's sections derived from a :class:`MetricsView`."""

    throughput: dict[str, Any]
    errors: dict[str, Any]
    lag: dict[str, Any]
    series: dict[str, Any]


def summarise(view: MetricsView) -> Summary:
    """Totals, per-minute rates, error counts, lag and chart points (pure)."""
    throughput: dict[str, Any] = {"rate_window_minutes": RATE_WINDOW_MINUTES}
    for key in COUNTS:
        recent = view.hour[key].tail(RATE_WINDOW_MINUTES).total()
        throughput[key] = {
            "per_minute": round(recent / RATE_WINDOW_MINUTES, 2) if recent is not None else None,
            "last_hour": _whole(view.hour[key].total()),
            "last_day": _whole(view.day[key].total()),
        }
    errors = {key: _whole(view.hour[key].total()) for key in ERROR_COUNTS}
    recent_lag = view.hour["lag"].tail(RATE_WINDOW_MINUTES).latest()
    recent_age = view.hour["age"].tail(RATE_WINDOW_MINUTES).latest()
    lag = {"consumer_lag_ms": recent_lag, "iterator_age_ms": recent_age}
    series = {
        "last_hour": chart(view.hour, per_minute=1.0),
        "last_day": chart(view.day, per_minute=view.day["received"].period / 60.0),
    }
    return Summary(throughput, {"window": "last_hour", **errors}, lag, series)


def chart(grid: Mapping[str, Series], per_minute: float) -> dict[str, Any]:
    """Points of tweets per minute (received and stored) on the grid, gaps as null."""
    received, stored = grid["received"], grid["stored"]
    points = []
    for index, (got, kept) in enumerate(zip(received.values, stored.values, strict=True)):
        at = received.start + timedelta(seconds=index * received.period)
        points.append(
            {
                "t": iso_text(at),
                "received": round(got / per_minute, 2) if got is not None else None,
                "stored": round(kept / per_minute, 2) if kept is not None else None,
            }
        )
    return {"period_seconds": received.period, "unit": "tweets per minute", "points": points}


def _whole(value: float | None) -> int | None:
    return round(value) if value is not None else None


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
