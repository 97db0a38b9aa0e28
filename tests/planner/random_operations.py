"""A Hypothesis strategy for valid operations over any API schema: random
selections of fields (with required arguments filled in), aliases, inline
fragments on possible types and ``__typename``, up to a bounded depth."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_leaf_type,
)
from hypothesis import strategies as st


def _literal(type_: GraphQLInputType, depth: int = 0) -> str:
    if isinstance(type_, GraphQLNonNull):
        return _literal(type_.of_type, depth)
    if isinstance(type_, GraphQLList):
        return f"[{_literal(type_.of_type, depth)}]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        fields = [
            f"{name}: {_literal(field.type, depth + 1)}"
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        ]
        return "{" + ", ".join(fields) + "}"
    if isinstance(type_, GraphQLScalarType):
        return {"Int": "1", "Float": "1.5", "Boolean": "true"}.get(type_.name, '"x1"')
    return "null"


def _arguments(field: object) -> str:
    required = [
        f"{name}: {_literal(arg.type)}"
        for name, arg in field.args.items()  # type: ignore[attr-defined]
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
    ]
    return f"({', '.join(required)})" if required else ""


@st.composite
def selection_set(draw: st.DrawFn, schema: GraphQLSchema, type_name: str, depth: int) -> str:
    named = schema.type_map[type_name]
    parts: list[str] = []
    if isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
        possible = sorted(t.name for t in schema.get_possible_types(named))
        chosen = (
            draw(st.lists(st.sampled_from(possible), max_size=2, unique=True)) if possible else []
        )
        for object_type in chosen:
            parts.append(f"... on {object_type} {draw(selection_set(schema, object_type, depth))}")
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        names = sorted(n for n in named.fields if not n.startswith("__"))
        picked = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
        for index, name in enumerate(picked):
            field = named.fields[name]
            target = get_named_type(field.type)
            if not is_leaf_type(target) and depth <= 0:
                continue
            alias = f"a{index}_{name}: " if draw(st.booleans()) and draw(st.booleans()) else ""
            text = f"{alias}{name}{_arguments(field)}"
            if not is_leaf_type(target):
                text += " " + draw(selection_set(schema, target.name, depth - 1))
            parts.append(text)
    if draw(st.booleans()) or not parts:
        parts.append("__typename")
    return "{ " + " ".join(parts) + " }"


def operations(schema: GraphQLSchema, depth: int = 3) -> st.SearchStrategy[str]:
    assert schema.query_type is not None
    return selection_set(schema, schema.query_type.name, depth)
