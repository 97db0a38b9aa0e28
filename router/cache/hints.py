"""Cache hints: how long a response may be cached and whether it is per client.

Sources, strongest first, for a field: ``cache.fields`` (``Type.field: seconds``) in
router.yaml, then the field's ``@cacheControl(maxAge, scope, inheritMaxAge)``; for a
type: ``cache.types``, then the type's ``@cacheControl``. Subgraphs declare
``@cacheControl`` and carry it into the supergraph with ``@composeDirective``
(planner/compose). The rules are Apollo Server's, with ``cache.default_ttl_s`` as its
``defaultMaxAge``:

* a field with a ``maxAge`` of its own uses it;
* else one with ``inheritMaxAge: true`` uses its parent's;
* else one returning an object type with a ``maxAge`` uses the type's;
* else a root field, or a field returning an object, uses ``default_ttl_s``;
* else (a scalar or enum field) it adds no limit: it lives as long as its parent.

A response's TTL is the smallest over every field it selected; it is ``PRIVATE``
(one entry per client) when any field or type it selected says so or is listed in
``cache.private_types``. All of this depends only on the operation, so it is computed
once per compiled operation (``CacheHints.policy``) and kept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)

from planner import Supergraph
from router.cache.settings import CacheSettings

DIRECTIVE = "cacheControl"


@dataclass(frozen=True, slots=True)
class Hint:
    """One ``@cacheControl`` (or router.yaml entry) on a field or type."""

    max_age: float | None = None
    private: bool = False
    inherit: bool = False


_NO_HINT = Hint()


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """What the hints say about one operation (or one entity selection)."""

    ttl: float
    """Seconds; 0 = not cacheable."""
    private: bool
    types: frozenset[str]
    """Every object type the selection can touch: the invalidation tags by type."""


class CacheHints:
    """The hints of one supergraph plus router.yaml, and the walk that applies them."""

    def __init__(self, supergraph: Supergraph, settings: CacheSettings) -> None:
        self.default_ttl = settings.default_ttl_s
        schema = getattr(supergraph, "schema", None)
        self.schema: GraphQLSchema = (
            schema if isinstance(schema, GraphQLSchema) else supergraph.api_schema
        )
        self.field_hints, self.type_hints = _read_directives(supergraph.document)
        for name, seconds in settings.types:
            old = self.type_hints.get(name, _NO_HINT)
            self.type_hints[name] = Hint(seconds, old.private, False)
        for name, seconds in settings.fields:
            type_name, _, field_name = name.partition(".")
            old = self.field_hints.get((type_name, field_name), _NO_HINT)
            self.field_hints[(type_name, field_name)] = Hint(seconds, old.private, False)
        for name in settings.private_types:
            old = self.type_hints.get(name, _NO_HINT)
            self.type_hints[name] = Hint(old.max_age, True, old.inherit)
        self.keys = _simple_keys(supergraph)
        """Entity type -> its key field sets that are plain field names (for record tags)."""

    def policy(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType | None,
        fragments: Mapping[str, FragmentDefinitionNode],
        root: bool = True,
        parent_age: float | None = None,
    ) -> CachePolicy:
        """The policy of a selection on ``parent`` (the root type for an operation).

        Iterative: the nesting depth is the client's, not Python's stack's."""
        ttl = math.inf
        private = False
        types: set[str] = set()
        Item = tuple[SelectionSetNode, GraphQLNamedType | None, float | None, bool]
        stack: list[Item] = [(selection_set, parent, parent_age, root)]
        while stack:
            selections, on, inherited, at_root = stack.pop()
            for selection in selections.selections:
                if isinstance(selection, FieldNode):
                    name = selection.name.value
                    if name.startswith("__") or not isinstance(
                        on, GraphQLObjectType | GraphQLInterfaceType
                    ):
                        continue
                    definition = on.fields.get(name)
                    if definition is None:
                        continue
                    types.add(on.name)
                    named = get_named_type(definition.type)
                    composite = isinstance(
                        named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType
                    )
                    own = self.field_hints.get((on.name, name), _NO_HINT)
                    of_type = self.type_hints.get(named.name, _NO_HINT) if composite else _NO_HINT
                    private = private or own.private or of_type.private
                    age: float | None
                    if own.max_age is not None:
                        age = own.max_age
                    elif own.inherit:
                        age = inherited
                    elif of_type.max_age is not None:
                        age = of_type.max_age
                    elif composite or at_root:
                        age = self.default_ttl
                    else:
                        age = None
                    if age is not None:
                        ttl = min(ttl, age)
                    if composite:
                        types.update(self._concrete(named))
                        for concrete in self._concrete(named):
                            private = private or self.type_hints.get(concrete, _NO_HINT).private
                        if selection.selection_set is not None:
                            stack.append(
                                (
                                    selection.selection_set,
                                    named,
                                    age if age is not None else inherited,
                                    False,
                                )
                            )
                elif isinstance(selection, InlineFragmentNode):
                    target = on
                    if selection.type_condition is not None:
                        target = self.schema.get_type(selection.type_condition.name.value)
                    stack.append((selection.selection_set, target, inherited, at_root))
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = fragments.get(selection.name.value)
                    if fragment is None:
                        continue
                    target = self.schema.get_type(fragment.type_condition.name.value)
                    stack.append((fragment.selection_set, target, inherited, at_root))
        if ttl is math.inf:
            ttl = self.default_ttl if root else math.inf
        return CachePolicy(max(0.0, ttl), private, frozenset(types))

    def entity_policy(self, type_name: str, selection: SelectionSetNode | None) -> CachePolicy:
        """The policy of one entity's fields fetched by ``_entities`` (the entity cache):
        the type's own hint (else ``default_ttl_s``), lowered by its fields' hints."""
        named = self.schema.get_type(type_name)
        hint = self.type_hints.get(type_name, _NO_HINT)
        base = hint.max_age if hint.max_age is not None else self.default_ttl
        if selection is None or named is None:
            return CachePolicy(base, hint.private, frozenset({type_name}))
        inner = self.policy(selection, named, {}, root=False, parent_age=base)
        ttl = min(base, inner.ttl)
        return CachePolicy(ttl, hint.private or inner.private, inner.types | {type_name})

    def _concrete(self, named: GraphQLNamedType) -> list[str]:
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            return [t.name for t in self.schema.get_possible_types(named)] + [named.name]
        return [named.name]


