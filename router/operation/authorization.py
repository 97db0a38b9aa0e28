"""``@authenticated`` and ``@requiresScopes`` (Federation 2.5): fields a caller may
not see are removed before planning, and answered with null and an error.

The behaviour is Apollo Router's. For each supergraph, ``AuthorizationPolicy`` reads
which fields and types carry the directives (``None`` when none do: then nothing here
runs). For each compiled operation, ``restrictions`` lists the field selections that
need something, with their response paths. Per request, the caller's identity
(authenticated or not, its scopes) decides which of those it may not see; when any,
the operation is re-compiled once without them (cached per set of removed fields on
the compiled operation) and each removed field gets ``null`` plus an
``UNAUTHORIZED_FIELD_OR_TYPE`` error at its path, while the rest of the operation
runs. With ``auth.reject_unauthorized`` the whole operation is refused instead (403).

A field's requirement is its own directives, those of its parent type and those of
the type it returns, all of them (``@requiresScopes(scopes: [["a", "b"], ["c"]])``
is satisfied by holding both ``a`` and ``b``, or ``c``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    REMOVE,
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    NameNode,
    SelectionSetNode,
    get_named_type,
    print_ast,
    visit,
)
from graphql.language import Visitor

from planner import OperationAnalysis, Supergraph
from router.errors import RequestError, graphql_error

if TYPE_CHECKING:
    from router.pipeline.context import ClientIdentity

UNAUTHORIZED_FIELD_OR_TYPE = "UNAUTHORIZED_FIELD_OR_TYPE"
_AUTHENTICATED_SPEC = "https://specs.apollo.dev/authenticated/"
_REQUIRES_SCOPES_SPEC = "https://specs.apollo.dev/requiresScopes/"
MAX_VARIANTS = 64
"""Compiled variants kept per operation (one per set of removed fields)."""

_TYPENAME = FieldNode(name=NameNode(value="__typename"))


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a caller needs: to be authenticated, and one of ``scopes`` (each a set of
    scopes held together); no alternatives means no scope is needed."""

    authenticated: bool = False
    scopes: tuple[frozenset[str], ...] = ()

    def __and__(self, other: Requirement) -> Requirement:
        if not other.scopes:
            scopes = self.scopes
        elif not self.scopes:
            scopes = other.scopes
        else:
            scopes = tuple(dict.fromkeys(a | b for a in self.scopes for b in other.scopes))
        return Requirement(self.authenticated or other.authenticated, scopes)

    def met_by(self, identity: ClientIdentity | None) -> bool:
        if identity is None:
            return not self.authenticated and not self.scopes
        if not self.scopes:
            return True
        held = identity.scopes
        return any(alternative <= held for alternative in self.scopes)


_NONE = Requirement()


@dataclass(frozen=True, slots=True)
class Restriction:
    """One field selection of an operation that needs something of the caller."""

    node_id: int
    """``id()`` of the ``FieldNode`` (every selection of it shares the requirement)."""
    path: tuple[str, ...]
    """Response keys from the root (list positions left out, as Apollo Router does)."""
    requirement: Requirement


@dataclass(frozen=True, slots=True)
class AuthorizationPolicy:
    """Which fields and types of one supergraph need what."""

    fields: Mapping[tuple[str, str], Requirement]
    types: Mapping[str, Requirement]

    @classmethod
    def from_supergraph(cls, supergraph: Supergraph) -> AuthorizationPolicy | None:
        """The policy, or ``None`` when the supergraph uses neither directive."""
        authenticated, requires_scopes = _directive_names(supergraph.document)
        fields: dict[tuple[str, str], Requirement] = {}
        types: dict[str, Requirement] = {}
        for definition in supergraph.document.definitions:
            name = getattr(getattr(definition, "name", None), "value", None)
            if name is None or not hasattr(definition, "directives"):
                continue
            own = _requirement(definition.directives, authenticated, requires_scopes)
            if own is not None:
                types[name] = types.get(name, _NONE) & own
            for field in getattr(definition, "fields", None) or ():
                need = _requirement(field.directives, authenticated, requires_scopes)
                if need is not None:
                    key = (name, field.name.value)
                    fields[key] = fields.get(key, _NONE) & need
        if not fields and not types:
            return None
        return cls(fields, types)

    def restrictions(
        self, analysis: OperationAnalysis, schema: GraphQLSchema
    ) -> tuple[Restriction, ...]:
        """The operation's field selections that need something, fragments expanded.

        Iterative: the nesting depth is the client's, never Python's stack's."""
        root = schema.get_root_type(analysis.operation.operation)
        if root is None:
            return ()
        found: list[Restriction] = []
        Item = tuple[Any, str, tuple[str, ...]]  # (selection, parent type, response path)

        def children(
            selection_set: SelectionSetNode, parent: str, path: tuple[str, ...]
        ) -> list[Item]:
            return [(s, parent, path) for s in reversed(selection_set.selections)]

        stack = children(analysis.operation.selection_set, root.name, ())
        while stack:  # pre-order, in document order
            selection, parent, path = stack.pop()
            if isinstance(selection, FieldNode):
                name = selection.name.value
                definition = (getattr(schema.type_map.get(parent), "fields", None) or {}).get(name)
                if definition is None:
                    continue  # __typename, introspection
                returns = get_named_type(definition.type).name
                need = (
                    self.fields.get((parent, name), _NONE)
                    & self.types.get(parent, _NONE)
                    & self.types.get(returns, _NONE)
                )
                here = (*path, selection.alias.value if selection.alias else name)
                if need != _NONE:
                    found.append(Restriction(id(selection), here, need))
                if selection.selection_set is not None:
                    stack.extend(children(selection.selection_set, returns, here))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = condition.name.value if condition else parent
                stack.extend(children(selection.selection_set, inner, path))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = analysis.fragments.get(selection.name.value)
                if fragment is not None:
                    inner = fragment.type_condition.name.value
                    stack.extend(children(fragment.selection_set, inner, path))
        return tuple(found)


