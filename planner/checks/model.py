"""The values a schema check produces: classified changes, broken operations, and the
report that gathers them (with its verdict and JSON form).

Plain frozen dataclasses, so the CLI, the registry and the tests read the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from planner.compose import CompositionError, CompositionHint


class Severity(StrEnum):
    """How much a change can hurt the clients of the graph."""

    BREAKING = "BREAKING"
    """Operations valid before may fail now (removed field, narrower type, ...)."""
    DANGEROUS = "DANGEROUS"
    """Valid operations stay valid but may behave differently (new enum value, field
    resolved by another subgraph, key removed, ...)."""
    SAFE = "SAFE"
    """Additions and changes no existing operation can notice."""


SEVERITY_ORDER = {Severity.BREAKING: 0, Severity.DANGEROUS: 1, Severity.SAFE: 2}


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the current graph and the proposed one."""

    severity: Severity
    code: str
    """graphql-core's change type name (``FIELD_REMOVED``, ...) or a federation code
    (``FIELD_OVERRIDDEN``, ``KEY_REMOVED``, ``INACCESSIBLE_ADDED``, ...)."""
    coordinate: str
    """Schema coordinate of the element: ``Type``, ``Type.field``,
    ``Type.field(arg:)``, ``Enum.VALUE``, ``@directive``, or a subgraph name."""
    message: str
    kind: str = "api"
    """``api`` (the client-facing schema) or ``federation`` (join metadata)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "coordinate": self.coordinate,
            "message": self.message,
            "kind": self.kind,
        }


@dataclass(frozen=True, slots=True)
class Operation:
    """An operation a client sends (a file, a persisted-query entry, recorded traffic)."""

    document: str
    name: str | None = None
    """The operation to check in a document holding several; None = each of them."""
    requests: int | None = None
    """How often it was seen (recorded usage), None when unknown."""
    source: str | None = None
    """Where it came from (a file name, a persisted-query id, a hash)."""


@dataclass(frozen=True, slots=True)
class BrokenOperation:
    """An operation valid and plannable on the current graph that the proposal breaks."""

    name: str | None
    source: str | None
    requests: int | None
    failure: str
    """``validation`` (the API schema rejects it) or ``planning`` (no plan over the
    proposed subgraphs)."""
    fields: tuple[str, ...]
    """The changed schema coordinates the operation uses (what broke it)."""
    errors: tuple[str, ...]
    """The validation or planning messages against the proposed graph."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "requests": self.requests,
            "failure": self.failure,
            "fields": list(self.fields),
            "errors": list(self.errors),
        }


@dataclass(frozen=True, slots=True)
class OperationsResult:
    """What the operations check found."""

    checked: int = 0
    """Operations valid and plannable on the current graph, checked on the proposal."""
    skipped: int = 0
    """Operations already invalid (or unparseable, or unplannable) on the current graph."""
    broken: tuple[BrokenOperation, ...] = ()
    at_risk: tuple[BrokenOperation, ...] = ()
    """Still valid, but use an element with a DANGEROUS change (``failure`` is
    ``dangerous``)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "skipped": self.skipped,
            "broken": [b.to_json() for b in self.broken],
            "at_risk": [b.to_json() for b in self.at_risk],
        }


def _finding_json(finding: CompositionError | CompositionHint) -> dict[str, Any]:
    return {
        "code": finding.code,
        "message": finding.message,
        "subgraphs": list(finding.subgraphs),
        "elements": list(finding.elements),
    }


@dataclass(frozen=True)
class CheckReport:
    """Everything a check found, and whether the proposal may ship (`passed`).

    The verdict: a proposal that does not compose fails. When operations were given
    (even none), it fails exactly when one of them breaks — a BREAKING change nobody
    uses is reported, not refused (``rover subgraph check`` does the same). Without
    operations only the schema speaks: any BREAKING change fails. ``strict`` fails on
    any BREAKING change either way."""

    composition_errors: tuple[CompositionError, ...] = ()
    composition_hints: tuple[CompositionHint, ...] = ()
    changes: tuple[Change, ...] = ()
    operations: OperationsResult | None = None
    """None when no operations were given (schema-level check only)."""
    strict: bool = False
    subgraphs: tuple[str, ...] = field(default=())
    """The subgraphs the proposal changed (for the report's title)."""
    supergraph_sdl: str | None = None
    """The proposed supergraph when it composed."""

    @property
    def composed(self) -> bool:
        return not self.composition_errors

    def count(self, severity: Severity) -> int:
        return sum(1 for c in self.changes if c.severity is severity)

    @property
    def passed(self) -> bool:
        if not self.composed:
            return False
        breaking = self.count(Severity.BREAKING) > 0
        if self.operations is None:
            return not breaking
        if self.strict and breaking:
            return False
        return not self.operations.broken

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "subgraphs": list(self.subgraphs),
            "composition": {
                "ok": self.composed,
                "errors": [_finding_json(e) for e in self.composition_errors],
                "hints": [_finding_json(h) for h in self.composition_hints],
            },
            "summary": {
                "breaking": self.count(Severity.BREAKING),
                "dangerous": self.count(Severity.DANGEROUS),
                "safe": self.count(Severity.SAFE),
                "operations_checked": None if self.operations is None else self.operations.checked,
                "operations_broken": None
                if self.operations is None
                else len(self.operations.broken),
            },
            "changes": [c.to_json() for c in self.changes],
            "operations": None if self.operations is None else self.operations.to_json(),
        }
