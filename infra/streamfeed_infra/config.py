"""Per-stage choices of the deployment: what differs between dev and prod.

Names never come from here: they come from ``chalicelib.core.settings.Settings``
built for the stage, the same rules every component uses at run time, so a
table the CDK app creates is the table the code looks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from chalicelib.core.settings import Settings

STAGES: Final = ("dev", "prod")
DEFAULT_REGION: Final = "us-east-1"
#: Feed backends the CDK app can deploy: ``fanout`` (DynamoDB tables only, the
#: default) or ``redis`` (adds an ElastiCache Serverless Valkey cache, see cache.py).
FEED_BACKENDS: Final = ("fanout", "redis")


@dataclass(frozen=True)
class FunctionSize:
    """Memory (MB) and timeout (s) of one Lambda function."""

    memory: int
    timeout: int


@dataclass(frozen=True)
class StageConfig:
    """One stage's deployment. ``protect`` means prod: keep data, refuse deletes."""

    settings: Settings
    protect: bool
    #: The handler names Chalice gives the functions (``app.py``).
    api: FunctionSize
    consumer: FunctionSize
    authorizer: FunctionSize
    #: Fargate task size: 0.25 vCPU / 512 MiB is the smallest ARM64 task and
    #: holds one stream of the 1% sample with room to spare (see SCALING.md).
    streamer_cpu: int = 256
    streamer_memory: int = 512
    #: How the API runs: "cdk" (the Chalice construct, default) or "chalice"
    #: (skip it here; `chalice deploy` owns the API and consumer functions).
    api_mode: str = "cdk"
    alarm_email: str | None = None
    #: STREAMFEED_BACKFILL_MINUTES of the streamer task (0: X re-sends nothing on a
    #: reconnect; 1-5 needs an X tier with backfill). See RELIABILITY.md.
    streamer_backfill_minutes: int = 0
    #: Where feeds live: "fanout" (DynamoDB) or "redis" (ElastiCache Serverless
    #: Valkey in its own VPC, with the API and consumer functions in that VPC).
    feed_backend: str = "fanout"
    #: Cognito MFA (TOTP) required at every sign-in (prod) rather than optional
    #: (each user may turn it on): see auth.py for why the whole pool.
    mfa_required: bool = False
    #: With ``api_mode`` "chalice" only: the URL ``chalice url`` prints for the
    #: ``chalice deploy``-ed API (``https://…/api/``), so the app client can send
    #: the console's sign-in back to it. The CDK path knows its own API's URL.
    chalice_api_url: str | None = None

    @property
    def feed_cache(self) -> bool:
        """The stage has the Valkey cache (and the VPC its functions then run in)."""
        return self.feed_backend == "redis"

    @property
    def stage(self) -> str:
        return self.settings.stage

    @property
    def prefix(self) -> str:
        return self.settings.prefix

    @property
    def stack_name(self) -> str:
        return self.prefix


#: An API's base URL as ``chalice url`` prints it: HTTPS, a host, a path ending in "/".
_API_URL = re.compile(r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/([A-Za-z0-9._~-]+/)*")


def stage_settings(stage: str, region: str = DEFAULT_REGION) -> Settings:
    """The stage's settings from its name alone, whatever the deployer's shell holds.

    A ``STREAMFEED_NAME_PREFIX`` left over from a local session must not rename
    production tables, so every naming field is passed explicitly.
    """
    return Settings(
        stage=stage,
        region=region,
        name_prefix=None,
        stream_name=None,
        dlq_name=None,
        metrics_namespace="streamfeed",
    )


def stage_config(
    stage: str,
    region: str = DEFAULT_REGION,
    api_mode: str = "cdk",
    alarm_email: str | None = None,
    backfill_minutes: int | str = 0,
    feed_backend: str = "fanout",
    api_url: str | None = None,
) -> StageConfig:
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}: expected one of {', '.join(STAGES)}")
    if api_mode not in ("cdk", "chalice"):
        raise ValueError(f"unknown api mode {api_mode!r}: expected cdk or chalice")
    backfill = str(backfill_minutes).strip()
    if not (backfill.isdigit() and int(backfill) <= 5):
        raise ValueError(f"backfill_minutes must be 0 to 5 (X's limit), not {backfill_minutes!r}")
    if feed_backend not in FEED_BACKENDS:
        raise ValueError(f"feed_backend must be {' or '.join(FEED_BACKENDS)}, not {feed_backend!r}")
    if feed_backend == "redis" and api_mode == "chalice":
        # `chalice deploy` cannot attach its functions to the cache's VPC, security
        # group and secret, which only this stack creates.
        raise ValueError(
            "feed_backend=redis needs the CDK path (leave out api=chalice): chalice deploy "
            "cannot put its functions in the cache's VPC"
        )
    if api_url is not None:
        if api_mode != "chalice":
            raise ValueError(
                "api_url is for api=chalice (the URL `chalice url` prints): the CDK path "
                "knows its own API's URL"
            )
        api_url = api_url.strip()
        api_url = api_url if api_url.endswith("/") else api_url + "/"
        if not _API_URL.fullmatch(api_url):
            raise ValueError(f"api_url must be the API's https:// URL, not {api_url!r}")
    prod = stage == "prod"
    return StageConfig(
        settings=stage_settings(stage, region),
        protect=prod,
        api=FunctionSize(memory=1024 if prod else 512, timeout=30),
        # A batch is up to 10 records of up to 2,000 tweets each, fanned out:
        # give it minutes, not the API's 30 s (a timeout retries the batch).
        consumer=FunctionSize(memory=1024, timeout=120),
        authorizer=FunctionSize(memory=256, timeout=10),
        api_mode=api_mode,
        alarm_email=alarm_email,
        streamer_backfill_minutes=int(backfill),
        feed_backend=feed_backend,
        mfa_required=prod,
        chalice_api_url=api_url,
    )


def streamer_environment(config: StageConfig) -> dict[str, str]:
    """The streamer task's plain settings (the stack adds the region and stream tokens)."""
    settings = config.settings
    return {
        "STREAMFEED_STAGE": settings.stage,
        "STREAMFEED_NAME_PREFIX": settings.prefix,
        "STREAMFEED_METRICS_NAMESPACE": settings.metrics_namespace,
        "STREAMFEED_LOG_LEVEL": "INFO",
        # Restart after a crash inside the task (with backoff) instead
        # of exiting: ECS would count each exit towards the breaker.
        "STREAMFEED_PREVENT_EXIT": "true",
        "STREAMFEED_BACKFILL_MINUTES": str(config.streamer_backfill_minutes),
    }


def function_environment(config: StageConfig) -> dict[str, str]:
    """What every Lambda function of the stage reads, on both deployment paths.

    Plain names (``Settings`` derives each table's name from the prefix).
    """
    settings = config.settings
    return {
        "STREAMFEED_STAGE": settings.stage,
        "STREAMFEED_NAME_PREFIX": settings.prefix,
        "STREAMFEED_STREAM_NAME": settings.kinesis_stream,
        "STREAMFEED_DLQ_NAME": settings.dead_letter_queue,
        "STREAMFEED_METRICS_NAMESPACE": settings.metrics_namespace,
        # Never fall back to locally signed tokens: without a pool id the API refuses all.
        "STREAMFEED_AUTH_MODE": "cognito",
        "POWERTOOLS_SERVICE_NAME": "streamfeed",
    }
