"""Which operations a proposed supergraph breaks.

Each operation is first validated and planned against the current graph: one that
fails there is not the proposal's fault and is only counted as skipped. The others
are validated against the proposed API schema (``validation`` failure) and planned
over the proposed subgraphs (``planning`` failure). Each broken operation names the
changed schema coordinates it uses, so the report says *which* change broke it.

Documents may come from recorded traffic, i.e. from anyone: parsing is bounded by a
token limit, a document nested deeper than the parser's stack is skipped, and
planning runs under the planner's time budget."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from graphql import (
    ArgumentNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    separate_operations,
    visit,
)

from planner.checks.model import (
    BrokenOperation,
    Change,
    Operation,
    OperationsResult,
    Severity,
)
from planner.errors import OperationValidationError, PlanningError
from planner.query_planner import QueryPlanner
from planner.supergraph import Supergraph

MAX_TOKENS = 50_000
"""Largest document (in lexer tokens) the check parses."""

_WIDENING = {"VALUE_ADDED_TO_ENUM", "TYPE_ADDED_TO_UNION", "IMPLEMENTED_INTERFACE_ADDED"}
"""DANGEROUS changes about a type's possible values: they touch every operation that
reads the type, not only those naming the new value."""


_BY_TYPE = _WIDENING | {"VALUE_REMOVED_FROM_ENUM", "KEY_REMOVED"}
"""Changes that concern every operation reading the type, named or not."""

_PLANNING_ONLY = frozenset({"KEY_REMOVED", "SUBGRAPH_REMOVED"})
"""DANGEROUS changes that matter to an operation only through its plan: one that still
plans is not at risk from them (one that does not is broken, not at risk)."""
_NONE: frozenset[str] = frozenset()


class _Usage(Visitor):
    """Collects the schema coordinates an operation touches."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.used: set[str] = set()
        """Coordinates the document names: fields, arguments, enum values, types in
        type conditions and variable definitions."""
        self.reads: set[str] = set()
        """Types it reads or passes without naming them (field and argument types)."""
        self.fields: list[str | None] = []
        """Coordinates of the fields being visited (arguments belong to the innermost)."""

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.type_info.get_parent_type()
        coordinate = f"{parent.name}.{node.name.value}" if parent is not None else None
        if coordinate is not None:
            self.used.add(coordinate)
        self.fields.append(coordinate)
        output = self.type_info.get_type()
        if output is not None:
            self.reads.add(get_named_type(output).name)

    def leave_field(self, *_: object) -> None:
        self.fields.pop()

    def enter_directive(self, *_: object) -> None:
        self.fields.append(None)  # a directive's arguments are no field's

    def leave_directive(self, *_: object) -> None:
        self.fields.pop()

    def enter_argument(self, node: ArgumentNode, *_: object) -> None:
        field = self.fields[-1] if self.fields else None
        if field is not None and self.type_info.get_argument() is not None:
            self.used.add(f"{field}({node.name.value}:)")
        input_type = self.type_info.get_input_type()
        if input_type is not None:
            self.reads.add(get_named_type(input_type).name)

    def enter_named_type(self, node: NamedTypeNode, *_: object) -> None:
        self.used.add(node.name.value)

    def enter_enum_value(self, node: EnumValueNode, *_: object) -> None:
        input_type = self.type_info.get_input_type()
        if input_type is not None:
            named = get_named_type(input_type)
            if isinstance(named, GraphQLEnumType):
                self.used.add(f"{named.name}.{node.value}")

    def enter_inline_fragment(self, node: InlineFragmentNode, *_: object) -> None:
        if node.type_condition is not None:
            self.used.add(node.type_condition.name.value)

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: object) -> None:
        self.used.add(node.type_condition.name.value)


def used_coordinates(schema: GraphQLSchema, document: DocumentNode) -> tuple[set[str], set[str]]:
    """The schema coordinates a document names (types, fields, arguments, enum values),
    and the types it reads without naming them."""
    type_info = TypeInfo(schema)
    usage = _Usage(type_info)
    visit(document, TypeInfoVisitor(type_info, usage))
    return usage.used, usage.reads


