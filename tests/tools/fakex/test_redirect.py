"""``streamer.redirect``: tweepy's hard-coded host, redirected per session."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import tweepy
from requests.adapters import HTTPAdapter

from streamer.redirect import RedirectAdapter, redirect_client, redirect_session
from tools.fakex import FakeX


@pytest.mark.parametrize(
    ("base", "url", "expected"),
    [
        (
            "http://127.0.0.1:8080",
            "https://api.twitter.com/2/tweets/search/stream?tweet.fields=lang",
            "http://127.0.0.1:8080/2/tweets/search/stream?tweet.fields=lang",
        ),
        (
            "https://fake.example:8443/prefix/",
            "https://api.twitter.com/2/tweets/search/stream/rules",
            "https://fake.example:8443/prefix/2/tweets/search/stream/rules",
        ),
        ("http://localhost:1", "https://api.x.com/2/users/me", "http://localhost:1/2/users/me"),
        ("http://localhost:1", "https://api.twitter.com.evil/2", "https://api.twitter.com.evil/2"),
        ("http://localhost:1", "https://example.com/2", "https://example.com/2"),
    ],
)
def test_rewrite(base: str, url: str, expected: str) -> None:
    assert RedirectAdapter(base).rewrite(url) == expected


@pytest.mark.parametrize("base", ["ftp://host", "127.0.0.1:80", "http://"])
def test_bad_base_urls_are_refused(base: str) -> None:
    with pytest.raises(ValueError, match="X API base URL"):
        RedirectAdapter(base)


@pytest.mark.parametrize("base", [None, "https://api.twitter.com", "https://api.x.com/"])
def test_xs_own_base_url_changes_nothing(base: str | None) -> None:
    session = redirect_session(requests.Session(), base)
    adapter = session.get_adapter("https://api.twitter.com/2/tweets")
    assert type(adapter) is HTTPAdapter


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """What reaches the real transport (nothing goes on the network)."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def fake_send(self: HTTPAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append((request.url, kwargs))
        response = requests.Response()
        response.status_code = 204
        response.request = request
        return response

    monkeypatch.setattr(HTTPAdapter, "send", fake_send)
    for name in ("no_proxy", "NO_PROXY", "https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    return calls


def test_https_base_keeps_explicit_proxies_and_can_override_verify(sent: list[Any]) -> None:
    session = redirect_session(requests.Session(), "https://fake.example/x", verify="/ca.pem")
    proxies = {"https": "http://proxy.example:3128"}
    session.get("https://api.twitter.com/2/tweets?ids=1", proxies=proxies)
    ((url, kwargs),) = sent
    assert url == "https://fake.example/x/2/tweets?ids=1"
    assert kwargs["proxies"] == proxies
    assert kwargs["verify"] == "/ca.pem"


def test_loopback_never_goes_through_a_proxy(sent: list[Any]) -> None:
    session = redirect_session(requests.Session(), "http://127.0.0.1:9")
    session.get("https://api.twitter.com/2/tweets", proxies={"http": "http://proxy.example:3128"})
    session.get("https://example.com/")
    (url, kwargs), (_, untouched) = sent
    assert url == "http://127.0.0.1:9/2/tweets"
    assert kwargs["proxies"] == {}
    assert kwargs["verify"] == untouched["verify"]  # no override asked for


def test_other_hosts_are_untouched(sent: list[Any]) -> None:
    session = redirect_session(requests.Session(), "http://127.0.0.1:9")
    session.get("https://example.com/a")
    assert sent[0][0] == "https://example.com/a"


def test_a_stock_tweepy_client_reaches_the_fake(fake: FakeX) -> None:
    fake.add_rules(("cat", "cats"))
    client = redirect_client(tweepy.Client(fake.bearer_token), fake.url)
    assert isinstance(client, tweepy.Client)
    # tweepy.Client has no rules method; its generic request path is the one to prove.
    response = client.request("GET", "/2/tweets/search/stream/rules")
    assert response.json()["data"][0]["tag"] == "cats"
