"""Operation validation against the API schema: a one-pass fast path in front of
graphql-core's full ``validate``.

graphql-core runs 32 rules as visitors in parallel over every AST node, with a
``TypeInfo`` tracking types beside them; on small operations that machinery is most of
the cost of a cold plan. Almost every operation a router sees is valid and uses a small
part of the language (fields, arguments, aliases, fragments, ``@skip``/``@include``).

`validate_operation` therefore first runs `is_plainly_valid`: one recursive pass that
checks every specified rule for that common subset and answers *True* only when the
document is certainly valid. Anything it does not fully model (other directives,
introspection fields, subscriptions, same response key on fields that differ in any way,
OneOf inputs, very large or deep documents, ...) and anything invalid makes it answer
*False*, and then graphql-core's ``validate`` gives the verdict and the error messages.
So errors are always graphql-core's own; the fast path can only skip work on documents
graphql-core accepts. tests/planner/test_validation.py checks both directions on every
audit supergraph.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    Undefined,
    ValueNode,
    VariableNode,
    get_named_type,
    is_input_type,
    type_from_ast,
    validate,
)
from graphql.utilities.type_comparators import is_type_sub_type_of
from graphql.utilities.validate_input_value import validate_input_literal

__all__ = ["SchemaIndex", "is_plainly_valid", "validate_operation"]

_MAX_DEPTH = 100
"""Deeper documents go to graphql-core (which has its own nesting limit)."""
_MAX_MERGE_WORK = 5_000
"""Field occurrences the merge check may visit (fragments expanded) before handing the
document to graphql-core, whose overlap rule has a complexity budget of its own."""

_Composite = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType


class _NotPlain(Exception):
    """The document is invalid, or outside what the fast path models."""


class SchemaIndex:
    """What the fast path looks up in the schema, computed once per schema."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.roots: dict[OperationType, GraphQLObjectType | None] = {
            OperationType.QUERY: schema.query_type,
            OperationType.MUTATION: schema.mutation_type,
            OperationType.SUBSCRIPTION: schema.subscription_type,
        }
        self.possible: dict[str, frozenset[str]] = {}
        for name, named in schema.type_map.items():
            if isinstance(named, GraphQLObjectType):
                self.possible[name] = frozenset((name,))
            elif isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
                self.possible[name] = frozenset(t.name for t in schema.get_possible_types(named))
        skip, include = schema.get_directive("skip"), schema.get_directive("include")
        self.conditions_known = skip is not None and include is not None
        self.condition_type: Any = skip.args["if"].type if skip is not None else None
        """The type of ``if:`` (``Boolean!``), where a condition variable is used."""


def validate_operation(
    schema: GraphQLSchema, document: DocumentNode, index: SchemaIndex | None = None
) -> list[GraphQLError]:
    """graphql-core's ``validate`` verdict and errors, skipping its work when the fast
    path proves the document valid."""
    if index is not None and is_plainly_valid(index, document):
        return []
    return list(validate(schema, document))


def is_plainly_valid(index: SchemaIndex, document: DocumentNode) -> bool:
    """True only when `document` is certainly valid against the index's schema."""
    try:
        _Checker(index).document(document)
    except _NotPlain:
        return False
    except Exception:  # anything unexpected: graphql-core decides
        return False
    return True


class _Usage:
    __slots__ = ("default", "name", "type")

    def __init__(self, name: str, type_: GraphQLInputType, default: Any) -> None:
        self.name = name
        self.type = type_
        self.default = default


class _Definition:
    """What one executable definition uses: fragment spreads (with their nesting
    depth), variables (with the types expected where they are used)."""

    __slots__ = ("depth", "spreads", "usages")

    def __init__(self) -> None:
        self.spreads: list[tuple[str, int]] = []
        self.usages: list[_Usage] = []
        self.depth = 0


