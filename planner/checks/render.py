"""A `CheckReport` as text for a terminal and as Markdown for a pull-request comment
(its JSON form is `CheckReport.to_json`)."""

from __future__ import annotations

from planner.checks.model import BrokenOperation, CheckReport, Severity

_MARK = {Severity.BREAKING: "🔴", Severity.DANGEROUS: "🟠", Severity.SAFE: "🟢"}


def _title(report: CheckReport) -> str:
    target = ", ".join(report.subgraphs) if report.subgraphs else "the supergraph"
    verdict = "PASSED" if report.passed else "FAILED"
    return f"Schema check for {target}: {verdict}"


def _summary(report: CheckReport) -> str:
    text = (
        f"{report.count(Severity.BREAKING)} breaking, {report.count(Severity.DANGEROUS)} "
        f"dangerous, {report.count(Severity.SAFE)} safe change(s)"
    )
    ops = report.operations
    if ops is None:
        return text + "; no operations checked (schema-level check)"
    return (
        text + f"; {ops.checked} operation(s) checked, {len(ops.broken)} broken, "
        f"{len(ops.at_risk)} at risk, {ops.skipped} skipped"
    )


def _operation_line(op: BrokenOperation) -> str:
    name = op.name or "(anonymous)"
    where = f" [{op.source}]" if op.source else ""
    requests = f", {op.requests} request(s)" if op.requests is not None else ""
    fields = f" — uses {', '.join(op.fields)}" if op.fields else ""
    return f"{name}{where}: {op.failure}{requests}{fields}"


def render_text(report: CheckReport) -> str:
    lines = [_title(report), _summary(report)]
    if report.composition_errors:
        lines.append("")
        lines.append("Composition errors:")
        for error in report.composition_errors:
            subgraphs = ",".join(error.subgraphs) or "-"
            lines.append(f"  {error.code} subgraph={subgraphs}: {' '.join(error.message.split())}")
    if report.changes:
        lines.append("")
        lines.append("Changes:")
        for change in report.changes:
            lines.append(f"  {change.severity.value:<9} {change.code}: {change.message}")
    ops = report.operations
    if ops is not None and ops.broken:
        lines.append("")
        lines.append("Broken operations:")
        for op in ops.broken:
            lines.append(f"  {_operation_line(op)}")
            lines.extend(f"      {' '.join(e.split())}" for e in op.errors)
    if ops is not None and ops.at_risk:
        lines.append("")
        lines.append("Operations at risk (still valid):")
        lines.extend(f"  {_operation_line(op)}" for op in ops.at_risk)
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Markdown table cell text: one line, pipes escaped, backticks made harmless."""
    return " ".join(text.split()).replace("|", "\\|").replace("`", "'")


def render_markdown(report: CheckReport) -> str:
    icon = "✅" if report.passed else "❌"
    lines = [f"### {icon} {_title(report)}", "", _summary(report) + "."]
    if report.composition_errors:
        lines += [
            "",
            "#### Composition errors",
            "",
            "| Code | Subgraphs | Message |",
            "|---|---|---|",
        ]
        for error in report.composition_errors:
            lines.append(
                f"| `{error.code}` | {_cell(', '.join(error.subgraphs) or '-')} "
                f"| {_cell(error.message)} |"
            )
    if report.changes:
        lines += ["", "#### Changes", "", "| | Severity | Change | Element |", "|---|---|---|---|"]
        for change in report.changes:
            lines.append(
                f"| {_MARK[change.severity]} | {change.severity.value} | {_cell(change.message)} "
                f"| `{_cell(change.coordinate)}` |"
            )
    ops = report.operations
    if ops is not None and (ops.broken or ops.at_risk):
        lines += [
            "",
            "#### Affected operations",
            "",
            "| Operation | Failure | Requests | Uses | Detail |",
            "|---|---|---|---|---|",
        ]
        for op in (*ops.broken, *ops.at_risk):
            lines.append(
                f"| `{_cell(op.name or '(anonymous)')}` | {op.failure} "
                f"| {'' if op.requests is None else op.requests} "
                f"| {_cell(', '.join(op.fields))} | {_cell('; '.join(op.errors))} |"
            )
    return "\n".join(lines) + "\n"
