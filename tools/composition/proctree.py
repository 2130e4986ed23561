"""Which processes a composition has spawned, children's children included.

"Shutdown leaves no process behind" is only provable if we can list what
was running: a server may fork workers that its own PID does not show. Read
from ``/proc`` (Linux), so it needs no extra package; elsewhere it returns
just the roots.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

_PROC = Path("/proc")


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of ``pid``, or None when it no longer exists."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name is in parentheses and may itself hold spaces or ")".
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def descendants(roots: Iterable[int]) -> set[int]:
    """``roots`` and every live process below them."""
    found = {pid for pid in roots if alive(pid)}
    if not _PROC.is_dir():
        return found
    parents: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                parents.setdefault(stat[1], []).append(int(entry.name))
    queue = list(found)
    while queue:
        for child in parents.get(queue.pop(), []):
            if child not in found:
                found.add(child)
                queue.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, already dead and only waiting to be reaped, does not)."""
    if _PROC.is_dir():
        stat = _stat(pid)
        return stat is not None and stat[0] not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
