"""What planning knows about a supergraph before it sees an operation.

Apollo's planner builds a "query graph" once per supergraph: which subgraphs resolve
each field, the keys to jump between them, and what a jump costs. Ours is built lazily
instead of up front: every answer that depends on the supergraph alone (parsed field
sets, return types, list depths, which subgraphs an entity can jump to from where) is
computed the first time a plan asks for it and then shared by every later plan of the
same supergraph, whatever `QueryPlanner` plans it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import GraphQLList, GraphQLNonNull, get_named_type

if TYPE_CHECKING:
    from planner.planning.items import Item
    from planner.supergraph import Supergraph


class QueryGraph:
    """Operation-independent planning facts of one supergraph, memoised."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        schema = supergraph.schema
        self.root_names = frozenset(
            t.name
            for t in (schema.query_type, schema.mutation_type, schema.subscription_type)
            if t is not None
        )
        self.field_sets: dict[tuple[str, str, bool], tuple[Item, ...]] = {}
        """Parsed ``@key``/``@requires``/``@provides`` field sets."""
        self.jump_targets: dict[tuple[str, str, str, bool], Any] = {}
        """(graph, type, field, is __typename) -> the subgraphs a jump can go to."""
        self._return_types: dict[tuple[str, str, str | None], str | None] = {}
        self._signatures: dict[tuple[str, str, str], str | None] = {}
        self._list_depths: dict[tuple[str, str], int] = {}

    @staticmethod
    def of(supergraph: Supergraph) -> QueryGraph:
        """The query graph of `supergraph`, created on first use and kept with it."""
        memo = supergraph.derived
        found = memo.get("query_graph")
        if found is None:
            found = memo.setdefault("query_graph", QueryGraph(supergraph))
        return found  # type: ignore[no-any-return]

    def return_type(self, type_name: str, field_name: str, graph: str | None) -> str | None:
        """The named type T.f returns; with `graph`, the type that subgraph declares when it
        differs (``join__field(type:)``). None when T has no such field."""
        key = (type_name, field_name, graph)
        try:
            return self._return_types[key]
        except KeyError:
            pass
        found: str | None = None
        if graph is not None:
            entry = self.supergraph.field_in_graph(type_name, field_name, graph)
            if entry is not None and entry.type:
                found = entry.type.strip("[]!")
        if found is None:
            field = self._schema_field(type_name, field_name)
            if field is not None:
                found = str(get_named_type(field.type).name)
        self._return_types[key] = found
        return found

    def type_signature(self, graph: str, type_name: str, field_name: str) -> str | None:
        """T.f's full type as `graph` declares it (None: unknown to the schema)."""
        key = (graph, type_name, field_name)
        try:
            return self._signatures[key]
        except KeyError:
            pass
        found: str | None = None
        entry = self.supergraph.field_in_graph(type_name, field_name, graph)
        if entry is not None and entry.type:
            found = entry.type
        else:
            field = self._schema_field(type_name, field_name)
            if field is not None:
                found = str(field.type)
        self._signatures[key] = found
        return found

    def list_depth(self, type_name: str, field_name: str) -> int:
        """How many lists T.f's type nests (each adds an ``@`` to response paths)."""
        key = (type_name, field_name)
        found = self._list_depths.get(key)
        if found is not None:
            return found
        depth = 0
        field = self._schema_field(type_name, field_name)
        if field is not None:
            field_type = field.type
            while isinstance(field_type, GraphQLNonNull | GraphQLList):
                if isinstance(field_type, GraphQLList):
                    depth += 1
                field_type = field_type.of_type
        self._list_depths[key] = depth
        return depth

    def _schema_field(self, type_name: str, field_name: str) -> Any:
        named = self.supergraph.schema.type_map.get(type_name)
        fields = getattr(named, "fields", None) or {}
        return fields.get(field_name)
