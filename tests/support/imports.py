"""What a deployable imports, read from its source (no import runs).

The tests that guard the layout (tests/layout) walk every ``import`` statement,
including those inside functions, from a set of root modules, and follow the
project's own modules. Third-party imports are mapped to the distributions that
provide them, and compared with what a requirements file installs.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
#: The repository's own top-level packages and modules.
PROJECT = frozenset({"app", "chalicelib", "streamer", "tools", "infra", "bench", "chaos", "tests"})


@dataclass
class Closure:
    """The project modules reachable from the roots, and the other names they import."""

    modules: dict[str, Path] = field(default_factory=dict)
    external: dict[str, set[str]] = field(default_factory=dict)  # top-level name -> importers

    def outside(self, *packages: str) -> set[str]:
        """Project modules in the closure that are not in any of ``packages``."""
        return {m for m in self.modules if not _within(m, packages)}

    def third_party(self) -> set[str]:
        return {name for name in self.external if name not in sys.stdlib_module_names}


def _within(module: str, packages: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def module_file(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _imported(module: str, path: Path) -> Iterable[str]:
    """Every module name an import statement names, skipping ``if TYPE_CHECKING:`` blocks."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    todo: list[ast.AST] = [ast.parse(path.read_text(), str(path))]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo += node.orelse
            continue
        todo += ast.iter_child_nodes(node)
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names)


def closure(roots: Iterable[str]) -> Closure:
    found = Closure()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in found.modules:
            continue
        path = module_file(name)
        if path is None:
            continue  # a name imported from a module, not a module
        found.modules[name] = path
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # parent packages run too
        for target in _imported(name, path):
            top = target.split(".")[0]
            if top in PROJECT:
                todo.append(target)
            elif top and top != "__future__":
                found.external.setdefault(top, set()).add(name)
    return found


def package_modules(package: str) -> list[str]:
    """Every module of a project package, by walking its folder."""
    folder = ROOT.joinpath(*package.split("."))
    names = []
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?")


def requirement_names(requirements: Path) -> set[str]:
    """Distributions a requirements file names, following ``-r``."""
    names: set[str] = set()
    for raw in requirements.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            names |= requirement_names(requirements.parent / line[3:].strip())
        elif match := _REQUIREMENT.match(line):
            names.add(_canonical(match.group(1)))
    return names


def installed_with(requirements: Path) -> set[str]:
    """The distributions pip installs for ``requirements``: named ones and their dependencies."""
    todo, seen = list(requirement_names(requirements)), set[str]()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue  # another Python, platform, or an optional extra
            todo.append(_canonical(requirement.name))
    return seen


def providers(top_level: str) -> set[str]:
    """The installed distributions that provide an importable top-level name."""
    return {_canonical(d) for d in metadata.packages_distributions().get(top_level, [])}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