def _read_directives(
    document: DocumentNode,
) -> tuple[dict[tuple[str, str], Hint], dict[str, Hint]]:
    fields: dict[tuple[str, str], Hint] = {}
    types: dict[str, Hint] = {}
    for definition in document.definitions:
        name = getattr(getattr(definition, "name", None), "value", None)
        if name is None or not hasattr(definition, "directives"):
            continue
        own = _hint(definition.directives or ())
        if own is not None:
            types[name] = own
        for field in getattr(definition, "fields", None) or ():
            hint = _hint(field.directives or ())
            if hint is not None:
                fields[(name, field.name.value)] = hint
    return fields, types


def _hint(directives: Any) -> Hint | None:
    found: Hint | None = None
    for directive in directives:
        if not isinstance(directive, DirectiveNode) or directive.name.value != DIRECTIVE:
            continue
        args = {a.name.value: getattr(a.value, "value", None) for a in directive.arguments or ()}
        max_age = args.get("maxAge")
        age = float(max_age) if isinstance(max_age, str) and max_age.isdigit() else None
        found = Hint(age, args.get("scope") == "PRIVATE", args.get("inheritMaxAge") is True)
    return found


def _simple_keys(supergraph: Supergraph) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Entity type -> key field sets made of plain field names (``"id"``, ``"id sku"``)."""
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for type_name, graphs in supergraph.type_graphs.items():
        keys: dict[tuple[str, ...], None] = {}
        for in_graph in graphs.values():
            for key in in_graph.keys:
                names = tuple(sorted(key.fields.split()))
                if names and all(n.isidentifier() for n in names):
                    keys[names] = None
        if keys:
            out[type_name] = tuple(keys)
    return out
