"""Build the backend named by ``STREAMFEED_FEED_BACKEND``.

The setting is a short name (``fanout``, ``shared``, ``memory``) or a dotted
path to a class (``package.module.Class`` or ``package.module:Class``) that is
called with the ``Settings``. Every way this can go wrong becomes one
``FeedConfigError`` naming the variable, at start-up, instead of an
AttributeError on the first feed read.
"""

from __future__ import annotations

import os
from typing import Final

from chalicelib.core.settings import Settings
from chalicelib.dotted import DottedPathError, import_dotted
from chalicelib.feeds.errors import FeedConfigError
from chalicelib.feeds.protocol import FeedBackend

BUILTIN: Final = {
    "fanout": "chalicelib.feeds.backends.fanout:FanoutBackend",
    "shared": "chalicelib.feeds.backends.shared:SharedBackend",
    "redis": "chalicelib.feeds.backends.redis:RedisBackend",
    "memory": "chalicelib.feeds.backends.memory:MemoryBackend",
}
REQUIRED_METHODS: Final = ("add", "count", "read")
#: Backends that keep feeds in the process: in Lambda they would vanish with the container.
IN_PROCESS: Final = frozenset({"memory"})


def in_lambda() -> bool:
    """Whether this process is a Lambda function (the runtime sets this variable)."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def load_backend(settings: Settings) -> FeedBackend:
    """A ready backend for ``settings.feed_backend``, or FeedConfigError."""
    spec = settings.feed_backend.strip()
    if spec in IN_PROCESS and in_lambda():
        raise FeedConfigError(
            f"the {spec!r} backend keeps feeds in the process, and a Lambda container's "
            "process is thrown away: use fanout or shared"
        )
    path = BUILTIN.get(spec, spec)
    _check_path(spec, path)
    factory = _import(path)
    if not callable(factory):
        raise FeedConfigError(f"{path!r} is a {type(factory).__name__}, not a backend class")
    try:
        backend = factory(settings)
    except Exception as exc:  # any failure here is a configuration problem
        raise FeedConfigError(
            f"building {path!r} failed ({type(exc).__name__}: {exc}); "
            "a backend class is called with the Settings object"
        ) from exc
    if not isinstance(backend, FeedBackend):
        missing = [m for m in REQUIRED_METHODS if not callable(getattr(backend, m, None))]
        raise FeedConfigError(
            f"{path!r} is not a feed backend: it lacks {', '.join(missing)} "
            "(see FeedBackend in chalicelib.feeds.protocol)"
        )
    return backend


def _check_path(spec: str, path: str) -> None:
    """Refuse a spec that is neither a short name nor a dotted path, naming the choices."""
    separator = ":" if ":" in path else "."
    module_name, _, attribute = path.rpartition(separator)
    if not module_name or not attribute:
        choices = ", ".join(BUILTIN)
        raise FeedConfigError(
            f"unknown backend {spec!r}; use {choices} or a dotted path like package.module.Class"
        )


def _import(path: str) -> object:
    try:
        return import_dotted(path)
    except DottedPathError as exc:
        raise FeedConfigError(str(exc)) from exc
