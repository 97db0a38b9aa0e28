"""Type references (``[Book!]!``) and the sub-typing rules of composition.

Federation merges a field whose type differs between subgraphs into the most general
type for outputs (``String!`` and ``String`` merge to ``String``; a union member merges
with the union) and into the most restrictive type for inputs. This module knows the
GraphQL spec's "type reference" grammar and the "IsSubType" relation the federation
composition rules build on (nullable/non-null, list covariance, interface/union
membership)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graphql.language import ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode


@dataclass(frozen=True)
class TypeRef:
    """A type reference: a named type, a list of a type, or a non-null type."""

    name: str | None = None
    list_of: TypeRef | None = None
    non_null_of: TypeRef | None = None

    @staticmethod
    def from_node(node: TypeNode) -> TypeRef:
        if isinstance(node, NonNullTypeNode):
            return TypeRef(non_null_of=TypeRef.from_node(node.type))
        if isinstance(node, ListTypeNode):
            return TypeRef(list_of=TypeRef.from_node(node.type))
        assert isinstance(node, NamedTypeNode)
        return TypeRef(name=node.name.value)

    @property
    def named(self) -> str:
        """The innermost named type."""
        ref: TypeRef = self
        while ref.name is None:
            inner = ref.list_of or ref.non_null_of
            assert inner is not None
            ref = inner
        return ref.name

    @property
    def is_non_null(self) -> bool:
        return self.non_null_of is not None

    @property
    def is_list(self) -> bool:
        ref = self.non_null_of or self
        return ref.list_of is not None

    def nullable(self) -> TypeRef:
        return self.non_null_of or self

    def __str__(self) -> str:
        if self.non_null_of is not None:
            return f"{self.non_null_of}!"
        if self.list_of is not None:
            return f"[{self.list_of}]"
        return str(self.name)


def is_subtype(sub: TypeRef, sup: TypeRef, named_subtype: Callable[[str, str], bool]) -> bool:
    """Whether a value of type ``sub`` is always a valid value of ``sup``.

    ``named_subtype(a, b)`` says whether named type ``a`` is ``b`` or one of its possible
    types (an implementation of interface ``b`` or a member of union ``b``)."""
    if sub.non_null_of is not None:
        inner_sup = sup.non_null_of if sup.non_null_of is not None else sup
        return is_subtype(sub.non_null_of, inner_sup, named_subtype)
    if sup.non_null_of is not None:
        return False
    if sub.list_of is not None:
        return sup.list_of is not None and is_subtype(sub.list_of, sup.list_of, named_subtype)
    if sup.list_of is not None:
        return False
    assert sub.name is not None and sup.name is not None
    return named_subtype(sub.name, sup.name)
