"""Where the broker is and how streams are named, from the environment.

NATS_URL switches events on: a service without it writes no outbox and runs no relay
(a feature that is off costs nothing). EVENTS_NAMESPACE prefixes every subject and
stream name, so test runs (or tenants) on one NATS never see each other's events.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

NAMESPACE = re.compile(r"^[A-Za-z0-9_-]{0,32}$")
DAY = 24 * 3600.0


@dataclass(frozen=True)
class EventSettings:
    nats_url: str = "nats://127.0.0.1:4222"
    namespace: str = ""
    # Retention (documented in docs/events.md): events stay a week, dead letters a month.
    events_max_age: float = 7 * DAY
    dlq_max_age: float = 30 * DAY
    # How long JetStream remembers message ids to drop a re-published event.
    duplicate_window: float = 20 * 60.0

    def __post_init__(self) -> None:
        if not NAMESPACE.match(self.namespace):
            raise SystemExit("EVENTS_NAMESPACE: up to 32 letters, digits, '_' or '-'")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> EventSettings | None:
        """None when NATS_URL is not set (events off)."""
        env = dict(os.environ if env is None else env)
        url = env.get("NATS_URL")
        if not url:
            return None
        return cls(nats_url=url, namespace=env.get("EVENTS_NAMESPACE", ""))

    def subject(self, name: str) -> str:
        """A subject inside this namespace: `records.record.created` -> `ns.records...`."""
        return f"{self.namespace}.{name}" if self.namespace else name

    def strip(self, subject: str) -> str:
        """The subject without the namespace prefix."""
        prefix = f"{self.namespace}." if self.namespace else ""
        return subject[len(prefix) :] if subject.startswith(prefix) else subject

    def _stream(self, name: str) -> str:
        return f"{self.namespace.upper().replace('-', '_')}_{name}" if self.namespace else name

    @property
    def events_stream(self) -> str:
        return self._stream("EVENTS")

    @property
    def dlq_stream(self) -> str:
        return self._stream("EVENTS_DLQ")

    def event_subjects(self) -> list[str]:
        return [self.subject("records.>"), self.subject("categories.>"), self.subject("replay.>")]

    def replay_subject(self, processor: str, subject: str) -> str:
        """Where `events dlq replay` puts an event back, for one processor only."""
        return self.subject(f"replay.{processor}.{self.strip(subject)}")

    def dlq_subject(self, processor: str, subject: str) -> str:
        original = self.strip(subject)
        if original.startswith("replay."):  # a replayed event failed again
            original = original.split(".", 2)[2]
        return self.subject(f"dlq.{processor}.{original}")
