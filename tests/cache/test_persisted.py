"""Persisted operations: Apollo's APQ protocol (GET and POST, memory and Redis) and
trusted documents (a manifest file, modes, the admin upload)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from router.cache.settings import PersistedOperationsSettings
from tests.cache.conftest import REDIS_URL, Router

QUERY = "{ products { id } }"
OTHER = "{ products { name } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _ext(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(text)}}


def _post(router: Router, body: dict[str, Any]) -> httpx.Response:
    return router.http.post("/graphql", json=body)


def _get(router: Router, **params: Any) -> httpx.Response:
    query = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
    return router.http.get("/graphql", params=query, headers={"apollo-require-preflight": "1"})


def _code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


def test_apq_register_then_hash_only(start_router: Callable[..., Router]) -> None:
    router = start_router(persisted_operations=PersistedOperationsSettings(apq=True))
    missing = _post(router, {"extensions": _ext(QUERY)})
    assert missing.status_code == 200
    assert _code(missing) == "PERSISTED_QUERY_NOT_FOUND"
    registered = _post(router, {"query": QUERY, "extensions": _ext(QUERY)})
    assert registered.json()["data"]["products"][0] == {"id": "p1"}
    by_hash = _post(router, {"extensions": _ext(QUERY)})
    assert by_hash.json() == registered.json()
    # GET, as Apollo Client sends it (the registration above is shared).
    got = _get(router, extensions=_ext(QUERY))
    assert got.status_code == 200
    assert got.json() == registered.json()
    assert _code(_get(router, extensions=_ext(OTHER))) == "PERSISTED_QUERY_NOT_FOUND"
    mismatch = _post(router, {"query": OTHER, "extensions": _ext(QUERY)})
    assert mismatch.status_code == 400
    assert _code(mismatch) == "PERSISTED_QUERY_HASH_MISMATCH"
    bad = _post(router, {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "x"}}})
    assert bad.status_code == 400
    assert _code(bad) == "BAD_REQUEST"


def test_apq_off_refuses_a_hash_alone(start_router: Callable[..., Router]) -> None:
    router = start_router()
    refused = _post(router, {"extensions": _ext(QUERY)})
    assert refused.status_code == 400
    assert _code(refused) == "PERSISTED_QUERY_NOT_SUPPORTED"
    # A query sent with a hash runs as before.
    assert _post(router, {"query": QUERY, "extensions": _ext(QUERY)}).status_code == 200


def test_apq_in_redis_is_shared_between_routers(
    start_router: Callable[..., Router], redis_available: None
) -> None:
    settings = PersistedOperationsSettings(
        apq=True, store="redis", redis_url=REDIS_URL, key_prefix=f"test:{uuid.uuid4().hex}:"
    )
    one, two = (
        start_router(persisted_operations=settings),
        start_router(persisted_operations=settings),
    )
    assert _code(_post(two, {"extensions": _ext(QUERY)})) == "PERSISTED_QUERY_NOT_FOUND"
    _post(one, {"query": QUERY, "extensions": _ext(QUERY)})
    assert _post(two, {"extensions": _ext(QUERY)}).json()["data"]["products"][0] == {"id": "p1"}


def _manifest(path: Path, *bodies: str) -> Path:
    operations = [{"id": sha(b), "body": b, "name": None, "type": "query"} for b in bodies]
    path.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
        )
    )
    return path


def test_safelist_runs_only_the_manifest(
    start_router: Callable[..., Router], tmp_path: Path
) -> None:
    manifest = _manifest(tmp_path / "pq.json", QUERY)
    router = start_router(
        persisted_operations=PersistedOperationsSettings(mode="safelist", manifest=str(manifest))
    )
    assert _post(router, {"query": QUERY}).status_code == 200
    by_id = _post(router, {"extensions": _ext(QUERY)})  # a manifest id works without APQ
    assert by_id.json()["data"]["products"][0] == {"id": "p1"}
    refused = _post(router, {"query": OTHER})
    assert refused.status_code == 400
    assert _code(refused) == "PERSISTED_QUERY_NOT_IN_LIST"
    # APQ registration cannot add to a safelist.
    assert _post(router, {"query": OTHER, "extensions": _ext(OTHER)}).status_code == 400
    # The admin API replaces the manifest.
    upload = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": sha(OTHER), "body": OTHER, "name": None, "type": "query"}],
    }
    assert (
        router.http.post("/admin/api/persisted-operations/manifest", json=upload).status_code == 401
    )
    bad = router.admin("/persisted-operations/manifest", {"format": "something"})
    assert bad.status_code == 400
    uploaded = router.admin("/persisted-operations/manifest", upload)
    assert uploaded.status_code == 200
    assert uploaded.json()["operations"] == 1
    assert _post(router, {"query": OTHER}).status_code == 200
    assert _code(_post(router, {"query": QUERY})) == "PERSISTED_QUERY_NOT_IN_LIST"


def test_log_unknown_runs_and_logs(
    start_router: Callable[..., Router], tmp_path: Path, caplog: Any
) -> None:
    manifest = _manifest(tmp_path / "pq.json", QUERY)
    router = start_router(
        persisted_operations=PersistedOperationsSettings(mode="log_unknown", manifest=str(manifest))
    )
    with caplog.at_level("WARNING", logger="router.persisted"):
        assert _post(router, {"query": OTHER}).status_code == 200
        assert _post(router, {"query": QUERY}).status_code == 200
    logged = [r.getMessage() for r in caplog.records if r.name == "router.persisted"]
    assert len(logged) == 1
    assert sha(OTHER) in logged[0]
