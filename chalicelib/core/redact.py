"""Keep key-set secrets out of botocore's DEBUG logs.

At DEBUG, botocore logs every request's parameters and every response body,
so a Lambda run with ``STREAMFEED_LOG_LEVEL=DEBUG`` would write bearer tokens
to CloudWatch. This filter, on the two botocore loggers that print bodies,
blanks any record carrying a Secrets Manager ``SecretString``.
"""

from __future__ import annotations

import logging
from typing import Final

#: botocore's loggers that print request parameters and response bodies.
BODY_LOGGERS: Final = ("botocore.endpoint", "botocore.parsers")
REDACTED: Final = "[a Secrets Manager request or response, redacted by streamfeed]"


class SecretStringFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            return True
        if "SecretString" in text:
            record.msg, record.args = REDACTED, ()
        return True


_FILTER = SecretStringFilter()


def install() -> None:
    """Idempotent: attach the filter once to each body-printing botocore logger."""
    for name in BODY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
