"""Persisted operations: automatic persisted queries (APQ) and trusted documents.

**APQ** (Apollo's protocol): a client sends ``extensions.persistedQuery =
{"version": 1, "sha256Hash": H}`` without ``query``; the router answers with the
document registered under ``H``, or ``PERSISTED_QUERY_NOT_FOUND`` (status 200, as
Apollo's clients expect), and the client retries with both ``query`` and the hash, which
registers it once the hash matches (else 400 ``PERSISTED_QUERY_HASH_MISMATCH``). GET
and POST alike. Documents live in process memory (an LRU) or in Redis (shared).

**Trusted documents**: a manifest in Apollo's persisted query list format
(``{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id",
"body", "name", "type"}]}``), from ``persisted_operations.manifest`` or uploaded with
``POST /admin/api/persisted-operations/manifest``. A hash naming a manifest entry is
always resolved (APQ or not). ``mode`` decides about operations not in it (matched by
the sha256 of the exact document text, or by id): ``allow_all`` runs them,
``log_unknown`` runs and logs them (each hash once), ``safelist`` refuses them with
400 ``PERSISTED_QUERY_NOT_IN_LIST`` (and APQ registration is refused too: only the
manifest's documents run). An uploaded manifest is kept in Redis with ``store: redis``,
and every worker picks it up within ``MANIFEST_POLL_S``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from planner import LRUCache
from router.admin.errors import bad_request
from router.cache.admin import add_admin_route
from router.cache.settings import PersistedOperationsSettings
from router.cache.store import redis_client
from router.errors import (
    BAD_REQUEST,
    PERSISTED_QUERY_HASH_MISMATCH,
    PERSISTED_QUERY_NOT_FOUND,
    PERSISTED_QUERY_NOT_IN_LIST,
    RequestError,
)
from router.pipeline.plugin import Plugin

if TYPE_CHECKING:
    from fastapi import FastAPI

    from router.pipeline.context import RequestContext

log = logging.getLogger("router.persisted")

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
MANIFEST_POLL_S = 5.0
MAX_LOGGED_UNKNOWN = 10_000
APQ_REDIS_TTL_S = 7 * 24 * 3600
_HEX = frozenset("0123456789abcdef")


class ManifestError(ValueError):
    """A persisted query list that is not in Apollo's format."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """The trusted documents: id -> body, and the sha256 of every body."""

    by_id: dict[str, str]
    body_hashes: frozenset[str]
    digest: str

    @classmethod
    def parse(cls, raw: bytes) -> Manifest:
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ManifestError(f"the manifest is not JSON: {exc}") from exc
        if not isinstance(payload, dict) or payload.get("format") != MANIFEST_FORMAT:
            raise ManifestError(f'the manifest\'s "format" must be "{MANIFEST_FORMAT}"')
        if payload.get("version") != 1:
            raise ManifestError('the manifest\'s "version" must be 1')
        operations = payload.get("operations")
        if not isinstance(operations, list):
            raise ManifestError('the manifest needs an "operations" list')
        by_id: dict[str, str] = {}
        for index, operation in enumerate(operations):
            if not isinstance(operation, dict):
                raise ManifestError(f"operations[{index}] is not an object")
            op_id, body = operation.get("id"), operation.get("body")
            if not isinstance(op_id, str) or not op_id or not isinstance(body, str) or not body:
                raise ManifestError(f'operations[{index}] needs a string "id" and "body"')
            by_id[op_id] = body
        hashes = frozenset(sha256(body) for body in by_id.values())
        return cls(by_id, hashes, hashlib.sha256(raw).hexdigest())

    def allows(self, query: str, op_id: str | None) -> bool:
        return (op_id is not None and op_id in self.by_id) or sha256(query) in self.body_hashes


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


