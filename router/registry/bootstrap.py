"""Register subgraphs without the admin API: ``gateway services import FILE`` and the
``GATEWAY_SERVICES`` variable that ``gateway serve`` applies before it starts.

Why: a fresh deployment (docker compose, Kubernetes) must come up serving its graph,
not with an empty registry that answers 503 until someone opens ``/admin``. Both
paths declare services and bring the registry to match, idempotently:

- a service that is not registered is added (``service.import`` in the audit log);
- a registered one whose declared fields differ is updated (``service.update``);
- an identical one, and every registered service the declaration does not name,
  is left alone (nothing is deleted).

Only rows are written. The SDL is fetched by the routers (at start, or at their next
poll when they already run), so importing before the subgraphs are up is fine; a
service that cannot be reached is left out of the supergraph until it answers.

Formats (the fields are the admin API's: ``name``, ``url``, ``enabled``,
``use_msgpack``, ``headers``, ``timeout_s``):

- the file: YAML (or JSON) ``services: [{name, url, ...}, ...]`` or just the list;
- ``GATEWAY_SERVICES``: ``name=url,name=url`` or the same JSON as the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml  # type: ignore[import-untyped]
from sqlalchemy.exc import IntegrityError

from router.registry.store import RegistryStore

VARIABLE = "GATEWAY_SERVICES"
MAX_SERVICES = 1000
"""More entries than any real graph has: a bound on what one declaration may ask."""


class BootstrapError(ValueError):
    """A declaration that cannot be applied (malformed, invalid field); nothing written."""


@dataclass(frozen=True)
class Outcome:
    name: str
    action: str
    """``added``, ``updated`` or ``unchanged``."""
    changed: tuple[str, ...] = ()


def parse_document(data: Any, source: str) -> list[dict[str, Any]]:
    """Validated entries from a parsed document (a list, or ``{services: [...]}``)."""
    if isinstance(data, dict) and set(data) == {"services"}:
        data = data["services"]
    if not isinstance(data, list):
        raise BootstrapError(f"{source}: expected a list of services or {{services: [...]}}")
    if len(data) > MAX_SERVICES:
        raise BootstrapError(f"{source}: more than {MAX_SERVICES} services")
    return _validated(data, source)


def parse_file(path: str | Path) -> list[dict[str, Any]]:
    """Entries of a services file (YAML; JSON is YAML too)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BootstrapError(f"cannot read {path}: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BootstrapError(f"{path} is not valid YAML: {exc}") from exc
    return parse_document(data, str(path))


def parse_variable(raw: str) -> list[dict[str, Any]]:
    """Entries of ``GATEWAY_SERVICES``: ``name=url,name=url`` or JSON."""
    text = raw.strip()
    if text.startswith(("[", "{")):
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise BootstrapError(f"{VARIABLE} is not valid JSON: {exc}") from exc
        return parse_document(data, VARIABLE)
    entries: list[dict[str, Any]] = []
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, url = part.partition("=")
        if not sep or not name.strip() or not url.strip():
            raise BootstrapError(f"{VARIABLE} entry {part.strip()!r} is not name=url")
        entries.append({"name": name.strip(), "url": url.strip()})
    if len(entries) > MAX_SERVICES:
        raise BootstrapError(f"{VARIABLE}: more than {MAX_SERVICES} services")
    return _validated(entries, VARIABLE)


def _validated(entries: list[Any], source: str) -> list[dict[str, Any]]:
    """Each entry checked with the admin API's own rules; a name given twice is refused."""
    from router.admin.api import service_fields
    from router.admin.errors import AdminError

    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise BootstrapError(f"{source}: entry {index + 1} is not a mapping")
        try:
            values = service_fields(entry, creating=True)
        except AdminError as exc:
            label = entry.get("name", index + 1)
            raise BootstrapError(f"{source}: service {label}: {exc.message}") from exc
        if values["name"] in seen:
            raise BootstrapError(f"{source}: service {values['name']} is declared twice")
        seen.add(values["name"])
        out.append(values)
    return out


async def apply(store: RegistryStore, entries: list[dict[str, Any]], actor: str) -> list[Outcome]:
    """Bring the registry to the declaration, one service at a time (see the module doc).

    Safe when several routers apply the same declaration at once: an insert that
    loses the race to another process is read back and compared instead."""
    outcomes = []
    for values in entries:
        outcomes.append(await _apply_one(store, values, actor))
    return outcomes


async def _apply_one(store: RegistryStore, values: dict[str, Any], actor: str) -> Outcome:
    name: str = values["name"]
    for _ in range(3):
        row = await store.service(name)
        if row is None:
            try:
                await store.register_service(values, actor)
            except IntegrityError:
                continue  # another process registered it meanwhile: compare with theirs
            return Outcome(name, "added")
        changes = {
            key: value
            for key, value in values.items()
            if key != "name" and _stored(getattr(row, key)) != value
        }
        if not changes:
            return Outcome(name, "unchanged")
        await store.update_service(name, changes, actor)
        return Outcome(name, "updated", tuple(sorted(changes)))
    raise BootstrapError(f"service {name}: registered and removed concurrently; try again")


def _stored(value: Any) -> Any:
    """A row's value as the admin API's validation writes it (``urls`` is a tuple in
    the row, a list in the declaration)."""
    return list(value) if isinstance(value, tuple) else value
