"""HTTP client for subgraph requests: one pooled ``Http1Client`` for the process.

Why one pool: keep-alive connections are reused across requests, and a semaphore
bounds how many requests the router has open against subgraphs at once (so the
connections in use, too). Identical in-flight query requests (same subgraph,
operation and variables) share one HTTP exchange: the raw body is shared and
each caller decodes its own copy, so no two responses share mutable dicts.

Per-subgraph settings (``SubgraphSettings``: timeout, client headers to forward,
MessagePack) are set with ``configure``/``configure_all`` — from the environment in
file mode, from the registry's stored service rows in registry mode — and looked
up once per request by subgraph name, so the hot path pays one dict lookup.
Forwarded header values are part of the in-flight sharing key: two clients with
different ``Authorization`` never share a subgraph response.

A response is decoded by its ``Content-Type``: ``application/x-msgpack`` or
``application/msgpack`` with ``msgpack``, anything else as JSON, whatever was
asked for, so a subgraph that ignores the MessagePack ``Accept`` still works.

Pooled connections go stale: a subgraph closes an idle keep-alive connection on
its own timer, and when it was paused (GC, SIGSTOP, an overloaded host) it can
close connections that already carry a request. A query (never a mutation) whose
connection was closed before any answer is retried once on a fresh, unpooled
connection. Idle pooled connections are dropped after ``keepalive_s`` (4 s by
default), before common servers' own 5 s, so the router is usually the side
that closes.

Replicas: a subgraph whose settings list ``urls`` is served by those URLs instead of
the supergraph's one, balanced by ``router.execution.balancer.ReplicaPool`` (least
outstanding requests, ejection after consecutive connection failures, probes every
``probe_interval_s`` until an ejected URL answers again). A query whose request fails
with a connection error (refused, reset, closed before the whole answer) is sent once
more to another replica; a mutation never is, since it may have been applied.

Failures never raise: they come back as a ``SubgraphResponse`` whose ``failure``
holds a GraphQL error with one of these codes:

* ``SUBGRAPH_TIMEOUT``: no complete answer within the per-subgraph timeout;
* ``SUBGRAPH_REQUEST_FAILED``: connection refused/closed, or a non-2xx status
  whose body is not a GraphQL response;
* ``SUBGRAPH_INVALID_RESPONSE``: a 2xx answer that is not JSON (e.g. HTML) or
  not a GraphQL response object (``data``/``errors``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgpack  # type: ignore[import-untyped]  # no stubs published
import orjson

from router.config.settings import SubgraphSettings
from router.errors import (
    SUBGRAPH_INVALID_RESPONSE,
    SUBGRAPH_REQUEST_FAILED,
    SUBGRAPH_TIMEOUT,
    graphql_error,
)
from router.execution.balancer import Endpoint, ReplicaPool
from router.execution.describe import describe
from router.execution.http1 import (
    AnswerCut,
    ConnectFailed,
    ConnectionLost,
    Http1Client,
    HttpAnswer,
    TransportError,
)

__all__ = ["MSGPACK_MEDIA_TYPES", "SubgraphClient", "SubgraphResponse", "SubgraphSettings"]

_JSON_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/graphql-response+json, application/json",
}
_MSGPACK_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/x-msgpack, application/json;q=0.9",
    "x-msgpack-enabled": "1",
}
MSGPACK_MEDIA_TYPES = frozenset({"application/x-msgpack", "application/msgpack"})
"""Response ``Content-Type`` values decoded with msgpack."""

NOT_FORWARDED = frozenset(
    {
        "accept",
        "accept-encoding",
        "connection",
        "content-length",
        "content-type",
        "host",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "x-msgpack-enabled",
    }
)
"""Headers the router sets itself (or hop-by-hop ones): never copied from the client."""

_NO_HEADERS: Mapping[str, str] = {}

log = logging.getLogger("router.subgraphs")


@dataclass(frozen=True, slots=True)
class _Route:
    """``SubgraphSettings`` compiled for the hot path."""

    settings: SubgraphSettings
    timeout: float | None
    """Seconds; None: the client's default."""
    forward: tuple[str, ...]
    headers: Mapping[str, str]
    pool: ReplicaPool | None = None