class PersistedOperations(Plugin):
    """Resolves persisted-query hashes and enforces the trusted documents (module doc)."""

    name = "persisted-operations"

    def __init__(
        self,
        settings: PersistedOperationsSettings,
        redis_url: str | None = None,
        admin_token: str | None = None,
    ) -> None:
        self.settings = settings
        self.redis_url = settings.redis_url or redis_url if settings.store == "redis" else None
        self.admin_token = admin_token
        self.manifest: Manifest | None = None
        self.apq: LRUCache[str, str] = LRUCache(settings.max_entries)
        self.redis: Any = None
        self._logged: set[str] = set()
        self._poller: asyncio.Task[None] | None = None
        self.counts = {"registered": 0, "resolved": 0, "not_found": 0, "refused": 0}

    def setup(self, app: FastAPI) -> None:
        add_admin_route(app, "/persisted-operations/manifest", self._upload, self.admin_token)

    async def start(self) -> None:
        if self.settings.manifest:
            self.manifest = Manifest.parse(Path(self.settings.manifest).read_bytes())
        if self.redis_url:
            self.redis = redis_client(self.redis_url)
            with contextlib.suppress(Exception):
                await self._reload_manifest()
            self._poller = asyncio.create_task(self._poll_manifest())

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        if self.redis is not None:
            await self.redis.aclose()

    def health(self, body: dict[str, Any]) -> None:
        body["persistedOperations"] = {
            "mode": self.settings.mode,
            "apq": self.settings.apq,
            "manifestOperations": len(self.manifest.by_id) if self.manifest else 0,
            **self.counts,
        }

    async def on_request(self, ctx: RequestContext) -> None:
        graphql = ctx.graphql
        assert graphql is not None
        extensions = graphql.extensions
        persisted = extensions.get("persistedQuery") if extensions else None
        op_id: str | None = None
        if persisted is not None and (self.settings.apq or self.manifest is not None):
            op_id = self._hash_of(persisted)
            if graphql.query:
                if sha256(graphql.query) != op_id:
                    raise RequestError.single(
                        400,
                        "The query does not match the persisted query hash.",
                        PERSISTED_QUERY_HASH_MISMATCH,
                    )
                await self._register(graphql.query, op_id)
            else:
                document = await self._lookup(op_id)
                if document is None:
                    self.counts["not_found"] += 1
                    raise RequestError.single(
                        200,
                        "PersistedQueryNotFound",
                        PERSISTED_QUERY_NOT_FOUND,
                        {"Cache-Control": "private, no-cache, must-revalidate"},
                    )
                self.counts["resolved"] += 1
                ctx.graphql = graphql = dataclasses.replace(graphql, query=document)
        mode = self.settings.mode
        if mode == "allow_all" or not graphql.query:
            return
        manifest = self.manifest
        if manifest is not None and manifest.allows(graphql.query, op_id):
            return
        if mode == "safelist":
            self.counts["refused"] += 1
            raise RequestError.single(
                400,
                "The operation is not in the persisted query list.",
                PERSISTED_QUERY_NOT_IN_LIST,
            )
        digest = op_id or sha256(graphql.query)
        if digest not in self._logged and len(self._logged) < MAX_LOGGED_UNKNOWN:
            self._logged.add(digest)
            log.warning(
                "operation %s (%s) is not in the persisted query list",
                graphql.operation_name or "(anonymous)",
                digest,
            )

    def _hash_of(self, persisted: Any) -> str:
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise RequestError.single(
                400, "Unsupported persistedQuery version (expected 1).", BAD_REQUEST
            )
        value = persisted.get("sha256Hash")
        if not _is_hash(value):
            raise RequestError.single(
                400, "persistedQuery.sha256Hash must be 64 lower-case hex digits.", BAD_REQUEST
            )
        return str(value)

    async def _lookup(self, op_id: str) -> str | None:
        manifest = self.manifest
        if manifest is not None and op_id in manifest.by_id:
            return manifest.by_id[op_id]
        if not self.settings.apq:
            return None
        found = self.apq.get(op_id)
        if found is None and self.redis is not None:
            try:
                raw = await self.redis.get(f"{self.settings.key_prefix}apq:{op_id}")
            except Exception as exc:
                log.warning("APQ store unreachable: %s", exc)
                return None
            if raw is not None:
                found = bytes(raw).decode("utf-8", "surrogatepass")
                self.apq.put(op_id, found)
        return found

    async def _register(self, query: str, op_id: str) -> None:
        if not self.settings.apq or self.settings.mode == "safelist":
            return
        if len(query) > self.settings.max_document_bytes or self.apq.get(op_id) is not None:
            return
        self.apq.put(op_id, query)
        self.counts["registered"] += 1
        if self.redis is not None:
            try:
                key = f"{self.settings.key_prefix}apq:{op_id}"
                await self.redis.set(
                    key, query.encode("utf-8", "surrogatepass"), ex=APQ_REDIS_TTL_S
                )
            except Exception as exc:
                log.warning("APQ store unreachable: %s", exc)

    async def _upload(self, payload: Any) -> dict[str, Any]:
        raw = orjson.dumps(payload)
        try:
            manifest = Manifest.parse(raw)
        except ManifestError as exc:
            raise bad_request(str(exc)) from exc
        if self.redis is not None:
            prefix = self.settings.key_prefix
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(f"{prefix}manifest", raw)
                pipe.set(f"{prefix}manifest:digest", manifest.digest)
                await pipe.execute()
        self.manifest = manifest
        return {"operations": len(manifest.by_id), "digest": manifest.digest}

    async def _reload_manifest(self) -> None:
        prefix = self.settings.key_prefix
        digest = await self.redis.get(f"{prefix}manifest:digest")
        if digest is None:
            return
        if self.manifest is not None and self.manifest.digest == bytes(digest).decode():
            return
        raw = await self.redis.get(f"{prefix}manifest")
        if raw is not None:
            self.manifest = Manifest.parse(bytes(raw))

    async def _poll_manifest(self) -> None:
        while True:
            await asyncio.sleep(MANIFEST_POLL_S)
            try:
                await self._reload_manifest()
            except Exception as exc:
                log.warning("cannot read the uploaded manifest from Redis: %s", exc)
