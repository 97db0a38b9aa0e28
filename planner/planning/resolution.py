"""Where each field of an operation can be resolved, and at what cost.

The walker (walker.py) asks three kinds of question while it places fields, and this
module answers them for one operation, on top of the supergraph's query graph
(query_graph.py, shared by every plan):

* **in place?** `field_local`, `all_local`: can subgraph G return T.f without another
  fetch (``@external`` only when a ``@provides`` on the path provides it)?
* **where else?** `jump_targets`: the subgraphs that can take over at an entity
  position, given a key G can hand them (``@key``; ``@interfaceObject`` subgraphs
  through the interface);
* **can it be finished from here, and how many more fetches?** `feasible` and `cost`:
  two questions asked of one traversal (`_walk`). The traversal splits an abstract
  position per runtime type and classifies every field of a selection as a *step*
  (local, remote, or ``__typename``/a narrowing fragment on an ``@interfaceObject``),
  once per position, shared by both questions;
  each question (`_Feasibility`, `_Cost`) only says how to fold the steps and what to
  answer for a leaf and for a cycle. Each question is memoised per (graph, type,
  selection, provided); a cycle between subgraphs is broken by answering the pending
  question with its guard (infeasible, unreachable). Answers that never leaned on a
  guard are exact, and the supergraph-only ones (`jump_targets`) are kept in the query
  graph for later plans.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from planner.planning.items import Collector, FieldItem, InlineFragmentItem, Item, Normaliser
from planner.planning.query_graph import QueryGraph
from planner.supergraph import Supergraph

_MAX_DEPTH = 400
_UNREACHABLE = 1000
"""Cost of a selection no plan can reach (and the cycle guard's answer)."""

_MemoKey = tuple[str, str, int, int]
_T = TypeVar("_T")

_NARROWING = 0
"""A fragment narrows an ``@interfaceObject``: only the interface's owner knows the type."""
_TYPENAME = 1
"""``__typename`` on an ``@interfaceObject``: only the interface's owner knows it."""
_LOCAL = 2
"""A field the subgraph resolves in place (`Resolution.field_local`)."""
_REMOTE = 3
"""A field only another subgraph can resolve: a jump."""
_Step = tuple[int, "FieldItem | None"]


@dataclass(frozen=True, slots=True)
class JumpTarget:
    """A subgraph that can take over at an entity position, and how to address it."""

    graph: str
    type_condition: str
    rewrite_typename: bool = False


class Resolution:
    """The resolvability questions of one operation (or one mutation step)."""

    def __init__(
        self, supergraph: Supergraph, normaliser: Normaliser, collector: Collector
    ) -> None:
        self.supergraph = supergraph
        self.query_graph = QueryGraph.of(supergraph)
        self.deadline = normaliser.deadline
        self.normaliser = normaliser
        self.collector = collector
        self._feasibility = _Feasibility(self)
        self._cost = _Cost(self)
        self._step_memo: dict[_MemoKey, tuple[_Step, ...]] = {}
        self._in_progress: set[tuple[object, ...]] = set()
        self._provisional: set[tuple[object, ...]] = set()
        self._guesses = 0
        """How many answers so far rested on a cycle guard or the depth limit: an answer
        computed while this stayed unchanged is exact, and may be shared across plans."""

    def field_set(
        self, type_name: str, fields: str, alias_arguments: bool = False
    ) -> tuple[Item, ...]:
        memo_key = (type_name, fields, alias_arguments)
        field_sets = self.query_graph.field_sets
        found = field_sets.get(memo_key)
        if found is None:
            found = self.normaliser.field_set(type_name, fields, alias_arguments)
            field_sets[memo_key] = found
        return found

    def _provided_has(
        self, type_name: str, field_name: str, provided: tuple[Item, ...] | None
    ) -> bool:
        if not provided:
            return False
        return any(i.name == field_name for i in self.collector.collect_for(type_name, provided))

    def field_local(
        self, graph: str, type_name: str, field_name: str, provided: tuple[Item, ...] | None
    ) -> bool:
        """Can `graph` return T.f in place, without another fetch?"""
        entry = self.supergraph.field_in_graph(type_name, field_name, graph)
        if entry is None:
            return False
        if entry.requires:
            return False
        if entry.resolvable:
            return True
        if entry.external or entry.used_overridden:
            return self._provided_has(type_name, field_name, provided)
        return False

    def field_owned(self, graph: str, type_name: str, field_name: str) -> bool:
        """Does `graph` resolve T.f given an entity representation (requires allowed)?"""
        entry = self.supergraph.field_in_graph(type_name, field_name, graph)
        if entry is None:
            return False
        return entry.resolvable

    def child_provided(
        self, graph: str, type_name: str, item: FieldItem, provided: tuple[Item, ...] | None
    ) -> tuple[Item, ...] | None:
        entry = self.supergraph.field_in_graph(type_name, item.name, graph)
        if entry is not None and entry.provides and not entry.external:
            return self.field_set(self.return_type(type_name, item, graph), entry.provides)
        if not provided:
            return None
        below: list[Item] = []
        for provided_field in self.collector.collect_for(type_name, provided):
            if provided_field.name == item.name and provided_field.selections:
                below.extend(provided_field.selections)
        return tuple(below) or None

    def item_feasible(
        self,
        graph: str,
        type_name: str,
        item: FieldItem,
        provided: tuple[Item, ...] | None,
        depth: int = 0,
    ) -> bool:
        """Can everything below `item` be planned once `graph` has it?"""
        return self._below(self._feasibility, graph, type_name, item, provided, depth)

    def item_cost(
        self,
        graph: str,
        type_name: str,
        item: FieldItem,
        provided: tuple[Item, ...] | None,
        depth: int = 0,
    ) -> int:
        """Estimated number of further fetches to resolve `item` once `graph` has it."""
        return self._below(self._cost, graph, type_name, item, provided, depth)

    def feasible(
        self,
        graph: str,
        type_name: str,
        items: tuple[Item, ...],
        provided: tuple[Item, ...] | None,
        depth: int = 0,
    ) -> bool:
        """Can `items` at a position of `type_name` in `graph` be planned from there?"""
        return self._answer(self._feasibility, graph, type_name, items, provided, depth)

    def cost(
        self,
        graph: str,
        type_name: str,
        items: tuple[Item, ...],
        provided: tuple[Item, ...] | None,
        depth: int = 0,
    ) -> int:
        """Estimated number of fetches beyond the current one that `items` need."""
        return self._answer(self._cost, graph, type_name, items, provided, depth)

    # -- the one traversal behind `feasible` and `cost` ------------------------------

    def _below(
        self,
        question: _Question[_T],
        graph: str,
        type_name: str,
        item: FieldItem,
        provided: tuple[Item, ...] | None,
        depth: int,
    ) -> _T:
        """`question` about the selection below `item`, once `graph` has resolved it."""
        if item.selections is None:
            return question.leaf
        provided_below = self.child_provided(graph, type_name, item, provided)
        return self._answer(
            question,
            graph,
            self.return_type(type_name, item, graph),
            item.selections,
            provided_below,
            depth + 1,
        )

    def _answer(
        self,
        question: _Question[_T],
        graph: str,
        type_name: str,
        items: tuple[Item, ...],
        provided: tuple[Item, ...] | None,
        depth: int,
    ) -> _T:
        """`question` about `items` at (graph, type), memoised per question. While an answer
        is being computed, a recursive look-up of the same key answers the question's
        guard, which is what breaks cycles between subgraphs."""
        if depth > _MAX_DEPTH:
            self._guesses += 1
            return question.guard
        memo = question.memo
        key = (graph, type_name, id(items), id(provided))
        cached = memo.get(key)
        tag = (id(memo), *key)
        if cached is not None:
            if tag in self._in_progress or tag in self._provisional:
                self._guesses += 1
            return cached
        memo[key] = question.guard
        self._in_progress.add(tag)
        before = self._guesses
        result = self._walk(question, graph, type_name, items, provided, depth)
        self._in_progress.discard(tag)
        memo[key] = result
        if self._guesses != before:
            self._provisional.add(tag)
        return result

    def _walk(
        self,
        question: _Question[_T],
        graph: str,
        type_name: str,
        items: tuple[Item, ...],
        provided: tuple[Item, ...] | None,
        depth: int,
    ) -> _T:
        """The traversal both questions share: an abstract type is answered per runtime
        type; otherwise each field is classified (`_steps`) and `question` folds them."""
        self.deadline.check()
        supergraph = self.supergraph
        if supergraph.is_abstract(type_name) and not supergraph.is_interface_object(
            type_name, graph
        ):
            return question.per_runtime_type(
                self._answer(question, graph, runtime, runtime_items, runtime_provided, depth + 1)
                for runtime, runtime_items, runtime_provided in self.per_runtime_type(
                    supergraph.possible_runtime_types(type_name, graph), items, provided
                )
            )
        steps = self._steps(graph, type_name, items, provided)
        return question.fold(graph, type_name, provided, steps, depth)

    def _steps(
        self,
        graph: str,
        type_name: str,
        items: tuple[Item, ...],
        provided: tuple[Item, ...] | None,
    ) -> tuple[_Step, ...]:
        """What resolving `items` at (graph, type) takes, one step per field; classified
        once per position and shared by both questions."""
        key = (graph, type_name, id(items), id(provided))
        found = self._step_memo.get(key)
        if found is None:
            found = self._step_memo[key] = tuple(self._classify(graph, type_name, items, provided))
        return found

    def _classify(
        self,
        graph: str,
        type_name: str,
        items: tuple[Item, ...],
        provided: tuple[Item, ...] | None,
    ) -> Iterator[_Step]:
        interface_object = self.supergraph.is_interface_object(type_name, graph)
        if interface_object and any(
            isinstance(i, InlineFragmentItem) and i.type_condition != type_name for i in items
        ):
            yield _NARROWING, None
        for item in self.collector.collect_for(type_name, items):
            if item.is_typename:
                if interface_object:
                    yield _TYPENAME, item
                continue
            if self.field_local(graph, type_name, item.name, provided):
                yield _LOCAL, item
            else:
                yield _REMOTE, item

    def per_runtime_type(
        self, runtime_types: list[str], items: tuple[Item, ...], provided: tuple[Item, ...] | None
    ) -> Iterator[tuple[str, tuple[FieldItem, ...], tuple[FieldItem, ...] | None]]:
        """For each runtime type the selection applies to: its fields and what is provided."""
        for runtime in runtime_types:
            runtime_items = self.collector.collect_for(runtime, items)
            if runtime_items:
                runtime_provided = (
                    self.collector.collect_for(runtime, provided) if provided else None
                )
                yield runtime, runtime_items, runtime_provided

    def can_jump(self, graph: str, type_name: str, item: FieldItem, depth: int = 0) -> bool:
        """Can another subgraph take `item` over from (graph, type), whole or split?"""
        targets = self.jump_targets(graph, type_name, item)
        for target in targets:
            if self.item_feasible(target.graph, target.type_condition, item, None, depth + 1):
                return True
        if item.selections is not None and targets:
            return bool(self.split(type_name, item, [(t.graph, t) for t in targets], depth + 1))
        return False

    def jump_targets(self, graph: str, type_name: str, item: FieldItem) -> list[JumpTarget]:
        """Subgraphs that can resolve `item` at an entity position of `type_name`.

        Depends on the supergraph only, so an exact answer is kept in the query graph
        for every later plan (one that rested on a cycle guard stays with this plan)."""
        shared = self.query_graph.jump_targets
        key = (graph, type_name, item.name, item.is_typename)
        found: list[JumpTarget] | None = shared.get(key)
        if found is not None:
            return found
        before = self._guesses
        found = self._jump_targets(graph, type_name, item)
        if self._guesses == before:
            shared[key] = found
        return found

    def _jump_targets(self, graph: str, type_name: str, item: FieldItem) -> list[JumpTarget]:
        supergraph = self.supergraph
        targets: list[JumpTarget] = []
        is_root = type_name in self.query_graph.root_names
        for other, info in supergraph.graphs_of_type(type_name).items():
            if is_root:
                if other != graph and self.field_local(other, type_name, item.name, None):
                    targets.append(JumpTarget(other, type_name))
                continue
            if not info.resolvable_keys:
                continue
            if item.is_typename:
                if (
                    other != graph
                    and not info.is_interface_object
                    and self._has_local_key(graph, type_name, type_name, other)
                ):
                    targets.append(JumpTarget(other, type_name))
                continue
            if not self.field_owned(other, type_name, item.name):
                continue
            entry = supergraph.field_in_graph(type_name, item.name, other)
            needs_requires = entry is not None and bool(entry.requires)
            if other == graph and not needs_requires:
                continue
            if not self._has_local_key(graph, type_name, type_name, other):
                continue
            targets.append(JumpTarget(other, type_name))
        if not is_root and not item.is_typename:
            for interface in supergraph.interfaces_of(type_name):
                for other, info in supergraph.graphs_of_type(interface).items():
                    if other == graph or not info.is_interface_object or not info.resolvable_keys:
                        continue
                    if supergraph.type_in_graph(type_name, other) is not None:
                        continue
                    if self.field_owned(other, interface, item.name) and self._has_local_key(
                        graph, type_name, interface, other
                    ):
                        targets.append(JumpTarget(other, interface, rewrite_typename=True))
        return targets

    def _has_local_key(self, graph: str, type_name: str, condition: str, target: str) -> bool:
        """Can `graph` hand `target` a key for the entity at hand, from its own fields?"""
        info = self.supergraph.type_in_graph(condition, target)
        if info is None:
            return False
        keys = [self.field_set(condition, key.fields) for key in info.resolvable_keys]
        if any(self.all_local(graph, type_name, key_items, None) for key_items in keys):
            return True
        return any(self.feasible(graph, type_name, key_items, None) for key_items in keys)

    def interface_owner_targets(self, interface: str) -> list[JumpTarget]:
        """Subgraphs that own `interface` as a real interface with a resolvable key."""
        return [
            JumpTarget(g, interface)
            for g, info in self.supergraph.graphs_of_type(interface).items()
            if not info.is_interface_object
            and info.resolvable_keys
            and self.supergraph.possible_runtime_types(interface, g)
        ]

    def all_local(
        self, graph: str, type_name: str, items: tuple[Item, ...], provided: tuple[Item, ...] | None
    ) -> bool:
        for item in self.collector.collect_for(type_name, items):
            if item.is_typename:
                continue
            if not self.field_local(graph, type_name, item.name, provided):
                return False
            if item.selections is not None:
                provided_below = self.child_provided(graph, type_name, item, provided)
                if not self.all_local(
                    graph, self.return_type(type_name, item, graph), item.selections, provided_below
                ):
                    return False
        return True

    def type_signature(self, graph: str, type_name: str, item: FieldItem) -> str:
        found = self.query_graph.type_signature(graph, type_name, item.name)
        return found if found is not None else item.type_name

    def return_type(self, type_name: str, item: FieldItem, graph: str | None = None) -> str:
        """The named type T.f returns (covariant on implementations, unlike the item's);
        with `graph`, the type that subgraph declares when it differs (``join__field(type:)``)."""
        found = self.query_graph.return_type(type_name, item.name, graph)
        return found if found is not None else item.type_name

    def list_depth(self, type_name: str, field_name: str) -> int:
        return self.query_graph.list_depth(type_name, field_name)

    def split(
        self,
        type_name: str,
        item: FieldItem,
        candidates: list[tuple[str, JumpTarget | None]],
        depth: int = 0,
    ) -> list[tuple[str, FieldItem]]:
        """Split a composite field's selection across subgraphs that all resolve the field."""
        if item.selections is None or depth > _MAX_DEPTH:
            return []
        assigned: dict[str, list[Item]] = {}
        for sub in item.selections:
            for graph, target in candidates:
                condition = target.type_condition if target else type_name
                if not self.field_local(graph, condition, item.name, None) and not self.field_local(
                    graph, type_name, item.name, None
                ):
                    continue
                if self.feasible(
                    graph, self.return_type(type_name, item, graph), (sub,), None, depth + 1
                ):
                    assigned.setdefault(graph, []).append(sub)
                    break
            else:
                return []
        return [(graph, item.with_selections(tuple(subs))) for graph, subs in assigned.items()]


class _Question(Generic[_T]):
    """One question the traversal (`Resolution._walk`) answers: how to fold the steps of a
    selection into an answer, with its memo, its answer for a leaf field and the guard
    that answers a cycle or the depth limit."""

    leaf: _T
    guard: _T

    def __init__(self, resolution: Resolution) -> None:
        self.resolution = resolution
        self.memo: dict[_MemoKey, _T] = {}

    def per_runtime_type(self, answers: Iterator[_T]) -> _T:
        """Combine the answers of an abstract position's runtime types."""
        raise NotImplementedError

    def fold(
        self,
        graph: str,
        type_name: str,
        provided: tuple[Item, ...] | None,
        steps: tuple[_Step, ...],
        depth: int,
    ) -> _T:
        """The answer for the steps of one selection at (graph, type)."""
        raise NotImplementedError


class _Feasibility(_Question[bool]):
    """Can the selection be finished from here (jumping, or splitting, where needed)?"""

    leaf = True
    guard = False

    def per_runtime_type(self, answers: Iterator[bool]) -> bool:
        return all(answers)

    def fold(
        self,
        graph: str,
        type_name: str,
        provided: tuple[Item, ...] | None,
        steps: tuple[_Step, ...],
        depth: int,
    ) -> bool:
        resolution = self.resolution
        for kind, item in steps:
            if kind in (_NARROWING, _TYPENAME):
                if not resolution.interface_owner_targets(type_name):
                    return False
                continue
            assert item is not None
            if kind == _LOCAL and resolution._below(self, graph, type_name, item, provided, depth):
                continue
            if not resolution.can_jump(graph, type_name, item, depth):
                return False
        return True


class _Cost(_Question[int]):
    """How many fetches beyond the current one the selection needs: the cheapest jump for
    each field that is not local, one fetch per subgraph jumped to."""

    leaf = 0
    guard = _UNREACHABLE

    def per_runtime_type(self, answers: Iterator[int]) -> int:
        return max(answers, default=0)

    def fold(
        self,
        graph: str,
        type_name: str,
        provided: tuple[Item, ...] | None,
        steps: tuple[_Step, ...],
        depth: int,
    ) -> int:
        resolution = self.resolution
        total = 0
        jumped: set[str] = set()
        for kind, item in steps:
            if kind == _NARROWING:
                continue
            if kind == _TYPENAME:
                jumped.add("__typename")
                continue
            assert item is not None
            if kind == _LOCAL:
                total += resolution._below(self, graph, type_name, item, provided, depth)
                continue
            targets = resolution.jump_targets(graph, type_name, item)
            total += min(
                (
                    resolution._below(self, t.graph, t.type_condition, item, None, depth + 1)
                    for t in targets
                ),
                default=_UNREACHABLE,
            )
            jumped.update(t.graph for t in targets[:1])
        return total + len(jumped)
