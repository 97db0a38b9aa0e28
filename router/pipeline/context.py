"""The request context: one object that travels through every stage of one request.

Stages write what they learn (the operation's name, hash and kind, timings) and
plugins read it: an auth plugin fills ``client``, a usage plugin reads ``client`` and
``operation_hash`` in ``on_response``. ``extensions`` is free space for plugins, keyed
by plugin name by convention, so plugins never need attributes of their own here.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.requests import Request

    from router.http.request import GraphQLRequest
    from router.state import GatewayState

MAX_REQUEST_ID_LENGTH = 128


@dataclass(slots=True)
class ClientIdentity:
    """Who is calling, as established by an auth plugin (API key, JWT) or a header."""

    id: str
    """Stable id: the API key id, the JWT subject, or the client name."""
    kind: str
    """How it was established: ``api_key``, ``jwt``, ``client_name``, ..."""
    name: str | None = None
    scopes: frozenset[str] = frozenset()
    claims: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RequestContext:
    """Everything the pipeline knows about one request so far."""

    http: Request
    request_id: str
    started: float
    """``time.perf_counter()`` when the request entered the router."""
    state: GatewayState | None = None
    """The schema state this request runs on, read once (a reload never changes it)."""
    graphql: GraphQLRequest | None = None
    client: ClientIdentity | None = None
    operation_name: str | None = None
    operation_hash: str | None = None
    """sha256 of the document text, hex: the same for every client sending it."""
    operation_kind: str | None = None
    """``query``, ``mutation`` or ``subscription`` once the operation is known."""
    status: int = 200
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent per stage (``operation``, ``execution``, ``response``)."""
    response_headers: dict[str, str] = field(default_factory=dict)
    """Headers plugins add to the HTTP response."""
    extensions: dict[str, Any] = field(default_factory=dict)
    """Free space for plugins (key by plugin name)."""

    @classmethod
    def begin(cls, request: Request) -> RequestContext:
        return cls(request, request_id(request.headers.get("x-request-id")), time.perf_counter())

    @property
    def elapsed(self) -> float:
        """Seconds since the request entered the router."""
        return time.perf_counter() - self.started


def request_id(supplied: str | None) -> str:
    """The client's ``x-request-id`` when it is short and plain, else a fresh random id.

    A supplied id is echoed into logs and errors, so it must not carry arbitrary
    text: only ASCII letters, digits, ``-``, ``_`` and ``.``, at most 128 characters."""
    if (
        supplied
        and len(supplied) <= MAX_REQUEST_ID_LENGTH
        and supplied.isascii()
        and supplied.replace("-", "").replace("_", "").replace(".", "").isalnum()
    ):
        return supplied
    return os.urandom(8).hex()
