"""Pass the caller's identity on to subgraphs as headers (``auth.forward``).

Subgraphs should not re-verify API keys or JWTs: the router did, and tells them who
called in plain headers they can trust on the private network. Installed only when
at least one header is configured, so its subgraph hook costs nothing otherwise.
"""

from __future__ import annotations

import orjson

from router.config.auth import IdentityForwarding
from router.pipeline.context import RequestContext
from router.pipeline.plugin import Plugin, SubgraphRequest


class ForwardIdentity(Plugin):
    """Sets ``client_id`` / ``scopes`` / ``claims`` headers on every subgraph request."""

    name = "forward-identity"

    def __init__(self, forward: IdentityForwarding) -> None:
        self.forward = forward

    async def on_subgraph_request(self, ctx: RequestContext, request: SubgraphRequest) -> None:
        client = ctx.client
        if client is None:
            return
        forward = self.forward
        if forward.client_id:
            request.headers[forward.client_id] = client.id
        if forward.scopes and client.scopes:
            request.headers[forward.scopes] = " ".join(sorted(client.scopes))
        if forward.claims and client.claims and client.kind == "jwt":
            request.headers[forward.claims] = orjson.dumps(
                client.claims, option=orjson.OPT_SORT_KEYS
            ).decode()
