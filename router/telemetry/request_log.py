"""The request log: one structured line per GraphQL request (``telemetry.access_log``),
and a line for every request that failed on the router's or a subgraph's side
whatever that setting says.

A built-in plugin hooked on ``on_response``, after the metrics plugin (which leaves
the response's distinct error codes in ``ctx.extensions["error_codes"]``). Fields:
``request_id`` (the id a client sees in ``extensions.requestId``), ``trace_id`` (when
a span is current), ``operation_name``, ``operation_hash``, ``client_id``,
``status``, ``duration_ms``, ``error_codes`` and ``subgraph_errors``
(``service:code`` of each failed or erroring subgraph).

Without the access log a request is logged only when its status is 500 or more or
one of its errors comes from a subgraph: client mistakes (a bad document, a refused
field) are the client's business and would let any caller flood the log.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from router.pipeline.plugin import Plugin, ResponseOut

if TYPE_CHECKING:
    from router.pipeline.context import RequestContext

log = logging.getLogger("router.requests")

SUBGRAPH_CODES = frozenset(
    {
        "SUBGRAPH_REQUEST_FAILED",
        "SUBGRAPH_TIMEOUT",
        "SUBGRAPH_INVALID_RESPONSE",
        "DOWNSTREAM_SERVICE_ERROR",
    }
)


def subgraph_errors(errors: Any) -> list[str]:
    """``service:code`` of every error a subgraph caused (distinct, in order)."""
    found: list[str] = []
    if not isinstance(errors, list):
        return found
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if not isinstance(extensions, dict) or "serviceName" not in extensions:
            continue
        entry = f"{extensions.get('serviceName')}:{extensions.get('code')}"
        if entry not in found:
            found.append(entry)
            if len(found) >= 20:
                break
    return found


class RequestLog(Plugin):
    """Logs requests (all of them with ``access_log``, else the failed ones)."""

    name = "request-log"

    def __init__(self, access_log: bool = False) -> None:
        self.access_log = access_log

    async def on_response(self, ctx: RequestContext, response: ResponseOut) -> None:
        status = response.status
        codes = ctx.extensions.get("error_codes")
        failed = status >= 500 or (codes is not None and not SUBGRAPH_CODES.isdisjoint(codes))
        if not (failed or self.access_log):
            return
        fields: dict[str, Any] = {
            "request_id": ctx.request_id,
            "status": status,
            "duration_ms": round(ctx.elapsed * 1000, 3),
            "operation_name": ctx.operation_name,
            "operation_hash": ctx.operation_hash,
        }
        if ctx.client is not None:
            fields["client_id"] = ctx.client.id
        if codes:
            fields["error_codes"] = codes
            found = subgraph_errors(response.body.get("errors"))
            if found:
                fields["subgraph_errors"] = found
        if failed:
            log.warning("request failed", extra=fields)
        else:
            log.info("request", extra=fields)
