"""Streaming from another X (``--x-api-url`` and a bearer token) is the same code path.

The real X must never be reached from a test, so "another X" is a second fake
server with its own token that the composition did not start. The demo's own
choice stores the token as a key set; the streamer then reads it from Secrets
Manager and connects to that URL, exactly as it would to api.twitter.com.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib import terms
from tests.conftest import unique_prefix
from tests.e2e.conftest import fast_config
from tests.e2e.support import stored_tweets
from tools.composition import CONSUMER, STREAMER, Composition, wait_until
from tools.demo.run import DemoOptions, choose
from tools.demo.xsource import CLI_KEYS
from tools.fakex import FakeX
from tools.localcloud import LocalCloud

pytestmark = pytest.mark.integration


def test_another_x_with_a_token_from_a_file(local_cloud: LocalCloud, tmp_path: Path) -> None:
    token = "another-x-bearer-token-4321"
    with FakeX(rate=40, keepalive=0.5, bearer_token=token) as other:
        system = Composition(
            fast_config(tmp_path / "run", components=(STREAMER, CONSUMER)),
            cloud=local_cloud,
            settings=local_cloud.settings(name_prefix=unique_prefix()),
        )
        try:
            settings = system.start_cloud()
            options = DemoOptions(data_dir=tmp_path, x_api_url=other.url, bearer_token=token)
            choice = choose(settings, options)
            assert (choice.x_api_url, choice.keys_name) == (other.url, CLI_KEYS)
            system.reconfigure(x_api_url=choice.x_api_url, keys_name=choice.keys_name)
            system.start()
            assert set(system.processes) == {STREAMER, CONSUMER}  # no fake X of its own

            term = terms.create_term(settings, "#python", lambda: (None, "test")).term
            wait_until(
                lambda: other.rules() or None, 30, "the rule on the other X", watch=system.check
            )
            assert [(r["value"], r["tag"]) for r in other.rules()] == [("#python", term.term_id)]
            system.wait_for_state("connected", 30)
            stored = wait_until(
                lambda: found if len(found := stored_tweets(settings)) >= 20 else None,
                30,
                "tweets from the other X",
                watch=system.check,
            )
            assert set(stored) <= {entry.id for entry in other.ledger()}
        finally:
            system.stop()
