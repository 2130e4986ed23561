"""``.streamfeed/local.env``: how another process finds the local cloud.

Plain ``KEY=VALUE`` lines, written atomically once every server answers, so
its presence means "ready". Load it with ``set -a; . .streamfeed/local.env``
or ``eval "$(streamfeed local env)"``.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path


def render(env: Mapping[str, str]) -> str:
    return "".join(f"{key}={shlex.quote(value)}\n" for key, value in sorted(env.items()))


def write(path: Path, env: Mapping[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(render(env))
    os.replace(tmp, path)


def read(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        parts = shlex.split(value)
        env[key.strip()] = parts[0] if parts else ""
    return env
