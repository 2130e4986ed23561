"""Runtime settings, read once from ``STREAMFEED_*`` environment variables.

The streamer, the Lambda handlers, the CLI and the tests all need the same names
and endpoints. Reading them into one typed object means a bad value fails at
start with a message naming the variable, instead of deep inside a handler.
This is the successor of django-twitter-stream's ``TWITTER_STREAM_SETTINGS`` dictionary.
"""

from __future__ import annotations

import os
from typing import Final, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX: Final = "STREAMFEED_"

#: AWS services whose endpoint can be redirected (the local cloud does this).
Service = Literal["dynamodb", "kinesis", "secretsmanager", "ssm", "cloudwatch", "logs", "sqs"]
SERVICES: Final[tuple[Service, ...]] = (
    "dynamodb",
    "kinesis",
    "secretsmanager",
    "ssm",
    "cloudwatch",
    "logs",
    "sqs",
)


class SettingsError(ValueError):
    """A setting has a bad value; ``str()`` is one line naming the variable."""


def _endpoint(service: str) -> str:
    return f"Endpoint URL override for {service} (set by the local cloud; unset on AWS)."


class Settings(BaseSettings):
    """Every knob of the system. Field ``x`` is read from ``STREAMFEED_X``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="ignore", populate_by_name=True
    )

    stage: str = Field(
        "dev",
        pattern=r"^[a-z][a-z0-9-]{0,15}$",
        description="Deployment stage; resource names default to `streamfeed-<stage>-…`.",
    )
    name_prefix: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$",
        description="Prefix of every table, stream, queue and secret name "
        "(default `streamfeed-<stage>`).",
    )
    region: str = Field(
        "us-east-1",
        pattern=r"^[a-z]{2}(-[a-z]+)+-\d$",
        validation_alias=AliasChoices("STREAMFEED_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
        description="AWS region (falls back to `AWS_REGION`, then `AWS_DEFAULT_REGION`).",
    )
    stream_name: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.-]{1,128}$",
        description="Kinesis stream the streamer writes to (default `<prefix>-tweets`).",
    )
    stream_shards: int = Field(
        1, ge=1, le=64, description="Shard count when the local cloud creates the stream."
    )
    dlq_name: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{1,80}$",
        description="SQS dead-letter queue for records the consumer cannot process "
        "(default `<prefix>-consumer-dlq`).",
    )
    dynamodb_endpoint: str | None = Field(None, description=_endpoint("DynamoDB"))
    kinesis_endpoint: str | None = Field(None, description=_endpoint("Kinesis"))
    secretsmanager_endpoint: str | None = Field(None, description=_endpoint("Secrets Manager"))
    ssm_endpoint: str | None = Field(None, description=_endpoint("SSM"))
    cloudwatch_endpoint: str | None = Field(None, description=_endpoint("CloudWatch"))
    logs_endpoint: str | None = Field(None, description=_endpoint("CloudWatch Logs"))
    sqs_endpoint: str | None = Field(None, description=_endpoint("SQS"))
    x_api_url: str = Field(
        "https://api.twitter.com",
        description="Base URL of the X API (point it at the fake X server for local runs).",
    )
    poll_interval: float = Field(
        10.0,
        gt=0,
        le=3600,
        description="Seconds between reads of the terms table and status writes "
        "(django-twitter-stream's POLL_INTERVAL).",
    )
    capture_retweets: bool = Field(
        False,
        description="Also keep the original of each retweet as a tweet of its own "
        "(django-twitter-stream's CAPTURE_RETWEETS).",
    )
    tweet_model: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Custom tweet model: a dotted path to a `TweetModel` subclass or to a hook "
        "that adds attributes to stored tweets "
        "(django-twitter-stream's TWITTER_STREAM_TWEET_MODEL).",
    )
    default_keys: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="Name of the key set to stream with when none is given "
        "(django-twitter-stream's DEFAULT_KEYS_NAME).",
    )
    prevent_exit: bool = Field(
        False,
        description="Supervise the streamer and restart it after a crash "
        "(django-twitter-stream's PREVENT_EXIT).",
    )
    backfill_minutes: int = Field(
        0,
        ge=0,
        le=5,
        description="Minutes of tweets the streamer asks X to re-send on every reconnect (0-5; "
        "X tiers with backfill only). A takeover after a crash asks for its gap anyway.",
    )
    feed_backend: str = Field(
        "fanout",
        min_length=1,
        max_length=200,
        description="Feed storage: `fanout`, `shared`, `redis`, `memory` or a dotted path to "
        "a class.",
    )
    feed_max_length: int = Field(
        0, ge=0, description="Keep at most this many items per feed (0 = unlimited)."
    )
    redis_url: str | None = Field(
        None,
        max_length=2000,
        description="The `redis` backend's server: `redis://[user:password@]host:port[/db]`, or "
        "`rediss://` for TLS (set by the local cloud; on AWS, the ElastiCache endpoint).",
    )
    redis_secret: str | None = Field(
        None,
        max_length=2048,
        description="Secrets Manager id of the `redis` backend's credentials, JSON "
        '`{"username": …, "password": …}`; they override the URL\'s (set by the CDK app).',
    )
    redis_key_prefix: str | None = Field(
        None,
        max_length=200,
        description="Prefix of every key the `redis` backend writes (default: the stage's name "
        "prefix and a colon), so stages can share a server.",
    )
    redis_timeout: float = Field(
        2.0, gt=0, le=60, description="Seconds the `redis` backend waits to connect or answer."
    )
    redis_retries: int = Field(
        3,
        ge=0,
        le=10,
        description="Retries, with exponential backoff, of a `redis` command that failed on a "
        "connection error or timeout; then the call fails (a Kinesis batch is retried whole).",
    )
    redis_max_connections: int = Field(
        16, ge=1, le=1000, description="Connections the `redis` backend's pool keeps per process."
    )
    hot_term_subscribers: int = Field(
        1000,
        ge=0,
        description="A term with this many subscribers turns hot: its tweets are stored once "
        "and merged into its subscribers' feeds when read, instead of written into each. It "
        "turns cold again below half of it (0: never hot).",
    )
    hot_term_lead_seconds: float = Field(
        60.0,
        ge=0,
        le=3600,
        description="How far ahead a term turning hot or cold takes effect, so that every "
        "consumer makes the same choice for every tweet.",
    )
    local_dir: str = Field(
        ".streamfeed",
        min_length=1,
        description="Where the local cloud keeps its data, logs and `local.env`.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Log level of every component."
    )
    metrics_namespace: str = Field(
        "streamfeed",
        pattern=r"^[A-Za-z0-9_./#:-]{1,255}$",
        description="CloudWatch metrics namespace shared by every component.",
    )
    status_page_public: bool = Field(
        False,
        description="Serve `GET /status/page` without a token: anyone who can reach the API "
        "sees the stream's state, terms and errors (off: the page asks for an admin token).",
    )
    status_page_refresh: int = Field(
        15, ge=5, le=3600, description="Seconds between the status page's own refreshes."
    )

    @field_validator(
        "dynamodb_endpoint",
        "kinesis_endpoint",
        "secretsmanager_endpoint",
        "ssm_endpoint",
        "cloudwatch_endpoint",
        "logs_endpoint",
        "sqs_endpoint",
        "x_api_url",
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")) or len(value) < 10:
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("redis://", "rediss://", "valkey://", "valkeys://")):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    # Derived names. One rule for every component, so nothing can drift.
    @property
    def prefix(self) -> str:
        return self.name_prefix or f"streamfeed-{self.stage}"

    @property
    def redis_prefix(self) -> str:
        """Where the ``redis`` backend's keys start; stages sharing a server never collide."""
        return self.redis_key_prefix if self.redis_key_prefix is not None else f"{self.prefix}:"

    def table_name(self, logical: str) -> str:
        return f"{self.prefix}-{logical}"

    @property
    def kinesis_stream(self) -> str:
        return self.stream_name or f"{self.prefix}-tweets"

    @property
    def dead_letter_queue(self) -> str:
        return self.dlq_name or f"{self.prefix}-consumer-dlq"

    def secret_name(self, logical: str) -> str:
        return f"{self.prefix}/{logical}"

    def endpoint(self, service: Service) -> str | None:
        value: str | None = getattr(self, f"{service}_endpoint")
        return value


def env_name(field: str) -> str:
    """The environment variable that sets ``field``."""
    return ENV_PREFIX + field.upper()


def load_settings() -> Settings:
    """Build settings from the process environment.

    Raises SettingsError with one line naming the first bad variable.
    """
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = str(error["loc"][0]) if error["loc"] else "?"
    name = _variable_for(loc)
    got = os.environ.get(name)
    shown = f" (got {got!r})" if got is not None else ""
    return f"bad setting {name}: {error['msg']}{shown}"


def _variable_for(loc: str) -> str:
    """The environment variable behind an error location (a field or an alias)."""
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        choices = (
            [c for c in alias.choices if isinstance(c, str)]
            if isinstance(alias, AliasChoices)
            else []
        )
        if loc == field_name or loc in choices:
            present = [c for c in choices if c in os.environ]
            return present[0] if present else env_name(field_name)
    return loc.upper()
