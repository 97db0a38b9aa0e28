"""Response shaping: build the client's response from the merged plan data.

The merged data holds a superset of what the client asked (keys, ``__typename``,
``requires`` fields) under the client's response keys. Shaping walks the client
operation over it, following the GraphQL spec's ExecuteSelectionSet and
CompleteValue (sections 6.3 and 6.4.3) without resolvers:

* fields are collected per runtime type (``__typename`` of the object, checked
  against the abstract type's possible types), honouring fragments, type
  conditions and ``@skip``/``@include``; the collection is cached per
  (selection sets, runtime type, skip/include variable values), so a cached
  operation does the AST work once;
* ``__typename`` is answered from the runtime type;
* a null (or missing) non-null field adds an error and makes its parent null,
  up to the nearest nullable field ("null bubbling");
* enum values that the API schema does not have become null with an error;
  other leaves are passed as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
)

from planner import OperationAnalysis, is_included
from router.errors import INVALID_VALUE, NON_NULL_VIOLATION, graphql_error

Path = list[str | int]
Where = tuple[Any, str | int] | None
"""A response path as a linked list, ``(parent, key)``: shaping extends it per field and
list item, and only an error turns it into a ``Path`` (``_path_of``)."""

_TYPENAME, _LEAF, _ENUM, _COMPOSITE, _PASSTHROUGH = range(5)
_DIRECT, _NON_NULL_LEAF, _OBJECT, _TYPENAME_OF_RUNTIME, _GENERAL = range(5)
"""How ``_ShapeRun.fields`` takes a field (``_FieldPlan.mode``): the value as it is (a
nullable scalar, or introspection answered apart); a non-null scalar, as it is unless
null; an object of one object type, shaped with its field plans directly; the runtime
type's name; or through ``complete``. The first three are the fields of most
operations, taken without the two calls and type tests ``complete`` makes."""
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


class _NullBubble(Exception):
    """Raised when a non-null position is null: caught by the nearest nullable parent."""


class _FieldPlan:
    """One response key of an object, resolved for one runtime type."""

    __slots__ = (
        "children",
        "field_name",
        "key",
        "kind",
        "mode",
        "object_type",
        "output_type",
        "parent_name",
        "sub_key",
        "subselections",
    )

    def __init__(
        self,
        key: str,
        field_name: str,
        kind: int,
        output_type: Any,
        subselections: tuple[SelectionSetNode, ...],
        parent_name: str,
    ) -> None:
        self.key = key
        self.field_name = field_name
        self.kind = kind
        self.output_type = output_type
        self.subselections = subselections
        self.sub_key = tuple(id(s) for s in subselections)
        self.parent_name = parent_name
        inner = output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type
        scalar = kind == _LEAF and not isinstance(inner, GraphQLList)
        self.object_type: GraphQLObjectType | None = None
        if kind == _PASSTHROUGH or (scalar and inner is output_type):
            self.mode = _DIRECT
        elif scalar:
            self.mode = _NON_NULL_LEAF
        elif kind == _TYPENAME:
            self.mode = _TYPENAME_OF_RUNTIME
        elif kind == _COMPOSITE and isinstance(inner, GraphQLObjectType):
            self.mode = _OBJECT
            self.object_type = inner
        else:
            self.mode = _GENERAL
        self.children: list[_FieldPlan] | None = None
        """The field plans of the sub-selection when the field's type is an object type
        (one runtime type, so resolved once; see ``_ShapeRun.children``)."""


class OperationShaper:
    """Shapes responses for one operation of one document against the API schema."""

    def __init__(self, schema: GraphQLSchema, analysis: OperationAnalysis) -> None:
        operation = analysis.operation
        self.schema = schema
        self.operation = operation
        self.fragments = analysis.fragments
        root = schema.get_root_type(operation.operation)
        if root is None:
            raise ValueError(f"schema has no {operation.operation.value} root type")
        self.root_type: GraphQLObjectType = root
        self.condition_variables = analysis.condition_variables
        self._plans: dict[tuple[Any, ...], dict[tuple[Any, ...], list[_FieldPlan]]] = {}
        self.root_selections = (operation.selection_set,)
        self.root_key = (id(operation.selection_set),)
        self._possible: dict[str, frozenset[str]] = {}

    # -- public -----------------------------------------------------------------

    def shape(
        self,
        data: Mapping[str, Any] | None,
        variables: Mapping[str, Any],
        errors: list[dict[str, Any]],
    ) -> dict[str, Any] | None:
        """The client's ``data`` (None when a non-null root field bubbled up)."""
        run = _ShapeRun(self, variables, errors)
        try:
            return run.object_value(
                data or {}, self.root_type, self.root_key, self.root_selections, None
            )
        except _NullBubble:
            return None

    # -- field collection (cached) ----------------------------------------------

    def plans_for(self, variables: Mapping[str, Any]) -> dict[tuple[Any, ...], list[_FieldPlan]]:
        """The field-plan cache for these @skip/@include variable values."""
        condition = tuple(variables.get(name) for name in self.condition_variables)
        plans = self._plans.get(condition)
        if plans is None:
            plans = self._plans[condition] = {}
        return plans

    def field_plans(
        self,
        cache: dict[tuple[Any, ...], list[_FieldPlan]],
        selection_key: tuple[int, ...],
        selection_sets: tuple[SelectionSetNode, ...],
        runtime_type: GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType,
        variables: Mapping[str, Any],
    ) -> list[_FieldPlan]:
        cache_key = (selection_key, runtime_type.name)
        plans = cache.get(cache_key)
        if plans is None:
            plans = cache[cache_key] = self._collect(selection_sets, runtime_type, variables)
        return plans

    def _collect(
        self,
        selection_sets: tuple[SelectionSetNode, ...],
        runtime_type: GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType,
        variables: Mapping[str, Any],
    ) -> list[_FieldPlan]:
        grouped: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        for selection_set in selection_sets:
            self._collect_into(selection_set, runtime_type, variables, grouped, visited)
        fields = getattr(runtime_type, "fields", {})
        plans: list[_FieldPlan] = []
        is_root = runtime_type is self.root_type
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            subs = tuple(n.selection_set for n in nodes if n.selection_set is not None)
            if name == "__typename":
                plans.append(_FieldPlan(key, name, _TYPENAME, None, subs, runtime_type.name))
                continue
            if is_root and name in INTROSPECTION_FIELDS:
                plans.append(_FieldPlan(key, name, _PASSTHROUGH, None, subs, runtime_type.name))
                continue
            field_def = fields.get(name)
            if field_def is None:
                continue
            output_type = field_def.type
            named = output_type
            while isinstance(named, GraphQLNonNull | GraphQLList):
                named = named.of_type
            if isinstance(named, GraphQLEnumType):
                kind = _ENUM
            elif isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
                kind = _COMPOSITE
            else:
                kind = _LEAF
            plans.append(_FieldPlan(key, name, kind, output_type, subs, runtime_type.name))
        return plans

    def _collect_into(
        self,
        selection_set: SelectionSetNode,
        runtime_type: Any,
        variables: Mapping[str, Any],
        grouped: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not is_included(selection, variables):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._condition_matches(condition.name.value, runtime_type):
                    self._collect_into(
                        selection.selection_set, runtime_type, variables, grouped, visited
                    )
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in visited:
                    continue
                visited.add(name)
                fragment = self.fragments.get(name)
                if fragment is not None and self._condition_matches(
                    fragment.type_condition.name.value, runtime_type
                ):
                    self._collect_into(
                        fragment.selection_set, runtime_type, variables, grouped, visited
                    )

    def _condition_matches(self, condition: str, runtime_type: Any) -> bool:
        if condition == runtime_type.name:
            return True
        return runtime_type.name in self.possible_types(condition)

    def possible_types(self, type_name: str) -> frozenset[str]:
        found = self._possible.get(type_name)
        if found is None:
            named = self.schema.get_type(type_name)
            if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
                found = frozenset(t.name for t in self.schema.get_possible_types(named))
            else:
                found = frozenset()
            self._possible[type_name] = found
        return found


class _ShapeRun:
    """One shaping pass: variables and the error list of one response."""

    __slots__ = ("errors", "plans", "shaper", "variables")

    def __init__(
        self, shaper: OperationShaper, variables: Mapping[str, Any], errors: list[dict[str, Any]]
    ) -> None:
        self.shaper = shaper
        self.variables = variables
        self.errors = errors
        self.plans = shaper.plans_for(variables)

    def object_value(
        self,
        source: Mapping[str, Any],
        runtime_type: Any,
        selection_key: tuple[int, ...],
        selection_sets: tuple[SelectionSetNode, ...],
        path: Where,
    ) -> dict[str, Any]:
        plans = self.plans.get((selection_key, runtime_type.name))
        if plans is None:
            plans = self.shaper.field_plans(
                self.plans, selection_key, selection_sets, runtime_type, self.variables
            )
        return self.fields(source, runtime_type, plans, path)

    def children(self, plan: _FieldPlan, object_type: GraphQLObjectType) -> list[_FieldPlan]:
        """The sub-selection's field plans of an object-typed field, kept on its plan
        (a plan belongs to one @skip/@include variant, so they never change)."""
        children = plan.children
        if children is None:
            children = plan.children = self.shaper.field_plans(
                self.plans, plan.sub_key, plan.subselections, object_type, self.variables
            )
        return children

    def fields(
        self, source: Mapping[str, Any], runtime_type: Any, plans: list[_FieldPlan], path: Where
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for plan in plans:
            key = plan.key
            mode = plan.mode
            if mode == _DIRECT:
                out[key] = source.get(key)
                continue
            value = source.get(key)
            if mode == _NON_NULL_LEAF and value is not None:
                out[key] = value
                continue
            if mode == _TYPENAME_OF_RUNTIME:
                out[key] = runtime_type.name
                continue
            try:
                object_type = plan.object_type
                if object_type is not None and type(value) is dict:
                    children = plan.children or self.children(plan, object_type)
                    out[key] = self.fields(value, object_type, children, (path, key))
                else:
                    out[key] = self.complete(value, plan.output_type, plan, (path, key))
            except _NullBubble:
                if isinstance(plan.output_type, GraphQLNonNull):
                    raise
                out[key] = None
        return out

    def complete(self, value: Any, output_type: Any, plan: _FieldPlan, path: Where) -> Any:
        if isinstance(output_type, GraphQLNonNull):
            if value is None:
                self.null_error(plan, path)
                raise _NullBubble
            return self.complete_inner(value, output_type.of_type, plan, path)
        if value is None:
            return None
        return self.complete_inner(value, output_type, plan, path)

    def complete_inner(self, value: Any, output_type: Any, plan: _FieldPlan, path: Where) -> Any:
        kind = plan.kind
        if isinstance(output_type, GraphQLList):
            if not isinstance(value, list):
                self.value_error(f"Expected a list for field '{plan.field_name}'", path)
                return None
            item_type = output_type.of_type
            if kind == _LEAF and not isinstance(item_type, GraphQLNonNull | GraphQLList):
                return value
            items: list[Any] = []
            item_nullable = not isinstance(item_type, GraphQLNonNull)
            # A list of one object type: each object is shaped with the field plans
            # resolved once; anything else in the list goes the general way.
            element = item_type if item_nullable else item_type.of_type
            children = None
            if kind == _COMPOSITE and isinstance(element, GraphQLObjectType):
                children = self.children(plan, element)
            for index, item in enumerate(value):
                try:
                    if children is not None and type(item) is dict:
                        items.append(self.fields(item, element, children, (path, index)))
                    else:
                        items.append(self.complete(item, item_type, plan, (path, index)))
                except _NullBubble:
                    if not item_nullable:
                        raise
                    items.append(None)
            return items
        if kind == _LEAF:
            return value
        if kind == _ENUM:
            if not isinstance(value, str) or value not in output_type.values:
                self.value_error(
                    f"Enum '{output_type.name}' cannot represent value: {value!r}", path
                )
                return None
            return value
        if not isinstance(value, dict):
            self.value_error(f"Expected an object for field '{plan.field_name}'", path)
            return None
        if isinstance(output_type, GraphQLObjectType):
            return self.fields(value, output_type, self.children(plan, output_type), path)
        runtime_type = self.runtime_type(value, output_type, path)
        if runtime_type is None:
            return None
        return self.object_value(value, runtime_type, plan.sub_key, plan.subselections, path)

    def runtime_type(self, value: Mapping[str, Any], named: Any, path: Where) -> Any:
        if isinstance(named, GraphQLObjectType):
            return named
        typename = value.get("__typename")
        if typename is None or typename == named.name:
            # No concrete type known (e.g. an object only seen through an
            # @interfaceObject): answer what the abstract type itself can.
            return named
        if typename in self.shaper.possible_types(named.name):
            return self.shaper.schema.get_type(typename)
        self.value_error(
            f"Abstract type '{named.name}' must resolve to an object type at runtime; "
            f"got '{typename}'",
            path,
        )
        return None

    def null_error(self, plan: _FieldPlan, where: Where) -> None:
        path = _path_of(where)
        if self._covered(path):
            return
        self.errors.append(
            graphql_error(
                f"Cannot return null for non-nullable field {plan.parent_name}.{plan.field_name}.",
                NON_NULL_VIOLATION,
                path=path,
            )
        )

    def value_error(self, message: str, where: Where) -> None:
        self.errors.append(graphql_error(message, INVALID_VALUE, path=_path_of(where)))

    def _covered(self, path: Path) -> bool:
        """Whether an error already explains a null at ``path``."""
        for error in self.errors:
            other = error.get("path")
            if isinstance(other, list):
                shorter = min(len(other), len(path))
                if other[:shorter] == path[:shorter]:
                    return True
        return False


def _path_of(where: Where) -> Path:
    """The response path a linked ``Where`` stands for."""
    keys: Path = []
    while where is not None:
        where, key = where
        keys.append(key)
    keys.reverse()
    return keys
