"""The consumer fixture: the runner's tests drive the real handler through it."""

from tests.chalicelib.consumer.conftest import consumer

__all__ = ["consumer"]
