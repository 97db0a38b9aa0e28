"""Per-subgraph settings in the subgraph client, against real servers on loopback:
forwarded headers, the sharing key, MessagePack answers; and how the settings are
read from the environment."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import msgpack
import orjson
import pytest

from router.config.settings import Settings, SettingsError
from router.execution.subgraph_client import SubgraphClient, SubgraphSettings
from router.response.encoding import MSGPACK, encode
from tests.e2e.harness import Subgraphs
from tests.e2e.subgraph_server import SubgraphSpec

SDL = """
type Query { whoami: String, hello: String }
"""


async def _whoami(info: Any) -> str | None:
    await asyncio.sleep(0.3)  # long enough for concurrent callers to overlap
    value = info.context["headers"].get("Authorization")
    return str(value) if value is not None else None


@pytest.fixture(scope="module")
def servers() -> Iterator[Subgraphs]:
    subgraphs = Subgraphs()
    try:
        root = {"whoami": _whoami, "hello": "hi"}
        subgraphs.start(
            [SubgraphSpec("echo", SDL, root=root), SubgraphSpec("jsononly", SDL, root=root)]
        )
        subgraphs.servers["jsononly"].spec.msgpack = False  # type: ignore[union-attr]
        subgraphs.start_fault("badmsgpack", "badmsgpack")
        yield subgraphs
    finally:
        subgraphs.stop()


def _last_headers(servers: Subgraphs, name: str) -> dict[str, str]:
    server = servers.servers[name]
    return server.request_headers[-1]  # type: ignore[union-attr]


async def test_named_headers_are_forwarded_case_insensitively(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=5)
    client.configure("echo", SubgraphSettings(forward_headers=("Authorization", "X-Request-Id")))
    incoming = {"authorization": "Bearer a", "X-REQUEST-ID": "r1", "x-tenant": "t1"}
    try:
        response = await client.execute(
            "echo", servers.urls["echo"], "{whoami}", None, request_headers=incoming
        )
    finally:
        await client.close()
    assert response.data == {"whoami": "Bearer a"}
    seen = _last_headers(servers, "echo")
    assert seen["authorization"] == "Bearer a"
    assert seen["x-request-id"] == "r1"
    assert "x-tenant" not in seen  # not listed: not forwarded


async def test_unconfigured_subgraph_gets_no_client_headers(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=5)
    try:
        response = await client.execute(
            "echo", servers.urls["echo"], "{whoami}", None, request_headers={"authorization": "x"}
        )
    finally:
        await client.close()
    assert response.data == {"whoami": None}
    assert "authorization" not in _last_headers(servers, "echo")


async def test_router_owned_headers_are_never_forwarded(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=5)
    client.configure("echo", SubgraphSettings(forward_headers=("Content-Type", "Host", "Accept")))
    assert client.settings_for("echo").forward_headers == ("Content-Type", "Host", "Accept")
    incoming = {"content-type": "text/plain", "host": "evil.example", "accept": "text/html"}
    try:
        response = await client.execute(
            "echo", servers.urls["echo"], "{hello}", None, request_headers=incoming
        )
    finally:
        await client.close()
    assert response.data == {"hello": "hi"}
    seen = _last_headers(servers, "echo")
    assert seen["content-type"] == "application/json"
    assert "text/html" not in seen["accept"]
    assert seen["host"] != "evil.example"


async def test_different_authorization_never_shares_a_response(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=5)
    client.configure("echo", SubgraphSettings(forward_headers=("authorization",)))
    server = servers.servers["echo"]
    before = len(server.requests)  # type: ignore[union-attr]
    url = servers.urls["echo"]
    try:
        results = await asyncio.gather(
            client.execute("echo", url, "{whoami}", None, request_headers={"authorization": "A"}),
            client.execute("echo", url, "{whoami}", None, request_headers={"authorization": "B"}),
            client.execute("echo", url, "{whoami}", None, request_headers={"authorization": "A"}),
            client.execute("echo", url, "{whoami}", None),
        )
    finally:
        await client.close()
    assert [r.data for r in results] == [
        {"whoami": "A"},
        {"whoami": "B"},
        {"whoami": "A"},
        {"whoami": None},
    ]
    # The two "A" callers share one exchange; B and the anonymous caller get their own.
    assert len(server.requests) - before == 3  # type: ignore[union-attr]


async def test_msgpack_answer_is_decoded(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=5)
    client.configure("echo", SubgraphSettings(use_msgpack=True))
    server = servers.servers["echo"]
    before = server.msgpack_answers  # type: ignore[union-attr]
    try:
        response = await client.execute("echo", servers.urls["echo"], "{hello}", None)
    finally:
        await client.close()
    assert response.failure is None
    assert response.data == {"hello": "hi"}
    assert server.msgpack_answers == before + 1  # type: ignore[union-attr]
    seen = _last_headers(servers, "echo")
    assert seen["accept"] == "application/x-msgpack, application/json;q=0.9"
    assert seen["x-msgpack-enabled"] == "1"


async def test_msgpack_enabled_but_json_answer_still_works(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=5)
    client.configure("jsononly", SubgraphSettings(use_msgpack=True))
    try:
        response = await client.execute("jsononly", servers.urls["jsononly"], "{hello}", None)
    finally:
        await client.close()
    assert response.data == {"hello": "hi"}
    assert _last_headers(servers, "jsononly")["x-msgpack-enabled"] == "1"


async def test_invalid_msgpack_body_is_an_invalid_response(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=5)
    client.configure("badmsgpack", SubgraphSettings(use_msgpack=True))
    try:
        response = await client.execute("badmsgpack", servers.urls["badmsgpack"], "{x}", None)
    finally:
        await client.close()
    assert response.failure is not None
    assert response.failure["extensions"] == {
        "code": "SUBGRAPH_INVALID_RESPONSE",
        "serviceName": "badmsgpack",
    }
    assert "MessagePack" in response.failure["message"]


async def test_configure_none_resets_and_configure_all_replaces(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=7, default=SubgraphSettings(forward_headers=("x-a",)))
    client.configure("echo", SubgraphSettings(timeout_s=1.0))
    assert client.settings_for("echo").timeout_s == 1.0
    client.configure("echo", None)
    assert client.settings_for("echo") == SubgraphSettings(forward_headers=("x-a",))
    client.configure_all({"other": SubgraphSettings(use_msgpack=True)})
    assert client.settings_for("other").use_msgpack
    client.configure_all({})
    assert not client.settings_for("other").use_msgpack
    await client.close()


def test_subgraph_settings_from_environment() -> None:
    settings = Settings.from_env(
        {
            "GATEWAY_SUBGRAPH_TIMEOUTS": "reviews=2.5",
            "GATEWAY_SUBGRAPH_HEADERS": "*=Authorization,reviews=x-request-id|X-Tenant",
            "GATEWAY_SUBGRAPH_MSGPACK": "reviews, products",
        }
    )
    default, named = settings.subgraph_settings()
    assert default == SubgraphSettings(None, ("authorization",), False)
    assert named == {
        "products": SubgraphSettings(None, ("authorization",), True),
        "reviews": SubgraphSettings(2.5, ("authorization", "x-request-id", "x-tenant"), True),
    }
    everything = Settings(subgraph_msgpack="*").subgraph_settings()
    assert everything == (SubgraphSettings(use_msgpack=True), {})


@pytest.mark.parametrize("raw", ["reviews", "=authorization", "reviews=", "reviews=|"])
def test_malformed_subgraph_headers_name_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="GATEWAY_SUBGRAPH_HEADERS"):
        Settings(subgraph_headers=raw).subgraph_settings()


def test_encoding_survives_values_only_msgpack_can_carry() -> None:
    body = {"data": {"blob": b"\xffraw", "n": 1}}
    content, media_type = encode(body, "application/json")
    assert media_type == "application/json"
    assert orjson.loads(content) == {"data": {"blob": "\ufffdraw", "n": 1}}
    content, media_type = encode(body, MSGPACK)
    assert media_type == MSGPACK
    assert msgpack.unpackb(content) == body
    # Integers beyond 64 bits: no 500 either way (MessagePack gets their decimal text).
    content, media_type = encode({"data": {"n": 2**70}}, MSGPACK)
    assert msgpack.unpackb(content) == {"data": {"n": str(2**70)}}
    content, media_type = encode({"data": {"n": 2**70}}, "application/json")
    assert orjson.loads(content) == {"data": {"n": float(2**70)}}
