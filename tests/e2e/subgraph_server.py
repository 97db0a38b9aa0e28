"""A small data-driven Federation subgraph server for end-to-end tests.

Built from a subgraph SDL (Federation v2 ``@link`` or v1 ``extend type`` style)
plus plain Python data: ``rows`` per type (entity objects, found by any of
their ``@key`` field sets for ``_entities``), ``root`` values per root field
(a value, or a callable ``(info, **args)``), and ``resolvers`` for computed
fields (``"Type.field": fn(obj, args)``, e.g. ``@requires`` fields that read the
representation). It answers ``_service { sdl }`` and ``_entities``, records
every request it gets (``requests``) and its headers (``request_headers``), and
runs on aiohttp + graphql-core. Root callables can read the request's headers as
``info.context["headers"]`` (case-insensitive). A request whose ``Accept`` names
``application/x-msgpack`` gets a MessagePack answer (``msgpack_answers`` counts
them) unless the spec sets ``msgpack=False``.

``FaultServer`` is a raw TCP server that misbehaves on purpose: hangs, answers
HTML, or closes the connection without answering.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgpack
from aiohttp import web
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SchemaDefinitionNode,
    StringValueNode,
    build_ast_schema,
    graphql,
    parse,
)

_FEDERATION_TYPES = """
scalar _Any
scalar FieldSet
scalar federation__FieldSet
scalar link__Import
type _Service { sdl: String }
"""


@dataclass
class SubgraphSpec:
    """What one test subgraph serves."""

    name: str
    sdl: str
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    root: dict[str, Any] = field(default_factory=dict)
    mutation: dict[str, Any] = field(default_factory=dict)
    resolvers: dict[str, Callable[[dict[str, Any], dict[str, Any]], Any]] = field(
        default_factory=dict
    )
    entity_fallback: bool = True
    """Unknown entities resolve to their representation (for @external data)."""
    delay: float = 0.0
    """Seconds to wait before answering (for concurrency tests)."""
    msgpack: bool = True
    """Answer MessagePack to requests whose ``Accept`` names ``application/x-msgpack``."""


def build_subgraph_schema(sdl: str) -> tuple[GraphQLSchema, dict[str, list[FieldNode]]]:
    """Executable schema with ``_entities``/``_service``; also key field sets per type."""
    document = parse(sdl)
    defined = {
        d.name.value
        for d in document.definitions
        if hasattr(d, "name") and d.name is not None and "Extension" not in type(d).__name__
    }
    definitions: list[Any] = []
    keys: dict[str, list[FieldNode]] = {}
    roots = {"query": "Query", "mutation": "Mutation"}
    for d in document.definitions:
        if isinstance(d, SchemaDefinitionNode):
            for op in d.operation_types:
                roots[op.operation.value] = op.type.name.value
        orphan = isinstance(d, ObjectTypeExtensionNode | InterfaceTypeExtensionNode)
        if orphan and d.name.value not in defined:
            cls = (
                ObjectTypeDefinitionNode
                if isinstance(d, ObjectTypeExtensionNode)
                else InterfaceTypeDefinitionNode
            )
            d = cls(name=d.name, interfaces=d.interfaces, directives=d.directives, fields=d.fields)
            defined.add(d.name.value)
        definitions.append(d)
        for directive in getattr(d, "directives", None) or ():
            if directive.name.value == "key":
                for argument in directive.arguments:
                    if argument.name.value == "fields" and isinstance(
                        argument.value, StringValueNode
                    ):
                        selection = parse("{" + argument.value.value + "}").definitions[0]
                        keys.setdefault(d.name.value, []).append(selection.selection_set)
    entity_objects = sorted(
        {
            d.name.value
            for d in definitions
            if isinstance(d, ObjectTypeDefinitionNode | ObjectTypeExtensionNode)
            and d.name.value in keys
        }
    )
    query_name = roots["query"]
    extra = _FEDERATION_TYPES
    query_fields = "_service: _Service!"
    if entity_objects:
        extra += f"union _Entity = {' | '.join(entity_objects)}\n"
        query_fields += "\n_entities(representations: [_Any!]!): [_Entity]!"
    keyword = "extend type" if query_name in defined else "type"
    extra += f"{keyword} {query_name} {{ {query_fields} }}\n"
    full = DocumentNode(definitions=(*definitions, *parse(extra).definitions))
    schema = build_ast_schema(full, assume_valid_sdl=True)
    return schema, keys


class SubgraphServer:
    """One running test subgraph (aiohttp on a loopback port)."""

    def __init__(self, spec: SubgraphSpec) -> None:
        self.spec = spec
        self.schema, self.keys = build_subgraph_schema(spec.sdl)
        self.requests: list[dict[str, Any]] = []
        self.request_headers: list[dict[str, str]] = []
        """Headers of every request, names lower-cased (same order as ``requests``)."""
        self.msgpack_answers = 0
        self._runner: web.AppRunner | None = None
        self.url = ""
        self._wire_resolvers()

    def _wire_resolvers(self) -> None:
        schema = self.schema
        for coordinate, fn in self.spec.resolvers.items():
            type_name, field_name = coordinate.split(".")
            graphql_type = schema.get_type(type_name)
            assert isinstance(graphql_type, GraphQLObjectType), coordinate

            def resolve(obj: Any, info: Any, _fn: Any = fn, **args: Any) -> Any:
                return _fn(obj, args)

            graphql_type.fields[field_name].resolve = resolve
        for named in schema.type_map.values():
            if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
                named.resolve_type = _resolve_type
        query = schema.query_type
        assert query is not None
        if "_entities" in query.fields:
            query.fields["_entities"].resolve = self._resolve_entities
        query.fields["_service"].resolve = lambda *_: {"sdl": self.spec.sdl}

    def _resolve_entities(
        self, _root: Any, _info: Any, representations: list[Mapping[str, Any]]
    ) -> list[Any]:
        return [self._find_entity(rep) for rep in representations]

    def _find_entity(self, rep: Mapping[str, Any]) -> Any:
        typename = rep.get("__typename")
        candidates = [typename]
        named = self.schema.get_type(str(typename))
        if isinstance(named, GraphQLInterfaceType):
            candidates = [t.name for t in self.schema.get_possible_types(named)]
        for candidate in candidates:
            for row in self.spec.rows.get(str(candidate), []):
                for key in self.keys.get(str(typename), []) or self.keys.get(str(candidate), []):
                    if _matches(row, rep, key):
                        return {**_overlay(row, rep), "__typename": candidate}
        if self.spec.entity_fallback and isinstance(named, GraphQLObjectType):
            return dict(rep)
        return None

    def _resolve_field(self, source: Any, info: Any, **args: Any) -> Any:
        """Dict lookup; a field missing on an entity object is read from its data row,
        so nested references like ``{"upc": "p1"}`` resolve like entities."""
        if not isinstance(source, Mapping):
            return getattr(source, info.field_name, None)
        name = info.field_name
        if name in source:
            value = source[name]
        else:
            row = self._row_for(info.parent_type.name, source)
            value = row.get(name) if row is not None else None
        return value(info, **args) if callable(value) else value

    def _row_for(self, typename: str, obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
        for key in self.keys.get(typename, []):
            for row in self.spec.rows.get(typename, []):
                if row is not obj and _matches(row, obj, key):
                    return row
        return None

    async def handle(self, request: web.Request) -> web.Response:
        payload = await request.json()
        self.requests.append(payload)
        self.request_headers.append({k.lower(): v for k, v in request.headers.items()})
        if self.spec.delay:
            await asyncio.sleep(self.spec.delay)
        root = {**self.spec.root, **self.spec.mutation}
        result = await graphql(
            self.schema,
            payload.get("query", ""),
            root_value=root,
            variable_values=payload.get("variables"),
            operation_name=payload.get("operationName"),
            field_resolver=self._resolve_field,
            context_value={"headers": request.headers},
        )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [e.formatted for e in result.errors]
        if self.spec.msgpack and "application/x-msgpack" in request.headers.get("Accept", ""):
            self.msgpack_answers += 1
            return web.Response(body=msgpack.packb(body), content_type="application/x-msgpack")
        return web.json_response(body)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        bound = sockets[0].getsockname()[1]
        self.url = f"http://{host}:{bound}/graphql"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _resolve_type(value: Any, *_: Any) -> str | None:
    return value.get("__typename") if isinstance(value, dict) else None


def _matches(row: Mapping[str, Any], rep: Mapping[str, Any], key: Any) -> bool:
    """Whether a data row has the key field values of a representation."""
    for selection in key.selections:
        name = selection.name.value
        if name not in rep or name not in row:
            return False
        if selection.selection_set is not None:
            if not _matches_nested(row[name], rep[name], selection.selection_set):
                return False
        elif str(row[name]) != str(rep[name]):
            return False
    return True


def _overlay(row: Mapping[str, Any], rep: Mapping[str, Any]) -> dict[str, Any]:
    """The row with the representation's values on top (nested objects merged):
    representations carry the @external fields a @requires resolver reads."""
    out = dict(row)
    for key, value in rep.items():
        current = out.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            out[key] = _overlay(current, value)
        else:
            out[key] = value
    return out


def _matches_nested(left: Any, right: Any, key: Any) -> bool:
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            _matches_nested(a, b, key) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, dict) and isinstance(right, dict):
        return _matches(left, right, key)
    return False


class FaultServer:
    """A TCP server that misbehaves: ``hang``, ``html``, ``close``, ``status500``,
    ``garbage`` (``data`` not an object), ``notgraphql`` (JSON without data/errors),
    ``errors400`` (a GraphQL error body with status 400) or ``badmsgpack`` (a body
    labelled ``application/x-msgpack`` that is not MessagePack)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.url = ""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            headers = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in headers.decode("latin-1").split("\r\n"):
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            if length:
                await reader.readexactly(length)
            if self.mode == "hang":
                await asyncio.sleep(3600)
            elif self.mode == "close":
                pass
            else:
                status, ctype, body = {
                    "html": ("200 OK", "text/html", b"<html><body>Bad Gateway</body></html>"),
                    "status500": ("500 Internal Server Error", "text/plain", b"boom"),
                    "garbage": ("200 OK", "application/json", b'{"data": [1, 2, 3]}'),
                    "notgraphql": ("200 OK", "application/json", b'{"hello": "world"}'),
                    "errors400": (
                        "400 Bad Request",
                        "application/json",
                        b'{"errors": [{"message": "bad operation"}]}',
                    ),
                    "badmsgpack": ("200 OK", "application/x-msgpack", b"\xc1\xc1garbage"),
                }[self.mode]
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def start(self, host: str = "127.0.0.1") -> str:
        self._server = await asyncio.start_server(self._handle, host, 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://{host}:{port}/graphql"
        return self.url

    async def stop(self) -> None:
        for writer in list(self._writers):
            writer.close()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
