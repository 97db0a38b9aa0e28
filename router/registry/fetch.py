"""Fetch a subgraph's SDL with ``{ _service { sdl } }`` (the Federation introspection).

Failures are values, not exceptions: the caller decides the fallback
(``GATEWAY_FALLBACK``) and reports the reason and the latency.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from router.execution.describe import describe

SERVICE_QUERY = "{ _service { sdl } }"


@dataclass(frozen=True)
class FetchResult:
    sdl: str | None
    latency_ms: float
    error: str | None = None
    code: str | None = None
    """``SUBGRAPH_UNREACHABLE`` (no usable HTTP answer) or ``SUBGRAPH_SDL_INVALID``."""


class SdlFetcher:
    """One aiohttp session for all SDL fetches of the registry."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(
        self, url: str, timeout_s: float = 10.0, headers: dict[str, str] | None = None
    ) -> FetchResult:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        started = time.perf_counter()
        try:
            async with self._session.post(
                url,
                json={"query": SERVICE_QUERY},
                headers={"Accept": "application/json", **(headers or {})},
                timeout=aiohttp.ClientTimeout(total=timeout_s),
            ) as response:
                status = response.status
                try:
                    body: Any = await response.json(content_type=None)
                except ValueError:
                    body = None
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            reason = describe(exc)  # no aiohttp "ssl:default" for an http:// URL
            return FetchResult(None, _ms(started), f"{url} unreachable: {reason}", _UNREACHABLE)
        latency = _ms(started)
        if not isinstance(body, dict):
            return FetchResult(
                None, latency, f"{url} answered HTTP {status} without JSON", _UNREACHABLE
            )
        sdl = ((body.get("data") or {}).get("_service") or {}).get("sdl")
        if not isinstance(sdl, str) or not sdl.strip():
            errors = body.get("errors") or []
            detail = (
                f": {errors[0].get('message')}" if errors and isinstance(errors[0], dict) else ""
            )
            return FetchResult(
                None,
                latency,
                f"{url} did not return _service.sdl (HTTP {status}){detail}",
                "SUBGRAPH_SDL_INVALID",
            )
        return FetchResult(sdl, latency)


_UNREACHABLE = "SUBGRAPH_UNREACHABLE"


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
