"""The local cloud for a chaos run, and a fresh stage per scenario.

``make chaos`` starts one ``LocalCloud`` (the class ``streamfeed local up``
runs) on free ports in a temporary folder; the test suite passes its session
cloud instead. Every scenario gets its own name prefix, so no scenario sees
another's rows, stream or queue.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chalicelib.core.settings import Settings
from tools.localcloud import LocalCloud, LocalCloudConfig
from tools.localcloud.bootstrap import bootstrap

DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "chaos",
    "AWS_SECRET_ACCESS_KEY": "chaos",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def isolate_environment() -> None:
    """Never reach a real AWS account, never inherit a developer's stage."""
    for key in list(os.environ):
        if key.startswith(("STREAMFEED_", "AWS_")):
            del os.environ[key]
    os.environ.update(DUMMY_AWS)


@contextmanager
def local_cloud(data_dir: Path | None = None) -> Iterator[LocalCloud]:
    with tempfile.TemporaryDirectory(prefix="chaos-cloud-") as tmp:
        # Thrown away afterwards: kinesis-mock need not rewrite its whole state every
        # second (on a long run that costs most of a core; finding 12).
        config = LocalCloudConfig(data_dir=data_dir or Path(tmp), persist_kinesis=False)
        cloud = LocalCloud(config, Settings(name_prefix="chaos"))
        cloud.start()
        try:
            yield cloud
        finally:
            cloud.stop()


def fresh_stage(cloud: LocalCloud, label: str) -> Settings:
    """A stage of its own with every resource (tables, stream, queue, secrets)."""
    prefix = f"c{label[:10].replace('-', '')}{uuid.uuid4().hex[:8]}".lower()
    settings = cloud.settings(name_prefix=prefix)
    bootstrap(settings)
    return settings
