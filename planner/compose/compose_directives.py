"""``@composeDirective``: carrying custom type-system directives into the supergraph.

Federation spec (v2.1+): a subgraph that ``@link``s a custom spec and lists a
directive in ``@composeDirective(name: "@x")`` gets that directive's applications
kept in the supergraph, with the spec's ``@link`` and the directive definition.
Names must be imported through a ``@link`` (``DIRECTIVE_COMPOSITION_ERROR``)."""

from __future__ import annotations

from graphql import print_ast

from planner.specs import print_link_arguments

from .context import MergeContext


def merge_compose_directives(ctx: MergeContext) -> None:
    links: list[str] = []
    defs: dict[str, str] = {}
    for subgraph in ctx.subgraphs:
        for name in subgraph.compose_directives:
            link = next(
                (
                    args
                    for args in subgraph.links
                    if any(
                        (isinstance(i, str) and i == f"@{name}")
                        or (isinstance(i, dict) and i.get("as", i.get("name")) == f"@{name}")
                        for i in args.get("import") or ()
                    )
                ),
                None,
            )
            if link is None or "url" not in link:
                ctx.collector.error(
                    "DIRECTIVE_COMPOSITION_ERROR",
                    f'Directive "@{name}" in subgraph "{subgraph.name}" cannot be composed '
                    "because it is not a member of a core feature",
                    [subgraph.name],
                    [f"@{name}"],
                )
                continue
            printed = print_link_arguments(link)
            if printed not in links:
                links.append(printed)
            definition = subgraph.directive_defs.get(name)
            if definition is not None and name not in defs:
                defs[name] = print_ast(definition)
    ctx.merged.composed_links = links
    ctx.merged.composed_directive_defs = list(defs.values())
