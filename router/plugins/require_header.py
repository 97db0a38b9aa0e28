"""Example plugin: require a header on every GraphQL request and pass it on.

Shows the three things a plugin usually does (docs/architecture.md walks through it):

- ``on_request`` short-circuits: a request without the header (or with a value not
  in ``allowed``) is refused with a coded GraphQL error and an HTTP status;
- ``on_subgraph_request`` changes subgraph request headers: the value is sent on to
  every subgraph (``forward_as``);
- ``on_response`` adds a response header.

Configured in router.yaml::

    plugins:
      - factory: router.plugins.require_header:RequireHeader
        options: {header: x-tenant, allowed: [acme, globex], forward_as: x-tenant-id}
"""

from __future__ import annotations

from router.errors import RequestError
from router.pipeline.context import RequestContext
from router.pipeline.plugin import Plugin, ResponseOut, SubgraphRequest

MISSING_REQUIRED_HEADER = "MISSING_REQUIRED_HEADER"
HEADER_VALUE_NOT_ALLOWED = "HEADER_VALUE_NOT_ALLOWED"


class RequireHeader(Plugin):
    """Refuse requests without ``header``; forward its value to subgraphs."""

    name = "require-header"

    def __init__(
        self,
        header: str,
        allowed: list[str] | None = None,
        forward_as: str | None = None,
        status: int = 400,
        echo_as: str | None = None,
    ) -> None:
        self.header = header.lower()
        self.allowed = frozenset(allowed) if allowed else None
        self.forward_as = forward_as.lower() if forward_as else None
        self.status = status
        self.echo_as = echo_as

    async def on_request(self, ctx: RequestContext) -> None:
        value = ctx.http.headers.get(self.header)
        if not value:
            raise RequestError.single(
                self.status, f"The '{self.header}' header is required.", MISSING_REQUIRED_HEADER
            )
        if self.allowed is not None and value not in self.allowed:
            raise RequestError.single(
                403, f"The '{self.header}' value is not allowed.", HEADER_VALUE_NOT_ALLOWED
            )
        ctx.extensions[self.name] = value

    async def on_subgraph_request(self, ctx: RequestContext, request: SubgraphRequest) -> None:
        value = ctx.extensions.get(self.name)
        if self.forward_as and value:
            request.headers[self.forward_as] = value

    async def on_response(self, ctx: RequestContext, response: ResponseOut) -> None:
        value = ctx.extensions.get(self.name)
        if self.echo_as and value:
            ctx.response_headers[self.echo_as] = value