class _Checker:
    def __init__(self, index: SchemaIndex) -> None:
        self.index = index
        self.type_map = index.schema.type_map
        self.fragments: dict[str, FragmentDefinitionNode] = {}
        self.fragment_types: dict[str, _Composite] = {}
        self.merge_work = 0

    # --- document -------------------------------------------------------------------

    def document(self, document: DocumentNode) -> None:
        operations: list[OperationDefinitionNode] = []
        fragments = self.fragments
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                operations.append(definition)
            elif isinstance(definition, FragmentDefinitionNode):
                name = definition.name.value
                if name in fragments or definition.variable_definitions:
                    raise _NotPlain
                fragments[name] = definition
            else:
                raise _NotPlain
        if not operations:
            raise _NotPlain
        if len(operations) > 1:
            names = {op.name.value if op.name else None for op in operations}
            if None in names or len(names) != len(operations):
                raise _NotPlain
        for name, fragment in fragments.items():
            if fragment.directives:
                raise _NotPlain
            self.fragment_types[name] = self._composite(fragment.type_condition.name.value)
        used: dict[str, _Definition] = {}
        for name, fragment in fragments.items():
            found = _Definition()
            self._selection_set(self.fragment_types[name], fragment.selection_set, found, 1)
            used[name] = found
        depths = self._fragment_depths(used)
        reached: set[str] = set()
        for operation in operations:
            self._operation(operation, used, depths, reached)
        if len(reached) != len(fragments):
            raise _NotPlain  # an unused fragment

    def _fragment_depths(self, used: Mapping[str, _Definition]) -> dict[str, int]:
        """Nesting depth of each fragment with its spreads expanded; a cycle is refused."""
        depths: dict[str, int] = {}
        for start in used:
            if start in depths:
                continue
            stack: list[tuple[str, Iterable[tuple[str, int]]]] = [
                (start, iter(used[start].spreads))
            ]
            on_path = {start}
            while stack:
                name, spreads = stack[-1]
                for spread, _depth in spreads:
                    if spread in on_path:
                        raise _NotPlain  # a fragment cycle
                    if spread not in depths:
                        stack.append((spread, iter(used[spread].spreads)))
                        on_path.add(spread)
                        break
                else:
                    stack.pop()
                    on_path.discard(name)
                    found = used[name]
                    depth = found.depth
                    for spread, at in found.spreads:
                        depth = max(depth, at + depths[spread])
                    if depth > _MAX_DEPTH:
                        raise _NotPlain
                    depths[name] = depth
        return depths

    def _operation(
        self,
        operation: OperationDefinitionNode,
        used: Mapping[str, _Definition],
        depths: Mapping[str, int],
        reached: set[str],
    ) -> None:
        root = self.index.roots.get(operation.operation)
        if root is None or operation.operation == OperationType.SUBSCRIPTION:
            raise _NotPlain
        if operation.directives:
            raise _NotPlain
        schema = self.index.schema
        definitions: dict[str, tuple[Any, ValueNode | None]] = {}
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name in definitions or definition.directives:
                raise _NotPlain
            var_type = type_from_ast(schema, definition.type)
            if var_type is None or not is_input_type(var_type):
                raise _NotPlain
            if definition.default_value is not None:
                _check_literal(definition.default_value, var_type)
            definitions[name] = (var_type, definition.default_value)
        mine = _Definition()
        self._selection_set(root, operation.selection_set, mine, 1)
        depth = mine.depth
        usages = list(mine.usages)
        seen: set[str] = set()
        pending = list(mine.spreads)
        for spread, at in mine.spreads:
            depth = max(depth, at + depths[spread])
        if depth > _MAX_DEPTH:
            raise _NotPlain
        while pending:
            spread, _at = pending.pop()
            if spread in seen:
                continue
            seen.add(spread)
            found = used[spread]
            usages.extend(found.usages)
            pending.extend(found.spreads)
        reached |= seen
        unused = set(definitions)
        for usage in usages:
            defined = definitions.get(usage.name)
            if defined is None:
                raise _NotPlain
            unused.discard(usage.name)
            var_type, var_default = defined
            if not _allowed_usage(schema, var_type, var_default, usage.type, usage.default):
                raise _NotPlain
        if unused:
            raise _NotPlain
        self.merge_work = 0
        self._merge_scope([(root, operation.selection_set)])

    # --- selections -----------------------------------------------------------------

    def _composite(self, name: str) -> _Composite:
        named = self.type_map.get(name)
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            raise _NotPlain
        return named

    def _selection_set(
        self, parent: _Composite, selection_set: SelectionSetNode, out: _Definition, depth: int
    ) -> None:
        if depth > _MAX_DEPTH:
            raise _NotPlain
        if depth > out.depth:
            out.depth = depth
        possible = self.index.possible
        for selection in selection_set.selections:
            if selection.directives:
                self._conditions(selection.directives, out)
            if isinstance(selection, FieldNode):
                self._field(parent, selection, out, depth)
            elif isinstance(selection, InlineFragmentNode):
                inner = parent
                if selection.type_condition is not None:
                    inner = self._composite(selection.type_condition.name.value)
                    if not possible[inner.name] & possible[parent.name]:
                        raise _NotPlain
                self._selection_set(inner, selection.selection_set, out, depth + 1)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment_type = self.fragment_types.get(name)
                if fragment_type is None:
                    raise _NotPlain
                if not possible[fragment_type.name] & possible[parent.name]:
                    raise _NotPlain
                out.spreads.append((name, depth))
            else:
                raise _NotPlain

    def _field(self, parent: _Composite, node: FieldNode, out: _Definition, depth: int) -> None:
        name = node.name.value
        if name == "__typename":
            if node.arguments or node.selection_set is not None:
                raise _NotPlain
            return
        if isinstance(parent, GraphQLUnionType) or name.startswith("__"):
            raise _NotPlain
        field = parent.fields.get(name)
        if field is None:
            raise _NotPlain
        arguments = node.arguments
        definitions = field.args
        if arguments:
            given: set[str] = set()
            for argument in arguments:
                arg_name = argument.name.value
                definition = definitions.get(arg_name)
                if definition is None or arg_name in given:
                    raise _NotPlain
                given.add(arg_name)
                _check_literal(argument.value, definition.type)
                _collect_usages(argument.value, definition.type, definition.default_value, out)
            for arg_name, definition in definitions.items():
                if (
                    arg_name not in given
                    and isinstance(definition.type, GraphQLNonNull)
                    and definition.default_value is Undefined
                ):
                    raise _NotPlain
        elif definitions:
            for definition in definitions.values():
                if isinstance(definition.type, GraphQLNonNull) and definition.default_value is (
                    Undefined
                ):
                    raise _NotPlain
        named = get_named_type(field.type)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            if node.selection_set is None:
                raise _NotPlain
            self._selection_set(named, node.selection_set, out, depth + 1)
        elif node.selection_set is not None:
            raise _NotPlain

    def _conditions(self, directives: Iterable[Any], out: _Definition) -> None:
        """Only ``@skip(if:)`` and ``@include(if:)``, each at most once."""
        if not self.index.conditions_known:
            raise _NotPlain
        seen: set[str] = set()
        for directive in directives:
            name = directive.name.value
            if name not in ("skip", "include") or name in seen:
                raise _NotPlain
            seen.add(name)
            arguments = directive.arguments
            if not arguments or len(arguments) != 1 or arguments[0].name.value != "if":
                raise _NotPlain
            value = arguments[0].value
            if isinstance(value, VariableNode):
                out.usages.append(_Usage(value.name.value, self.index.condition_type, Undefined))
            elif not isinstance(value, BooleanValueNode):
                raise _NotPlain

    # --- fields can be merged ---------------------------------------------------------

    def _merge_scope(self, scope: list[tuple[_Composite, SelectionSetNode]]) -> None:
        """Stricter than OverlappingFieldsCanBeMerged: fields sharing a response key in
        one scope must be the same field, with the same arguments and the same type;
        below them, their selections form one scope again."""
        by_key: dict[str, list[tuple[FieldNode, Any]]] = {}
        for parent, selection_set in scope:
            self._gather(parent, selection_set, by_key, ())
        for entries in by_key.values():
            first_node, first_type = entries[0]
            if len(entries) > 1:
                name = first_node.name.value
                arguments = _arguments_key(first_node)
                type_text = str(first_type)
                for node, field_type in entries[1:]:
                    if (
                        node.name.value != name
                        or str(field_type) != type_text
                        or _arguments_key(node) != arguments
                    ):
                        raise _NotPlain
            if first_node.selection_set is None:
                continue
            named = get_named_type(first_type)
            self._merge_scope(
                [(named, node.selection_set) for node, _ in entries if node.selection_set]
            )

    def _gather(
        self,
        parent: _Composite,
        selection_set: SelectionSetNode,
        by_key: dict[str, list[tuple[FieldNode, Any]]],
        expanding: tuple[str, ...],
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self.merge_work += 1
                if self.merge_work > _MAX_MERGE_WORK:
                    raise _NotPlain
                name = selection.name.value
                if name == "__typename":
                    field_type: Any = _TYPENAME_TYPE
                else:
                    field_type = parent.fields[name].type  # type: ignore[union-attr]
                key = selection.alias.value if selection.alias else name
                found = by_key.get(key)
                if found is None:
                    by_key[key] = [(selection, field_type)]
                else:
                    found.append((selection, field_type))
            elif isinstance(selection, InlineFragmentNode):
                inner = parent
                if selection.type_condition is not None:
                    inner = self.fragment_type_named(selection.type_condition.name.value)
                self._gather(inner, selection.selection_set, by_key, expanding)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in expanding:
                    raise _NotPlain
                fragment = self.fragments[name]
                self._gather(
                    self.fragment_types[name], fragment.selection_set, by_key, (*expanding, name)
                )

    def fragment_type_named(self, name: str) -> _Composite:
        return self.type_map[name]  # type: ignore[return-value]


_TYPENAME_TYPE = "String!"


def _arguments_key(node: FieldNode) -> tuple[Any, ...]:
    return tuple((a.name.value, _value_key(a.value)) for a in node.arguments or ())


def _value_key(node: ValueNode) -> Any:
    if isinstance(node, VariableNode):
        return ("$", node.name.value)
    if isinstance(node, IntValueNode | FloatValueNode | StringValueNode | EnumValueNode):
        return (node.kind, node.value)
    if isinstance(node, BooleanValueNode):
        return ("b", node.value)
    if isinstance(node, NullValueNode):
        return ("null",)
    if isinstance(node, ListValueNode):
        return ("[", tuple(_value_key(v) for v in node.values))
    if isinstance(node, ObjectValueNode):
        return ("{", tuple((f.name.value, _value_key(f.value)) for f in node.fields))
    raise _NotPlain


def _raise_not_plain(*_args: Any) -> None:
    raise _NotPlain


def _check_literal(value: ValueNode, type_: Any) -> None:
    """ValuesOfCorrectType and UniqueInputFieldNames for one literal (variables inside
    are checked where they are used)."""
    if isinstance(value, VariableNode):
        return
    _unique_input_fields(value)
    validate_input_literal(value, type_, _raise_not_plain)


def _unique_input_fields(value: ValueNode) -> None:
    if isinstance(value, ObjectValueNode):
        names = [f.name.value for f in value.fields]
        if len(set(names)) != len(names):
            raise _NotPlain
        for field in value.fields:
            _unique_input_fields(field.value)
    elif isinstance(value, ListValueNode):
        for item in value.values:
            _unique_input_fields(item)


def _collect_usages(value: ValueNode, type_: Any, default: Any, out: _Definition) -> None:
    """Variables used in a (type-checked) literal, with the type expected where they are."""
    if isinstance(value, VariableNode):
        out.usages.append(_Usage(value.name.value, type_, default))
        return
    if isinstance(value, ListValueNode):
        item_type = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(item_type, GraphQLList):
            item_type = item_type.of_type
        for item in value.values:
            _collect_usages(item, item_type, Undefined, out)
    elif isinstance(value, ObjectValueNode):
        named = get_named_type(type_)
        if not isinstance(named, GraphQLInputObjectType) or named.is_one_of:
            raise _NotPlain
        for field_node in value.fields:
            field = named.fields[field_node.name.value]
            _collect_usages(field_node.value, field.type, field.default_value, out)


def _allowed_usage(
    schema: GraphQLSchema,
    var_type: Any,
    var_default: ValueNode | None,
    location_type: Any,
    location_default: Any,
) -> bool:
    """VariablesInAllowedPosition (spec: IsVariableUsageAllowed)."""
    if isinstance(location_type, GraphQLNonNull) and not isinstance(var_type, GraphQLNonNull):
        has_default = var_default is not None and not isinstance(var_default, NullValueNode)
        if not has_default and location_default is Undefined:
            return False
        return is_type_sub_type_of(schema, var_type, location_type.of_type)
    return is_type_sub_type_of(schema, var_type, location_type)
