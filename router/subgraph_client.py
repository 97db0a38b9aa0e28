"""HTTP client for subgraph requests: one pooled aiohttp session for the process.

Why one session: keep-alive connections are reused across requests, and the
connector's limits plus a semaphore bound how many requests the router has open
against subgraphs at once. Identical in-flight query requests (same subgraph,
operation and variables) share one HTTP exchange: the raw body is shared and
each caller decodes its own copy, so no two responses share mutable dicts.

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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from router.errors import (
    SUBGRAPH_INVALID_RESPONSE,
    SUBGRAPH_REQUEST_FAILED,
    SUBGRAPH_TIMEOUT,
    graphql_error,
)

_JSON_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/graphql-response+json, application/json",
}


@dataclass(slots=True)
class SubgraphResponse:
    """A decoded subgraph answer, or the reason there is none."""

    data: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    failure: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class _RawAnswer:
    status: int
    body: bytes


class _Failure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SubgraphClient:
    """Sends GraphQL operations to subgraphs over one shared aiohttp session."""

    def __init__(
        self,
        timeout: float = 30.0,
        max_concurrency: int = 256,
        timeouts: dict[str, float] | None = None,
    ) -> None:
        self.timeout = timeout
        self._timeouts = {
            name: aiohttp.ClientTimeout(total=seconds) for name, seconds in (timeouts or {}).items()
        }
        self.max_concurrency = max_concurrency
        self._session: aiohttp.ClientSession | None = None
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._in_flight: dict[tuple[str, bytes], asyncio.Future[_RawAnswer]] = {}
        self.observe: Callable[[str, str, float], None] | None = None
        """Called per subgraph request with (subgraph, outcome, seconds): metrics."""

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self.max_concurrency,
                limit_per_host=0,
                keepalive_timeout=30.0,
                enable_cleanup_closed=True,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                json_serialize=lambda obj: orjson.dumps(obj).decode(),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def execute(
        self,
        service_name: str,
        url: str,
        operation: str,
        variables: dict[str, Any] | None,
        operation_name: str | None = None,
        share: bool = True,
    ) -> SubgraphResponse:
        """Send one operation; ``share`` lets identical in-flight requests share it."""
        payload: dict[str, Any] = {"query": operation}
        if variables:
            payload["variables"] = variables
        if operation_name:
            payload["operationName"] = operation_name
        body = orjson.dumps(payload)
        timeout = self._timeouts.get(service_name)
        started = time.perf_counter()
        try:
            if share:
                raw = await self._shared_post(url, body, timeout)
            else:
                raw = await self._post(url, body, timeout)
            response = _decode(raw)
        except _Failure as failure:
            response = SubgraphResponse(failure=_failure_error(service_name, failure))
        if self.observe is not None:
            outcome = (
                "ok"
                if response.failure is None
                else str(response.failure.get("extensions", {}).get("code", "error"))
            )
            self.observe(service_name, outcome, time.perf_counter() - started)
        return response

    async def _shared_post(
        self, url: str, body: bytes, timeout: aiohttp.ClientTimeout | None
    ) -> _RawAnswer:
        key = (url, body)
        pending = self._in_flight.get(key)
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # this request itself is being cancelled
                # The request we were sharing was cancelled with its client: send our own.
                return await self._post(url, body, timeout)
        future: asyncio.Future[_RawAnswer] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            raw = await self._post(url, body, timeout)
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
        self, url: str, body: bytes, timeout: aiohttp.ClientTimeout | None = None
    ) -> _RawAnswer:
        session = self._get_session()
        try:
            async with (
                self._semaphore,
                session.post(
                    url, data=body, headers=_JSON_HEADERS, timeout=timeout or session.timeout
                ) as resp,
            ):
                content = await resp.read()
                return _RawAnswer(resp.status, content)
        except TimeoutError as exc:
            seconds = timeout.total if timeout is not None else self.timeout
            raise _Failure(SUBGRAPH_TIMEOUT, f"timed out after {seconds:g}s") from exc
        except aiohttp.ClientError as exc:
            raise _Failure(SUBGRAPH_REQUEST_FAILED, _describe(exc)) from exc
        except OSError as exc:
            raise _Failure(SUBGRAPH_REQUEST_FAILED, str(exc) or type(exc).__name__) from exc

    async def probe(self, url: str, timeout: float = 2.0) -> tuple[bool, float, str | None]:
        """Reachability of one subgraph: (ok, latency in ms, problem) via ``{__typename}``."""
        started = time.perf_counter()
        session = self._get_session()
        try:
            async with session.post(
                url,
                data=b'{"query":"{__typename}"}',
                headers=_JSON_HEADERS,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as resp:
                await resp.read()
                latency = (time.perf_counter() - started) * 1000
                if 200 <= resp.status < 300:
                    return True, latency, None
                return False, latency, f"HTTP {resp.status}"
        except TimeoutError:
            return False, (time.perf_counter() - started) * 1000, "timeout"
        except (aiohttp.ClientError, OSError) as exc:
            return False, (time.perf_counter() - started) * 1000, _describe(exc)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _decode(raw: _RawAnswer) -> SubgraphResponse:
    """Turn an HTTP answer into data/errors, or a failure when it is not GraphQL."""
    try:
        decoded = orjson.loads(raw.body) if raw.body else None
    except orjson.JSONDecodeError:
        decoded = None
    is_graphql = isinstance(decoded, dict) and ("data" in decoded or "errors" in decoded)
    if not is_graphql:
        if not 200 <= raw.status < 300:
            raise _Failure(SUBGRAPH_REQUEST_FAILED, f"HTTP {raw.status}")
        raise _Failure(SUBGRAPH_INVALID_RESPONSE, "response is not a GraphQL JSON object")
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
