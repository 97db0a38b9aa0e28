"""Find migration modules in a package or directory.

A migration is a file named `m<YYYYMMDDHHMMSS>_<slug>.py` that defines `async def up(db)`
and `async def down(db)`. Its id is the file name without the leading `m` (so ids sort by
timestamp), its description is the first line of the module docstring, and its checksum
is the SHA-256 of the file, so an edit to an applied migration is noticed.
Optional `COLLECTIONS = ("name", ...)` lists what it touches, for `--backup`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

MIGRATION_FILE = re.compile(r"^m(?P<id>(?P<stamp>\d{14})_[a-z0-9_]+)\.py$")

Step = Callable[[Any], Awaitable[None]]


class MigrationDefinitionError(ValueError):
    """A migrations package is malformed (bad module, duplicate id, missing up/down)."""


@dataclass(frozen=True)
class Migration:
    """One discovered migration: what it is and how to run it."""

    id: str
    description: str
    path: Path
    checksum: str
    up: Step = field(repr=False, compare=False)
    down: Step = field(repr=False, compare=False)
    collections: tuple[str, ...] = ()


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise MigrationDefinitionError(f"migrations package {package!r} not found")
    return Path(next(iter(spec.submodule_search_locations)))


def _load(path: Path, namespace: str) -> ModuleType:
    name = f"{namespace}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise MigrationDefinitionError(f"cannot load {path.name}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a broken file must not hide behind a traceback
        raise MigrationDefinitionError(f"{path.name} failed to import: {exc!r}") from exc
    return module


def _step(module: ModuleType, name: str, path: Path) -> Step:
    fn = getattr(module, name, None)
    if fn is None or not inspect.iscoroutinefunction(fn):
        raise MigrationDefinitionError(f"{path.name} must define `async def {name}(db)`")
    return fn  # type: ignore[no-any-return]


def discover(source: str | Path) -> list[Migration]:
    """Migrations from a package name (`subgraphs.records.migrations`) or a directory."""
    directory = Path(source) if isinstance(source, Path) else _package_dir(source)
    if not directory.is_dir():
        raise MigrationDefinitionError(f"migrations directory {directory} not found")
    namespace = "_migrations_" + hashlib.sha1(str(directory).encode()).hexdigest()[:10]
    found: dict[str, Migration] = {}
    for path in sorted(directory.iterdir()):
        match = MIGRATION_FILE.match(path.name)
        if match is None:
            if path.suffix == ".py" and path.stem.startswith("m") and path.stem[1:2].isdigit():
                raise MigrationDefinitionError(
                    f"{path.name}: migration files are named m<YYYYMMDDHHMMSS>_<slug>.py"
                )
            continue
        module = _load(path, namespace)
        doc = (module.__doc__ or "").strip()
        if not doc:
            raise MigrationDefinitionError(f"{path.name} needs a docstring (its description)")
        migration_id = match.group("id")
        if migration_id in found:
            raise MigrationDefinitionError(f"duplicate migration id {migration_id}")
        collections = tuple(getattr(module, "COLLECTIONS", ()))
        found[migration_id] = Migration(
            id=migration_id,
            description=doc.splitlines()[0].strip(),
            path=path,
            checksum=hashlib.sha256(path.read_bytes()).hexdigest(),
            up=_step(module, "up", path),
            down=_step(module, "down", path),
            collections=collections,
        )
    return [found[key] for key in sorted(found)]
