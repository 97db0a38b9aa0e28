"""The specs a schema links with ``@link`` (or the older ``@core``), in one place.

A supergraph or a Federation 2 subgraph names the specs it follows on its schema
definition: ``@link(url: "https://specs.apollo.dev/join/v0.3", as: "j", import: [...])``.
Everything the project knows about that mechanism lives here, so the supergraph reader
(`planner.supergraph`), the subgraph reader (`planner.compose.subgraph_reader`), the
``@composeDirective`` merge and the supergraph printer (`planner.compose.printer`) agree:

* the spec names and their URLs (`spec_url`, `parse_spec_url`);
* which local prefix each linked spec gets in a supergraph (`linked_spec_names`,
  `is_spec_type`): ``join__type`` is ``j__type`` after ``@link(..., as: "j")``;
* the entries of ``import: [...]`` (`parse_import`);
* the text composition prints: ``@link(...)`` applications (`link_application`,
  `print_link_arguments`) and the link spec's own definitions.

Only graphql-core's AST is imported, so any module may import this one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from graphql import DirectiveNode, DocumentNode, SchemaDefinitionNode, StringValueNode
from graphql.language.print_string import print_string

SPECS_HOST = "https://specs.apollo.dev/"
"""Where every spec this project understands is published."""

JOIN = "join"
LINK = "link"
CORE = "core"
INACCESSIBLE = "inaccessible"
TAG = "tag"
AUTHENTICATED = "authenticated"
REQUIRES_SCOPES = "requiresScopes"
FEDERATION = "federation"

SUPERGRAPH_SPECS = (JOIN, INACCESSIBLE, TAG, AUTHENTICATED, REQUIRES_SCOPES, LINK, CORE)
"""The specs a supergraph may link whose names the planner reads (prefixes of spec
types and directives, which the API schema drops)."""

FEDERATION_MAJOR = 2
FEDERATION_MAX_MINOR = 9
"""The newest Federation 2 minor version a subgraph may link (``.../federation/v2.9``)."""

_SPEC_URL = re.compile(r"^https?://specs\.apollo\.dev/(\w+)/v(\d+)\.(\d+)/?$")

Purpose = Literal["SECURITY", "EXECUTION"]


@dataclass(frozen=True, slots=True)
class SpecVersion:
    """A spec URL read back: ``.../join/v0.3`` is ``SpecVersion("join", 0, 3)``."""

    name: str
    major: int
    minor: int


def spec_url(spec: str, version: str = "") -> str:
    """The URL of `spec` (``"join"``) at `version` (``"v0.3"``); without a version, the
    prefix every version's URL starts with."""
    return f"{SPECS_HOST}{spec}/{version}"


def parse_spec_url(url: str) -> SpecVersion | None:
    """The spec and version a specs.apollo.dev URL names (None for any other URL)."""
    found = _SPEC_URL.match(url)
    if found is None:
        return None
    return SpecVersion(found.group(1), int(found.group(2)), int(found.group(3)))


# --- reading links -----------------------------------------------------------------------


def linked_spec_names(document: DocumentNode) -> dict[str, str]:
    """Local names of the specs a supergraph links on its schema definition (or schema
    extensions): {"join": "join", "inaccessible": ..., "link": ...}, the ``as:`` name
    where one is given. Both ``@link(url:)`` and the older ``@core(feature:)`` count."""
    names: dict[str, str] = {}
    for definition in document.definitions:
        if (
            not isinstance(definition, SchemaDefinitionNode)
            and definition.kind != "schema_extension"
        ):
            continue
        for directive in getattr(definition, "directives", None) or ():
            if directive.name.value not in {LINK, CORE}:
                continue
            url = _argument(directive, "url") or _argument(directive, "feature") or ""
            alias = _argument(directive, "as")
            for spec in SUPERGRAPH_SPECS:
                if url.startswith(spec_url(spec)):
                    names[spec] = alias or spec
    if LINK not in names and CORE not in names:
        names.setdefault(LINK, LINK)
    return names


def is_spec_type(type_name: str, names: Mapping[str, str]) -> bool:
    """Is `type_name` one of a linked spec's own types (``join__Graph``, ``link__Import``)?"""
    return any(type_name.startswith(f"{prefix}__") for prefix in names.values())


def parse_import(item: object) -> tuple[str, str] | None:
    """One entry of ``@link(import: [...])`` as (imported name, local name): ``"@key"``
    is ("@key", "@key"), ``{name: "@key", as: "@primaryKey"}`` is ("@key", "@primaryKey").
    None when the entry has neither shape."""
    if isinstance(item, str):
        return item, item
    if isinstance(item, dict) and "name" in item:
        return str(item["name"]), str(item.get("as") or item["name"])
    return None


def _argument(directive: DirectiveNode, name: str) -> str | None:
    for argument in directive.arguments or ():
        if argument.name.value == name:
            value = argument.value
            if isinstance(value, StringValueNode):
                return value.value
            found = getattr(value, "value", None)
            return None if found is None else str(found)
    return None


# --- printing links ----------------------------------------------------------------------


def link_application(spec: str, version: str, purpose: Purpose | None = None) -> str:
    """``@link(url: "https://specs.apollo.dev/<spec>/<version>", for: <purpose>)``."""
    text = f"@link(url: {print_string(spec_url(spec, version))}"
    if purpose is not None:
        text += f", for: {purpose}"
    return text + ")"


def print_link_arguments(args: Mapping[str, object]) -> str:
    """The arguments of a subgraph's ``@link`` as composition prints them again (``url``,
    ``as``, ``import``; for the links ``@composeDirective`` carries into a supergraph)."""
    parts = [f"url: {print_string(str(args['url']))}"]
    if args.get("as"):
        parts.append(f"as: {print_string(str(args['as']))}")
    imports = args.get("import")
    if isinstance(imports, list) and imports:
        printed = []
        for item in imports:
            if isinstance(item, dict):
                inner = ", ".join(f"{k}: {print_string(str(v))}" for k, v in item.items())
                printed.append("{" + inner + "}")
            else:
                printed.append(print_string(str(item)))
        parts.append("import: [" + ", ".join(printed) + "]")
    return ", ".join(parts)


LINK_DIRECTIVE_DEFINITION = (
    "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) "
    "repeatable on SCHEMA"
)
LINK_IMPORT_DEFINITION = "scalar link__Import"
LINK_PURPOSE_DEFINITION = '''enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}'''
