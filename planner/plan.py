"""The query-plan data model.

A plan is a tree of immutable nodes. `QueryPlan.to_json()` prints the same JSON
shape Apollo's query planner prints (``kind: "QueryPlan"``, ``node``, ``Fetch``,
``Flatten``, ``Sequence``, ``Parallel``, ``Condition``), so plans can be compared
with other planners. One node kind goes beyond Apollo's: ``BatchFetch``, one
request to a subgraph that resolves entities found at several paths of the
response at once (Hive Router's idea), which saves round trips.

Executor contract (what the router relies on):

* Root ``Fetch`` (``requires is None``): send ``operation`` with the variables
  named in ``variable_usages``; deep-merge ``data`` into the response at the
  enclosing ``Flatten`` path (the root when there is none).
* Entity ``Fetch`` (``requires`` set), always under a ``Flatten``: collect the
  objects at the flatten path (``"@"`` walks every list item), build one
  representation per object by applying ``requires`` to it (a ``FieldSelection``
  with an ``alias`` reads the response key ``alias`` and writes the
  representation key ``name``; only objects whose
  ``__typename`` matches a fragment's type condition, or is a possible type of
  it, give a representation; others are skipped), apply ``input_rewrites``,
  de-duplicate, send them as ``$representations``, and deep-merge
  ``data._entities[i]`` back into the object that gave representation ``i``.
* ``BatchFetch``: like several entity fetches to one subgraph in one request:
  entity batch ``i`` sends its representations as ``$r{i}`` and reads them
  back from the response key ``_e{i}``.
* ``Condition``: run ``if_clause`` when the boolean variable ``condition`` is
  true, else ``else_clause`` (either may be absent).
* ``output_rewrites`` rename response keys after a fetch (``KeyRenamer``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

PathElement: TypeAlias = str
"""A response key, or ``"@"`` for "every item of the list here"."""


@dataclass(frozen=True, slots=True)
class FieldSelection:
    """A field in a ``requires`` selection (the shape of a representation)."""

    name: str
    alias: str | None = None
    selections: tuple[Selection, ...] | None = None

    @property
    def response_key(self) -> str:
        return self.alias or self.name

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "Field", "name": self.name}
        if self.alias:
            out["alias"] = self.alias
        if self.selections is not None:
            out["selections"] = [s.to_json() for s in self.selections]
        return out


@dataclass(frozen=True, slots=True)
class InlineFragmentSelection:
    """``... on Type { ... }`` in a ``requires`` selection."""

    type_condition: str | None
    selections: tuple[Selection, ...]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "InlineFragment"}
        if self.type_condition is not None:
            out["typeCondition"] = self.type_condition
        out["selections"] = [s.to_json() for s in self.selections]
        return out


Selection: TypeAlias = FieldSelection | InlineFragmentSelection


@dataclass(frozen=True, slots=True)
class ValueSetter:
    """Set the value at ``path`` (e.g. ``["... on Book", "__typename"]``) to ``value``.

    Used to send ``__typename: "Interface"`` to a subgraph that knows an entity
    only as an ``@interfaceObject``.
    """

    path: tuple[str, ...]
    set_value_to: Any

    def to_json(self) -> dict[str, Any]:
        return {"kind": "ValueSetter", "path": list(self.path), "setValueTo": self.set_value_to}


@dataclass(frozen=True, slots=True)
class KeyRenamer:
    """Rename the response key at ``path`` to ``rename_key_to``."""

    path: tuple[str, ...]
    rename_key_to: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": "KeyRenamer", "path": list(self.path), "renameKeyTo": self.rename_key_to}


Rewrite: TypeAlias = ValueSetter | KeyRenamer


@dataclass(frozen=True, slots=True)
class Fetch:
    """One request to one subgraph."""

    service_name: str
    operation: str
    operation_kind: Literal["query", "mutation", "subscription"] = "query"
    variable_usages: tuple[str, ...] = ()
    requires: tuple[Selection, ...] | None = None
    operation_name: str | None = None
    input_rewrites: tuple[Rewrite, ...] = ()
    output_rewrites: tuple[Rewrite, ...] = ()
    kind: Literal["Fetch"] = field(default="Fetch", init=False)

    @property
    def is_entity_fetch(self) -> bool:
        return self.requires is not None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "Fetch", "serviceName": self.service_name}
        if self.requires is not None:
            out["requires"] = [s.to_json() for s in self.requires]
        out["variableUsages"] = list(self.variable_usages)
        out["operation"] = self.operation
        out["operationKind"] = self.operation_kind
        if self.operation_name:
            out["operationName"] = self.operation_name
        if self.input_rewrites:
            out["inputRewrites"] = [r.to_json() for r in self.input_rewrites]
        if self.output_rewrites:
            out["outputRewrites"] = [r.to_json() for r in self.output_rewrites]
        return out


@dataclass(frozen=True, slots=True)
class EntityBatch:
    """One group of entities inside a ``BatchFetch``: where they are, what to send."""

    path: tuple[PathElement, ...]
    requires: tuple[Selection, ...]
    input_rewrites: tuple[Rewrite, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": list(self.path),
            "requires": [s.to_json() for s in self.requires],
        }
        if self.input_rewrites:
            out["inputRewrites"] = [r.to_json() for r in self.input_rewrites]
        return out


@dataclass(frozen=True, slots=True)
class BatchFetch:
    """Entities from several response paths resolved by one subgraph request.

    ``operation`` has one aliased ``_e{i}: _entities(representations: $r{i})``
    per batch ``i``.
    """

    service_name: str
    operation: str
    batches: tuple[EntityBatch, ...]
    variable_usages: tuple[str, ...] = ()
    operation_name: str | None = None
    kind: Literal["BatchFetch"] = field(default="BatchFetch", init=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "BatchFetch",
            "serviceName": self.service_name,
            "entityBatches": [b.to_json() for b in self.batches],
            "variableUsages": list(self.variable_usages),
            "operation": self.operation,
            "operationKind": "query",
        }
        if self.operation_name:
            out["operationName"] = self.operation_name
        return out


@dataclass(frozen=True, slots=True)
class Flatten:
    """Run ``node`` against the objects found at ``path`` of the response."""

    path: tuple[PathElement, ...]
    node: Fetch
    kind: Literal["Flatten"] = field(default="Flatten", init=False)

    def to_json(self) -> dict[str, Any]:
        return {"kind": "Flatten", "path": list(self.path), "node": self.node.to_json()}


@dataclass(frozen=True, slots=True)
class SequenceNode:
    """Children run one after another (later ones read what earlier ones wrote).

    JSON kind ``"Sequence"``; the class is named ``SequenceNode`` so it never shadows
    ``collections.abc.Sequence`` where both are imported."""

    nodes: tuple[PlanNode, ...]
    kind: Literal["Sequence"] = field(default="Sequence", init=False)

    def to_json(self) -> dict[str, Any]:
        return {"kind": "Sequence", "nodes": [n.to_json() for n in self.nodes]}


@dataclass(frozen=True, slots=True)
class Parallel:
    """Children are independent and may run concurrently."""

    nodes: tuple[PlanNode, ...]
    kind: Literal["Parallel"] = field(default="Parallel", init=False)

    def to_json(self) -> dict[str, Any]:
        return {"kind": "Parallel", "nodes": [n.to_json() for n in self.nodes]}


@dataclass(frozen=True, slots=True)
class Condition:
    """Branch on a boolean variable (from ``@skip``/``@include``)."""

    condition: str
    if_clause: PlanNode | None
    else_clause: PlanNode | None
    kind: Literal["Condition"] = field(default="Condition", init=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "Condition", "condition": self.condition}
        if self.if_clause is not None:
            out["ifClause"] = self.if_clause.to_json()
        if self.else_clause is not None:
            out["elseClause"] = self.else_clause.to_json()
        return out


PlanNode: TypeAlias = Fetch | BatchFetch | Flatten | SequenceNode | Parallel | Condition


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """The root of a plan; ``node`` is None when nothing needs fetching
    (e.g. a query of only ``__typename``)."""

    node: PlanNode | None
    kind: Literal["QueryPlan"] = field(default="QueryPlan", init=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "QueryPlan"}
        if self.node is not None:
            out["node"] = self.node.to_json()
        return out

    def fetches(self) -> Iterator[Fetch | BatchFetch]:
        """Every fetch in the plan, in document order (all branches of conditions)."""
        yield from _iter_fetches(self.node)

    @property
    def fetch_count(self) -> int:
        """The most subgraph requests one execution sends: of a ``Condition``'s two
        branches only one runs, so the larger counts. This is the round-trip measure
        plans are compared by."""
        return _executed_fetches(self.node)

    @property
    def fetch_nodes(self) -> int:
        """Every fetch node in the plan, both branches of conditions included."""
        return sum(1 for _ in self.fetches())


def _executed_fetches(node: PlanNode | None) -> int:
    if node is None:
        return 0
    if isinstance(node, Fetch | BatchFetch | Flatten):
        return 1
    if isinstance(node, SequenceNode | Parallel):
        return sum(_executed_fetches(child) for child in node.nodes)
    return max(_executed_fetches(node.if_clause), _executed_fetches(node.else_clause))


def _iter_fetches(node: PlanNode | None) -> Iterator[Fetch | BatchFetch]:
    if node is None:
        return
    if isinstance(node, Fetch | BatchFetch):
        yield node
    elif isinstance(node, Flatten):
        yield node.node
    elif isinstance(node, SequenceNode | Parallel):
        for child in node.nodes:
            yield from _iter_fetches(child)
    else:
        yield from _iter_fetches(node.if_clause)
        yield from _iter_fetches(node.else_clause)
