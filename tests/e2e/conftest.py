"""The composition the demo runs, on the session's local cloud, one fresh stage per test.

Every component is the real command in its own process (fake X, streamer,
consumer runner, API over HTTP); only the ports and rates differ from
``make demo``: a higher tweet rate and shorter polls keep each test short.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import unique_prefix
from tools.composition import Composition, CompositionConfig
from tools.localcloud import LocalCloud

pytestmark = pytest.mark.integration


def fast_config(data_dir: Path, **changes: object) -> CompositionConfig:
    """The demo's composition, tuned for tests: more tweets per second, quicker polls."""
    base: dict[str, object] = {
        "data_dir": data_dir,
        "fakex_rate": 40.0,
        "fakex_keepalive": 1.0,
        "poll_interval": 0.5,
        "consumer_poll_interval": 0.2,
        "start_timeout": 60.0,
    }
    base.update(changes)
    return CompositionConfig(**base)  # type: ignore[arg-type]


@pytest.fixture
def system(
    local_cloud: LocalCloud, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Composition]:
    """A started composition on its own stage; stopped after the test if still running.

    Parametrize it indirectly with a feed backend's name to run on that backend.
    """
    settings = local_cloud.settings(name_prefix=unique_prefix())
    backend = getattr(request, "param", None)
    config = fast_config(tmp_path / "run", feed_backend=backend)
    composition = Composition(config, cloud=local_cloud, settings=settings)
    composition.start()
    try:
        yield composition
    finally:
        composition.stop()
