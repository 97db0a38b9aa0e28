"""Walk the normalised operation and place every field in a fetch group.

The rules (Apollo Federation query planning, expressed as a greedy walk):

* A field stays in the current subgraph when that subgraph resolves it (not
  ``@external`` unless ``@provides`` on the path provides it or it is one of the
  subgraph's own key fields) and everything below it can be planned from there.
* Otherwise the planner "jumps" at the nearest entity position: another
  subgraph that resolves the field and has a resolvable ``@key`` for the type
  gets an ``_entities`` fetch at this response path; the key fields (and any
  ``@requires`` fields) are planned at the position first, and the new group
  depends on the groups that produce them.
* At the root, a jump is a root fetch to another subgraph (shared root fields
  may be split across subgraphs, each part from a subgraph that resolves it).
* Abstract types are split per possible runtime type only where the subgraph's
  view differs; ``@interfaceObject`` subgraphs are entered with
  ``__typename`` rewritten to the interface and left through the subgraph that
  owns the interface for anything type-specific.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from planner.errors import PlanningError
from planner.plan import KeyRenamer
from planner.planning.groups import FetchGroup, Representation, RepresentationFields
from planner.planning.items import Collector, FieldItem, FragmentItem, Item, Normaliser
from planner.planning.query_graph import QueryGraph
from planner.planning.selection import SubField, SubSelection
from planner.supergraph import KeyInfo, Supergraph

_MAX_DEPTH = 400
_UNREACHABLE = 1000
"""Cost of a selection no plan can reach (and the cycle guard's answer)."""

_MemoKey = tuple[str, str, int, int]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Position:
    """Where in which group the walker is writing: a selection set at a response path."""

    group: FetchGroup
    sel: SubSelection
    path: tuple[str, ...]
    type_name: str
    provided: tuple[Item, ...] | None = None
    root: bool = False
    satisfied: frozenset[str] = frozenset()
    """Fields whose ``@requires`` this entity fetch's representation already carries."""
    runtime_filter: frozenset[str] | None = None
    """For an abstract position under a field shared by several subgraphs: the runtime
    types every one of them can return (the only ones a plan may count on)."""
    path_graphs: frozenset[str] | None = None
    """Subgraphs that resolve every field from the nearest entity (or root) to here."""


@dataclass(frozen=True, slots=True)
class JumpTarget:
    """A subgraph that can take over at an entity position, and how to address it."""

    graph: str
    type_condition: str
    rewrite_typename: bool = False


class Walker:
    """Builds the fetch groups of one operation (or one mutation step)."""

    def __init__(
        self,
        supergraph: Supergraph,
        normaliser: Normaliser,
        collector: Collector,
        root_kind: str,
        first_group_id: int = 0,
    ) -> None:
        self.sg = supergraph
        self.query_graph = QueryGraph.of(supergraph)
        self.deadline = normaliser.deadline
        self.normaliser = normaliser
        self.collector = collector
        self.root_kind = root_kind
        self.groups: list[FetchGroup] = []
        self.root_groups: dict[str, FetchGroup] = {}
        self._next_id = first_group_id
        self.unresolvable_roots: dict[str, str] = {}
        """Root response keys whose subgraph can only answer an error (and why)."""
        self._feasible_memo: dict[_MemoKey, bool] = {}
        self._cost_memo: dict[_MemoKey, int] = {}
        self._in_progress: set[tuple[object, ...]] = set()
        self._provisional: set[tuple[object, ...]] = set()
        self._guesses = 0
        """How many answers so far rested on a cycle guard or the depth limit: an answer
        computed while this stayed unchanged is exact, and may be shared across plans."""

    def _memoised(
        self, memo: dict[_MemoKey, _T], key: _MemoKey, guard: _T, compute: Callable[[], _T]
    ) -> _T:
        """Look `key` up in `memo`, else compute it; while computing, a recursive look-up of
        the same key answers `guard`, which is what breaks cycles between subgraphs."""
        cached = memo.get(key)
        if cached is not None:
            tag = (id(memo), *key)
            if tag in self._in_progress or tag in self._provisional:
                self._guesses += 1
            return cached
        tag = (id(memo), *key)
        memo[key] = guard
        self._in_progress.add(tag)
        before = self._guesses
        result = compute()
        self._in_progress.discard(tag)
        memo[key] = result
        if self._guesses != before:
            self._provisional.add(tag)
        return result

    # --- entry point ----------------------------------------------------------------

    def plan_root(self, root_type: str, items: tuple[Item, ...]) -> None:
        fields = tuple(i for i in self.collector.collect_for(root_type, items) if not i.is_typename)
        for item in fields:
            targets = [
                g
                for g in self.sg.graphs_of_type(root_type)
                if self.field_local(g, root_type, item.name, None)
            ]
            if not targets:
                raise PlanningError(f"no subgraph resolves {root_type}.{item.name}")
            whole = [g for g in targets if self._item_feasible(g, root_type, item, None)]
            if len(whole) == 1:
                self._plan_in_root(whole[0], root_type, (item,))
                continue
            if whole:
                chosen = min(
                    whole,
                    key=lambda g: (
                        self.item_cost(g, root_type, item, None),
                        g not in self.root_groups,
                    ),
                )
                self._plan_in_root(chosen, root_type, (item,))
                continue
            parts = self._split(root_type, item, [(g, None) for g in targets])
            if not parts:
                raise PlanningError(
                    f"cannot plan {root_type}.{item.name}: no subgraph combination resolves it"
                )
            for graph, part in parts:
                self._plan_in_root(graph, root_type, (part,))
        keys = {item.response_key for item in fields}
        if keys and keys <= self.unresolvable_roots.keys():
            raise PlanningError(next(iter(self.unresolvable_roots.values())))

    def _plan_in_root(self, graph: str, root_type: str, items: tuple[Item, ...]) -> None:
        group = self.root_group(graph)
        pos = Position(group, group.selection, (), root_type, None, root=True)
        self.plan_items(pos, items)

    # --- groups -----------------------------------------------------------------------

    def _new_group(self, graph: str, path: tuple[str, ...], root_kind: str | None) -> FetchGroup:
        group = FetchGroup(self._next_id, graph, path, root_kind)
        self._next_id += 1
        self.groups.append(group)
        return group

    def root_group(self, graph: str) -> FetchGroup:
        group = self.root_groups.get(graph)
        if group is None:
            group = self.root_groups[graph] = self._new_group(graph, (), self.root_kind)
        return group

    def entity_group(
        self, graph: str, path: tuple[str, ...], rep: Representation, deps: set[FetchGroup]
    ) -> FetchGroup:
        for group in self.groups:
            if not group.is_entity or group.graph != graph or group.path != path:
                continue
            if group.representation.conflicts_with(rep):
                continue
            new = deps - group.deps
            if new and any(d is group or d.depends_on(group) for d in new):
                continue
            group.deps |= new
            group.representation.merge(rep)
            return group
        group = self._new_group(graph, path, None)
        group.deps |= deps
        group.representation.merge(rep)
        return group

    # --- resolvability ------------------------------------------------------------------

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
        entry = self.sg.field_in_graph(type_name, field_name, graph)
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
        entry = self.sg.field_in_graph(type_name, field_name, graph)
        if entry is None:
            return False
        return entry.resolvable

    def child_provided(
        self, graph: str, type_name: str, item: FieldItem, provided: tuple[Item, ...] | None
    ) -> tuple[Item, ...] | None:
        entry = self.sg.field_in_graph(type_name, item.name, graph)
        if entry is not None and entry.provides and not entry.external:
            return self.field_set(self.return_type(type_name, item, graph), entry.provides)
        if not provided:
            return None
        subs: list[Item] = []
        for p in self.collector.collect_for(type_name, provided):
            if p.name == item.name and p.selections:
                subs.extend(p.selections)
        return tuple(subs) or None

    def _item_feasible(
        self,
        graph: str,
        type_name: str,
        item: FieldItem,
        provided: tuple[Item, ...] | None,
        depth: int = 0,
    ) -> bool:
        if item.selections is None:
            return True
        cprov = self.child_provided(graph, type_name, item, provided)
        return self.feasible(
            graph, self.return_type(type_name, item, graph), item.selections, cprov, depth + 1
        )

    def item_cost(
        self,
        graph: str,
        type_name: str,
        item: FieldItem,
        provided: tuple[Item, ...] | None,
        depth: int = 0,
    ) -> int:
        """Estimated number of further fetches to resolve `item` once `graph` has it."""
        if item.selections is None:
            return 0
        cprov = self.child_provided(graph, type_name, item, provided)
        return self.cost(
            graph, self.return_type(type_name, item, graph), item.selections, cprov, depth + 1
        )

    def cost(
        self,
        graph: str,
        type_name: str,
        items: tuple[Item, ...],
        provided: tuple[Item, ...] | None,
        depth: int = 0,
    ) -> int:
        """Estimated number of fetches beyond the current one that `items` need."""
        if depth > _MAX_DEPTH:
            self._guesses += 1
            return _UNREACHABLE
        return self._memoised(
            self._cost_memo,
            (graph, type_name, id(items), id(provided)),
            _UNREACHABLE,
            lambda: self._cost(graph, type_name, items, provided, depth),
        )

    def _cost(
        self,
        graph: str,
        type_name: str,
        items: tuple[Item, ...],
        provided: tuple[Item, ...] | None,
        depth: int,
    ) -> int:
        self.deadline.check()
        sg = self.sg
        total = 0
        if sg.is_abstract(type_name) and not sg.is_interface_object(type_name, graph):
            for runtime, r_items, r_prov in self._per_runtime_type(
                sg.possible_runtime_types(type_name, graph), items, provided
            ):
                total = max(total, self.cost(graph, runtime, r_items, r_prov, depth + 1))
        else:
            jumped: set[str] = set()
            for item in self.collector.collect_for(type_name, items):
                if item.is_typename:
                    if sg.is_interface_object(type_name, graph):
                        jumped.add("__typename")
                    continue
                if self.field_local(graph, type_name, item.name, provided):
                    total += self.item_cost(graph, type_name, item, provided, depth)
                    continue
                targets = self.jump_targets(graph, type_name, item)
                best = min(
                    (
                        self.item_cost(t.graph, t.type_condition, item, None, depth + 1)
                        for t in targets
                    ),
                    default=_UNREACHABLE,
                )
                total += best
                jumped.update(t.graph for t in targets[:1])
            total += len(jumped)
        return total

    def _per_runtime_type(
        self, runtime_types: list[str], items: tuple[Item, ...], provided: tuple[Item, ...] | None
    ) -> Iterator[tuple[str, tuple[FieldItem, ...], tuple[FieldItem, ...] | None]]:
        """For each runtime type the selection applies to: its fields and what is provided."""
        for runtime in runtime_types:
            r_items = self.collector.collect_for(runtime, items)
            if r_items:
                r_prov = self.collector.collect_for(runtime, provided) if provided else None
                yield runtime, r_items, r_prov

    def feasible(
        self,
        graph: str,
        type_name: str,
        items: tuple[Item, ...],
        provided: tuple[Item, ...] | None,
        depth: int = 0,
    ) -> bool:
        """Can `items` at a position of `type_name` in `graph` be planned from there?"""
        if depth > _MAX_DEPTH:
            self._guesses += 1
            return False
        return self._memoised(
            self._feasible_memo,
            (graph, type_name, id(items), id(provided)),
            False,
            lambda: self._feasible(graph, type_name, items, provided, depth),
        )

    def _feasible(
        self,
        graph: str,
        type_name: str,
        items: tuple[Item, ...],
        provided: tuple[Item, ...] | None,
        depth: int,
    ) -> bool:
        self.deadline.check()
        sg = self.sg
        if sg.is_abstract(type_name) and not sg.is_interface_object(type_name, graph):
            for runtime, r_items, r_prov in self._per_runtime_type(
                sg.possible_runtime_types(type_name, graph), items, provided
            ):
                if not self.feasible(graph, runtime, r_items, r_prov, depth + 1):
                    return False
            return True
        narrows = any(isinstance(i, FragmentItem) and i.type_condition != type_name for i in items)
        if (
            narrows
            and sg.is_interface_object(type_name, graph)
            and not self._interface_owner_targets(type_name)
        ):
            return False
        for item in self.collector.collect_for(type_name, items):
            if item.is_typename:
                if sg.is_interface_object(type_name, graph) and not self._interface_owner_targets(
                    type_name
                ):
                    return False
                continue
            if self.field_local(graph, type_name, item.name, provided) and self._item_feasible(
                graph, type_name, item, provided, depth
            ):
                continue
            if not self._can_jump(graph, type_name, item, depth):
                return False
        return True

    def _can_jump(self, graph: str, type_name: str, item: FieldItem, depth: int) -> bool:
        targets = self.jump_targets(graph, type_name, item)
        for target in targets:
            if self._item_feasible(target.graph, target.type_condition, item, None, depth + 1):
                return True
        if item.selections is not None and targets:
            return bool(self._split(type_name, item, [(t.graph, t) for t in targets], depth + 1))
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
        sg = self.sg
        targets: list[JumpTarget] = []
        is_root = type_name in self.query_graph.root_names
        for other, info in sg.graphs_of_type(type_name).items():
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
            entry = sg.field_in_graph(type_name, item.name, other)
            needs_requires = entry is not None and bool(entry.requires)
            if other == graph and not needs_requires:
                continue
            if not self._has_local_key(graph, type_name, type_name, other):
                continue
            targets.append(JumpTarget(other, type_name))
        if not is_root and not item.is_typename:
            for interface in sg.interfaces_of(type_name):
                for other, info in sg.graphs_of_type(interface).items():
                    if other == graph or not info.is_interface_object or not info.resolvable_keys:
                        continue
                    if sg.type_in_graph(type_name, other) is not None:
                        continue
                    if self.field_owned(other, interface, item.name) and self._has_local_key(
                        graph, type_name, interface, other
                    ):
                        targets.append(JumpTarget(other, interface, rewrite_typename=True))
        return targets

    def _has_local_key(self, graph: str, type_name: str, condition: str, target: str) -> bool:
        """Can `graph` hand `target` a key for the entity at hand, from its own fields?"""
        info = self.sg.type_in_graph(condition, target)
        if info is None:
            return False
        keys = [self.field_set(condition, key.fields) for key in info.resolvable_keys]
        if any(self.all_local(graph, type_name, key_items, None) for key_items in keys):
            return True
        return any(self.feasible(graph, type_name, key_items, None) for key_items in keys)

    def _interface_owner_targets(self, interface: str) -> list[JumpTarget]:
        """Subgraphs that own `interface` as a real interface with a resolvable key."""
        return [
            JumpTarget(g, interface)
            for g, info in self.sg.graphs_of_type(interface).items()
            if not info.is_interface_object
            and info.resolvable_keys
            and self.sg.possible_runtime_types(interface, g)
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
                cprov = self.child_provided(graph, type_name, item, provided)
                if not self.all_local(
                    graph, self.return_type(type_name, item, graph), item.selections, cprov
                ):
                    return False
        return True

    # --- planning ----------------------------------------------------------------------

    def plan_items(self, pos: Position, items: tuple[Item, ...]) -> set[FetchGroup]:
        """Plan `items` at `pos`; return the groups that produce their data."""
        self.deadline.check()
        sg = self.sg
        graph = pos.group.graph
        if not pos.root and sg.is_abstract(pos.type_name):
            if sg.is_interface_object(pos.type_name, graph):
                return self._plan_interface_object(pos, items)
            return self._plan_abstract(pos, items)
        producers: set[FetchGroup] = set()
        remote: list[FieldItem] = []
        for item in self.collector.collect_for(pos.type_name, items):
            if item.is_typename:
                if not pos.root:
                    pos.sel.add_typename()
                producers.add(pos.group)
                continue
            if item.name in pos.satisfied or self.field_local(
                graph, pos.type_name, item.name, pos.provided
            ):
                if item.selections is None:
                    self._add_field(pos, item, composite=False)
                    producers.add(pos.group)
                    continue
                cprov = self.child_provided(graph, pos.type_name, item, pos.provided)
                if self.feasible(
                    graph, self.return_type(pos.type_name, item, graph), item.selections, cprov
                ):
                    producers |= self._add_composite(pos, item, cprov)
                    producers.add(pos.group)
                    continue
            remote.append(item)
        if remote:
            producers |= self._plan_remote(pos, remote)
        return producers

    def _add_here(self, pos: Position, item: FieldItem, provided: bool = True) -> set[FetchGroup]:
        """Add `item` to the group at `pos` (planning below it when composite); return the
        groups producing its data. `provided=False` ignores ``@provides`` below it."""
        if item.selections is None:
            self._add_field(pos, item, composite=False)
            return {pos.group}
        cprov = (
            self.child_provided(pos.group.graph, pos.type_name, item, pos.provided)
            if provided
            else None
        )
        return {pos.group} | self._add_composite(pos, item, cprov)

    def _add_composite(
        self, pos: Position, item: FieldItem, cprov: tuple[Item, ...] | None
    ) -> set[FetchGroup]:
        """Add a composite field and plan below it; return every group that produces
        data under it (nested entity fetches included: later fetches that read this
        data must wait for all of them)."""
        assert item.selections is not None
        field = self._add_field(pos, item, composite=True)
        assert field.sub is not None
        graph = pos.group.graph
        child_type = self.return_type(pos.type_name, item, graph)
        if (
            self.sg.is_abstract(child_type) or self.sg.is_entity(child_type)
        ) and not self.sg.is_interface_object(child_type, graph):
            field.sub.add_typename()
        path = (*pos.path, item.response_key, *(["@"] * self._list_depth(pos.type_name, item.name)))
        path_graphs = frozenset(
            e.graph
            for e in self.sg.field_graph_entries(pos.type_name, item.name)
            if e.graph is not None and e.resolvable
        )
        if pos.path_graphs is not None and not (pos.root or self.sg.is_entity(pos.type_name)):
            path_graphs &= pos.path_graphs
        runtime_filter = None
        if self.sg.is_abstract(child_type) and len(path_graphs) > 1:
            runtime_filter = frozenset.intersection(
                *(frozenset(self.sg.possible_runtime_types(child_type, g)) for g in path_graphs)
            )
        child = Position(
            pos.group,
            field.sub,
            path,
            child_type,
            cprov,
            runtime_filter=runtime_filter,
            path_graphs=path_graphs,
        )
        return self.plan_items(child, item.selections)

    def _add_field(self, pos: Position, item: FieldItem, composite: bool) -> SubField:
        """Add a field at `pos`; alias it when a field GraphQL would merge it with (same
        response key, same merge scope) has another type in this subgraph, renaming it
        back after the fetch with a ``KeyRenamer``."""
        if not pos.root:
            signature = self._type_signature(pos.group.graph, pos.type_name, item)
            seen = pos.sel.scope.signatures.setdefault(item.response_key, signature)
            if seen != signature:
                alias = f"{item.response_key}__alias_{len(pos.group.output_rewrites)}"
                relative = [p for p in pos.path[len(pos.group.path) :] if p != "@"]
                pos.group.output_rewrites.append(
                    KeyRenamer((*relative, f"... on {pos.type_name}", alias), item.response_key)
                )
                item = FieldItem(
                    alias, item.name, alias, item.arguments, item.selections, item.type_name
                )
        return pos.sel.add_field(item, composite)

    def _type_signature(self, graph: str, type_name: str, item: FieldItem) -> str:
        found = self.query_graph.type_signature(graph, type_name, item.name)
        return found if found is not None else item.type_name

    def return_type(self, type_name: str, item: FieldItem, graph: str | None = None) -> str:
        """The named type T.f returns (covariant on implementations, unlike the item's);
        with `graph`, the type that subgraph declares when it differs (``join__field(type:)``)."""
        found = self.query_graph.return_type(type_name, item.name, graph)
        return found if found is not None else item.type_name

    def _list_depth(self, type_name: str, field_name: str) -> int:
        return self.query_graph.list_depth(type_name, field_name)

    def _plan_abstract(self, pos: Position, items: tuple[Item, ...]) -> set[FetchGroup]:
        sg = self.sg
        graph = pos.group.graph
        type_name = pos.type_name
        pos.sel.add_typename()
        runtime = sg.possible_runtime_types(type_name, graph)
        if pos.runtime_filter is not None:
            runtime = [r for r in runtime if r in pos.runtime_filter]
        simple = self._interface_simple(graph, type_name, items, runtime, pos.provided)
        if not runtime and not simple:
            message = (
                f"subgraph {graph} has no implementation of {type_name} to resolve "
                f"the selection at {'.'.join(pos.path) or '<root>'}"
            )
            if sg.possible_runtime_types(type_name, graph):
                raise PlanningError(message)
            return self._plan_without_implementations(pos, items, message)
        if simple:
            simple_producers: set[FetchGroup] = {pos.group}
            fields = self.collector.collect_for(type_name, items)
            for item in fields:
                if item.is_typename:
                    continue
                simple_producers |= self._add_here(pos, item)
            return simple_producers
        producers: set[FetchGroup] = {pos.group}
        for runtime_type, r_items, r_prov in self._per_runtime_type(runtime, items, pos.provided):
            fragment = pos.sel.fragment(runtime_type)
            producers |= self.plan_items(
                Position(pos.group, fragment, pos.path, runtime_type, r_prov),
                r_items,
            )
        return producers

    def _plan_without_implementations(
        self, pos: Position, items: tuple[Item, ...], message: str
    ) -> set[FetchGroup]:
        """An abstract position where the subgraph has no object type at all (e.g. a root
        field returning an interface that only ``@interfaceObject``s implement elsewhere):
        whatever it answers there is an error or null. Plan what it can answer in place, so
        its error comes back on this field and the rest of the operation keeps its data
        (as Apollo's and Hive's gateways do); only when every root field ends like this is
        the operation refused (`plan_root`), as there is no data left to return."""
        if pos.group.root_kind is not None and pos.path and set(pos.path[1:]) <= {"@"}:
            self.unresolvable_roots[pos.path[0]] = message
        producers: set[FetchGroup] = {pos.group}
        for item in self.collector.collect_for(pos.type_name, items):
            if item.is_typename:
                continue
            if self.field_local(
                pos.group.graph, pos.type_name, item.name, pos.provided
            ) and self._item_feasible(pos.group.graph, pos.type_name, item, pos.provided):
                producers |= self._add_here(pos, item)
        return producers

    def _interface_simple(
        self,
        graph: str,
        type_name: str,
        items: tuple[Item, ...],
        runtime: list[str],
        provided: tuple[Item, ...] | None,
    ) -> bool:
        """True when the selection can stay on the abstract type itself in `graph`."""
        if any(isinstance(i, FragmentItem) for i in items):
            return False
        for item in self.collector.collect_for(type_name, items):
            if item.is_typename:
                continue
            if not self.field_local(graph, type_name, item.name, provided):
                return False
            if not self._item_feasible(graph, type_name, item, provided):
                return False
            for runtime_type in runtime:
                r_prov = self.collector.collect_for(runtime_type, provided) if provided else None
                if not self.field_local(graph, runtime_type, item.name, r_prov):
                    return False
                if item.selections is not None and not self.all_local(
                    graph,
                    self.return_type(runtime_type, item, graph),
                    item.selections,
                    self.child_provided(graph, runtime_type, item, r_prov),
                ):
                    return False
        return True

    def _plan_interface_object(self, pos: Position, items: tuple[Item, ...]) -> set[FetchGroup]:
        """At an interface known to this subgraph only as an ``@interfaceObject``."""
        graph = pos.group.graph
        interface = pos.type_name
        producers: set[FetchGroup] = set()
        remote: list[Item] = [
            i for i in items if isinstance(i, FragmentItem) and i.type_condition != interface
        ]
        elsewhere: list[FieldItem] = []
        for item in self.collector.collect_for(interface, items):
            if item.is_typename:
                remote.append(item)
                continue
            if item.name in pos.satisfied:
                producers |= self._add_here(pos, item, provided=False)
                continue
            if self.field_local(graph, interface, item.name, pos.provided) and self._item_feasible(
                graph, interface, item, pos.provided
            ):
                producers |= self._add_here(pos, item)
            elif self.jump_targets(graph, interface, item):
                elsewhere.append(item)
            else:
                remote.append(item)
        if elsewhere:
            producers |= self._plan_remote(pos, elsewhere)
        if remote:
            targets = self._interface_owner_targets(interface)
            if not targets:
                raise PlanningError(f"no subgraph owns interface {interface} with a resolvable key")
            producers |= self._jump(pos, targets[0], tuple(remote))
        return producers or {pos.group}

    def _plan_remote(self, pos: Position, items: list[FieldItem]) -> set[FetchGroup]:
        graph = pos.group.graph
        type_name = pos.type_name
        assignments: dict[JumpTarget, list[Item]] = {}
        producers: set[FetchGroup] = set()
        for item in items:
            targets = self.jump_targets(graph, type_name, item)
            whole = [
                t for t in targets if self._item_feasible(t.graph, t.type_condition, item, None)
            ]
            if len(whole) == 1:
                assignments.setdefault(whole[0], []).append(item)
                continue
            if whole:
                chosen = min(
                    whole,
                    key=lambda t: (
                        self.item_cost(t.graph, t.type_condition, item, None),
                        t not in assignments,
                        not self._key_local(pos, t),
                    ),
                )
                assignments.setdefault(chosen, []).append(item)
                continue
            candidates: list[tuple[str, JumpTarget | None]] = []
            if self.field_local(graph, type_name, item.name, pos.provided):
                candidates.append((graph, None))
            candidates.extend((t.graph, t) for t in targets)
            parts = self._split(type_name, item, candidates)
            if not parts:
                where = ".".join(pos.path) or "<root>"
                raise PlanningError(
                    f"cannot plan field {type_name}.{item.name} at {where} from subgraph {graph}"
                )
            for target_graph, part in parts:
                target = next((t for g, t in candidates if g == target_graph), None)
                if target is None:
                    cprov = self.child_provided(graph, type_name, part, pos.provided)
                    producers |= self._add_composite(pos, part, cprov)
                    producers.add(pos.group)
                else:
                    assignments.setdefault(target, []).append(part)
        for target, target_items in assignments.items():
            if pos.root:
                group = self.root_group(target.graph)
                root_pos = Position(group, group.selection, (), type_name, None, root=True)
                producers |= self.plan_items(root_pos, tuple(target_items))
            else:
                plain: list[Item] = []
                for target_item in target_items:
                    if self._requires_of(target, target_item):
                        # Own jump, so different requirements never share a representation.
                        producers |= self._jump(pos, target, (target_item,))
                    else:
                        plain.append(target_item)
                if plain:
                    producers |= self._jump(pos, target, tuple(plain))
        return producers

    def _requires_of(self, target: JumpTarget, item: Item) -> str | None:
        if not isinstance(item, FieldItem) or item.is_typename:
            return None
        entry = self.sg.field_in_graph(target.type_condition, item.name, target.graph)
        return entry.requires if entry is not None else None

    def _split(
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
                cond = target.type_condition if target else type_name
                if not self.field_local(graph, cond, item.name, None) and not self.field_local(
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

    def _key_local(self, pos: Position, target: JumpTarget) -> bool:
        key = self._choose_key(pos, target)
        if key is None:
            return False
        return self.all_local(
            pos.group.graph,
            pos.type_name,
            self.field_set(target.type_condition, key.fields),
            pos.provided,
        )

    def _choose_key(self, pos: Position, target: JumpTarget) -> KeyInfo | None:
        info = self.sg.type_in_graph(target.type_condition, target.graph)
        if info is None or not info.resolvable_keys:
            return None
        keys = info.resolvable_keys
        for key in keys:
            key_items = self.field_set(target.type_condition, key.fields)
            if self.all_local(pos.group.graph, pos.type_name, key_items, pos.provided):
                return key
        for key in keys:
            key_items = self.field_set(target.type_condition, key.fields)
            if self.feasible(pos.group.graph, pos.type_name, key_items, pos.provided):
                return key
        return keys[0]

    def _jump(self, pos: Position, target: JumpTarget, items: tuple[Item, ...]) -> set[FetchGroup]:
        """An ``_entities`` fetch to `target` at this position, for `items`."""
        key = self._choose_key(pos, target)
        if key is None:
            raise PlanningError(
                f"subgraph {target.graph} has no resolvable key for {target.type_condition}"
            )
        condition = target.type_condition
        key_items = self.field_set(condition, key.fields)
        deps: set[FetchGroup] = {pos.group}
        deps |= self.plan_items(pos, key_items)
        satisfied: set[str] = set()
        rep = Representation()
        rep_fields = RepresentationFields()
        rep_fields.fields["__typename"] = ("__typename", None)
        _add_rep_fields(rep_fields, key_items)
        if pos.sel is not None and not (
            self.sg.is_interface_object(pos.type_name, pos.group.graph)
        ):
            pos.sel.add_typename()
        for item in items:
            if not isinstance(item, FieldItem) or item.is_typename:
                continue
            entry = self.sg.field_in_graph(condition, item.name, target.graph)
            if entry is None or not entry.requires:
                continue
            required = self.field_set(condition, entry.requires, alias_arguments=True)
            deps |= self.plan_items(pos, required)
            _add_rep_fields(rep_fields, required)
            satisfied.add(item.name)
        rep.by_type[condition] = rep_fields
        if target.rewrite_typename or self.sg.is_abstract(condition):
            # The target knows this entity through the interface (@interfaceObject, or
            # an interface with @key): it expects the interface's name as __typename,
            # while the data holds the concrete type.
            rep.rewrites[condition] = condition
        group = self.entity_group(target.graph, pos.path, rep, deps)
        fragment = group.selection.fragment(condition)
        child_type = condition
        child = Position(
            group, fragment, pos.path, child_type, None, satisfied=frozenset(satisfied)
        )
        return {group} | self.plan_items(child, items)


def _add_rep_fields(target: RepresentationFields, items: tuple[Item, ...]) -> None:
    for item in items:
        if isinstance(item, FragmentItem):
            _add_rep_fields(
                target.fragments.setdefault(item.type_condition, RepresentationFields()),
                item.selections,
            )
            continue
        nested: RepresentationFields | None = None
        if item.selections is not None:
            nested = RepresentationFields()
            _add_rep_fields(nested, item.selections)
        existing = target.fields.get(item.name)
        if existing is not None and existing[1] is not None and nested is not None:
            existing[1].merge(nested)
            continue
        target.fields[item.name] = (item.response_key, nested)
