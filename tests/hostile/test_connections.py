"""Findings 4, 5 and 10 against the real router under uvicorn (with the options
``gateway serve`` uses): silent and slow connections are reaped, connections are
capped, client disconnects are logged at debug in one line, and
``/health/detailed`` keeps its sensitive parts for the admin."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from router.app import create_app
from router.config.settings import Settings
from router.ops.server import uvicorn_options
from tests.hostile.harness import unreachable_supergraph
from tests.support import free_port


class ServedRouter:
    def __init__(self, supergraph: Path, **settings: Any) -> None:
        self.port = free_port()
        self.settings = Settings(
            supergraph=str(supergraph), port=self.port, reload=False, **settings
        )
        options = {**uvicorn_options(self.settings), "loop": "asyncio", "log_level": "debug"}
        self.server = uvicorn.Server(uvicorn.Config(create_app(self.settings), **options))
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()))
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "router did not start"
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


@pytest.fixture
def router(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ServedRouter]:
    settings = getattr(request, "param", {})
    served = ServedRouter(unreachable_supergraph(tmp_path), **settings)
    try:
        yield served
    finally:
        served.stop()


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``sock`` (EOF or reset) within ``seconds``; anything
    it still sends before closing is read and dropped."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if sock.recv(65536) == b"":
                return True
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False
    return False


@pytest.mark.parametrize(
    "router", [{"header_read_timeout_s": 0.5, "keep_alive_timeout_s": 0.5}], indirect=True
)
def test_silent_slow_and_idle_connections_are_closed(router: ServedRouter) -> None:
    silent = router.connect()
    slow = router.connect()
    slow.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    for _ in range(3):  # trickling header lines does not restart the clock
        time.sleep(0.2)
        slow.sendall(b"X-Slow: 1\r\n")
    assert closed_within(silent, 2.0)
    assert closed_within(slow, 2.0)
    idle = router.connect()
    idle.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert idle.recv(4096).startswith(b"HTTP/1.1 200")
    assert closed_within(idle, 2.0)  # keep-alive timeout after the answer
    # A prompt client is not affected.
    assert httpx.get(router.url + "/health").status_code == 200


@pytest.mark.parametrize("router", [{"max_connections": 5}], indirect=True)
def test_connections_beyond_the_cap_are_closed(router: ServedRouter) -> None:
    held = [router.connect() for _ in range(5)]
    time.sleep(0.2)
    extra = router.connect()
    assert closed_within(extra, 2.0)
    for sock in held:
        sock.close()
    time.sleep(0.2)
    assert httpx.get(router.url + "/health").status_code == 200


def test_client_disconnect_mid_body_is_one_debug_line(
    router: ServedRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for _ in range(5):
        sock = router.connect()
        sock.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n" + b'{"query": "{ me'
        )
        time.sleep(0.1)
        sock.close()
    garbage = router.connect()
    garbage.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
    closed_within(garbage, 2.0)
    time.sleep(0.3)
    assert httpx.get(router.url + "/health").status_code == 200
    loud = [r for r in caplog.records if r.levelno > logging.INFO]
    assert loud == [], [r.getMessage() for r in loud]
    assert not [r for r in caplog.records if r.exc_info]
    disconnects = [r for r in caplog.records if "disconnected" in r.getMessage()]
    assert len(disconnects) == 5
    assert all(r.levelno == logging.DEBUG and "\n" not in r.getMessage() for r in disconnects)


def test_health_details_need_the_admin_token(
    router: ServedRouter, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    public = httpx.get(router.url + "/health/detailed").json()
    text = str(public)
    assert "127.0.0.1" not in text and "supergraph.graphql" not in text
    assert "supergraphFile" not in public
    assert public["subgraphs"]["accounts"]["reachable"] is False
    assert public["subgraphs"]["accounts"]["error"] == "hidden: send the admin token for details"
    monkeypatch.setenv("GATEWAY_ADMIN_TOKEN", "s3cret")
    second = ServedRouter(unreachable_supergraph(tmp_path))
    try:
        anonymous = httpx.get(second.url + "/health/detailed").json()
        assert "url" not in anonymous["subgraphs"]["accounts"]
        wrong = httpx.get(
            second.url + "/health/detailed", headers={"authorization": "Bearer nope"}
        ).json()
        assert "url" not in wrong["subgraphs"]["accounts"]
        admin = httpx.get(
            second.url + "/health/detailed", headers={"authorization": "Bearer s3cret"}
        ).json()
        assert admin["subgraphs"]["accounts"]["url"].startswith("http://127.0.0.1:")
        assert admin["supergraphFile"].endswith("supergraph.graphql")
        assert "127.0.0.1" in admin["subgraphs"]["accounts"]["error"]
    finally:
        second.stop()


@pytest.mark.parametrize("router", [{"health_details": True}], indirect=True)
def test_health_details_can_be_made_public(router: ServedRouter) -> None:
    body = httpx.get(router.url + "/health/detailed").json()
    assert body["subgraphs"]["accounts"]["url"].startswith("http://127.0.0.1:")


@pytest.mark.parametrize("router", [{"body_read_timeout_s": 0.5}], indirect=True)
def test_a_trickled_body_is_cut_off_with_a_coded_408(router: ServedRouter) -> None:
    """Headers arrive promptly, then the body trickles in a byte at a time: the
    header timer no longer applies, so the body timer must end it."""
    sock = router.connect()
    sock.sendall(
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n"
    )
    answer = b""
    deadline = time.monotonic() + 5
    sock.settimeout(0.1)
    while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            sock.sendall(b" ")
        with contextlib.suppress(TimeoutError):
            answer += sock.recv(65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"REQUEST_TIMEOUT" in body or b"REQUEST_TIMEOUT" in _rest(sock)
    assert closed_within(sock, 2.0)
    # A prompt client is not affected.
    assert httpx.get(router.url + "/health").status_code == 200


def _rest(sock: socket.socket) -> bytes:
    sock.settimeout(1.0)
    with contextlib.suppress(OSError):
        return sock.recv(65536)
    return b""
