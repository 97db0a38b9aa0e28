"""Mutable selection trees for the subgraph operations a plan sends, and their
compact text form (the minified GraphQL Apollo's planner prints)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ArgumentNode, ListValueNode, ObjectValueNode, ValueNode, VariableNode

from planner.planning.items import FieldItem


class SubgraphField:
    """A field in a subgraph selection."""

    __slots__ = ("alias", "args_text", "arguments", "name", "selection_set")

    def __init__(
        self, name: str, alias: str | None, arguments: tuple[ArgumentNode, ...], args_text: str
    ) -> None:
        self.name = name
        self.alias = alias
        self.arguments = arguments
        self.args_text = args_text
        self.selection_set: SubgraphSelectionSet | None = None


class MergeScope:
    """Fields GraphQL validation compares with each other ("fields can be merged"):
    a selection set and all its inline fragments, and below a response key, every
    field with that key in the scope. Same key, same scope means same type."""

    __slots__ = ("children", "signatures")

    def __init__(self) -> None:
        self.signatures: dict[str, str] = {}
        self.children: dict[str, MergeScope] = {}

    def child(self, key: str) -> MergeScope:
        found = self.children.get(key)
        if found is None:
            found = self.children[key] = MergeScope()
        return found


class SubgraphSelectionSet:
    """A selection set: fields by response key, then inline fragments by type."""

    __slots__ = ("fields", "fragments", "scope")

    def __init__(self, scope: MergeScope | None = None) -> None:
        self.fields: dict[str, SubgraphField] = {}
        self.fragments: dict[str, SubgraphSelectionSet] = {}
        self.scope = scope or MergeScope()

    def add_field(self, item: FieldItem, composite: bool) -> SubgraphField:
        """Add (or find) the field for `item`; the client's response key is kept."""
        key = item.response_key
        existing = self.fields.get(key)
        if existing is not None:
            if existing.name != item.name or existing.args_text != item.args_text:
                raise ValueError(f"response key {key!r} is used for two different fields")
            if composite and existing.selection_set is None:
                existing.selection_set = SubgraphSelectionSet(self.scope.child(key))
            return existing
        field = SubgraphField(item.name, item.alias, item.arguments, item.args_text)
        if composite:
            field.selection_set = SubgraphSelectionSet(self.scope.child(key))
        self.fields[key] = field
        return field

    def add_typename(self) -> None:
        if "__typename" not in self.fields:
            self.fields["__typename"] = SubgraphField("__typename", None, (), "")

    def fragment(self, type_condition: str) -> SubgraphSelectionSet:
        found = self.fragments.get(type_condition)
        if found is None:
            found = self.fragments[type_condition] = SubgraphSelectionSet(self.scope)
        return found

    def is_empty(self) -> bool:
        return not self.fields and all(f.is_empty() for f in self.fragments.values())

    def merge(self, other: SubgraphSelectionSet) -> None:
        for key, field in other.fields.items():
            mine = self.fields.get(key)
            if mine is None:
                self.fields[key] = field
            elif field.selection_set is not None:
                if mine.selection_set is None:
                    mine.selection_set = SubgraphSelectionSet()
                mine.selection_set.merge(field.selection_set)
        for condition, fragment in other.fragments.items():
            self.fragment(condition).merge(fragment)

    def render(self) -> str:
        parts: list[str] = []
        typename = self.fields.get("__typename")
        if typename is not None and typename.alias is None:
            parts.append("__typename")
        for field in self.fields.values():
            if field is typename and field.alias is None:
                continue
            text = f"{field.alias}:{field.name}" if field.alias else field.name
            text += field.args_text
            if field.selection_set is not None:
                inner = field.selection_set.render()
                if not inner:
                    inner = "{__typename}"
                text += inner
            parts.append(text)
        for condition, fragment in self.fragments.items():
            if fragment.is_empty():
                continue
            parts.append(f"...on {condition}{fragment.render()}")
        if not parts:
            return ""
        return "{" + " ".join(parts) + "}"

    def variables(self) -> Iterator[str]:
        for field in self.fields.values():
            for argument in field.arguments:
                yield from _variables_in(argument.value)
            if field.selection_set is not None:
                yield from field.selection_set.variables()
        for fragment in self.fragments.values():
            yield from fragment.variables()


def _variables_in(node: ValueNode) -> Iterator[str]:
    """Variables in an argument value (values nest through lists and input objects)."""
    if isinstance(node, VariableNode):
        yield node.name.value
    elif isinstance(node, ListValueNode):
        for item in node.values:
            yield from _variables_in(item)
    elif isinstance(node, ObjectValueNode):
        for field in node.fields:
            yield from _variables_in(field.value)
