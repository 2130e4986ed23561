"""The CDK app: one stage per run (``cdk synth -c stage=prod``).

One stage per process because Chalice imports ``app.py`` to package it, with
the stage's environment variables set, and Python imports a module once.

Context: ``stage`` (dev|prod), ``region`` (else CDK_DEFAULT_REGION, else
us-east-1), ``api`` (cdk: the Chalice app is in the stack; chalice: left to
``chalice deploy``), ``alarm_email`` (subscribe an address to the alarms),
``backfill_minutes`` (0-5, the streamer's STREAMFEED_BACKFILL_MINUTES; default 0),
``feed_backend`` (fanout, the default: feeds in DynamoDB; redis: an ElastiCache
Serverless Valkey cache, CDK path only), ``api_url`` (with ``api=chalice``: the
URL ``chalice url`` prints, so the console's hosted sign-in can return to it).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

# One import path for the package everywhere (tests and mypy use `infra.…` too).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aws_cdk as cdk

from infra.streamfeed_infra.api import PACKAGE_DIR_ENV
from infra.streamfeed_infra.config import DEFAULT_REGION, stage_config
from infra.streamfeed_infra.stack import StreamfeedStack


def main() -> None:
    app = cdk.App()
    context = app.node.try_get_context
    try:
        config = stage_config(
            stage=str(context("stage") or "dev"),
            region=str(context("region") or os.environ.get("CDK_DEFAULT_REGION") or DEFAULT_REGION),
            api_mode=str(context("api") or "cdk"),
            alarm_email=context("alarm_email"),
            backfill_minutes=context("backfill_minutes") or 0,
            feed_backend=str(context("feed_backend") or "fanout"),
            api_url=context("api_url"),
        )
    except ValueError as exc:  # a bad -c value: one line, not a traceback
        sys.exit(f"streamfeed infra: {exc}")
    StreamfeedStack(app, config)
    try:
        app.synth()
    finally:
        scratch = os.environ.get(PACKAGE_DIR_ENV)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
