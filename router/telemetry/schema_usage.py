"""Schema usage: how often each field (``Type.field``) is requested.

Counted cheaply, from the compiled-operation cache rather than per request:

- each request adds one to its compiled operation's ``usage.count`` (an integer
  increment on the request path, no walk);
- ``field_usage`` multiplies out when someone asks (the admin explorer's heat
  colours, in a worker thread): ``requested_fields`` lists the schema coordinates a
  document selects, each once — fragments included, introspection fields left out —
  computed the first time a document is asked about and kept on its ``usage``; each
  field's count is the sum of the counts of the cached operations selecting it.

So the figures cover the documents the cache holds: an evicted document's count goes
with it, and a schema reload (a new cache) starts from zero. That is the price of a
hot path that does not walk operations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    visit,
)

from router.operation.usage import FieldUsage

if TYPE_CHECKING:
    from graphql import DocumentNode


class _Collect(Visitor):
    def __init__(self, type_info: TypeInfo, found: dict[str, None]) -> None:
        super().__init__()
        self.type_info = type_info
        self.found = found

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.type_info.get_parent_type()
        name = node.name.value
        if parent is None or name.startswith("__"):
            return
        self.found[f"{get_named_type(parent).name}.{name}"] = None


def requested_fields(schema: GraphQLSchema, document: DocumentNode) -> tuple[str, ...]:
    """Every ``Type.field`` the document selects (in first-seen order, once each).

    graphql-core's ``visit`` walks with an explicit stack, so a deep document costs
    no recursion; the document has passed the router's depth and field limits."""
    found: dict[str, None] = {}
    type_info = TypeInfo(schema)
    visit(document, TypeInfoVisitor(type_info, _Collect(type_info, found)))
    return tuple(found)


def field_usage(schema: GraphQLSchema, cached: Iterable[tuple[Any, Any]]) -> dict[str, int]:
    """Requests per field over ``cached`` (a snapshot of the operation cache's
    ``newest_first()``; refusals in it are skipped)."""
    counts: Counter[str] = Counter()
    for _, compiled in cached:
        usage = getattr(compiled, "usage", None)
        if not isinstance(usage, FieldUsage) or not usage.count:
            continue
        if usage.fields is None:
            usage.fields = requested_fields(schema, compiled.analysis.document)
        for coordinate in usage.fields:
            counts[coordinate] += usage.count
    return dict(counts)
