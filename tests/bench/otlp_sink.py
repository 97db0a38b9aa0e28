"""An OTLP/HTTP endpoint that accepts and drops what it is sent, for the traced bench
variants: the router's exporter does its real work (batching, protobuf encoding,
HTTP), the sink answers 200 without decoding, on a core the gateway is not pinned to."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.bench.processes import free_port


class _Drop(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def otlp_sink() -> Iterator[str]:
    """Serve the sink; yields its traces endpoint URL."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Drop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    finally:
        server.shutdown()
        server.server_close()
