"""Log lines for the long-running programs: the streamer, and the local tools.

Lambda code logs through Powertools instead (JSON to CloudWatch); these are
plain timestamped lines on stderr, which ECS's awslogs driver ships as is.
"""

from __future__ import annotations

import logging
import sys

TIMESTAMPED = "%(asctime)s %(levelname)s %(name)s: %(message)s"
NOISY = ("botocore", "urllib3")


def configure_logging(
    level: str | int, fmt: str = TIMESTAMPED, noisy: tuple[str, ...] = NOISY
) -> None:
    """Log at ``level`` to stderr, but keep chatty libraries at WARNING or above.

    botocore's and urllib3's INFO lines (credentials found, every new
    connection) would drown the program's own lines.
    """
    logging.basicConfig(stream=sys.stderr, level=level, format=fmt)
    floor = max(logging.WARNING, logging.getLogger().level)
    for name in noisy:
        logging.getLogger(name).setLevel(floor)
