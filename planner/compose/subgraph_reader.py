"""Reading one subgraph SDL into the model composition works on.

Implements the subgraph side of the Apollo Federation specification:

* Federation 2 schemas opt in with ``@link(url: ".../federation/v2.x", import: [...])``;
  imported directives may be renamed (``{name: "@key", as: "@primaryKey"}``) and the
  others are reachable as ``@federation__key`` (or ``@<as>__key``).
* Federation 1 schemas have no such link: their directive names are fixed, and the
  "schema upgrade" Apollo applies to them is reproduced (fed1_upgrade.py: ``extend type`` is a plain
  definition, ``@external`` on interfaces / object types is dropped, unused externals
  are removed, every field is implicitly shareable).
* The federation machinery a subgraph may or may not print (``_Any``, ``_Entity``,
  ``_Service``, ``_service``, ``_entities``, directive definitions, ``link__*``) is
  stripped so both styles read the same.
* Root types renamed through ``schema { query: RootQuery }`` are normalised to
  ``Query``/``Mutation``/``Subscription``.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, Visitor, parse, value_from_ast_untyped, visit
from graphql.language import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    EnumValueDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
)

from planner.specs import (
    FEDERATION,
    FEDERATION_MAJOR,
    FEDERATION_MAX_MINOR,
    INACCESSIBLE,
    LINK,
    TAG,
    parse_import,
    parse_spec_url,
)

from .fed1_upgrade import upgrade_fed1
from .model import ErrorCollector
from .subgraph import (
    ROOT_NAMES,
    Applied,
    Argument,
    EnumValue,
    Field,
    Key,
    SubgraphSchema,
    TypeDef,
    combine_scopes,
)
from .typeref import TypeRef

#: Federation directives, by canonical name.
FEDERATION_DIRECTIVES = (
    "key",
    "external",
    "requires",
    "provides",
    "extends",
    "shareable",
    "inaccessible",
    "tag",
    "override",
    "interfaceObject",
    "composeDirective",
    "authenticated",
    "requiresScopes",
    "policy",
    "context",
    "fromContext",
    "cost",
    "listSize",
)
#: The federation spec version (minor of v2.x) that introduced each directive.
DIRECTIVE_SINCE = {
    "composeDirective": 1,
    "interfaceObject": 3,
    "authenticated": 5,
    "requiresScopes": 5,
    "policy": 6,
    "context": 8,
    "fromContext": 8,
    "cost": 9,
    "listSize": 9,
}
FED1_DIRECTIVES = ("key", "external", "requires", "provides", "extends", "tag", "inaccessible")

#: Types and fields that are federation machinery, never part of the merged schema.
MACHINERY_TYPES = {
    "_Any",
    "_Entity",
    "_Service",
    "_FieldSet",
    "federation__FieldSet",
    "federation__Scope",
    "federation__Policy",
    "federation__ContextFieldValue",
    "link__Import",
    "link__Purpose",
}
MACHINERY_ROOT_FIELDS = {"_service", "_entities"}
BUILTIN_DIRECTIVES = {"deprecated", "specifiedBy", "skip", "include", "oneOf"}


def _args(node: DirectiveNode) -> dict[str, Any]:
    return {arg.name.value: value_from_ast_untyped(arg.value) for arg in node.arguments or ()}


def _describe(node: Any) -> str | None:
    desc = getattr(node, "description", None)
    return desc.value if desc is not None else None


class _Reader:
    """Builds a `SubgraphSchema` from a parsed document, reporting problems."""

    def __init__(self, name: str, url: str, sdl: str, collector: ErrorCollector) -> None:
        self.name = name
        self.url = url
        self.sdl = sdl
        self.collector = collector
        self.ok = True
        # local directive name -> canonical federation name
        self.fed_names: dict[str, str] = {}
        self.fed2 = False

    def fail(self, code: str, message: str, elements: tuple[str, ...] = ()) -> None:
        self.ok = False
        self.collector.error(code, f"[{self.name}] {message}", (self.name,), elements)

    # -- links -------------------------------------------------------------------------
    def read_links(self, schema_nodes: list[Any]) -> list[dict[str, Any]]:
        others: list[dict[str, Any]] = []
        link_names = {LINK}
        for node in schema_nodes:
            for directive in node.directives or ():
                if directive.name.value not in link_names:
                    continue
                args = _args(directive)
                url = str(args.get("url", ""))
                spec = parse_spec_url(url)
                if spec is not None and spec.name == FEDERATION:
                    major, minor = spec.major, spec.minor
                    if major != FEDERATION_MAJOR or minor > FEDERATION_MAX_MINOR:
                        self.fail(
                            "UNKNOWN_FEDERATION_LINK_VERSION",
                            f"Invalid version v{major}.{minor} for the federation feature in @link "
                            f'direction: "{url}"',
                        )
                    self.fed2 = True
                    available = tuple(
                        d for d in FEDERATION_DIRECTIVES if DIRECTIVE_SINCE.get(d, 0) <= minor
                    )
                    self.map_imports(args, "federation", available, url)
                    continue
                if spec is not None and spec.name in (INACCESSIBLE, TAG):
                    self.map_imports(args, spec.name, (spec.name,), url)
                    continue
                if spec is not None and spec.name == LINK:
                    continue
                others.append(args)
        return others

    def map_imports(
        self, args: dict[str, Any], default_prefix: str, known: tuple[str, ...], url: str
    ) -> None:
        prefix = str(args.get("as") or default_prefix)
        imported: dict[str, str] = {}
        for item in args.get("import") or ():
            parsed = parse_import(item)
            if parsed is None:
                self.fail("INVALID_LINK_IMPORT", f"Invalid @link import {item!r}")
                continue
            original, alias = parsed
            if not original.startswith("@"):
                continue  # a type import such as FieldSet
            canonical = original[1:]
            if canonical not in known:
                self.fail(
                    "INVALID_LINK_IMPORT",
                    f'Cannot import unknown element "{original}" from "{url}".',
                    (original,),
                )
                continue
            imported[canonical] = alias.lstrip("@")
        for canonical in known:
            local = imported.get(canonical)
            if local is None:
                local = (
                    canonical
                    if prefix == canonical and canonical in known and len(known) == 1
                    else f"{prefix}__{canonical}"
                )
            self.fed_names[local] = canonical

    # -- directives on elements ------------------------------------------------------------
    def fed(self, directive: DirectiveNode) -> str | None:
        return self.fed_names.get(directive.name.value)

    def applied(self, directives: Any, coordinate: str) -> Applied:
        result = Applied()
        for directive in directives or ():
            canonical = self.fed(directive)
            name = directive.name.value
            if canonical == "inaccessible":
                result.inaccessible = True
            elif canonical == "tag":
                tag = _args(directive).get("name")
                if not isinstance(tag, str):
                    self.fail("INVALID_GRAPHQL", f'@tag on "{coordinate}" needs a name')
                elif tag not in result.tags:
                    result.tags.append(tag)
            elif canonical == "authenticated":
                result.authenticated = True
            elif canonical == "requiresScopes":
                scopes = _args(directive).get("scopes")
                if not isinstance(scopes, list) or not all(
                    isinstance(group, list) and all(isinstance(s, str) for s in group)
                    for group in scopes
                ):
                    self.fail(
                        "INVALID_GRAPHQL",
                        f'@requiresScopes on "{coordinate}" needs scopes: [[String!]!]!',
                    )
                else:
                    result.requires_scopes = combine_scopes(
                        result.requires_scopes, [tuple(group) for group in scopes]
                    )
            elif canonical is None and name == "deprecated":
                result.deprecated = True
                reason = _args(directive).get("reason")
                result.deprecation_reason = reason if isinstance(reason, str) else None
            elif canonical is None and name == "specifiedBy":
                url = _args(directive).get("url")
                result.specified_by = url if isinstance(url, str) else None
            elif canonical is None and name not in BUILTIN_DIRECTIVES:
                result.composed.append(directive)
        return result

    # -- reading -------------------------------------------------------------------------
    def read(self) -> SubgraphSchema | None:
        try:
            document = parse(self.sdl)
        except GraphQLError as exc:
            self.fail("INVALID_GRAPHQL", f"Invalid SDL: {exc.message}")
            return None
        definitions: list[DefinitionNode] = list(document.definitions)
        schema_nodes = [
            d for d in definitions if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode)
        ]
        links = self.read_links(schema_nodes)
        if not self.fed2:
            for canonical in FED1_DIRECTIVES:
                self.fed_names[canonical] = canonical
        self.check_directive_names(document)
        if not self.ok:
            return None
        schema = SubgraphSchema(self.name, self.url, self.fed2, links=links)
        for node in schema_nodes:
            for directive in node.directives or ():
                if self.fed(directive) == "composeDirective":
                    name = _args(directive).get("name")
                    if isinstance(name, str):
                        schema.compose_directives.append(name.lstrip("@"))
            for op in node.operation_types or ():
                schema.roots[op.operation.value] = op.type.name.value
        for definition in definitions:
            if isinstance(definition, DirectiveDefinitionNode):
                name = definition.name.value
                if name in self.fed_names or name in {"link"} or name in BUILTIN_DIRECTIVES:
                    continue
                if name.startswith(("federation__", "link__")):
                    continue
                schema.directive_defs[name] = definition
            elif isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
                self.read_type(schema, definition)
            elif not isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
                self.fail(
                    "INVALID_GRAPHQL",
                    f"Executable definitions are not allowed in a subgraph schema "
                    f"({definition.kind})",
                )
        if not self.ok:
            return None
        self.strip_machinery(schema)
        self.normalise_roots(schema)
        self.check_references(schema)
        if not self.fed2:
            upgrade_fed1(schema)
        return schema if self.ok else None

    def check_directive_names(self, document: DocumentNode) -> None:
        """Every applied directive must be a federation one (as imported), a built-in,
        or defined in the document."""
        defined = {
            d.name.value for d in document.definitions if isinstance(d, DirectiveDefinitionNode)
        }
        known = set(self.fed_names) | defined | BUILTIN_DIRECTIVES | {"link"}
        unknown: dict[str, None] = {}

        class Collect(Visitor):
            def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
                if node.name.value not in known:
                    unknown[node.name.value] = None

        visit(document, Collect())
        for name in unknown:
            message = f'Unknown directive "@{name}".'
            if name in FEDERATION_DIRECTIVES:
                if self.fed2:
                    message += (
                        f' If you meant the federation directive "@{name}", import it in the '
                        'federation @link (import: [..., "@' + name + '"]).'
                    )
                else:
                    message += (
                        f' "@{name}" is a Federation 2 directive: link the federation v2 spec '
                        "with extend schema @link(...) to use it."
                    )
            self.fail("INVALID_GRAPHQL", message, (f"@{name}",))

    def read_type(self, schema: SubgraphSchema, node: Any) -> None:
        name = node.name.value
        kind = {
            ObjectTypeDefinitionNode: "OBJECT",
            ObjectTypeExtensionNode: "OBJECT",
            InterfaceTypeDefinitionNode: "INTERFACE",
            InterfaceTypeExtensionNode: "INTERFACE",
            UnionTypeDefinitionNode: "UNION",
            UnionTypeExtensionNode: "UNION",
            EnumTypeDefinitionNode: "ENUM",
            EnumTypeExtensionNode: "ENUM",
            InputObjectTypeDefinitionNode: "INPUT_OBJECT",
            InputObjectTypeExtensionNode: "INPUT_OBJECT",
            ScalarTypeDefinitionNode: "SCALAR",
            ScalarTypeExtensionNode: "SCALAR",
        }[type(node)]
        is_extension = isinstance(node, TypeExtensionNode)
        typedef = schema.types.get(name)
        if typedef is None:
            typedef = TypeDef(name, kind)
            schema.types[name] = typedef
        elif typedef.kind != kind:
            self.fail(
                "INVALID_GRAPHQL",
                f'Type "{name}" is defined as both {typedef.kind} and {kind}',
                (name,),
            )
            return
        if is_extension:
            typedef.has_extension = True
        else:
            if typedef.has_definition:
                self.fail("INVALID_GRAPHQL", f'There can be only one type named "{name}".', (name,))
                return
            typedef.has_definition = True
            typedef.description = _describe(node)
        applied = self.applied(node.directives, name)
        typedef.applied.inaccessible |= applied.inaccessible
        typedef.applied.tags += [t for t in applied.tags if t not in typedef.applied.tags]
        typedef.applied.composed += applied.composed
        typedef.applied.specified_by = typedef.applied.specified_by or applied.specified_by
        for directive in node.directives or ():
            canonical = self.fed(directive)
            args = _args(directive)
            if canonical == "key":
                fields = args.get("fields")
                if not isinstance(fields, str):
                    self.fail(
                        "KEY_INVALID_FIELDS", f'@key on "{name}" needs a fields string', (name,)
                    )
                    continue
                resolvable = args.get("resolvable")
                typedef.keys.append(
                    Key(fields, resolvable if isinstance(resolvable, bool) else None, is_extension)
                )
            elif canonical == "extends":
                typedef.extends = True
            elif canonical == "shareable":
                typedef.shareable = True
            elif canonical == "external":
                typedef.external = True
            elif canonical == "interfaceObject":
                typedef.interface_object = True
        for iface in getattr(node, "interfaces", None) or ():
            if iface.name.value not in typedef.interfaces:
                typedef.interfaces.append(iface.name.value)
        for member in getattr(node, "types", None) or ():
            if member.name.value not in typedef.members:
                typedef.members.append(member.name.value)
        for value in getattr(node, "values", None) or ():
            if isinstance(value, EnumValueDefinitionNode):
                coordinate = f"{name}.{value.name.value}"
                typedef.values[value.name.value] = EnumValue(
                    value.name.value, _describe(value), self.applied(value.directives, coordinate)
                )
        for field_node in getattr(node, "fields", None) or ():
            self.read_field(typedef, field_node)

    def read_field(self, typedef: TypeDef, node: Any) -> None:
        name = node.name.value
        coordinate = f"{typedef.name}.{name}"
        if name in typedef.fields:
            self.fail(
                "INVALID_GRAPHQL",
                f'Field "{coordinate}" can only be defined once.',
                (coordinate,),
            )
            return
        result = Field(
            name=name,
            type=TypeRef.from_node(node.type),
            args={},
            description=_describe(node),
            applied=self.applied(node.directives, coordinate),
            node=node,
            default=getattr(node, "default_value", None),
        )
        for arg in getattr(node, "arguments", None) or ():
            result.args[arg.name.value] = Argument(
                arg.name.value,
                TypeRef.from_node(arg.type),
                arg.default_value,
                _describe(arg),
                self.applied(arg.directives, f"{coordinate}({arg.name.value}:)"),
                arg,
            )
        for directive in node.directives or ():
            canonical = self.fed(directive)
            args = _args(directive)
            if canonical == "external":
                result.external = True
            elif canonical == "shareable":
                result.shareable = True
            elif canonical in ("requires", "provides"):
                fields = args.get("fields")
                if not isinstance(fields, str):
                    code = (
                        "REQUIRES_INVALID_FIELDS"
                        if canonical == "requires"
                        else "PROVIDES_INVALID_FIELDS"
                    )
                    self.fail(
                        code, f'@{canonical} on "{coordinate}" needs a fields string', (coordinate,)
                    )
                    continue
                setattr(result, canonical, fields)
            elif canonical == "override":
                source = args.get("from")
                if not isinstance(source, str):
                    self.fail(
                        "INVALID_GRAPHQL",
                        f'@override on "{coordinate}" needs "from"',
                        (coordinate,),
                    )
                    continue
                result.override_from = source
                label = args.get("label")
                result.override_label = label if isinstance(label, str) else None
        typedef.fields[name] = result

    # -- normalisation ------------------------------------------------------------------
    def strip_machinery(self, schema: SubgraphSchema) -> None:
        referenced = {f.type.named for t in schema.types.values() for f in t.fields.values()} | {
            a.type.named
            for t in schema.types.values()
            for f in t.fields.values()
            for a in f.args.values()
        }
        for name in list(schema.types):
            typedef = schema.types[name]
            if (
                name in MACHINERY_TYPES
                or name.startswith(("federation__", "link__"))
                or (
                    name in ("FieldSet", "Scope", "Policy")
                    and typedef.kind == "SCALAR"
                    and name not in referenced
                )
            ):
                del schema.types[name]
        query = schema.types.get(schema.roots.get("query", "Query"))
        if query is not None and query.kind == "OBJECT":
            for fname in MACHINERY_ROOT_FIELDS:
                query.fields.pop(fname, None)
            if not query.fields:  # only _entities/_service: as if the subgraph had none
                del schema.types[query.name]

    def normalise_roots(self, schema: SubgraphSchema) -> None:
        renames: dict[str, str] = {}
        for op, type_name in list(schema.roots.items()):
            target = ROOT_NAMES[op]
            if type_name != target:
                if target in schema.types:
                    self.fail(
                        "ROOT_TYPE_USED",
                        f'The schema has a type named "{target}" but it is not set as the '
                        f"{op} root type",
                        (target,),
                    )
                    return
                renames[type_name] = target
        for op, target in ROOT_NAMES.items():
            if target in schema.types or op in schema.roots:
                schema.roots[op] = target
        for op in list(schema.roots):
            if schema.roots[op] in renames:
                schema.roots[op] = renames[schema.roots[op]]
            if schema.roots[op] not in schema.types and schema.roots[op] not in renames.values():
                del schema.roots[op]
        if renames:
            rename_types(schema, renames)

    def check_references(self, schema: SubgraphSchema) -> None:
        builtins = {"String", "Int", "Float", "Boolean", "ID"}
        for typedef in schema.types.values():
            refs: list[tuple[str, str]] = []
            for field in typedef.fields.values():
                refs.append((f"{typedef.name}.{field.name}", field.type.named))
                refs += [
                    (f"{typedef.name}.{field.name}({arg.name}:)", arg.type.named)
                    for arg in field.args.values()
                ]
            refs += [(typedef.name, interface) for interface in typedef.interfaces]
            refs += [(typedef.name, member) for member in typedef.members]
            for coordinate, ref in refs:
                if ref not in schema.types and ref not in builtins:
                    self.fail(
                        "INVALID_GRAPHQL",
                        f'Unknown type "{ref}" (used by "{coordinate}").',
                        (coordinate,),
                    )
            if typedef.kind in ("OBJECT", "INTERFACE", "INPUT_OBJECT") and not typedef.fields:
                self.fail(
                    "INVALID_GRAPHQL",
                    f'Type "{typedef.name}" must define one or more fields.',
                    (typedef.name,),
                )
            if typedef.kind in ("ENUM",) and not typedef.values:
                self.fail(
                    "INVALID_GRAPHQL",
                    f'Enum "{typedef.name}" must define one or more values.',
                    (typedef.name,),
                )
            if typedef.kind == "UNION" and not typedef.members:
                self.fail(
                    "INVALID_GRAPHQL",
                    f'Union "{typedef.name}" must define one or more member types.',
                    (typedef.name,),
                )
            for m in typedef.members:
                member = schema.types.get(m)
                if member is not None and member.kind != "OBJECT":
                    self.fail(
                        "INVALID_GRAPHQL",
                        f'Union "{typedef.name}" can only include object types, not "{m}".',
                        (typedef.name,),
                    )
            for i in typedef.interfaces:
                iface = schema.types.get(i)
                if iface is not None and iface.kind != "INTERFACE":
                    self.fail(
                        "INVALID_GRAPHQL",
                        f'Type "{typedef.name}" can only implement interfaces, not "{i}".',
                        (typedef.name,),
                    )


def rename_types(schema: SubgraphSchema, renames: dict[str, str]) -> None:
    """Rename types (used for root types) everywhere they are referenced."""

    def renamed(type_ref: TypeRef) -> TypeRef:
        if type_ref.non_null_of is not None:
            return TypeRef(non_null_of=renamed(type_ref.non_null_of))
        if type_ref.list_of is not None:
            return TypeRef(list_of=renamed(type_ref.list_of))
        return TypeRef(name=renames.get(str(type_ref.name), type_ref.name))

    types: dict[str, TypeDef] = {}
    for name, typedef in schema.types.items():
        typedef.name = renames.get(name, name)
        typedef.interfaces = [renames.get(i, i) for i in typedef.interfaces]
        typedef.members = [renames.get(m, m) for m in typedef.members]
        for field in typedef.fields.values():
            field.type = renamed(field.type)
            for arg in field.args.values():
                arg.type = renamed(arg.type)
        types[typedef.name] = typedef
    schema.types = types


def read_subgraph(
    name: str, url: str, sdl: str, collector: ErrorCollector
) -> SubgraphSchema | None:
    """Parse and normalise one subgraph; report problems to ``collector``."""
    return _Reader(name, url, sdl, collector).read()
