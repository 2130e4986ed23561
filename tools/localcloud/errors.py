"""Why the local cloud could not start, in one line."""

from __future__ import annotations


class LocalCloudError(RuntimeError):
    """A prerequisite is missing, a port is taken or a server did not answer."""
