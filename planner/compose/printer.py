"""Printing the merged schema as a supergraph SDL.

Output follows the supergraph format of Apollo's composition (core schema with
``@link`` to link v1.0 and join v0.3, ``for: EXECUTION``; ``@inaccessible`` /
``@tag`` linked only when used; directive definitions, then types sorted by name
case-insensitively; join directives one per line under each type). The join spec
defines the arguments printed here; defaults (``extension: false``...) are omitted."""

from __future__ import annotations

from graphql import print_ast
from graphql.language.block_string import print_block_string
from graphql.language.print_string import print_string

from planner.specs import (
    AUTHENTICATED,
    INACCESSIBLE,
    JOIN,
    LINK,
    LINK_DIRECTIVE_DEFINITION,
    LINK_IMPORT_DEFINITION,
    LINK_PURPOSE_DEFINITION,
    REQUIRES_SCOPES,
    TAG,
    link_application,
)

from .merged import JoinField, JoinType, MergedApplied, MergedArgument, MergedSchema, MergedType

JOIN_DIRECTIVES = [
    "directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE",
    "directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: "
    "join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: "
    "Boolean{label}) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION",
    "directive @join__graph(name: String!, url: String!) on ENUM_VALUE",
    "directive @join__implements(graph: join__Graph!, interface: String!) repeatable on "
    "OBJECT | INTERFACE",
    "directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = "
    "false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on "
    "OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR",
    "directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION",
]
AUTHENTICATED_DIRECTIVE = (
    "directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"
)
REQUIRES_SCOPES_DIRECTIVE = (
    "directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | "
    "OBJECT | INTERFACE | SCALAR | ENUM"
)
INACCESSIBLE_DIRECTIVE = (
    "directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | "
    "ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)
TAG_DIRECTIVE = (
    "directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | "
    "UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | "
    "INPUT_FIELD_DEFINITION | SCHEMA"
)


def _all_applied(schema: MergedSchema) -> list[MergedApplied]:
    result: list[MergedApplied] = []
    for typedef in schema.types.values():
        result.append(typedef.applied)
        for field in typedef.fields.values():
            result.append(field.applied)
            result += [a.applied for a in field.args.values()]
        result += [v.applied for v in typedef.values.values()]
    return result


def _uses_labels(schema: MergedSchema) -> bool:
    return any(
        j.override_label for t in schema.types.values() for f in t.fields.values() for j in f.joins
    )


def print_supergraph(schema: MergedSchema) -> str:
    applied = _all_applied(schema)
    uses_inaccessible = any(a.inaccessible for a in applied)
    uses_tag = any(a.tags for a in applied)
    labels = _uses_labels(schema)
    join_version = "v0.4" if labels else "v0.3"
    links = [
        link_application(LINK, "v1.0"),
        link_application(JOIN, join_version, "EXECUTION"),
    ]
    if uses_inaccessible:
        links.append(link_application(INACCESSIBLE, "v0.2", "SECURITY"))
    if uses_tag:
        links.append(link_application(TAG, "v0.3"))
    uses_authenticated = any(a.authenticated for a in applied)
    uses_scopes = any(a.requires_scopes for a in applied)
    if uses_authenticated:
        links.append(link_application(AUTHENTICATED, "v0.1", "SECURITY"))
    if uses_scopes:
        links.append(link_application(REQUIRES_SCOPES, "v0.1", "SECURITY"))
    links += [f"@link({args})" for args in schema.composed_links]
    parts: list[str] = []
    header = "schema\n" + "".join(f"  {link}\n" for link in links) + "{\n"
    header += "".join(f"  {op}: {name}\n" for op, name in schema.roots.items()) + "}"
    parts.append(header)
    directives = list(schema.composed_directive_defs)
    if uses_inaccessible:
        directives.append(INACCESSIBLE_DIRECTIVE)
    directives += [
        d.replace("{label}", ", overrideLabel: String" if labels else "") for d in JOIN_DIRECTIVES
    ]
    directives.append(LINK_DIRECTIVE_DEFINITION)
    if uses_tag:
        directives.append(TAG_DIRECTIVE)
    if uses_authenticated:
        directives.append(AUTHENTICATED_DIRECTIVE)
    if uses_scopes:
        directives.append(REQUIRES_SCOPES_DIRECTIVE)
    parts += sorted(directives, key=lambda d: d.split("(")[0].split(" ")[1].lower())
    blocks: dict[str, str] = {name: _print_type(t) for name, t in schema.types.items()}
    blocks["join__FieldSet"] = "scalar join__FieldSet"
    blocks["join__Graph"] = (
        "enum join__Graph {\n"
        + "".join(
            f"  {graph} @join__graph(name: {print_string(name)}, url: {print_string(url)})\n"
            for graph, (name, url) in schema.graph_enum.items()
        )
        + "}"
    )
    if uses_scopes:
        blocks["requiresScopes__Scope"] = "scalar requiresScopes__Scope"
    blocks["link__Import"] = LINK_IMPORT_DEFINITION
    blocks["link__Purpose"] = LINK_PURPOSE_DEFINITION
    parts += [blocks[name] for name in sorted(blocks, key=lambda n: (n.lower(), n))]
    return "\n\n".join(parts)


def _description(text: str | None, indent: str, first: bool = True) -> str:
    if text is None:
        return ""
    block = print_block_string(text)
    return ("" if first else "\n") + "".join(
        f"{indent}{line}\n" if line else "\n" for line in block.split("\n")
    )


def _applied(applied: MergedApplied) -> list[str]:
    result: list[str] = []
    if applied.deprecated:
        if (
            applied.deprecation_reason is None
            or applied.deprecation_reason == "No longer supported"
        ):
            result.append("@deprecated")
        else:
            result.append(f"@deprecated(reason: {print_string(applied.deprecation_reason)})")
    if applied.specified_by is not None:
        result.append(f"@specifiedBy(url: {print_string(applied.specified_by)})")
    if applied.inaccessible:
        result.append("@inaccessible")
    result += [f"@tag(name: {print_string(tag)})" for tag in applied.tags]
    if applied.authenticated:
        result.append("@authenticated")
    if applied.requires_scopes:
        groups = ", ".join(
            "[" + ", ".join(print_string(scope) for scope in group) + "]"
            for group in applied.requires_scopes
        )
        result.append(f"@requiresScopes(scopes: [{groups}])")
    result += [print_ast(d) for d in applied.composed]
    return result


def _join_type(join: JoinType) -> str:
    args = [f"graph: {join.graph}"]
    if join.key is not None:
        args.append(f"key: {print_string(join.key)}")
    if join.extension:
        args.append("extension: true")
    if join.resolvable is not None:
        args.append(f"resolvable: {'true' if join.resolvable else 'false'}")
    if join.is_interface_object:
        args.append("isInterfaceObject: true")
    return f"@join__type({', '.join(args)})"


def _join_field(join: JoinField) -> str:
    if join.graph is None:
        return "@join__field"
    args = [f"graph: {join.graph}"]
    if join.requires is not None:
        args.append(f"requires: {print_string(join.requires)}")
    if join.provides is not None:
        args.append(f"provides: {print_string(join.provides)}")
    if join.type is not None:
        args.append(f"type: {print_string(join.type)}")
    if join.external:
        args.append("external: true")
    if join.override is not None:
        args.append(f"override: {print_string(join.override)}")
    if join.used_overridden:
        args.append("usedOverridden: true")
    if join.override_label is not None:
        args.append(f"overrideLabel: {print_string(join.override_label)}")
    return f"@join__field({', '.join(args)})"


def _arguments(args: dict[str, MergedArgument]) -> str:
    if not args:
        return ""
    printed = []
    for arg in args.values():
        text = f"{arg.name}: {arg.type}"
        if arg.default is not None:
            text += f" = {print_ast(arg.default)}"
        text += "".join(f" {d}" for d in _applied(arg.applied))
        printed.append(text)
    if any(a.description for a in args.values()):
        lines: list[str] = []
        for arg, text in zip(args.values(), printed, strict=True):
            lines.append(_description(arg.description, "    ", not lines) + f"    {text}")
        return "(\n" + "\n".join(lines) + "\n  )"
    return "(" + ", ".join(printed) + ")"


def _print_type(typedef: MergedType) -> str:
    keyword = {
        "OBJECT": "type",
        "INTERFACE": "interface",
        "UNION": "union",
        "ENUM": "enum",
        "INPUT_OBJECT": "input",
        "SCALAR": "scalar",
    }[typedef.kind]
    head = _description(typedef.description, "") + f"{keyword} {typedef.name}"
    if typedef.interfaces:
        head += " implements " + " & ".join(typedef.interfaces)
    directives = [f'@join__implements(graph: {g}, interface: "{i}")' for g, i in typedef.implements]
    directives += [_join_type(j) for j in typedef.joins]
    directives += [
        f'@join__unionMember(graph: {g}, member: "{m}")' for g, m in typedef.union_members
    ]
    directives += _applied(typedef.applied)
    head += "".join(f"\n  {d}" for d in directives)
    if typedef.kind == "UNION":
        return head + "\n = " + " | ".join(typedef.members)
    if typedef.kind == "SCALAR":
        return head
    lines: list[str] = []
    if typedef.kind == "ENUM":
        for value in typedef.values.values():
            extra = _applied(value.applied) + [
                f"@join__enumValue(graph: {g})" for g in value.graphs
            ]
            lines.append(
                _description(value.description, "  ", not lines)
                + f"  {value.name}"
                + "".join(f" {d}" for d in extra)
            )
    else:
        for field in typedef.fields.values():
            text = f"  {field.name}{_arguments(field.args)}: {field.type}"
            if field.default is not None:
                text += f" = {print_ast(field.default)}"
            extra = _applied(field.applied) + [_join_field(j) for j in field.joins]
            lines.append(
                _description(field.description, "  ", not lines)
                + text
                + "".join(f" {d}" for d in extra)
            )
    body = "\n".join(lines)
    return f"{head}\n{{\n{body}\n}}" if directives else f"{head} {{\n{body}\n}}"
