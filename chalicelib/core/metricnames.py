"""The metric names and the one dimension every component uses.

Namespace: ``Settings.metrics_namespace`` (default ``streamfeed``).
Dimension: ``Stage`` = ``Settings.prefix`` (e.g. ``streamfeed-prod``), so
stages never mix in a dashboard. The dashboard and alarms are built from these
names, so a rename here is a rename everywhere.
"""

from __future__ import annotations

from typing import Final

STAGE_DIMENSION: Final = "Stage"

# The streamer (counts are per-minute deltas; gauges are current values).
TWEETS_RECEIVED: Final = "TweetsReceived"
TWEETS_SHIPPED: Final = "TweetsShipped"
BAD_LINES: Final = "BadLines"
STREAM_ERRORS: Final = "StreamErrors"
RECONNECTS: Final = "Reconnects"
SPOOL_DEPTH: Final = "SpoolDepth"
STREAM_CONNECTED: Final = "StreamConnected"

# The consumer.
TWEETS_STORED: Final = "TweetsStored"
DUPLICATES_SKIPPED: Final = "DuplicatesSkipped"
FEED_ITEMS_WRITTEN: Final = "FeedItemsWritten"
RECORDS_QUARANTINED: Final = "RecordsQuarantined"
CONSUMER_LAG_MS: Final = "ConsumerLagMilliseconds"
