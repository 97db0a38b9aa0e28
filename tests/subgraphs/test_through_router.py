"""End to end, the way `make run` runs it: the devstack starts the embedded MongoDB,
migrates, seeds, starts both subgraphs and the router on free loopback ports; the
router serves from its registry, where both subgraphs were registered through the
bootstrap; it prints the URLs, the admin token and a query; a query through the
router spans both subgraphs (categories -> records -> media); Ctrl-C stops
everything; a second start keeps the data and the token."""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import free_port

MISSING = [
    m
    for m in ("planner.compose", "router.cli", "router.app")
    if importlib.util.find_spec(m) is None
]
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"needs the composer and the router; not importable yet: {MISSING}"
)

QUERY = """{
  categoryBySlug(slug: "apparel") {
    slug
    children {
      path
      records { sku price { amount currency } media { kind url position } categories { slug } }
    }
  }
}"""


def start(data_dir: Path, ports: dict[str, int]) -> tuple[subprocess.Popen[str], list[str]]:
    command = [
        sys.executable,
        "-m",
        "subgraphs.devstack",
        "--data-dir",
        str(data_dir),
        "--records-port",
        str(ports["records"]),
        "--categories-port",
        str(ports["categories"]),
        "--router-port",
        str(ports["router"]),
    ]
    # the embedded defaults, whatever this shell points at
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"MONGODB_URI", "MONGODB_DB", "DATABASE_URL", "NATS_URL", "EVENTS_NAMESPACE"}
    }
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    lines: list[str] = []
    deadline = time.monotonic() + 90
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if line.startswith("Ctrl-C stops everything"):
            return process, lines
    process.kill()
    pytest.fail("devstack did not become ready:\n" + "\n".join(lines))


def stop(process: subprocess.Popen[str], lines: list[str]) -> None:
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    lines += out.splitlines()
    assert process.returncode == 0, lines
    assert lines[-1] == "stopped"


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


STATS = """query($c: ID!, $s: String!) {
  categoryStats(categoryId: $c) { created updated deleted }
  records(filter: {search: $s}) { nodes { sku } }
}"""


def eventually(probe: Any, ok: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    result = probe()
    while not ok(result) and time.monotonic() < deadline:
        time.sleep(0.2)
        result = probe()
    return result


def events_through_the_router(ports: dict[str, int]) -> None:
    """The seed's mutations became events: the processors' read models show them
    through the router, and both services report the broker and an empty outbox."""
    router = f"http://127.0.0.1:{ports['router']}/graphql"
    shoes = httpx.post(
        router, json={"query": '{ categoryBySlug(slug: "shoes") { id } }'}, timeout=30
    ).json()["data"]["categoryBySlug"]["id"]

    def stats() -> dict[str, Any]:
        body = httpx.post(
            router, json={"query": STATS, "variables": {"c": shoes, "s": "trail"}}, timeout=30
        ).json()
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]

    data = eventually(stats, lambda d: d["categoryStats"] and d["records"]["nodes"])
    assert data["categoryStats"] == [{"created": 2, "updated": 0, "deleted": 0}]
    assert data["records"]["nodes"] == [{"sku": "SHOE-RUN-001"}]
    for service in ("records", "categories"):
        url = f"http://127.0.0.1:{ports[service]}/health/detailed"
        health = eventually(
            lambda url=url: httpx.get(url, timeout=10).json(),
            lambda h: h["outbox"].get("pending") == 0,
        )
        assert health["status"] == "ok", health
        assert health["broker"]["connected"] is True and health["broker"]["url"].startswith(
            "nats://"
        )
        assert health["outbox"]["pending"] == 0 and health["outbox"]["published"] >= 0


def test_categories_with_records_with_media_through_the_router(tmp_path: Path) -> None:
    ports = {"records": free_port(), "categories": free_port(), "router": free_port()}
    process, lines = start(tmp_path / "data", ports)
    try:
        assert any("3 migrations applied" in line for line in lines), lines
        assert any(line.startswith("nats ") and "embedded" in line for line in lines), lines
        assert any("seeded 5 categories and 4 records" in line for line in lines), lines
        response = httpx.post(
            f"http://127.0.0.1:{ports['router']}/graphql", json={"query": QUERY}, timeout=30
        )
        body: dict[str, Any] = response.json()
        token = registry_mode(tmp_path / "data", ports, lines)
        events_through_the_router(ports)
    finally:
        stop(process, lines)
    assert "errors" not in body, body
    children = body["data"]["categoryBySlug"]["children"]
    assert [c["path"] for c in children] == ["apparel/shoes", "apparel/hats"]
    shoes = children[0]["records"]
    assert [r["sku"] for r in shoes] == ["SHOE-RUN-001", "SHOE-CITY-002"]
    assert [m["kind"] for m in shoes[0]["media"]] == ["IMAGE", "IMAGE", "VIDEO"]
    assert [m["position"] for m in shoes[0]["media"]] == [0, 1, 2]
    assert shoes[0]["categories"] == [{"slug": "shoes"}]  # back into categories
    assert children[1]["records"][0]["price"] == {"amount": 24.0, "currency": "EUR"}
    assert not any(port_open(p) for p in ports.values()), "a service still listens after Ctrl-C"
    assert not (tmp_path / "data" / "mongo.uri").exists()
    assert not (tmp_path / "data" / "nats.url").exists()

    # a second start reuses the data: nothing to migrate, nothing seeded, same token
    process, lines = start(tmp_path / "data", ports)
    try:
        assert registry_mode(tmp_path / "data", ports, lines) == token
    finally:
        stop(process, lines)
    assert any("0 migrations applied" in line for line in lines), lines
    assert any("existing data kept" in line for line in lines), lines
    assert any(line.startswith("  admin token") and "(kept" in line for line in lines), lines
    assert (tmp_path / "data" / "router.log").read_text().count("GATEWAY_SERVICES: unchanged") == 2


def registry_mode(data: Path, ports: dict[str, int], lines: list[str]) -> str:
    """The router serves from its registry: both subgraphs registered, the admin API
    open with the token of data/admin-token, the printed URLs and example answer."""
    router = f"http://127.0.0.1:{ports['router']}"
    token = (data / "admin-token").read_text().strip()
    assert len(token) >= 24 and (data / "admin-token").stat().st_mode & 0o077 == 0
    printed = "\n".join(lines)
    for text in (
        f"{router}/graphql",
        f"{router}/admin",
        f"{router}/health/detailed",
        f"{router}/metrics",
        token,
    ):
        assert text in printed, (text, printed)
    auth = {"Authorization": f"Bearer {token}"}
    listed = httpx.get(f"{router}/admin/api/services", headers=auth, timeout=30).json()
    assert {s["name"]: s["in_supergraph"] for s in listed["services"]} == {
        "categories": True,
        "records": True,
    }
    assert httpx.get(f"{router}/metrics", timeout=30).status_code == 200
    curl = next(line for line in lines if line.strip().startswith("curl -s"))
    if shutil.which("curl"):
        example = subprocess.run(
            ["sh", "-c", curl.strip()], capture_output=True, text=True, timeout=60, check=True
        )
        answer = json.loads(example.stdout)
    else:  # the same request, as the printed line spells it
        words = shlex.split(curl)
        body = words[words.index("-d") + 1]
        answer = httpx.post(
            words[2], content=body, headers={"content-type": "application/json"}
        ).json()
    assert "errors" not in answer and answer["data"]["categoryBySlug"]["records"], answer
    return token
