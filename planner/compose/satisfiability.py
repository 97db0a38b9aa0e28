"""Satisfiability: every field a client can reach from a root must be resolvable by
some plan over the subgraphs.

Implements the check of Apollo Federation 2 composition ("satisfiability
validation", ``SATISFIABILITY_ERROR``): walk the supergraph's API schema from each
root type; at each step keep the set of subgraph positions ("options") that could be
serving the current selection, and advance them over each field (directly in the
subgraph, through ``@provides``, or after entity jumps through ``@key``s, with
``@requires`` conditions collectable) and each type condition (including the jump
through an ``@interfaceObject``). A field for which no option can advance is an
error, reported with an example query reaching it. A type condition no option can
take is simply impossible at run time and is not followed."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from graphql.language import FieldNode, InlineFragmentNode, SelectionSetNode

from .context import MergeContext
from .fieldsets import FieldSetError, parse_fieldset

#: A provided selection: (field name or "...Type", sub-selection) pairs.
Provided = tuple[tuple[str, "Provided"], ...]
MAX_STATES = 50_000


@dataclass(frozen=True)
class Option:
    """A subgraph position: subgraph index, type name there, fields @provides adds."""

    subgraph: int
    type: str
    provided: Provided | None = None


def _provided(selection: SelectionSetNode) -> Provided:
    entries: dict[str, Provided] = {}
    for node in selection.selections:
        if isinstance(node, FieldNode):
            key = node.name.value
            sub = _provided(node.selection_set) if node.selection_set else ()
        elif isinstance(node, InlineFragmentNode):
            cond = node.type_condition.name.value if node.type_condition else ""
            key = f"...{cond}"
            sub = _provided(node.selection_set)
        else:
            continue
        entries[key] = _merge_provided(entries.get(key, ()), sub)
    return tuple(sorted(entries.items()))


def _merge_provided(a: Provided, b: Provided) -> Provided:
    entries = dict(a)
    for key, sub in b:
        entries[key] = _merge_provided(entries.get(key, ()), sub)
    return tuple(sorted(entries.items()))


def _provided_field(provided: Provided | None, field: str, type_name: str) -> Provided | None:
    """The provided sub-selection for ``field`` on ``type_name``, or None if not provided."""
    if provided is None:
        return None
    found: Provided | None = None
    for key, sub in provided:
        if key == field:
            found = _merge_provided(found or (), sub)
        elif key in ("...", f"...{type_name}"):
            inner = _provided_field(sub, field, type_name)
            if inner is not None:
                found = _merge_provided(found or (), inner)
    return found


def _provided_cast(provided: Provided | None, type_name: str) -> Provided | None:
    if provided is None:
        return None
    result: Provided = tuple((k, s) for k, s in provided if not k.startswith("..."))
    for key, sub in provided:
        if key == f"...{type_name}":
            result = _merge_provided(result, sub)
    return result or None


class _Checker:
    def __init__(self, ctx: MergeContext) -> None:
        self.ctx = ctx
        self.subgraphs = ctx.subgraphs
        self.merged = ctx.merged
        self.overridden: set[tuple[int, str, str]] = set()
        names = ctx.names
        for subgraph in self.subgraphs:
            for typedef in subgraph.types.values():
                for field in typedef.fields.values():
                    source = field.override_from
                    if source is None or source not in names or source == subgraph.name:
                        continue
                    if field.override_label:
                        continue
                    subgraph_index = names.index(source)
                    if not ctx.is_external(subgraph_index, typedef.name, field.name):
                        self.overridden.add((subgraph_index, typedef.name, field.name))
        self.in_progress: set[tuple[int, str, str]] = set()
        self.edges: dict[tuple[int, str], set[tuple[int, str]]] = {}
        self.edges_final = False
        self.closures: dict[tuple[int, str], list[Option]] = {}
        self._compute_edges()

    # -- local resolution ---------------------------------------------------------------
    def _field_ok_locally(self, option: Option, field_name: str) -> tuple[bool, str]:
        """Can subgraph ``option.subgraph`` resolve ``field_name`` at ``option.type`` itself?"""
        subgraph = self.subgraphs[option.subgraph]
        typedef = subgraph.types.get(option.type)
        if typedef is None:
            return False, f'cannot find type "{option.type}"'
        field = typedef.fields.get(field_name)
        if field is None:
            return False, f'cannot find field "{option.type}.{field_name}"'
        if (option.subgraph, option.type, field_name) in self.overridden:
            return False, f'field "{option.type}.{field_name}" is overridden by another subgraph'
        if self.ctx.is_external(option.subgraph, option.type, field_name) and (
            _provided_field(option.provided, field_name, option.type) is None
        ):
            return (
                False,
                f'field "{option.type}.{field_name}" is not resolvable because marked @external',
            )
        if field.requires is not None:
            key = (option.subgraph, option.type, field_name)
            if key in self.in_progress:
                return False, "cyclic @requires"
            self.in_progress.add(key)
            try:
                ok = self._collectable(Option(option.subgraph, option.type), field.requires)
            finally:
                self.in_progress.discard(key)
            if not ok:
                return False, (
                    f'cannot satisfy @requires conditions on field "{option.type}.{field_name}"'
                )
        return True, ""

    def _next(self, option: Option, field_name: str) -> Option:
        subgraph = self.subgraphs[option.subgraph]
        field = subgraph.types[option.type].fields[field_name]
        provided = _provided_field(option.provided, field_name, option.type)
        if field.provides is not None:
            try:
                extra = _provided(parse_fieldset(field.provides))
            except FieldSetError:
                extra = ()
            provided = _merge_provided(provided or (), extra)
        return Option(option.subgraph, field.type.named, provided or None)

    # -- entity jumps -------------------------------------------------------------------
    def _key_candidates(self, position: tuple[int, str]) -> list[tuple[int, str, SelectionSetNode]]:
        """(subgraph, type, key selection) an entity at ``position`` might jump to."""
        source_index, type_name = position
        names = [type_name]
        supergraph_type = self.merged.types.get(type_name)
        if supergraph_type is not None and supergraph_type.kind == "OBJECT":
            names += supergraph_type.interfaces
        result: list[tuple[int, str, SelectionSetNode]] = []
        for subgraph_index, subgraph in enumerate(self.subgraphs):
            for name in names:
                typedef = subgraph.types.get(name)
                if typedef is None or not typedef.keys:
                    continue
                if name != type_name and not typedef.interface_object:
                    continue
                if subgraph_index == source_index and name == type_name:
                    continue
                for key in typedef.keys:
                    if key.resolvable is False:
                        continue
                    try:
                        result.append((subgraph_index, name, parse_fieldset(key.fields)))
                    except FieldSetError:
                        continue
        return result

    def _compute_edges(self) -> None:
        """Key edges between subgraph positions, as a least fixed point: an edge exists
        when the target's key can be collected from the source, possibly through other
        edges already known (keys fetched from a third subgraph)."""
        positions = [
            (index, typedef.name)
            for index, subgraph in enumerate(self.subgraphs)
            for typedef in subgraph.types.values()
            if typedef.kind in ("OBJECT", "INTERFACE")
        ]
        candidates = {p: self._key_candidates(p) for p in positions}
        changed = True
        while changed:
            changed = False
            for position in positions:
                known = self.edges.setdefault(position, set())
                for subgraph_index, name, selection in candidates[position]:
                    if (subgraph_index, name) in known:
                        continue
                    if self._collect(frozenset({Option(*position)}), selection):
                        known.add((subgraph_index, name))
                        changed = True
        self.edges_final = True

    def _jump_targets(self, option: Option) -> list[Option]:
        """Options reachable from ``option`` through @key jumps (chains included)."""
        start = (option.subgraph, option.type)
        if self.edges_final and start in self.closures:
            return self.closures[start]
        seen = {start}
        order: list[Option] = []
        queue = deque([start])
        while queue:
            for target in self.edges.get(queue.popleft(), ()):
                if target not in seen:
                    seen.add(target)
                    order.append(Option(*target))
                    queue.append(target)
        if self.edges_final:
            self.closures[start] = order
        return order

    # -- advancing ----------------------------------------------------------------------
    def advance_field(
        self, options: frozenset[Option], field_name: str
    ) -> tuple[set[Option], bool, list[str]]:
        """Options after ``field_name``; whether any option can take it; why not."""
        result: set[Option] = set()
        reasons: list[str] = []
        satisfied = False
        for option in options:
            found, ok, why = self._advance_one(option, field_name)
            result |= found
            satisfied |= ok
            if not ok:
                reasons.append(f'from subgraph "{self.subgraphs[option.subgraph].name}": {why}')
        return result, satisfied, reasons

    def _advance_one(self, option: Option, field_name: str) -> tuple[set[Option], bool, str]:
        found: set[Option] = set()
        ok, why = self._field_ok_locally(option, field_name)
        satisfied = ok
        if ok:
            found.add(self._next(option, field_name))
        else:
            exploded, trivially = self._explode_interface(option, field_name)
            found |= exploded
            satisfied |= trivially
        notes: list[str] = []
        for target in self._jump_targets(option):
            target_ok, target_why = self._field_ok_locally(target, field_name)
            if target_ok:
                found.add(self._next(target, field_name))
            elif field_name in self.subgraphs[target.subgraph].types[target.type].fields:
                name = self.subgraphs[target.subgraph].name
                notes.append(f'in subgraph "{name}" (reachable through @key): {target_why}')
        if notes:
            why = "; ".join([why, *notes])
        return found, satisfied or bool(found), why

    def _explode_interface(self, option: Option, field_name: str) -> tuple[set[Option], bool]:
        """An interface lacking the field in this subgraph: every implementation must
        resolve it (an interface without implementations here never has values)."""
        subgraph = self.subgraphs[option.subgraph]
        typedef = subgraph.types.get(option.type)
        if typedef is None or typedef.kind != "INTERFACE" or field_name in typedef.fields:
            return set(), False
        found: set[Option] = set()
        for impl in subgraph.possible_types(option.type):
            sub, ok, _ = self._advance_one(
                Option(option.subgraph, impl, _provided_cast(option.provided, impl)), field_name
            )
            if not ok:
                return set(), False
            found |= sub
        return found, True

    def downcast(self, options: frozenset[Option], runtime: str) -> set[Option]:
        result: set[Option] = set()
        for option in options:
            subgraph = self.subgraphs[option.subgraph]
            if option.type == runtime:
                result.add(option)
                continue
            typedef = subgraph.types.get(option.type)
            if typedef is None:
                continue
            if typedef.interface_object:
                for target in self._jump_targets(option):
                    if runtime in self.subgraphs[target.subgraph].possible_types(target.type):
                        result.add(Option(target.subgraph, runtime))
            elif runtime in subgraph.possible_types(option.type):
                result.add(
                    Option(option.subgraph, runtime, _provided_cast(option.provided, runtime))
                )
        return result

    def _collectable(self, option: Option, fields: str) -> bool:
        try:
            selection = parse_fieldset(fields)
        except FieldSetError:
            return False
        return self._collect(frozenset({option}), selection)

    def _collect(self, options: frozenset[Option], selection: SelectionSetNode) -> bool:
        for node in selection.selections:
            if isinstance(node, InlineFragmentNode):
                if node.type_condition is None:
                    if not self._collect(options, node.selection_set):
                        return False
                    continue
                cast = self.downcast(options, node.type_condition.name.value)
                if cast and not self._collect(frozenset(cast), node.selection_set):
                    return False
                continue
            if not isinstance(node, FieldNode) or node.name.value == "__typename":
                continue
            found, ok, _ = self.advance_field(options, node.name.value)
            if not ok:
                return False
            if node.selection_set is not None and not self._collect(
                frozenset(found), node.selection_set
            ):
                return False
        return True


def _print_path(path: list[str]) -> str:
    text = ""
    for depth, step in enumerate(path):
        text += "  " * (depth + 1) + step + " {\n"
    lines = text.rstrip("\n").split("\n")
    last = lines[-1].removesuffix(" {")
    lines[-1] = last
    closing = ["  " * (depth + 1) + "}" for depth in reversed(range(len(path) - 1))]
    return "{\n" + "\n".join(lines + closing) + "\n}"


def _api_visible(ctx: MergeContext, type_name: str) -> bool:
    typedef = ctx.merged.types.get(type_name)
    return typedef is None or not typedef.applied.inaccessible


def check_satisfiability(ctx: MergeContext) -> None:
    """Report ``SATISFIABILITY_ERROR`` for each field no plan can resolve."""
    checker = _Checker(ctx)
    merged = ctx.merged
    queue: deque[tuple[str, frozenset[Option], list[str]]] = deque()
    for root in merged.roots.values():
        options = frozenset(
            Option(index, root)
            for index, subgraph in enumerate(ctx.subgraphs)
            if root in subgraph.types
        )
        queue.append((root, options, [] if root == "Query" else [root.lower()]))
    seen: set[tuple[str, frozenset[Option]]] = set()
    reported: set[str] = set()
    while queue and len(seen) < MAX_STATES:
        type_name, options, path = queue.popleft()
        if (type_name, options) in seen:
            continue
        seen.add((type_name, options))
        typedef = merged.types.get(type_name)
        if typedef is None or not _api_visible(ctx, type_name):
            continue
        if typedef.kind in ("OBJECT", "INTERFACE"):
            for field in typedef.fields.values():
                if field.applied.inaccessible or not _api_visible(ctx, field.type.named):
                    continue
                found, ok, reasons = checker.advance_field(options, field.name)
                coordinate = f"{type_name}.{field.name}"
                if not ok:
                    if coordinate in reported:
                        continue
                    reported.add(coordinate)
                    query = _print_path([*path, field.name])
                    if path and path[0] in ("mutation", "subscription"):
                        query = path[0] + " " + _print_path([*path[1:], field.name])
                    detail = "\n".join(f"- {r}." for r in sorted(set(reasons)))
                    ctx.collector.error(
                        "SATISFIABILITY_ERROR",
                        "The following supergraph API query:\n"
                        f"{query}\n"
                        f"cannot be satisfied by the subgraphs because:\n{detail}",
                        sorted({ctx.names[o.subgraph] for o in options}),
                        [coordinate],
                    )
                    continue
                target = merged.types.get(field.type.named)
                if found and target is not None and target.kind in ("OBJECT", "INTERFACE", "UNION"):
                    queue.append((field.type.named, frozenset(found), [*path, field.name]))
        if typedef.kind in ("INTERFACE", "UNION"):
            for runtime in merged.possible_types(type_name):
                if not _api_visible(ctx, runtime):
                    continue
                cast = checker.downcast(options, runtime)
                if cast:
                    queue.append((runtime, frozenset(cast), [*path, f"... on {runtime}"]))
    if queue:
        ctx.collector.hint(
            "SATISFIABILITY_CHECK_INCOMPLETE",
            f"The satisfiability check stopped after {MAX_STATES} states; some paths of "
            "this very large supergraph were not checked.",
        )