def _matches(change: Change, used: set[str], reads: set[str]) -> bool:
    if change.coordinate in used:
        return True
    if change.code in _BY_TYPE:
        type_name = change.coordinate.split(".", 1)[0]
        return type_name in used or type_name in reads
    return False


def _selected(
    document: DocumentNode, operation: Operation
) -> list[tuple[str | None, DocumentNode]]:
    """The operations to check in a document, each alone with the fragments it uses
    (validation judges a whole document: one broken operation must not fail the
    others)."""
    if operation.name is not None:
        return [(operation.name, document)]
    names = [
        d.name.value if d.name else None
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]
    if len(names) < 2 or None in names:
        return [(None, document)]
    separated = separate_operations(document)
    return [(name, separated[name]) for name in names if name is not None and name in separated]


def _operation_name(document: DocumentNode, name: str | None) -> str | None:
    if name is not None:
        return name
    for d in document.definitions:
        if isinstance(d, OperationDefinitionNode):
            return d.name.value if d.name else None
    return None


def check_operations(
    current: Supergraph,
    proposed: Supergraph,
    operations: Iterable[Operation],
    changes: Sequence[Change],
    time_budget: float | None = 2.0,
) -> OperationsResult:
    """Check each operation against the proposal (see the module docstring)."""
    old_planner = QueryPlanner(current, cache_size=64, time_budget=time_budget)
    new_planner = QueryPlanner(proposed, cache_size=64, time_budget=time_budget)
    checked = skipped = 0
    broken: list[BrokenOperation] = []
    at_risk: list[BrokenOperation] = []
    for operation in operations:
        try:
            document = parse(operation.document, max_tokens=MAX_TOKENS)
        except (GraphQLError, RecursionError):
            skipped += 1
            continue
        for name, alone in _selected(document, operation):
            outcome = _check_one(old_planner, new_planner, alone, name, operation, changes)
            if outcome is None:
                skipped += 1
                continue
            checked += 1
            if outcome.failure == "dangerous":
                at_risk.append(outcome)
            elif outcome.failure != "ok":
                broken.append(outcome)
    order = _by_requests
    return OperationsResult(
        checked, skipped, tuple(sorted(broken, key=order)), tuple(sorted(at_risk, key=order))
    )


def _by_requests(op: BrokenOperation) -> tuple[int, str]:
    return (-(op.requests or 0), op.name or "")


def _check_one(
    old_planner: QueryPlanner,
    new_planner: QueryPlanner,
    document: DocumentNode,
    name: str | None,
    operation: Operation,
    changes: Sequence[Change],
) -> BrokenOperation | None:
    """The operation's outcome: None when it does not work on the current graph."""
    try:
        old_planner.prepare(document, name)
    except (OperationValidationError, RecursionError):
        return None
    try:
        used, reads = used_coordinates(old_planner.supergraph.api_schema, document)
    except RecursionError:
        return None

    def result(
        failure: str, severities: set[Severity], errors: Sequence[str], skip: frozenset[str] = _NONE
    ) -> BrokenOperation:
        fields = sorted(
            {
                c.coordinate
                for c in changes
                if c.severity in severities and c.code not in skip and _matches(c, used, reads)
            }
        )
        return BrokenOperation(
            _operation_name(document, name),
            operation.source,
            operation.requests,
            failure,
            tuple(fields),
            tuple(errors),
        )

    try:
        new_planner.prepare(document, name)
    except OperationValidationError as exc:
        return result("validation", {Severity.BREAKING}, [e.message for e in exc.errors])
    except RecursionError:
        return None
    try:
        new_planner.plan(document, name)
    except PlanningError as exc:
        try:
            old_planner.plan(document, name)
        except PlanningError:
            return None  # it did not plan before either
        return result("planning", {Severity.BREAKING, Severity.DANGEROUS}, [str(exc)])
    risky = result("dangerous", {Severity.DANGEROUS}, [], _PLANNING_ONLY)
    return risky if risky.fields else result("ok", set(), [])
