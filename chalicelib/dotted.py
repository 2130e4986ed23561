"""Import an object named by a dotted path: the one way settings name code.

``package.module.Name`` or ``package.module:Name``. Every way this can fail
is one ``DottedPathError`` whose message says what to fix; callers turn it
into their own error (a bad setting, a bad handler), so the person who wrote
the path reads why it failed, not a traceback.
"""

from __future__ import annotations

import importlib


class DottedPathError(ValueError):
    """The path does not name an importable object (``str()`` says why)."""


def import_dotted(path: str) -> object:
    """The object ``path`` names."""
    separator = ":" if ":" in path else "."
    module_name, _, attribute = path.rpartition(separator)
    if not module_name or not attribute:
        raise DottedPathError(f"{path!r} is not a dotted path like package.module.Name")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module_name + ".").startswith(exc.name + "."):
            raise DottedPathError(f"there is no module {module_name!r}") from exc
        raise DottedPathError(f"importing {module_name!r} failed: {exc}") from exc
    except Exception as exc:  # whatever the import raises, the path is the problem
        raise DottedPathError(
            f"importing {module_name!r} failed ({type(exc).__name__}: {exc})"
        ) from exc
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise DottedPathError(f"module {module_name!r} has no attribute {attribute!r}") from None
