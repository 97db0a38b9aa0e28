"""State shared by the merge steps: the subgraphs in composition order (sorted by
name, as Apollo does), their federation metadata, their ``join__Graph`` enum values,
the error collector and the supergraph being built."""

from __future__ import annotations

from dataclasses import dataclass

from .merged import MergedSchema
from .metadata import SubgraphMetadata
from .model import ErrorCollector
from .subgraph import Field, SubgraphSchema, TypeDef


@dataclass
class MergeContext:
    subgraphs: list[SubgraphSchema]
    metadata: list[SubgraphMetadata]
    graphs: list[str]
    collector: ErrorCollector
    merged: MergedSchema

    @property
    def composed_directives(self) -> set[str]:
        """Names of the custom directives some subgraph lists in @composeDirective."""
        return {name for s in self.subgraphs for name in s.compose_directives}

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.subgraphs]

    def type_sources(self, name: str) -> list[TypeDef | None]:
        """The type ``name`` in each subgraph (``None`` where it is absent)."""
        return [s.types.get(name) for s in self.subgraphs]

    def field_sources(self, types: list[TypeDef | None], name: str) -> list[Field | None]:
        return [t.fields.get(name) if t is not None else None for t in types]

    def is_external(self, idx: int, type_name: str, field_name: str) -> bool:
        return self.metadata[idx].is_external(type_name, field_name)
