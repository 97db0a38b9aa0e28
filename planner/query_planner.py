"""The planner's front door: operation text in, `QueryPlan` out, with caches.

A plan is a pure function of (supergraph, operation, operation name, values of
the ``@skip``/``@include`` condition variables), so plans are cached in a
bounded LRU. Callers that know the variables (the router) get a plan
specialised to them; callers that do not (the CLI) get ``Condition`` nodes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    OperationType,
    parse,
    print_ast,
)

from planner.cache import LRUCache, PlanCache
from planner.errors import OperationValidationError, PlanningError
from planner.operation import OperationAnalysis
from planner.plan import PlanNode, QueryPlan, SequenceNode
from planner.planning.assemble import Assembler
from planner.planning.conditions import branch
from planner.planning.deadline import Deadline
from planner.planning.items import Collector, Normaliser
from planner.planning.walker import Walker
from planner.supergraph import Supergraph
from planner.validation import validate_operation

MAX_CONDITION_VARIABLES = 4


class PreparedOperation:
    """A parsed, validated operation with what planning needs from it."""

    __slots__ = ("analysis", "condition_variables", "document", "fragments", "key", "operation")

    def __init__(self, key: str, analysis: OperationAnalysis) -> None:
        self.key = key
        self.analysis = analysis
        self.document = analysis.document
        self.operation = analysis.operation
        self.fragments = analysis.fragments
        self.condition_variables = analysis.condition_variables


class QueryPlanner:
    """Plans operations against one supergraph. Thread-compatible, no I/O."""

    def __init__(
        self,
        supergraph: Supergraph,
        cache_size: int = 1024,
        batch: bool = True,
        time_budget: float | None = None,
    ) -> None:
        self.supergraph = supergraph
        self.batch = batch
        self.time_budget = time_budget
        """Seconds one plan may take (all its ``Condition`` branches together); past it,
        `PlanningTimeout`. None: no limit."""
        self.plan_cache = PlanCache(cache_size)
        self._prepared: LRUCache[str, PreparedOperation] = LRUCache(cache_size)

    def prepare(
        self,
        document: str | DocumentNode | OperationAnalysis,
        operation_name: str | None = None,
    ) -> PreparedOperation:
        """Parse (if needed), validate against the API schema, select the operation.

        An ``OperationAnalysis`` (the router makes one per document) is used as it is:
        its operation is already chosen."""
        analysis: OperationAnalysis | None = None
        if isinstance(document, OperationAnalysis):
            analysis = document
            document, operation_name = analysis.document, analysis.name
        text = document if isinstance(document, str) else _document_key(document)
        key = f"{operation_name or ''}\x00{text}"
        found: PreparedOperation | None = self._prepared.get(key)
        if found is not None:
            return found
        if isinstance(document, str):
            try:
                document = parse(document)
            except GraphQLError as exc:
                raise OperationValidationError([exc]) from exc
        errors = validate_operation(
            self.supergraph.api_schema, document, self.supergraph.validation_index
        )
        if errors:
            raise OperationValidationError(list(errors))
        if analysis is None:
            analysis = OperationAnalysis.of(document, operation_name)
        prepared = PreparedOperation(key, analysis)
        self._prepared.put(key, prepared)
        return prepared

    def plan(
        self,
        document: str | DocumentNode | OperationAnalysis,
        operation_name: str | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> QueryPlan:
        """Plan an operation. With `variables`, ``@skip``/``@include`` are resolved
        for their values; without, the plan branches on them with ``Condition``."""
        prepared = self.prepare(document, operation_name)
        return self.plan_prepared(prepared, variables)

    def plan_prepared(
        self, prepared: PreparedOperation, variables: Mapping[str, Any] | None = None
    ) -> QueryPlan:
        names = prepared.condition_variables
        if variables is not None or not names:
            values = prepared.analysis.condition_values(variables or {})
            cache_key = (prepared.key, values)
            cached: QueryPlan | None = self.plan_cache.get(cache_key)
            if cached is not None:
                return cached
            deadline = Deadline(self.time_budget)
            plan = QueryPlan(self._guarded_plan_node(prepared, dict(values), deadline))
            self.plan_cache.put(cache_key, plan)
            return plan
        cache_key2 = (prepared.key, None)
        cached = self.plan_cache.get(cache_key2)
        if isinstance(cached, QueryPlan):
            return cached
        if len(names) > MAX_CONDITION_VARIABLES:
            raise PlanningError(
                f"the operation branches on {len(names)} @skip/@include variables; "
                "pass their values to plan it"
            )
        plan = QueryPlan(
            self._condition_tree(prepared, list(names), {}, Deadline(self.time_budget))
        )
        self.plan_cache.put(cache_key2, plan)
        return plan

    def _condition_tree(
        self,
        prepared: PreparedOperation,
        names: list[str],
        fixed: dict[str, bool],
        deadline: Deadline,
    ) -> PlanNode | None:
        if not names:
            return self._guarded_plan_node(prepared, fixed, deadline)
        first, rest = names[0], names[1:]
        when_true = self._condition_tree(prepared, rest, {**fixed, first: True}, deadline)
        when_false = self._condition_tree(prepared, rest, {**fixed, first: False}, deadline)
        return branch(first, when_true, when_false)

    def _guarded_plan_node(
        self, prepared: PreparedOperation, conditions: dict[str, bool], deadline: Deadline
    ) -> PlanNode | None:
        try:
            return self._plan_node(prepared, conditions, deadline)
        except RecursionError as exc:
            # The walk recurses per nesting level; an operation nested deeper than
            # Python's stack allows is refused cleanly rather than crashing the caller.
            raise PlanningError("the operation is nested too deeply to plan") from exc

    def _plan_node(
        self, prepared: PreparedOperation, conditions: dict[str, bool], deadline: Deadline
    ) -> PlanNode | None:
        supergraph = self.supergraph
        operation = prepared.operation
        kind = operation.operation.value
        root = {
            OperationType.QUERY: supergraph.schema.query_type,
            OperationType.MUTATION: supergraph.schema.mutation_type,
            OperationType.SUBSCRIPTION: supergraph.schema.subscription_type,
        }[operation.operation]
        if root is None:
            raise PlanningError(f"the schema has no {kind} root type")
        normaliser = Normaliser(supergraph.schema, prepared.fragments, conditions, deadline)
        collector = Collector(normaliser)
        items = normaliser.selection_set(root.name, operation.selection_set)
        variable_definitions = {
            d.variable.name.value: _variable_definition(d)
            for d in operation.variable_definitions or ()
        }
        name = operation.name.value if operation.name else None
        assembler = Assembler(variable_definitions, name, self.batch)
        if operation.operation != OperationType.MUTATION:
            walker = Walker(supergraph, normaliser, collector, kind)
            walker.plan_root(root.name, items)
            return assembler.assemble(walker.groups)
        steps: list[PlanNode] = []
        next_id = 0
        for step_items in _mutation_steps(
            supergraph, root.name, collector.collect_for(root.name, items)
        ):
            walker = Walker(supergraph, normaliser, collector, kind, next_id)
            walker.plan_root(root.name, step_items)
            next_id += len(walker.groups)
            node = assembler.assemble(walker.groups)
            if node is not None:
                steps.append(node)
        if not steps:
            return None
        return steps[0] if len(steps) == 1 else SequenceNode(tuple(steps))


def _mutation_steps(
    supergraph: Supergraph, root: str, fields: tuple[Any, ...]
) -> Iterator[tuple[Any, ...]]:
    """Top-level mutation fields run in order; neighbours for one subgraph share a fetch."""
    run: list[Any] = []
    run_graph: str | None = None
    for item in fields:
        if item.is_typename:
            continue
        graphs = [
            e.graph
            for e in supergraph.field_graph_entries(root, item.name)
            if e.graph is not None and e.resolvable
        ]
        graph = run_graph if run_graph in graphs else (graphs[0] if graphs else None)
        if run and graph != run_graph:
            yield tuple(run)
            run = []
        run.append(item)
        run_graph = graph
    if run:
        yield tuple(run)


def _variable_definition(definition: Any) -> str:
    text = f"${definition.variable.name.value}:{print_ast(definition.type)}"
    if definition.default_value is not None:
        text += f"={print_ast(definition.default_value)}"
    return text


def bound_cache_bytes(planner: QueryPlanner, max_bytes: int, bytes_per_char: int) -> None:
    """Bound a planner's caches by an estimate of their bytes as well as by count.

    Their keys hold the whole document text, and their values its AST: a thousand
    cached 2 MB documents would otherwise hold gigabytes. The estimate is
    ``bytes_per_char`` per character of the document text in the key."""

    def weigh_prepared(key: str, _: Any) -> int:
        return len(key) * bytes_per_char

    def weigh_plan(key: Any, _: Any) -> int:
        text = key[0] if isinstance(key, tuple) and key and isinstance(key[0], str) else ""
        return len(text) + 4096  # the AST is counted once, under the prepared cache

    planner._prepared = LRUCache(planner._prepared.max_size, max_bytes, weigh_prepared)
    planner.plan_cache = PlanCache(planner.plan_cache.max_size, max_bytes, weigh_plan)


def _document_key(document: DocumentNode) -> str:
    loc = document.loc
    if loc is not None and loc.source is not None:
        return loc.source.body
    return print_ast(document)


__all__ = ["PreparedOperation", "QueryPlanner", "bound_cache_bytes"]
