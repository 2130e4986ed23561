# The streamer task (ECS Fargate, ARM64): holds the one X connection and ships
# batches to Kinesis. No secrets in the image: the bearer token comes from
# Secrets Manager at run time, through the key set named in the settings.
#
# The image holds the streamer package and the part of chalicelib it shares
# with the Lambda functions (chalicelib/core), nothing else; tests/streamer
# checks that this is exactly what the program imports.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMFEED_LOCAL_DIR=/var/lib/streamfeed

WORKDIR /app
COPY requirements-core.txt requirements-streamer.txt ./
RUN pip install -r requirements-streamer.txt \
 && useradd --system --uid 10001 --home-dir /var/lib/streamfeed streamfeed \
 && mkdir -p /var/lib/streamfeed \
 && chown streamfeed /var/lib/streamfeed

COPY chalicelib/__init__.py chalicelib/
COPY chalicelib/core chalicelib/core
COPY streamer streamer

USER streamfeed
# ECS sends SIGTERM, then SIGKILL after the stop timeout: the streamer flushes
# to Kinesis (or its spool under /var/lib/streamfeed) and exits 0 before that.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "streamer"]
