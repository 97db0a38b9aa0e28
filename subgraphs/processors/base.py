"""What a processor is: a name, the subjects it wants, and an idempotent handler."""

from __future__ import annotations

import os
import socket
from abc import ABC, abstractmethod
from enum import Enum

from subgraphs.events.envelope import Event


class Outcome(Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # this event id was handled before: nothing done


def instance_name() -> str:
    """Who handled an event (several instances of a processor share one consumer)."""
    return os.environ.get("PROCESSOR_INSTANCE") or f"{socket.gethostname()}-{os.getpid()}"


class Processor(ABC):
    name: str
    # Subjects (without namespace) this processor consumes; wildcards allowed.
    subjects: tuple[str, ...]

    def __init__(self) -> None:
        self.instance = instance_name()

    async def start(self) -> None:  # noqa: B027  (optional hook)
        """Open databases, create tables."""

    async def close(self) -> None:  # noqa: B027  (optional hook)
        """Release what `start` opened."""

    @abstractmethod
    async def handle(self, event: Event) -> Outcome:
        """Apply the event once. Must be idempotent: the same event id can arrive again
        (redelivery after a lost ack, a DLQ replay); remember processed ids and answer
        DUPLICATE for them. Raise to have the event retried (then dead-lettered)."""
