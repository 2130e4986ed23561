"""One botocore data loader for the whole streamer process.

botocore parses its JSON data (endpoints, partitions, each service's model
and endpoint rules) once per *session*, and the streamer makes a session per
client: its Kinesis shipper, the cached clients of :mod:`chalicelib.core.aws`
(CloudWatch, Secrets Manager) and PynamoDB's connection for each model class
it reads (terms, control, key sets). Six such sessions and clients held about
59 MiB of identical parsed JSON; with one shared loader, as the clients of a
single boto3 session share theirs, they held 18 MiB. That was a third of the
streamer's resident memory before it read a tweet (figure 6).

Only the loader (a read-only cache of parsed files) is shared; each client
keeps its own session, so nothing changes for thread safety. A concurrent
first load of the same file may parse it twice; both results are the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import botocore.session

_LOCK = threading.Lock()
_LOADERS: dict[str | None, Any] = {}
_MARK = "_streamfeed_shared_loader"


def share_loader() -> None:
    """From now on, new botocore sessions in this process share one loader per data path.

    Idempotent. Sessions made earlier keep their own loader.
    """
    original: Callable[..., Any] = botocore.session.create_loader
    if getattr(original, _MARK, False):
        return

    def create_loader(search_path_string: str | None = None) -> Any:
        with _LOCK:
            loader = _LOADERS.get(search_path_string)
            if loader is None:
                loader = _LOADERS[search_path_string] = original(search_path_string)
            return loader

    setattr(create_loader, _MARK, True)
    # botocore.session looks ``create_loader`` up when a session first needs data.
    botocore.session.create_loader = create_loader