def _compile(settings: SubgraphSettings, pool: ReplicaPool | None = None) -> _Route:
    timeout = settings.timeout_s
    names: list[str] = []
    for name in settings.forward_headers:
        lowered = name.strip().lower()
        if lowered and lowered not in NOT_FORWARDED and lowered not in names:
            names.append(lowered)
    headers = _MSGPACK_HEADERS if settings.use_msgpack else _JSON_HEADERS
    return _Route(settings, timeout, tuple(names), headers, pool)


def _pick(source: Mapping[str, str], names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``(name, value)`` of the named headers present in ``source``.

    Starlette's ``Headers`` (what the app passes) is case-insensitive already; a
    plain dict with other spellings is scanned as a fallback."""
    found: list[tuple[str, str]] = []
    for name in names:
        value = source.get(name)
        if value is None and isinstance(source, dict):
            for key, candidate in source.items():
                if key.lower() == name:
                    value = candidate
                    break
        if value is not None:
            found.append((name, value))
    return tuple(found)


@dataclass(slots=True)
class SubgraphResponse:
    """A decoded subgraph answer, or the reason there is none."""

    data: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    failure: dict[str, Any] | None = None


class _Failure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SubgraphClient:
    """Sends GraphQL operations to subgraphs over one shared connection pool."""

    def __init__(
        self,
        timeout: float = 30.0,
        max_concurrency: int = 256,
        timeouts: dict[str, float] | None = None,
        *,
        default: SubgraphSettings | None = None,
        subgraphs: Mapping[str, SubgraphSettings] | None = None,
        keepalive_s: float = 4.0,
        eject_after: int = 3,
        probe_interval_s: float = 2.0,
    ) -> None:
        """``timeout`` applies to subgraphs without their own; ``timeouts`` (seconds by
        subgraph name) is shorthand for ``subgraphs`` with only ``timeout_s`` set;
        ``default`` is used for subgraphs that are not configured. ``eject_after`` and
        ``probe_interval_s`` apply to subgraphs with several ``urls`` (replicas)."""
        self.timeout = timeout
        self.max_concurrency = max_concurrency
        self.keepalive_s = keepalive_s
        self.eject_after = eject_after
        self.probe_interval_s = probe_interval_s
        self.retries = 0
        """Queries re-sent because their connection failed (same URL or another replica)."""
        self.msgpack_answers = 0
        """Subgraph answers that came as MessagePack (``Content-Type``)."""
        self._endpoints: dict[str, Endpoint] = {}
        """Replica state by URL, kept across reconfigurations."""
        self._prober: asyncio.Task[None] | None = None
        self._default = self._compile(default or SubgraphSettings())
        self._routes: dict[str, _Route] = {}
        for name, seconds in (timeouts or {}).items():
            self.configure(name, SubgraphSettings(timeout_s=seconds))
        for name, settings in (subgraphs or {}).items():
            self.configure(name, settings)
        self._http = Http1Client(keepalive_s, max_idle=max_concurrency)
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._in_flight: dict[
            tuple[str, bytes, tuple[tuple[str, str], ...]], asyncio.Future[HttpAnswer]
        ] = {}
        self.observe: Callable[[str, str, float], None] | None = None
        """Called per subgraph request with (subgraph, outcome, seconds): metrics."""
        self.observe_exchange: Callable[[str, int, int, int], None] | None = None
        """Called per subgraph request with (subgraph, bytes sent, bytes received,
        GraphQL errors in the answer): metrics."""
        self.in_flight: dict[str, int] = {}
        """Requests under way by subgraph (read at scrape time)."""

    def _compile(self, settings: SubgraphSettings) -> _Route:
        pool = None
        if settings.urls:
            endpoints = tuple(
                self._endpoints.setdefault(url, Endpoint(url))
                for url in dict.fromkeys(settings.urls)
            )
            pool = ReplicaPool(endpoints, self.eject_after)
        return _compile(settings, pool)

    def configure(self, service_name: str, settings: SubgraphSettings | None) -> None:
        """Set (or with None, reset to the default) one subgraph's settings.

        Takes effect for requests sent from now on; requests in flight keep theirs."""
        if settings is None:
            self._routes.pop(service_name, None)
        else:
            self._routes[service_name] = self._compile(settings)

    def configure_all(self, settings: Mapping[str, SubgraphSettings]) -> None:
        """Replace every subgraph's settings at once (the registry's stored rows)."""
        self._routes = {name: self._compile(value) for name, value in settings.items()}
        used = {url for value in settings.values() for url in value.urls}
        for url in set(self._endpoints) - used - set(self._default.settings.urls):
            del self._endpoints[url]

    def replicas(self, service_name: str) -> list[dict[str, Any]] | None:
        """The state of each replica URL of ``service_name``; None without ``urls``."""
        pool = self._routes.get(service_name, self._default).pool
        return None if pool is None else [e.report() for e in pool.endpoints]

    def settings_for(self, service_name: str) -> SubgraphSettings:
        """The settings requests to ``service_name`` use now."""
        return self._routes.get(service_name, self._default).settings

    async def close(self) -> None:
        if self._prober is not None:
            self._prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._prober
            self._prober = None
        self._http.close()

    async def execute(
        self,
        service_name: str,
        url: str,
        operation: str,
        variables: dict[str, Any] | None,
        operation_name: str | None = None,
        share: bool = True,
        request_headers: Mapping[str, str] = _NO_HEADERS,
        extra_headers: Mapping[str, str] | None = None,
        trace_headers: Mapping[str, str] | None = None,
    ) -> SubgraphResponse:
        """Send one operation; ``share`` lets identical in-flight requests share it.

        ``request_headers`` are the client's request headers; the ones this
        subgraph is configured to receive are copied onto the request.
        ``extra_headers`` (set by plugins) are sent as they are; like forwarded
        headers they are part of the in-flight sharing key. ``trace_headers``
        (``traceparent``) are sent but are not part of that key: they never change
        the answer, so requests of different traces still share one fetch."""
        payload: dict[str, Any] = {"query": operation}
        if variables:
            payload["variables"] = variables
        if operation_name:
            payload["operationName"] = operation_name
        body = orjson.dumps(payload)
        route = self._routes.get(service_name, self._default)
        headers = route.headers
        forwarded: tuple[tuple[str, str], ...] = ()
        if route.forward:
            forwarded = _pick(request_headers, route.forward)
            if forwarded:
                headers = {**headers, **dict(forwarded)}
        if extra_headers:
            added = tuple(sorted(extra_headers.items()))
            forwarded += added
            headers = {**headers, **dict(added)}
        if trace_headers:
            headers = {**headers, **trace_headers}
        started = time.perf_counter()
        in_flight = self.in_flight
        in_flight[service_name] = in_flight.get(service_name, 0) + 1
        received = 0
        try:
            if share:
                raw = await self._shared_post(
                    url, body, route.timeout, headers, forwarded, route.pool
                )
            elif route.pool is not None:
                raw = await self._post_balanced(route.pool, body, route.timeout, headers, False)
            else:
                raw = await self._post(url, body, route.timeout, headers, retry_stale=False)
            received = len(raw.body)
            if raw.content_type in MSGPACK_MEDIA_TYPES:
                self.msgpack_answers += 1
            response = _decode(raw)
        except _Failure as failure:
            response = SubgraphResponse(failure=_failure_error(service_name, failure))
        finally:
            in_flight[service_name] -= 1
        if self.observe is not None:
            outcome = (
                "ok"
                if response.failure is None
                else str(response.failure.get("extensions", {}).get("code", "error"))
            )
            self.observe(service_name, outcome, time.perf_counter() - started)
        if self.observe_exchange is not None:
            self.observe_exchange(service_name, len(body), received, len(response.errors))
        return response

    async def _shared_post(
        self,
        url: str,
        body: bytes,
        timeout: float | None,
        headers: Mapping[str, str],
        forwarded: tuple[tuple[str, str], ...],
        pool: ReplicaPool | None = None,
    ) -> HttpAnswer:
        # Forwarded headers (e.g. Authorization) can change the answer: part of the key.
        key = (url, body, forwarded)
        pending = self._in_flight.get(key)
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # this request itself is being cancelled
                # The request we were sharing was cancelled with its client: send our own.
                if pool is not None:
                    return await self._post_balanced(pool, body, timeout, headers, True)
                return await self._post(url, body, timeout, headers)
        future: asyncio.Future[HttpAnswer] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            if pool is not None:
                raw = await self._post_balanced(pool, body, timeout, headers, True)
            else:
                raw = await self._post(url, body, timeout, headers)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        else:
            future.set_result(raw)
            return raw
        finally:
            self._in_flight.pop(key, None)

    async def _post(
        self,
        url: str,
        body: bytes,
        timeout: float | None = None,
        headers: Mapping[str, str] = _JSON_HEADERS,
        retry_stale: bool = True,
    ) -> HttpAnswer:
        """POST once; with ``retry_stale`` (queries), once more on a fresh connection
        when the pooled one was closed before an answer."""
        try:
            try:
                return await self._send(url, body, timeout, headers)
            except _STALE_CONNECTION:
                if not retry_stale:
                    raise
            self.retries += 1
            return await self._send(url, body, timeout, headers, fresh=True)
        except (TimeoutError, OSError) as exc:
            raise self._coded_failure(exc, timeout) from exc

    def _coded_failure(self, exc: BaseException, timeout: float | None) -> _Failure:
        """A transport exception of a subgraph POST as a coded failure, whichever way
        it was sent (one URL or a replica pool)."""
        if isinstance(exc, TimeoutError):
            seconds = timeout if timeout is not None else self.timeout
            return _Failure(SUBGRAPH_TIMEOUT, f"timed out after {seconds:g}s")
        if isinstance(exc, TransportError):
            return _Failure(SUBGRAPH_REQUEST_FAILED, describe(exc))
        return _Failure(SUBGRAPH_REQUEST_FAILED, str(exc) or type(exc).__name__)

    async def _post_balanced(
        self,
        pool: ReplicaPool,
        body: bytes,
        timeout: float | None,
        headers: Mapping[str, str],
        retry: bool,
    ) -> HttpAnswer:
        """POST to the least busy replica; with ``retry`` (queries), once more after a
        connection error — to another replica, or on a fresh connection to the only one
        when its pooled connection was closed under the request."""
        endpoint = pool.pick()
        assert endpoint is not None  # a pool is never empty
        try:
            try:
                return await self._send_to(pool, endpoint, body, timeout, headers)
            except _REPLICA_FAILURE as exc:
                if not retry:
                    raise
                other = pool.pick(exclude=endpoint)
                if other is None:
                    if isinstance(exc, ConnectFailed):
                        raise
                    other = endpoint
            self.retries += 1
            return await self._send_to(pool, other, body, timeout, headers, fresh=True)
        except (TimeoutError, OSError) as exc:
            raise self._coded_failure(exc, timeout) from exc

    async def _send_to(
        self,
        pool: ReplicaPool,
        endpoint: Endpoint,
        body: bytes,
        timeout: float | None,
        headers: Mapping[str, str],
        fresh: bool = False,
    ) -> HttpAnswer:
        """``_send`` to one replica, keeping its outstanding count and health."""
        endpoint.outstanding += 1
        endpoint.requests += 1
        try:
            raw = await self._send(endpoint.url, body, timeout, headers, fresh)
        except _REPLICA_FAILURE as exc:
            if pool.failed(endpoint):
                log.warning(
                    "subgraph replica %s ejected after %d connection failures (last: %s); "
                    "probing it every %gs",
                    endpoint.url,
                    endpoint.failures,
                    describe(exc),
                    self.probe_interval_s,
                )
                self._start_prober()
            raise
        finally:
            endpoint.outstanding -= 1
        pool.succeeded(endpoint)
        return raw

    def _start_prober(self) -> None:
        if self._prober is None or self._prober.done():
            self._prober = asyncio.get_running_loop().create_task(self._probe_ejected())

    async def _probe_ejected(self) -> None:
        """Probe ejected replicas until none is left; a success lets one back in."""
        while True:
            await asyncio.sleep(self.probe_interval_s)
            ejected = [e for e in self._endpoints.values() if e.ejected]
            if not ejected:
                return
            limit = max(0.1, min(2.0, self.probe_interval_s))
            results = await asyncio.gather(*(self.probe(e.url, limit) for e in ejected))
            for endpoint, (ok, _, _) in zip(ejected, results, strict=True):
                if ok and endpoint.ejected:
                    ReplicaPool.succeeded(endpoint)
                    log.warning("subgraph replica %s answers again: back in", endpoint.url)

    async def _send(
        self,
        url: str,
        body: bytes,
        timeout: float | None,
        headers: Mapping[str, str],
        fresh: bool = False,
    ) -> HttpAnswer:
        async with self._semaphore:
            return await self._http.post(
                url, body, headers, self.timeout if timeout is None else timeout, fresh
            )

    async def probe(self, url: str, timeout: float = 2.0) -> tuple[bool, float, str | None]:
        """Reachability of one subgraph: (ok, latency in ms, problem) via ``{__typename}``."""
        started = time.perf_counter()
        try:
            answer = await self._http.post(url, b'{"query":"{__typename}"}', _JSON_HEADERS, timeout)
        except TimeoutError:
            return False, (time.perf_counter() - started) * 1000, "timeout"
        except OSError as exc:
            return False, (time.perf_counter() - started) * 1000, describe(exc)
        latency = (time.perf_counter() - started) * 1000
        if 200 <= answer.status < 300:
            return True, latency, None
        return False, latency, f"HTTP {answer.status}"


_STALE_CONNECTION = (ConnectionLost,)
"""The pooled connection was closed or reset under the request, before any answer (a
connection that could not be made at all, ``ConnectFailed``, is not retried)."""
_REPLICA_FAILURE = (ConnectFailed, ConnectionLost, AnswerCut)
"""Connection errors that count against a replica and let a query move to another:
refused (``ConnectFailed``), closed or reset before the answer, or closed in the
middle of it."""


def _decode_body(raw: HttpAnswer) -> Any:
    """The body as Python values (by ``Content-Type``), or None when it does not decode."""
    if not raw.body:
        return None
    if raw.content_type in MSGPACK_MEDIA_TYPES:
        try:
            return msgpack.unpackb(raw.body, raw=False)
        except (ValueError, TypeError, msgpack.UnpackException):
            return None  # ExtraData, FormatError, StackError and non-str keys are ValueErrors
    try:
        return orjson.loads(raw.body)
    except orjson.JSONDecodeError:
        return None


def _decode(raw: HttpAnswer) -> SubgraphResponse:
    """Turn an HTTP answer into data/errors, or a failure when it is not GraphQL."""
    decoded = _decode_body(raw)
    is_graphql = isinstance(decoded, dict) and ("data" in decoded or "errors" in decoded)
    if not is_graphql:
        if not 200 <= raw.status < 300:
            raise _Failure(SUBGRAPH_REQUEST_FAILED, f"HTTP {raw.status}")
        kind = "MessagePack" if raw.content_type in MSGPACK_MEDIA_TYPES else "JSON"
        raise _Failure(SUBGRAPH_INVALID_RESPONSE, f"response is not a GraphQL {kind} object")
    assert isinstance(decoded, dict)
    data = decoded.get("data")
    errors = decoded.get("errors")
    if data is not None and not isinstance(data, dict):
        raise _Failure(SUBGRAPH_INVALID_RESPONSE, "'data' in the response is not an object")
    if errors is None:
        errors = []
    elif not isinstance(errors, list):
        errors = [{"message": str(errors)}]
    clean = [e if isinstance(e, dict) else {"message": str(e)} for e in errors]
    return SubgraphResponse(data=data, errors=clean)


def _failure_error(service_name: str, failure: _Failure) -> dict[str, Any]:
    return graphql_error(
        f"Request to subgraph '{service_name}' failed: {failure.message}",
        failure.code,
        serviceName=service_name,
    )
