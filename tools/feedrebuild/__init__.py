"""``streamfeed feeds rebuild``: refill feeds from the tweets, timelines and subscriptions.

See :mod:`tools.feedrebuild.rebuild` for what is restored, how, and where a
rebuilt feed can differ from the one the consumer wrote.
"""

from tools.feedrebuild.rebuild import (
    DEFAULT_BATCH,
    MAX_BATCH,
    Options,
    Progress,
    Rebuild,
    RebuildError,
    Summary,
    rebuild,
)

__all__ = [
    "DEFAULT_BATCH",
    "MAX_BATCH",
    "Options",
    "Progress",
    "Rebuild",
    "RebuildError",
    "Summary",
    "rebuild",
]