def denied(
    restrictions: Iterable[Restriction], identity: ClientIdentity | None
) -> tuple[Restriction, ...]:
    """The restrictions this caller does not meet."""
    return tuple(r for r in restrictions if not r.requirement.met_by(identity))


def refusal_errors(refused: Iterable[Restriction]) -> list[dict[str, Any]]:
    """One error per removed field selection, at its response path."""
    errors: list[dict[str, Any]] = []
    seen: set[tuple[str, ...]] = set()
    for restriction in refused:
        if restriction.path not in seen:
            seen.add(restriction.path)
            errors.append(
                graphql_error(
                    "Unauthorized field or type",
                    UNAUTHORIZED_FIELD_OR_TYPE,
                    list(restriction.path),
                )
            )
    return errors


def reject(refused: Iterable[Restriction]) -> RequestError:
    """``auth.reject_unauthorized``: the whole operation is refused."""
    return RequestError(403, refusal_errors(refused))


def without_fields(document: DocumentNode, node_ids: frozenset[int]) -> str:
    """The document's text with the given field selections removed; a selection set
    left empty selects ``__typename`` instead, so the document stays valid."""

    class _Remove(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> Any:
            return REMOVE if id(node) in node_ids else None

        def leave_selection_set(self, node: SelectionSetNode, *_: Any) -> Any:
            if not node.selections:
                return SelectionSetNode(selections=(_TYPENAME,))
            return None

    return print_ast(visit(document, _Remove()))


def _directive_names(document: DocumentNode) -> tuple[str | None, str | None]:
    """Local names of ``@authenticated`` and ``@requiresScopes`` (``@link(as:)`` aware)."""
    authenticated: str | None = None
    requires_scopes: str | None = None
    defined = set()
    for definition in document.definitions:
        if definition.kind == "directive_definition":
            defined.add(definition.name.value)  # type: ignore[attr-defined]
        if definition.kind not in ("schema_definition", "schema_extension"):
            continue
        for directive in getattr(definition, "directives", None) or ():
            if directive.name.value != "link":
                continue
            args = {a.name.value: getattr(a.value, "value", None) for a in directive.arguments}
            url, alias = str(args.get("url") or ""), args.get("as")
            if url.startswith(_AUTHENTICATED_SPEC):
                authenticated = str(alias or "authenticated")
            elif url.startswith(_REQUIRES_SCOPES_SPEC):
                requires_scopes = str(alias or "requiresScopes")
    if authenticated is None and "authenticated" in defined:
        authenticated = "authenticated"
    if requires_scopes is None and "requiresScopes" in defined:
        requires_scopes = "requiresScopes"
    return authenticated, requires_scopes


def _requirement(
    directives: Any, authenticated: str | None, requires_scopes: str | None
) -> Requirement | None:
    need: Requirement | None = None
    for directive in directives or ():
        name = directive.name.value
        if name == authenticated:
            need = (need or _NONE) & Requirement(authenticated=True)
        elif name == requires_scopes:
            for argument in directive.arguments:
                if argument.name.value == "scopes":
                    alternatives = tuple(
                        frozenset(str(scope.value) for scope in getattr(group, "values", ()))
                        for group in getattr(argument.value, "values", ())
                    )
                    need = (need or _NONE) & Requirement(authenticated=True, scopes=alternatives)
    return need
