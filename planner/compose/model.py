"""The public data model of composition: what goes in (`Subgraph`) and what comes out
(`CompositionResult` holding either a supergraph SDL or `CompositionError`s, plus
non-fatal `CompositionHint`s).

Error and hint codes are Apollo Federation's (``INVALID_FIELD_SHARING``,
``FIELD_TYPE_MISMATCH``...) so that CI logs read the same as ``rover supergraph compose``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Subgraph:
    """One subgraph to compose: its name (becomes ``@join__graph(name:)``), the URL the
    router sends fetches to, and its SDL (Federation 1 or 2)."""

    name: str
    url: str
    sdl: str


@dataclass(frozen=True)
class _Finding:
    """What composition reports about the subgraphs: a code, a message, and where.

    ``subgraphs`` names the subgraphs concerned (may be empty for global problems);
    ``elements`` names schema coordinates such as ``User.id`` or ``Query.users``."""

    code: str
    message: str
    subgraphs: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = ",".join(self.subgraphs) or "-"
        what = ",".join(self.elements) or "-"
        return f"{self.code} [{where}] {what}: {self.message}"


@dataclass(frozen=True)
class CompositionError(_Finding):
    """A reason the subgraphs cannot be composed."""


@dataclass(frozen=True)
class CompositionHint(_Finding):
    """Something composition accepted but that is probably not what was meant."""


@dataclass
class CompositionResult:
    """Outcome of `compose`: ``supergraph_sdl`` is set exactly when ``errors`` is empty."""

    supergraph_sdl: str | None
    errors: list[CompositionError] = field(default_factory=list)
    hints: list[CompositionHint] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors


class ErrorCollector:
    """Accumulates errors and hints while the composition steps run; each step reports
    as many problems as it can find instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[CompositionError] = []
        self.hints: list[CompositionHint] = []

    def error(
        self,
        code: str,
        message: str,
        subgraphs: list[str] | tuple[str, ...] = (),
        elements: list[str] | tuple[str, ...] = (),
    ) -> None:
        self.errors.append(CompositionError(code, message, tuple(subgraphs), tuple(elements)))

    def hint(
        self,
        code: str,
        message: str,
        subgraphs: list[str] | tuple[str, ...] = (),
        elements: list[str] | tuple[str, ...] = (),
    ) -> None:
        self.hints.append(CompositionHint(code, message, tuple(subgraphs), tuple(elements)))
