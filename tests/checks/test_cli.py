"""``planner check`` as CI runs it: files in, a report out, exit codes 0 (passed),
1 (failed) and 2 (bad input). Operations come from a folder, a persisted query
manifest, or a registry's recorded usage (a real HTTP server on loopback serving
the ``GET /admin/api/usage/operations`` contract)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from planner.cli import main
from tests.checks.graphs import CURRENT, PRODUCTS, REVIEWS
from tests.support import REPO_ROOT, free_port

NO_WEIGHT = PRODUCTS.replace("  weight: Float\n", "")
TOP = "query TopProducts { products(first: 5) { id name weight } }\n"
NAMES = "query Names { products { name } }\n"
TOKEN = "admin-secret"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "supergraph.graphql").write_text(CURRENT.sdl)
    (tmp_path / "products.graphql").write_text(PRODUCTS)
    (tmp_path / "no-weight.graphql").write_text(NO_WEIGHT)
    (tmp_path / "reviews.graphql").write_text(REVIEWS)
    ops = tmp_path / "ops"
    ops.mkdir()
    (ops / "top.graphql").write_text(TOP)
    (ops / "nested").mkdir()
    (ops / "nested" / "names.graphql").write_text(NAMES)
    return tmp_path


def run(files: Path, *argv: str) -> int:
    return main(["check", "--supergraph", str(files / "supergraph.graphql"), *argv])


def test_unchanged_subgraph_passes(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(files, "--subgraph", f"products={files / 'products.graphql'}") == 0
    out = capsys.readouterr().out
    assert "PASSED" in out and "0 breaking" in out


def test_removed_field_used_by_an_operation_exits_1_and_names_it(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        files,
        "--subgraph",
        f"products={files / 'no-weight.graphql'}",
        "--operations",
        str(files / "ops"),
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED" in out
    assert "TopProducts [top.graphql]: validation" in out
    assert "Product.weight" in out
    assert "Names" not in out.split("Broken operations:")[1]


def test_removed_field_no_operation_uses_passes_with_operations(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (files / "ops" / "top.graphql").unlink()
    args = (
        "--subgraph",
        f"products={files / 'no-weight.graphql'}",
        "--operations",
        str(files / "ops"),
    )
    assert run(files, *args) == 0
    assert "FIELD_REMOVED" in capsys.readouterr().out  # reported, not refused
    assert run(files, *args, "--strict") == 1


def test_breaking_change_without_operations_exits_1(files: Path) -> None:
    assert run(files, "--subgraph", f"products={files / 'no-weight.graphql'}") == 1


def test_composition_failure_exits_1_with_codes(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (files / "bad.graphql").write_text(PRODUCTS.replace("  price: Int\n", "  price: Nope\n"))
    assert run(files, "--subgraph", f"products={files / 'bad.graphql'}", "--format", "json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is False
    assert report["composition"]["ok"] is False
    assert report["composition"]["errors"][0]["code"]


def test_json_format(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        files,
        "--subgraph",
        f"products={files / 'no-weight.graphql'}",
        "--operations",
        str(files / "ops"),
        "--format",
        "json",
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["subgraphs"] == ["products"]
    assert report["summary"]["operations_checked"] == 2
    assert report["summary"]["operations_broken"] == 1
    (broken,) = report["operations"]["broken"]
    assert broken["name"] == "TopProducts" and broken["failure"] == "validation"
    removed = [c for c in report["changes"] if c["code"] == "FIELD_REMOVED"]
    assert removed == [
        {
            "severity": "BREAKING",
            "code": "FIELD_REMOVED",
            "coordinate": "Product.weight",
            "message": "Field Product.weight was removed.",
            "kind": "api",
        }
    ]


def test_markdown_format(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(
        files,
        "--subgraph",
        f"products={files / 'no-weight.graphql'}",
        "--operations",
        str(files / "ops"),
        "--format",
        "markdown",
    )
    out = capsys.readouterr().out
    assert out.startswith("### ❌ Schema check for products: FAILED")
    assert "| 🔴 | BREAKING | Field Product.weight was removed. | `Product.weight` |" in out
    assert "| `TopProducts` | validation |" in out


def test_config_gives_the_whole_proposed_set(files: Path) -> None:
    config = files / "supergraph.yaml"
    config.write_text(
        "subgraphs:\n"
        "  products:\n    routing_url: http://products.internal/graphql\n"
        "    schema:\n      file: ./no-weight.graphql\n"
        "  reviews:\n    routing_url: http://reviews.internal/graphql\n"
        "    schema:\n      file: ./reviews.graphql\n"
    )
    assert run(files, "--config", str(config)) == 1
    assert (
        run(files, "--config", str(config), "--subgraph", f"products={files / 'products.graphql'}")
        == 0
    )


def test_persisted_query_manifest(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [
            {"id": "abc123", "name": "TopProducts", "type": "query", "body": TOP},
            {"id": "def456", "name": "Names", "type": "query", "body": NAMES},
        ],
    }
    path = files / "manifest.json"
    path.write_text(json.dumps(manifest))
    code = run(
        files,
        "--subgraph",
        f"products={files / 'no-weight.graphql'}",
        "--persisted-queries",
        str(path),
    )
    assert code == 1
    assert "TopProducts [pq:abc123]: validation" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--subgraph", "products"],  # not NAME=FILE
        ["--subgraph", "products=/nonexistent/products.graphql"],
        [],  # neither --subgraph nor --config
        ["--subgraph", "products={p}", "--operations", "/nonexistent/ops"],
        ["--subgraph", "products={p}", "--persisted-queries", "{bad}"],
        ["--subgraph", "products={p}", "--registry", "http://127.0.0.1:{port}", "--since", "7d"],
        ["--subgraph", "products={p}", "--registry", "http://127.0.0.1:{port}", "--since", "7x"],
        ["--config", "/nonexistent/supergraph.yaml"],
    ],
)
def test_bad_input_exits_2(
    files: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    (files / "bad.json").write_text('{"format": "something-else", "operations": []}')
    values = {"p": files / "products.graphql", "bad": files / "bad.json", "port": free_port()}
    assert run(files, *[a.format(**values) for a in argv]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_invalid_current_supergraph_exits_2(files: Path) -> None:
    (files / "supergraph.graphql").write_text("type Query { a: Int }")
    assert run(files, "--subgraph", f"products={files / 'products.graphql'}") == 2


class _UsageHandler(BaseHTTPRequestHandler):
    requests_seen: list[tuple[str, str | None]] = []
    body: object = {}

    def do_GET(self) -> None:
        url = urlparse(self.path)
        _UsageHandler.requests_seen.append((self.path, self.headers.get("Authorization")))
        if url.path != "/admin/api/usage/operations":
            self.send_response(404)
            self.end_headers()
            return
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_response(401)
            self.end_headers()
            return
        assert parse_qs(url.query) == {"since": ["7d"]}
        payload = json.dumps(self.body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def usage_server() -> Iterator[str]:
    _UsageHandler.requests_seen = []
    _UsageHandler.body = {
        "operations": [
            {"hash": "a" * 64, "name": "TopProducts", "document": TOP, "requests": 1234},
            {"hash": "b" * 64, "name": "Names", "document": NAMES, "requests": 99},
            {"hash": "c" * 64, "name": None, "document": "{ products { weight } }", "requests": 5},
        ]
    }
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _UsageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_registry_usage_gives_the_operations_with_request_counts(
    files: Path, usage_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        files,
        "--subgraph",
        f"products={files / 'no-weight.graphql'}",
        "--registry",
        usage_server,
        "--since",
        "7d",
        "--admin-token",
        TOKEN,
        "--format",
        "json",
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert _UsageHandler.requests_seen == [
        ("/admin/api/usage/operations?since=7d", f"Bearer {TOKEN}")
    ]
    broken = [(b["name"], b["requests"], b["source"]) for b in report["operations"]["broken"]]
    assert broken == [("TopProducts", 1234, "usage:aaaaaaaaaaaa"), (None, 5, "usage:cccccccccccc")]
    assert report["operations"]["checked"] == 3


def test_registry_refusing_the_token_exits_2(
    files: Path, usage_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        files,
        "--subgraph",
        f"products={files / 'products.graphql'}",
        "--registry",
        usage_server,
        "--admin-token",
        "wrong",
    )
    assert code == 2
    assert "HTTP 401" in capsys.readouterr().err


def test_registry_answer_without_operations_exits_2(files: Path, usage_server: str) -> None:
    _UsageHandler.body = {"data": []}
    argv = ["--subgraph", f"products={files / 'products.graphql'}", "--registry", usage_server]
    assert run(files, *argv, "--admin-token", TOKEN) == 2


def test_installed_command_runs(files: Path) -> None:
    """The console script as CI calls it (a separate process, real exit code)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner.cli",
            "check",
            "--supergraph",
            str(files / "supergraph.graphql"),
            "--subgraph",
            f"products={files / 'no-weight.graphql'}",
            "--operations",
            str(files / "ops"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "TopProducts" in result.stdout
