"""CloudWatch answers turned into rates, totals, lag and chart points (no servers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core import metricnames as names
from chalicelib.core.settings import Settings
from chalicelib.status.metrics import (
    DAY,
    HOUR,
    HOUR_QUERIES,
    MetricsView,
    Series,
    Window,
    metric_queries,
    summarise,
    to_series,
)

NOW = datetime(2024, 5, 1, 12, 30, 25, tzinfo=UTC)


def test_windows_are_whole_periods_ending_after_now() -> None:
    start, end = HOUR.bounds(NOW)
    assert end == datetime(2024, 5, 1, 12, 31, tzinfo=UTC)
    assert end - start == timedelta(hours=1)
    start, end = DAY.bounds(NOW)
    assert end == datetime(2024, 5, 1, 12, 45, tzinfo=UTC)
    assert end - start == timedelta(days=1)


def test_queries_use_the_one_namespace_and_stage_dimension() -> None:
    settings = Settings(name_prefix="acme-prod", metrics_namespace="sf")
    queries = {q["Id"]: q["MetricStat"] for q in metric_queries(settings, HOUR, HOUR_QUERIES)}
    received = queries["received"]["Metric"]
    assert received["Namespace"] == "sf"
    assert received["MetricName"] == names.TWEETS_RECEIVED
    assert received["Dimensions"] == [{"Name": names.STAGE_DIMENSION, "Value": "acme-prod"}]
    assert (queries["received"]["Stat"], queries["received"]["Period"]) == ("Sum", 60)
    assert queries["lag"]["Metric"]["MetricName"] == names.CONSUMER_LAG_MS
    assert queries["lag"]["Stat"] == "Maximum"
    assert queries["age"]["Metric"]["Dimensions"] == [
        {"Name": "StreamName", "Value": "acme-prod-tweets"}
    ]
    with pytest.raises(KeyError):
        metric_queries(settings, HOUR, ["nonsense"])


def test_answers_land_in_their_buckets() -> None:
    window = Window(period=60, buckets=3)
    start = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    results = [
        {
            "Id": "received",
            "Timestamps": [start + timedelta(minutes=2), start, start - timedelta(minutes=1)],
            "Values": [7.0, 3.0, 99.0],
        }
    ]
    series = to_series(results, window, start)["received"]
    assert series.values == (3.0, None, 7.0)
    assert series.total() == 10.0
    assert series.latest() == 7.0


def grid(window: Window, values: dict[int, float]) -> Series:
    start, _ = window.bounds(NOW)
    return Series(start, window.period, tuple(values.get(i) for i in range(window.buckets)))


def view(hour: dict[str, dict[int, float]], day: dict[str, dict[int, float]]) -> MetricsView:
    return MetricsView(
        hour={key: grid(HOUR, hour.get(key, {})) for key in HOUR_QUERIES},
        day={
            key: grid(DAY, day.get(key, {}))
            for key in ("received", "shipped", "stored", "feed_items")
        },
    )


def test_rates_average_the_last_five_minutes_and_totals_sum_the_window() -> None:
    summary = summarise(
        view(
            hour={
                "received": {0: 1000.0, 55: 100.0, 57: 200.0, 59: 300.0},
                "stream_errors": {10: 2.0, 58: 1.0},
                "lag": {50: 9000.0, 58: 1500.0},
            },
            day={"received": {95: 900.0, 94: 600.0}},
        )
    )
    received = summary.throughput["received"]
    assert received == {"per_minute": 120.0, "last_hour": 1600, "last_day": 1500}
    assert summary.throughput["stored"] == {"per_minute": None, "last_hour": None, "last_day": None}
    assert summary.errors["stream_errors"] == 3
    assert summary.errors["quarantined"] is None
    assert summary.lag == {"consumer_lag_ms": 1500.0, "iterator_age_ms": None}


def test_lag_older_than_the_rate_window_is_not_current() -> None:
    summary = summarise(view(hour={"lag": {40: 9000.0}}, day={}))
    assert summary.lag["consumer_lag_ms"] is None


def test_chart_points_are_tweets_per_minute_with_gaps() -> None:
    summary = summarise(view(hour={"received": {59: 120.0}}, day={"received": {95: 900.0}}))
    hour = summary.series["last_hour"]["points"]
    assert len(hour) == 60
    assert hour[-1]["received"] == 120.0
    assert hour[-1]["t"] == "2024-05-01T12:30:00Z"
    assert hour[0]["received"] is None
    day = summary.series["last_day"]
    assert (day["period_seconds"], len(day["points"])) == (900, 96)
    assert day["points"][-1]["received"] == 60.0  # 900 tweets in 15 minutes
