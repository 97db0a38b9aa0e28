"""Representation ``__typename`` rewrites the router adds to a plan.

A subgraph that knows an entity only through an interface (``@interfaceObject``,
or an interface with ``@key``) expects ``__typename`` to be the interface's name
in each representation, while the response data holds the concrete type
(``Book``, not ``Media``). Apollo's planner emits ``ValueSetter`` input rewrites
for this; when a plan lacks them, the router adds the same rewrites, computed
once per prepared operation from the supergraph. Adding one that the plan
already has is harmless (setting the same value twice).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLInterfaceType

from planner.plan import BatchFetch, Fetch, InlineFragmentSelection, QueryPlan, Rewrite, ValueSetter

ExtraRewrites = dict[int, tuple[Rewrite, ...]]
"""``id()`` of a ``Fetch`` or ``EntityBatch`` -> rewrites to apply after the plan's own."""


def interface_typename_rewrites(plan: QueryPlan, supergraph: Any) -> ExtraRewrites:
    out: ExtraRewrites = {}
    for fetch in plan.fetches():
        if isinstance(fetch, Fetch):
            if fetch.requires is not None:
                found = _for(fetch.service_name, fetch.requires, supergraph)
                if found:
                    out[id(fetch)] = found
        elif isinstance(fetch, BatchFetch):
            for batch in fetch.batches:
                found = _for(fetch.service_name, batch.requires, supergraph)
                if found:
                    out[id(batch)] = found
    return out


def _for(service: str, requires: tuple[Any, ...], supergraph: Any) -> tuple[Rewrite, ...]:
    rewrites: list[Rewrite] = []
    schema = supergraph.schema
    for selection in requires:
        if not isinstance(selection, InlineFragmentSelection) or not selection.type_condition:
            continue
        name = selection.type_condition
        if not isinstance(schema.type_map.get(name), GraphQLInterfaceType):
            continue
        info = supergraph.type_in_graph(name, service)
        if info is not None and (info.is_interface_object or info.keys):
            rewrites.append(ValueSetter((f"... on {name}", "__typename"), name))
    return tuple(rewrites)
