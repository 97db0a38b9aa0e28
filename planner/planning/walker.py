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

from dataclasses import dataclass

from planner.errors import PlanningError
from planner.plan import KeyRenamer
from planner.planning.groups import FetchGroup, Representation, RepresentationFields
from planner.planning.items import Collector, FieldItem, InlineFragmentItem, Item, Normaliser
from planner.planning.resolution import JumpTarget, Resolution
from planner.planning.selection import SubgraphField, SubgraphSelectionSet
from planner.supergraph import KeyInfo, Supergraph


@dataclass(frozen=True, slots=True)
class Position:
    """Where in which group the walker is writing: a selection set at a response path."""

    group: FetchGroup
    selection_set: SubgraphSelectionSet
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


class Walker:
    """Builds the fetch groups of one operation (or one mutation step): places every
    field in a group, asking `Resolution` where fields can be resolved."""

    def __init__(
        self,
        supergraph: Supergraph,
        normaliser: Normaliser,
        collector: Collector,
        root_kind: str,
        first_group_id: int = 0,
    ) -> None:
        self.supergraph = supergraph
        self.resolve = Resolution(supergraph, normaliser, collector)
        self.deadline = normaliser.deadline
        self.collector = collector
        self.root_kind = root_kind
        self.groups: list[FetchGroup] = []
        self.root_groups: dict[str, FetchGroup] = {}
        self._entity_groups: dict[tuple[str, tuple[str, ...]], list[FetchGroup]] = {}
        """Entity groups by (subgraph, path), in creation order: where a jump may join."""
        self._next_id = first_group_id
        self.unreachable: dict[str, str] = {}
        """Root response keys under which a field no subgraph can reach was left out, and
        why (`_plan_without_implementations`)."""

    def plan_root(self, root_type: str, items: tuple[Item, ...]) -> None:
        fields = tuple(i for i in self.collector.collect_for(root_type, items) if not i.is_typename)
        for item in fields:
            targets = [
                g
                for g in self.supergraph.graphs_of_type(root_type)
                if self.resolve.field_local(g, root_type, item.name, None)
            ]
            if not targets:
                raise PlanningError(f"no subgraph resolves {root_type}.{item.name}")
            whole = [g for g in targets if self.resolve.item_feasible(g, root_type, item, None)]
            if len(whole) == 1:
                self._plan_in_root(whole[0], root_type, (item,))
                continue
            if whole:
                chosen = min(
                    whole,
                    key=lambda g: (
                        self.resolve.item_cost(g, root_type, item, None),
                        g not in self.root_groups,
                    ),
                )
                self._plan_in_root(chosen, root_type, (item,))
                continue
            parts = self.resolve.split(root_type, item, [(g, None) for g in targets])
            if not parts:
                raise PlanningError(
                    f"cannot plan {root_type}.{item.name}: no subgraph combination resolves it"
                )
            for graph, part in parts:
                self._plan_in_root(graph, root_type, (part,))
        keys = {item.response_key for item in fields}
        if keys and keys <= self.unreachable.keys():
            # Nothing left that any subgraph could answer: refuse, as for any
            # operation the supergraph cannot serve.
            raise PlanningError(next(iter(self.unreachable.values())))

    def _plan_in_root(self, graph: str, root_type: str, items: tuple[Item, ...]) -> None:
        group = self.root_group(graph)
        pos = Position(group, group.selection_set, (), root_type, None, root=True)
        self.plan_items(pos, items)

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
        self,
        graph: str,
        path: tuple[str, ...],
        representation: Representation,
        dependencies: set[FetchGroup],
    ) -> FetchGroup:
        candidates = self._entity_groups.setdefault((graph, path), [])
        for group in candidates:
            if group.representation.conflicts_with(representation):
                continue
            new = dependencies - group.dependencies
            if new and any(d is group or d.depends_on(group) for d in new):
                continue
            group.dependencies |= new
            group.representation.merge(representation)
            return group
        group = self._new_group(graph, path, None)
        candidates.append(group)
        group.dependencies |= dependencies
        group.representation.merge(representation)
        return group

    def plan_items(self, pos: Position, items: tuple[Item, ...]) -> set[FetchGroup]:
        """Plan `items` at `pos`; return the groups that produce their data."""
        self.deadline.check()
        supergraph = self.supergraph
        graph = pos.group.graph
        if not pos.root and supergraph.is_abstract(pos.type_name):
            if supergraph.is_interface_object(pos.type_name, graph):
                return self._plan_interface_object(pos, items)
            return self._plan_abstract(pos, items)
        producers: set[FetchGroup] = set()
        remote: list[FieldItem] = []
        for item in self.collector.collect_for(pos.type_name, items):
            if item.is_typename:
                if not pos.root:
                    pos.selection_set.add_typename()
                producers.add(pos.group)
                continue
            if item.name in pos.satisfied or self.resolve.field_local(
                graph, pos.type_name, item.name, pos.provided
            ):
                if item.selections is None:
                    self._add_field(pos, item, composite=False)
                    producers.add(pos.group)
                    continue
                provided_below = self.resolve.child_provided(
                    graph, pos.type_name, item, pos.provided
                )
                if self.resolve.feasible(
                    graph,
                    self.resolve.return_type(pos.type_name, item, graph),
                    item.selections,
                    provided_below,
                ):
                    producers |= self._add_composite(pos, item, provided_below)
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
        provided_below = (
            self.resolve.child_provided(pos.group.graph, pos.type_name, item, pos.provided)
            if provided
            else None
        )
        return {pos.group} | self._add_composite(pos, item, provided_below)

    def _add_composite(
        self, pos: Position, item: FieldItem, provided_below: tuple[Item, ...] | None
    ) -> set[FetchGroup]:
        """Add a composite field and plan below it; return every group that produces
        data under it (nested entity fetches included: later fetches that read this
        data must wait for all of them)."""
        assert item.selections is not None
        field = self._add_field(pos, item, composite=True)
        assert field.selection_set is not None
        graph = pos.group.graph
        child_type = self.resolve.return_type(pos.type_name, item, graph)
        if (
            self.supergraph.is_abstract(child_type) or self.supergraph.is_entity(child_type)
        ) and not self.supergraph.is_interface_object(child_type, graph):
            field.selection_set.add_typename()
        path = (
            *pos.path,
            item.response_key,
            *(["@"] * self.resolve.list_depth(pos.type_name, item.name)),
        )
        path_graphs = frozenset(
            e.graph
            for e in self.supergraph.field_graph_entries(pos.type_name, item.name)
            if e.graph is not None and e.resolvable
        )
        if pos.path_graphs is not None and not (
            pos.root or self.supergraph.is_entity(pos.type_name)
        ):
            path_graphs &= pos.path_graphs
        runtime_filter = None
        if self.supergraph.is_abstract(child_type) and len(path_graphs) > 1:
            runtime_filter = frozenset.intersection(
                *(
                    frozenset(self.supergraph.possible_runtime_types(child_type, g))
                    for g in path_graphs
                )
            )
        child = Position(
            pos.group,
            field.selection_set,
            path,
            child_type,
            provided_below,
            runtime_filter=runtime_filter,
            path_graphs=path_graphs,
        )
        return self.plan_items(child, item.selections)

    def _add_field(self, pos: Position, item: FieldItem, composite: bool) -> SubgraphField:
        """Add a field at `pos`; alias it when a field GraphQL would merge it with (same
        response key, same merge scope) has another type in this subgraph, renaming it
        back after the fetch with a ``KeyRenamer``."""
        if not pos.root:
            signature = self.resolve.type_signature(pos.group.graph, pos.type_name, item)
            seen = pos.selection_set.scope.signatures.setdefault(item.response_key, signature)
            if seen != signature:
                alias = f"{item.response_key}__alias_{len(pos.group.output_rewrites)}"
                relative = [p for p in pos.path[len(pos.group.path) :] if p != "@"]
                pos.group.output_rewrites.append(
                    KeyRenamer((*relative, f"... on {pos.type_name}", alias), item.response_key)
                )
                item = FieldItem(
                    alias, item.name, alias, item.arguments, item.selections, item.type_name
                )
        return pos.selection_set.add_field(item, composite)

    def _plan_abstract(self, pos: Position, items: tuple[Item, ...]) -> set[FetchGroup]:
        supergraph = self.supergraph
        graph = pos.group.graph
        type_name = pos.type_name
        pos.selection_set.add_typename()
        runtime = supergraph.possible_runtime_types(type_name, graph)
        if pos.runtime_filter is not None:
            runtime = [r for r in runtime if r in pos.runtime_filter]
        simple = self._interface_simple(graph, type_name, items, runtime, pos.provided)
        if not runtime and not simple:
            if supergraph.possible_runtime_types(type_name, graph):
                raise PlanningError(
                    f"subgraph {graph} has no implementation of {type_name} to resolve "
                    f"the selection at {'.'.join(pos.path) or '<root>'}"
                )
            return self._plan_without_implementations(pos, items)
        if simple:
            simple_producers: set[FetchGroup] = {pos.group}
            fields = self.collector.collect_for(type_name, items)
            for item in fields:
                if item.is_typename:
                    continue
                simple_producers |= self._add_here(pos, item)
            return simple_producers
        producers: set[FetchGroup] = {pos.group}
        for runtime_type, runtime_items, runtime_provided in self.resolve.per_runtime_type(
            runtime, items, pos.provided
        ):
            fragment = pos.selection_set.fragment(runtime_type)
            producers |= self.plan_items(
                Position(pos.group, fragment, pos.path, runtime_type, runtime_provided),
                runtime_items,
            )
        return producers

    def _plan_without_implementations(
        self, pos: Position, items: tuple[Item, ...]
    ) -> set[FetchGroup]:
        """An abstract position where the subgraph has no object type at all (e.g. a root
        field returning an interface that only ``@interfaceObject``s implement elsewhere).

        Whatever the subgraph answers here is null or an error, so its fetch is planned
        with what it can answer in place: the error comes back on this field (null plus
        ``DOWNSTREAM_SERVICE_ERROR``) and the operation's other root fields keep their
        data, as Apollo's and Hive's gateways do. A field another subgraph could take over
        by a jump is left out: there will be no entity to jump from. A field that no
        subgraph can reach from here is left out too, and noted: it costs nothing beyond
        the null this position gets anyway, so it refuses the operation only when every
        root field has one (`plan_root`), when there is nothing left to answer."""
        graph = pos.group.graph
        producers: set[FetchGroup] = {pos.group}
        for item in self.collector.collect_for(pos.type_name, items):
            if item.is_typename:
                continue
            if self.resolve.field_local(
                graph, pos.type_name, item.name, pos.provided
            ) and self.resolve.item_feasible(graph, pos.type_name, item, pos.provided):
                producers |= self._add_here(pos, item)
            elif pos.path and not self.resolve.can_jump(graph, pos.type_name, item):
                self.unreachable.setdefault(
                    pos.path[0],
                    f"cannot plan field {pos.type_name}.{item.name} at {'.'.join(pos.path)}: "
                    f"subgraph {graph} has no implementation of {pos.type_name} and no "
                    "subgraph can resolve the field there",
                )
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
        if any(isinstance(i, InlineFragmentItem) for i in items):
            return False
        for item in self.collector.collect_for(type_name, items):
            if item.is_typename:
                continue
            if not self.resolve.field_local(graph, type_name, item.name, provided):
                return False
            if not self.resolve.item_feasible(graph, type_name, item, provided):
                return False
            for runtime_type in runtime:
                runtime_provided = (
                    self.collector.collect_for(runtime_type, provided) if provided else None
                )
                if not self.resolve.field_local(graph, runtime_type, item.name, runtime_provided):
                    return False
                if item.selections is not None and not self.resolve.all_local(
                    graph,
                    self.resolve.return_type(runtime_type, item, graph),
                    item.selections,
                    self.resolve.child_provided(graph, runtime_type, item, runtime_provided),
                ):
                    return False
        return True

    def _plan_interface_object(self, pos: Position, items: tuple[Item, ...]) -> set[FetchGroup]:
        """At an interface known to this subgraph only as an ``@interfaceObject``."""
        graph = pos.group.graph
        interface = pos.type_name
        producers: set[FetchGroup] = set()
        remote: list[Item] = [
            i for i in items if isinstance(i, InlineFragmentItem) and i.type_condition != interface
        ]
        elsewhere: list[FieldItem] = []
        for item in self.collector.collect_for(interface, items):
            if item.is_typename:
                remote.append(item)
                continue
            if item.name in pos.satisfied:
                producers |= self._add_here(pos, item, provided=False)
                continue
            if self.resolve.field_local(
                graph, interface, item.name, pos.provided
            ) and self.resolve.item_feasible(graph, interface, item, pos.provided):
                producers |= self._add_here(pos, item)
            elif self.resolve.jump_targets(graph, interface, item):
                elsewhere.append(item)
            else:
                remote.append(item)
        if elsewhere:
            producers |= self._plan_remote(pos, elsewhere)
        if remote:
            targets = self.resolve.interface_owner_targets(interface)
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
            targets = self.resolve.jump_targets(graph, type_name, item)
            whole = [
                t
                for t in targets
                if self.resolve.item_feasible(t.graph, t.type_condition, item, None)
            ]
            if len(whole) == 1:
                assignments.setdefault(whole[0], []).append(item)
                continue
            if whole:
                chosen = min(
                    whole,
                    key=lambda t: (
                        self.resolve.item_cost(t.graph, t.type_condition, item, None),
                        t not in assignments,
                        not self._key_local(pos, t),
                    ),
                )
                assignments.setdefault(chosen, []).append(item)
                continue
            candidates: list[tuple[str, JumpTarget | None]] = []
            if self.resolve.field_local(graph, type_name, item.name, pos.provided):
                candidates.append((graph, None))
            candidates.extend((t.graph, t) for t in targets)
            parts = self.resolve.split(type_name, item, candidates)
            if not parts:
                where = ".".join(pos.path) or "<root>"
                raise PlanningError(
                    f"cannot plan field {type_name}.{item.name} at {where} from subgraph {graph}"
                )
            for target_graph, part in parts:
                target = next((t for g, t in candidates if g == target_graph), None)
                if target is None:
                    provided_below = self.resolve.child_provided(
                        graph, type_name, part, pos.provided
                    )
                    producers |= self._add_composite(pos, part, provided_below)
                    producers.add(pos.group)
                else:
                    assignments.setdefault(target, []).append(part)
        for target, target_items in assignments.items():
            if pos.root:
                group = self.root_group(target.graph)
                root_pos = Position(group, group.selection_set, (), type_name, None, root=True)
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
        entry = self.supergraph.field_in_graph(target.type_condition, item.name, target.graph)
        return entry.requires if entry is not None else None

    def _key_local(self, pos: Position, target: JumpTarget) -> bool:
        key = self._choose_key(pos, target)
        if key is None:
            return False
        return self.resolve.all_local(
            pos.group.graph,
            pos.type_name,
            self.resolve.field_set(target.type_condition, key.fields),
            pos.provided,
        )

    def _choose_key(self, pos: Position, target: JumpTarget) -> KeyInfo | None:
        info = self.supergraph.type_in_graph(target.type_condition, target.graph)
        if info is None or not info.resolvable_keys:
            return None
        keys = info.resolvable_keys
        for key in keys:
            key_items = self.resolve.field_set(target.type_condition, key.fields)
            if self.resolve.all_local(pos.group.graph, pos.type_name, key_items, pos.provided):
                return key
        for key in keys:
            key_items = self.resolve.field_set(target.type_condition, key.fields)
            if self.resolve.feasible(pos.group.graph, pos.type_name, key_items, pos.provided):
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
        key_items = self.resolve.field_set(condition, key.fields)
        dependencies: set[FetchGroup] = {pos.group}
        dependencies |= self.plan_items(pos, key_items)
        satisfied: set[str] = set()
        representation = Representation()
        representation_fields = RepresentationFields()
        representation_fields.fields["__typename"] = ("__typename", None)
        _add_representation_fields(representation_fields, key_items)
        if pos.selection_set is not None and not (
            self.supergraph.is_interface_object(pos.type_name, pos.group.graph)
        ):
            pos.selection_set.add_typename()
        for item in items:
            if not isinstance(item, FieldItem) or item.is_typename:
                continue
            entry = self.supergraph.field_in_graph(condition, item.name, target.graph)
            if entry is None or not entry.requires:
                continue
            required = self.resolve.field_set(condition, entry.requires, alias_arguments=True)
            dependencies |= self.plan_items(pos, required)
            _add_representation_fields(representation_fields, required)
            satisfied.add(item.name)
        representation.by_type[condition] = representation_fields
        if target.rewrite_typename or self.supergraph.is_abstract(condition):
            # The target knows this entity through the interface (@interfaceObject, or
            # an interface with @key): it expects the interface's name as __typename,
            # while the data holds the concrete type.
            representation.rewrites[condition] = condition
        group = self.entity_group(target.graph, pos.path, representation, dependencies)
        fragment = group.selection_set.fragment(condition)
        child_type = condition
        child = Position(
            group, fragment, pos.path, child_type, None, satisfied=frozenset(satisfied)
        )
        return {group} | self.plan_items(child, items)


def _add_representation_fields(target: RepresentationFields, items: tuple[Item, ...]) -> None:
    for item in items:
        if isinstance(item, InlineFragmentItem):
            _add_representation_fields(
                target.fragments.setdefault(item.type_condition, RepresentationFields()),
                item.selections,
            )
            continue
        nested: RepresentationFields | None = None
        if item.selections is not None:
            nested = RepresentationFields()
            _add_representation_fields(nested, item.selections)
        existing = target.fields.get(item.name)
        if existing is not None and existing[1] is not None and nested is not None:
            existing[1].merge(nested)
            continue
        target.fields[item.name] = (item.response_key, nested)
