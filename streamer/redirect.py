"""Point a stock tweepy client at another X API base URL.

tweepy 4.17 hard-codes ``https://api.twitter.com`` (in ``BaseClient.request``
and in ``StreamingClient._connect``) but sends every request, stream included,
through the client's own ``requests.Session``. Mounting :class:`RedirectAdapter`
on that session for X's host rewrites each URL on its way out, so tweepy itself
is untouched: no subclass, no monkeypatch, nothing global. The streamer uses it
with ``STREAMFEED_X_API_URL``; tests use it with the fake X server's URL.

    client = redirect_client(tweepy.StreamingClient(token), settings.x_api_url)
"""

from __future__ import annotations

import ipaddress
from typing import Any, Final, Protocol, TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest, Response
from requests.utils import should_bypass_proxies

#: The hosts tweepy (and X's newer docs) address.
X_API_BASES: Final = ("https://api.twitter.com", "https://api.x.com")


class RedirectAdapter(HTTPAdapter):
    """Sends requests addressed to X's API host to ``base_url`` instead.

    ``base_url`` may be http or https and may carry a path prefix. ``verify``
    (True, False or a CA bundle path), when given, replaces the session's TLS
    verification for redirected requests, e.g. for a fake with its own CA.
    """

    def __init__(self, base_url: str, *, verify: bool | str | None = None, **kwargs: Any) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"X API base URL must be http(s)://host[:port][/path]: {base_url!r}")
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.verify = verify
        self._loopback = _is_loopback(parts.hostname or "")

    def rewrite(self, url: str) -> str:
        """``url`` with X's base replaced by ``base_url`` (other URLs unchanged)."""
        for base in X_API_BASES:
            if url.lower().startswith(base + "/") or url.lower() == base:
                return self.base_url + url[len(base) :]
        return url

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:
        if request.url is not None:
            request.url = self.rewrite(request.url)
            # requests chose proxies for X's host; decide again for the new one.
            proxies = kwargs.get("proxies") or {}
            if self._loopback or should_bypass_proxies(request.url, proxies.get("no_proxy")):
                kwargs["proxies"] = {}
        if self.verify is not None:
            kwargs["verify"] = self.verify
        return super().send(request, *args, **kwargs)


def _is_loopback(host: str) -> bool:
    # A proxy cannot reach this machine's loopback, so never send loopback through one.
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_session(
    session: requests.Session, base_url: str | None, *, verify: bool | str | None = None
) -> requests.Session:
    """Mount the redirect on ``session``; a no-op for None or X's own base URL."""
    if base_url is None or base_url.rstrip("/").lower() in X_API_BASES:
        return session
    adapter = RedirectAdapter(base_url, verify=verify)
    for base in X_API_BASES:
        session.mount(base + "/", adapter)
    return session


class _HasSession(Protocol):
    session: requests.Session


ClientT = TypeVar("ClientT", bound=_HasSession)


def redirect_client(
    client: ClientT, base_url: str | None, *, verify: bool | str | None = None
) -> ClientT:
    """Redirect a tweepy ``Client`` or ``StreamingClient`` (both use ``client.session``)."""
    redirect_session(client.session, base_url, verify=verify)
    return client
