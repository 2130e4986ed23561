"""The API's Powertools logger: JSON lines with the Lambda context, as the consumer's.

Its name is the service, not a child of ``streamfeed``: Chalice pins the
logger named after the app (``streamfeed``) to ERROR with propagation off, so
lines logged under it never appeared. The level follows
``STREAMFEED_LOG_LEVEL`` once the runtime is built (``api.runtime``).
"""

from __future__ import annotations

from typing import Final

from aws_lambda_powertools import Logger

SERVICE: Final = "streamfeed-api"

#: The API's logger; ``app.py`` injects the Lambda context through middleware.
logger: Final = Logger(service=SERVICE)
