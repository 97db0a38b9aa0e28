"""Executable directive definitions (``directive @lowercase on FIELD``).

Federation composition rule: an executable directive reaches the supergraph — so that
clients may use it and the router forwards it — only when every subgraph defines it;
its locations are the executable locations common to all subgraphs, its arguments
those common to all (merged as inputs), and it is repeatable only if repeatable
everywhere. Otherwise it is dropped with an ``INCONSISTENT_EXECUTABLE_DIRECTIVE_*``
hint."""

from __future__ import annotations

from graphql import print_ast

from .context import MergeContext
from .merge_fields import merge_type_reference
from .typeref import TypeRef

EXECUTABLE_LOCATIONS = (
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
)


def merge_executable_directives(ctx: MergeContext) -> list[str]:
    """Printed definitions of the executable directives to put in the supergraph."""
    names: list[str] = []
    for subgraph in ctx.subgraphs:
        for name, definition in subgraph.directive_defs.items():
            if name in names or name in ctx.composed_directives:
                continue
            if any(loc.value in EXECUTABLE_LOCATIONS for loc in definition.locations):
                names.append(name)
    printed: list[str] = []
    for name in names:
        definitions = [s.directive_defs.get(name) for s in ctx.subgraphs]
        missing = [ctx.names[i] for i, d in enumerate(definitions) if d is None]
        if missing:
            ctx.collector.hint(
                "INCONSISTENT_EXECUTABLE_DIRECTIVE_PRESENCE",
                f'Executable directive "@{name}" will not be part of the supergraph as it '
                f"does not appear in all subgraphs: it is missing in {', '.join(missing)}",
                missing,
                [f"@{name}"],
            )
            continue
        present = [d for d in definitions if d is not None]
        locations = [
            loc
            for loc in EXECUTABLE_LOCATIONS
            if all(loc in {node.value for node in d.locations} for d in present)
        ]
        if not locations:
            ctx.collector.hint(
                "NO_EXECUTABLE_DIRECTIVE_LOCATIONS_INTERSECTION",
                f'Executable directive "@{name}" has no location that it is marked with in '
                "all subgraphs; it will not be part of the supergraph.",
                ctx.names,
                [f"@{name}"],
            )
            continue
        args: list[str] = []
        arg_names = {a.name.value for a in present[0].arguments or ()}
        for definition in present[1:]:
            arg_names &= {a.name.value for a in definition.arguments or ()}
        for arg in present[0].arguments or ():
            if arg.name.value not in arg_names:
                continue
            nodes = [
                next(a for a in d.arguments or () if a.name.value == arg.name.value)
                for d in present
            ]
            merged, _ = merge_type_reference(
                ctx,
                [(i, TypeRef.from_node(n.type)) for i, n in enumerate(nodes)],
                f"@{name}({arg.name.value}:)",
                True,
                "ARGUMENT_TYPE_MISMATCH",
            )
            if merged is None:
                continue
            text = f"{arg.name.value}: {merged}"
            if arg.default_value is not None:
                text += f" = {print_ast(arg.default_value)}"
            args.append(text)
        repeatable = " repeatable" if all(d.repeatable for d in present) else ""
        signature = f"({', '.join(args)})" if args else ""
        printed.append(f"directive @{name}{signature}{repeatable} on {' | '.join(locations)}")
    return printed
