"""CloudEvents 1.0 JSON envelopes for domain events, and their JSON Schema validation.

Why structured-mode JSON: one self-describing message body that any consumer (or
`events tail`) can read; the NATS subject only routes. The event id doubles as the
JetStream `Nats-Msg-Id`, so a publish retried by the relay is dropped by the server.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # stubs not in the lock file
from referencing import Registry, Resource

from subgraphs.events.catalog import EVENT_TYPES

SPEC_VERSION = "1.0"
Event = dict[str, Any]


class InvalidEvent(ValueError):
    """A message that is not a well-formed event of a known type (never retried)."""


def isoformat(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with milliseconds and a `Z`, the way every event writes time."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_event(
    event_type: str, subject: str, data: dict[str, Any], event_id: str, time: dt.datetime
) -> Event:
    kind = EVENT_TYPES[event_type]
    return {
        "specversion": SPEC_VERSION,
        "id": event_id,
        "source": kind.source,
        "type": kind.name,
        "time": isoformat(time),
        "subject": subject,
        "datacontenttype": "application/json",
        "data": data,
    }


def encode(event: Event) -> bytes:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


@cache
def _validators() -> dict[str, jsonschema.protocols.Validator]:
    folder = resources.files("subgraphs.events") / "schemas"
    schemas = {
        p.name.removesuffix(".json"): json.loads(p.read_text())
        for p in folder.iterdir()
        if p.name.endswith(".json")
    }
    registry: Registry[Any] = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return {
        name: jsonschema.Draft202012Validator(
            schemas[name], registry=registry, format_checker=checker
        )
        for name in EVENT_TYPES
    }


def schema_names() -> list[str]:
    return sorted(_validators())


def validate(event: Any) -> Event:
    """The event if it matches its type's JSON Schema, else InvalidEvent saying why."""
    if not isinstance(event, dict):
        raise InvalidEvent("an event is a JSON object")
    validator = _validators().get(str(event.get("type")))
    if validator is None:
        raise InvalidEvent(f"unknown event type {event.get('type')!r}")
    error = jsonschema.exceptions.best_match(validator.iter_errors(event))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise InvalidEvent(f"{event['type']} invalid at {where}: {error.message}")
    return event


def decode(body: bytes) -> Event:
    """Parse and validate one message body."""
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidEvent(f"not JSON: {exc}") from exc
    return validate(event)
