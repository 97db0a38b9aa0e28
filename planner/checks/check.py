"""The check itself: compose the proposed subgraphs, diff the proposal against the
current supergraph, and check operations against it. No I/O: the caller reads
files, the registry or HTTP, and passes text in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from planner.checks.federation_diff import federation_changes
from planner.checks.model import SEVERITY_ORDER, Change, CheckReport, Operation
from planner.checks.operations import check_operations
from planner.checks.schema_diff import api_changes
from planner.compose import CompositionError, Subgraph, compose
from planner.errors import SupergraphError
from planner.supergraph import Supergraph


def diff_supergraphs(current: Supergraph, proposed: Supergraph) -> list[Change]:
    """Every classified change from ``current`` to ``proposed``: the API schema's
    (graphql-core) and the join metadata's, most severe first."""
    changes = api_changes(current.api_schema, proposed.api_schema)
    changes += federation_changes(current, proposed)
    return sorted(changes, key=lambda c: (SEVERITY_ORDER[c.severity], c.kind, c.coordinate))


def check_supergraphs(
    current: Supergraph,
    proposed: Supergraph,
    operations: Iterable[Operation] | None = None,
    *,
    strict: bool = False,
    subgraphs: Sequence[str] = (),
    time_budget: float | None = 2.0,
) -> CheckReport:
    """Check an already composed proposal. ``operations`` None = schema-level only."""
    changes = diff_supergraphs(current, proposed)
    result = None
    if operations is not None:
        result = check_operations(current, proposed, operations, changes, time_budget)
    return CheckReport(
        changes=tuple(changes),
        operations=result,
        strict=strict,
        subgraphs=tuple(subgraphs),
        supergraph_sdl=proposed.sdl,
    )


def check_subgraphs(
    current: Supergraph,
    proposed: Sequence[Subgraph],
    operations: Iterable[Operation] | None = None,
    *,
    strict: bool = False,
    subgraphs: Sequence[str] = (),
    time_budget: float | None = 2.0,
) -> CheckReport:
    """Compose ``proposed`` (the whole set) and check it against ``current``.

    A proposal that does not compose gives a report with the composition errors
    (and no diff: there is nothing to compare)."""
    result = compose(list(proposed))
    if result.errors or result.supergraph_sdl is None:
        return CheckReport(
            composition_errors=tuple(result.errors),
            composition_hints=tuple(result.hints),
            strict=strict,
            subgraphs=tuple(subgraphs),
        )
    try:
        new = Supergraph.parse(result.supergraph_sdl)
    except SupergraphError as exc:
        error = CompositionError("INVALID_SUPERGRAPH", str(exc))
        return CheckReport(composition_errors=(error,), strict=strict, subgraphs=tuple(subgraphs))
    report = check_supergraphs(
        current,
        new,
        operations,
        strict=strict,
        subgraphs=subgraphs,
        time_budget=time_budget,
    )
    return CheckReport(
        composition_hints=tuple(result.hints),
        changes=report.changes,
        operations=report.operations,
        strict=strict,
        subgraphs=report.subgraphs,
        supergraph_sdl=report.supergraph_sdl,
    )


def replace_subgraphs(
    subgraphs: Sequence[Subgraph], replacements: Mapping[str, Subgraph]
) -> list[Subgraph]:
    """The set with each named subgraph replaced (or added when it is new)."""
    result = [replacements.get(s.name, s) for s in subgraphs]
    known = {s.name for s in subgraphs}
    result += [s for name, s in sorted(replacements.items()) if name not in known]
    return result
