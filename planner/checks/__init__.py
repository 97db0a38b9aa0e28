"""Schema checks: is a proposed subgraph change safe to ship?

    from planner.checks import check_subgraphs, Operation, render_markdown

    report = check_subgraphs(current_supergraph, proposed_subgraphs, operations)
    report.passed                     # the verdict (see CheckReport)
    report.changes                    # Change(severity, code, coordinate, message, kind)
    report.operations.broken          # BrokenOperation(name, failure, fields, ...)
    report.to_json(); render_text(report); render_markdown(report)

Like the rest of the planner: no I/O. The ``planner check`` command and the
registry's admin API read files, HTTP and the database, and pass text in."""

from planner.checks.check import (
    check_subgraphs,
    check_supergraphs,
    diff_supergraphs,
    replace_subgraphs,
)
from planner.checks.extract import extract_subgraphs
from planner.checks.model import (
    BrokenOperation,
    Change,
    CheckReport,
    Operation,
    OperationsResult,
    Severity,
)
from planner.checks.render import render_markdown, render_text

__all__ = [
    "BrokenOperation",
    "Change",
    "CheckReport",
    "Operation",
    "OperationsResult",
    "Severity",
    "check_subgraphs",
    "check_supergraphs",
    "diff_supergraphs",
    "extract_subgraphs",
    "render_markdown",
    "render_text",
    "replace_subgraphs",
]
