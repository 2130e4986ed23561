"""The consumer fixture: imports are stored by the app's own Kinesis handler."""

from tests.chalicelib.consumer.conftest import consumer

__all__ = ["consumer"]
