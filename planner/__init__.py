"""graphql-gateway's query planner: a pure-Python Federation v2 library.

    from planner import Supergraph, QueryPlanner

    supergraph = Supergraph.parse(sdl)          # join spec v0.1-v0.5
    supergraph.api_schema                       # the client-facing GraphQLSchema
    plan = QueryPlanner(supergraph).plan(query, operation_name)
    plan.to_json()                              # Apollo's query-plan JSON shape

No I/O, and nothing imported beyond the standard library and graphql-core.

Deprecated: ``planner.Sequence`` is an alias of `SequenceNode` (the plan node whose JSON
kind is ``"Sequence"``), kept for code written before the rename; new code should import
``SequenceNode``, which does not shadow ``collections.abc.Sequence``.
"""

from planner.cache import LRUCache, PlanCache
from planner.errors import (
    OperationValidationError,
    PlannerError,
    PlanningError,
    PlanningTimeout,
    SupergraphError,
)
from planner.operation import OperationAnalysis, is_included
from planner.plan import (
    BatchFetch,
    Condition,
    EntityBatch,
    Fetch,
    FieldSelection,
    Flatten,
    InlineFragmentSelection,
    KeyRenamer,
    Parallel,
    PlanNode,
    QueryPlan,
    SequenceNode,
    ValueSetter,
)
from planner.query_planner import PreparedOperation, QueryPlanner
from planner.supergraph import FieldInGraph, KeyInfo, SubgraphInfo, Supergraph, TypeInGraph

Sequence = SequenceNode
"""Deprecated alias of `SequenceNode` (kept for the public API; see the module docstring)."""

__all__ = [
    "BatchFetch",
    "Condition",
    "EntityBatch",
    "Fetch",
    "FieldInGraph",
    "FieldSelection",
    "Flatten",
    "InlineFragmentSelection",
    "KeyInfo",
    "KeyRenamer",
    "LRUCache",
    "OperationAnalysis",
    "OperationValidationError",
    "Parallel",
    "PlanCache",
    "PlanNode",
    "PlannerError",
    "PlanningError",
    "PlanningTimeout",
    "PreparedOperation",
    "QueryPlan",
    "QueryPlanner",
    "Sequence",
    "SequenceNode",
    "SubgraphInfo",
    "Supergraph",
    "SupergraphError",
    "TypeInGraph",
    "ValueSetter",
    "is_included",
]
