"""The per-compiled-operation usage cell (read by ``router.telemetry.schema_usage``).

Kept here, beside the compiled operation, so compiling does not import telemetry."""

from __future__ import annotations


class FieldUsage:
    """One compiled operation's request count and (once asked) its fields."""

    __slots__ = ("count", "fields")

    def __init__(self) -> None:
        self.count = 0
        self.fields: tuple[str, ...] | None = None

    def __repr__(self) -> str:
        return f"FieldUsage(count={self.count})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldUsage)  # never part of a compiled operation's identity

    __hash__ = None  # type: ignore[assignment]
