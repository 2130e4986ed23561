"""The headers on every JSON answer, the views' and the middleware's alike.

Its own module so the error middleware, which every HTTP function loads,
does not pull in the operations table.
"""

from __future__ import annotations

from typing import Final

HEADERS: Final = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
