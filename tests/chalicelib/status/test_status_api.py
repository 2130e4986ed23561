"""``GET /status`` and ``GET /status/page`` on the local cloud: the numbers come from
CloudWatch and SQS, the page asks for a token unless the operator made it public."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from chalicelib.consumer.telemetry import Counts
from chalicelib.consumer.totals import ConsumerTotals
from chalicelib.core import metricnames as names
from chalicelib.core.aws import client
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from chalicelib.status.page import serve
from streamer.heartbeat import MetricsPublisher
from tests.chalicelib.api.conftest import Api, api_stage_for, body_of
from tests.chalicelib.api.support import api_on


def write_status(settings: Settings, state: str = "connected", **extra: object) -> None:
    now = datetime.now(UTC)
    data = {"state": state, "heartbeat_at": now.isoformat(), "poll_interval": 10, **extra}
    bind_models(settings).control("streamer", "status", data=data, updated_at=now).save()


@pytest.fixture
def full_api(full_stage: Settings) -> Iterator[Api]:
    with api_on(full_stage) as api:
        yield api


def test_status_has_rates_totals_lag_dead_letters_terms_and_the_last_error(full_api: Api) -> None:
    settings = full_api.settings
    cloudwatch = client(settings, "cloudwatch")
    # The streamer's publisher, as it runs once a minute.
    streamer = MetricsPublisher(cloudwatch, settings.metrics_namespace, settings.prefix)
    streamer.publish(
        {names.TWEETS_RECEIVED: 300, names.TWEETS_SHIPPED: 290, names.STREAM_ERRORS: 2},
        {names.STREAM_CONNECTED: 1.0},
    )
    # What the consumer publishes under the same scheme.
    stage = [{"Name": names.STAGE_DIMENSION, "Value": settings.prefix}]
    cloudwatch.put_metric_data(
        Namespace=settings.metrics_namespace,
        MetricData=[
            {"MetricName": names.TWEETS_STORED, "Dimensions": stage, "Value": 250.0},
            {"MetricName": names.CONSUMER_LAG_MS, "Dimensions": stage, "Value": 1200.0},
        ],
    )
    sqs = client(settings, "sqs")
    url = sqs.get_queue_url(QueueName=settings.dead_letter_queue)["QueueUrl"]
    for n in range(2):
        sqs.send_message(QueueUrl=url, MessageBody=f"poison {n}")
    term = body_of(full_api.as_admin("POST", "/terms", body={"value": "#kites"}))["term_id"]
    write_status(settings, last_error="stream stalled", last_error_at="2024-05-01T12:00:00Z")
    totals = ConsumerTotals(client(settings, "dynamodb"), settings.table_name("control"))
    totals.add("shardId-000000000000", Counts(tweets_stored=1000, feed_items_written=5))
    totals.add("shardId-000000000001", Counts(tweets_stored=234))

    body = body_of(full_api.as_admin("GET", "/status"))

    assert body["stream"]["state"] == "connected"
    assert body["problems"] == []
    received = body["throughput"]["received"]
    assert (received["last_hour"], received["last_day"], received["per_minute"]) == (300, 300, 60)
    assert body["throughput"]["shipped"]["last_hour"] == 290
    assert body["throughput"]["stored"]["last_hour"] == 250
    assert body["errors"]["stream_errors"] == 2
    assert body["lag"]["consumer_lag_ms"] == 1200
    assert body["dead_letter"]["messages"] == 2
    assert body["stored_total"] == 1234
    assert body["terms"]["items"] == [
        {"term_id": term, "value": "#kites", "enabled": True, "sync_state": "pending",
         "sync_error": None}
    ]  # fmt: skip
    assert body["last_error"] == {
        "source": "streamer",
        "message": "stream stalled",
        "at": "2024-05-01T12:00:00Z",
    }
    points = [p for p in body["series"]["last_hour"]["points"] if p["received"] is not None]
    assert [(p["received"], p["stored"]) for p in points] == [(300, 250)]
    assert len(body["series"]["last_day"]["points"]) == 96


def test_status_still_answers_when_cloudwatch_and_the_queue_are_missing(stage: Settings) -> None:
    # Tables only: no dead-letter queue; and nothing listens on port 9.
    broken = api_stage_for(stage).model_copy(update={"cloudwatch_endpoint": "http://127.0.0.1:9"})
    write_status(broken, "waiting-for-terms")
    with api_on(broken) as degraded:
        body = body_of(degraded.as_admin("GET", "/status"))
    assert body["stream"]["state"] == "waiting-for-terms"
    assert body["throughput"] is None and body["series"] is None
    problems = " | ".join(body["problems"])
    assert "CloudWatch metrics are unavailable" in problems
    assert "dead-letter queue: the queue does not exist" in problems


# --- the page -----------------------------------------------------------------


def html_of(response: object) -> str:
    assert response.headers["Content-Type"].startswith("text/html")  # type: ignore[attr-defined]
    return response.body.decode()  # type: ignore[attr-defined]


def test_without_a_token_the_page_asks_for_one_and_shows_nothing(full_api: Api) -> None:
    body_of(full_api.as_admin("POST", "/terms", body={"value": "#secret-term"}))
    write_status(full_api.settings)
    response = full_api.call("GET", "/status/page")
    assert response.status_code == 200
    html = html_of(response)
    assert 'id="login"' in html
    assert "secret-term" not in html and "state-badge" not in html
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["Cache-Control"] == "no-store"


def test_the_page_with_a_token_is_for_admins_only(full_api: Api) -> None:
    body_of(full_api.as_admin("POST", "/terms", body={"value": "#secret-term"}))
    write_status(full_api.settings)
    refused = full_api.call("GET", "/status/page", headers={"Authorization": "Bearer nonsense"})
    assert refused.status_code == 401
    assert body_of(refused)["error"] == "unauthorized"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    user = full_api.call("GET", "/status/page", token=full_api.token("alice"))
    assert (user.status_code, body_of(user)["error"]) == (403, "forbidden")
    assert "secret-term" not in user.body.decode()
    admin = full_api.call("GET", "/status/page", token=full_api.token("root", "admin"))
    assert admin.status_code == 200
    html = html_of(admin)
    assert 'data-state="connected"' in html and "#secret-term" in html


def test_the_operator_can_make_the_page_public(
    full_stage: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    public = full_stage.model_copy(update={"status_page_public": True, "status_page_refresh": 30})
    write_status(public, "backing-off", lease_holder="ip-10-0-1-7:4711", host="ip-10-0-1-7")
    built: list[str] = []
    real = serve.current_status

    def counted(settings: Settings, now: datetime) -> dict[str, object]:
        built.append(settings.prefix)
        return real(settings, now)

    monkeypatch.setattr(serve, "current_status", counted)
    now = [0.0]  # the instance's clock, stopped: a slow machine cannot expire the report
    monkeypatch.setattr(serve, "_PUBLIC", serve._SharedReport(5.0, clock=lambda: now[0]))
    with api_on(public) as api:
        responses = [api.call("GET", "/status/page") for _ in range(5)]
    assert [r.status_code for r in responses] == [200] * 5
    html = html_of(responses[-1])
    assert 'data-state="backing-off"' in html
    assert 'data-auth="public"' in html and 'data-refresh="30"' in html
    assert 'id="login"' not in html
    # Anonymous readers share one report per instance for a few seconds, without
    # where the streamer runs.
    assert built == [public.prefix]
    assert "ip-10-0-1-7" not in html and "lease holder" not in html
    now[0] = 5.0  # a few seconds on: the next reader gets a fresh report
    with api_on(public) as api:
        assert api.call("GET", "/status/page").status_code == 200
    assert built == [public.prefix] * 2


def test_the_page_and_the_json_agree(full_api: Api) -> None:
    write_status(full_api.settings, "standby", lease_holder="other-host:1234")
    status = body_of(full_api.as_admin("GET", "/status"))
    page = html_of(full_api.call("GET", "/status/page", token=full_api.token("root", "admin")))
    assert status["stream"]["state"] == "standby"
    assert 'data-state="standby"' in page and "other-host:1234" in page
    assert json.dumps(status)  # the JSON is plain data
