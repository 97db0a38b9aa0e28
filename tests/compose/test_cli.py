"""The ``planner compose`` CLI as CI runs it: config in YAML, SDL from files or from a
running subgraph (a real HTTP server on loopback answering ``{ _service { sdl } }``),
exit codes 0 / 1 / 2, errors one per line, ``--check`` and ``-o``."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from planner.compose import cli
from tests.support import AUDIT_DIR, REPO_ROOT, free_port, require_shared_data

FED2 = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
USERS = FED2 + 'type Query { me: User } type User @key(fields: "id") { id: ID! name: String }'
REVIEWS = FED2 + 'type User @key(fields: "id") { id: ID! reviews: [String] }'


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return cli.run(parser.parse_args(list(argv)))


def write_config(tmp_path: Path, subgraphs: dict[str, dict[str, object]]) -> Path:
    lines = ["subgraphs:"]
    for name, entry in subgraphs.items():
        lines.append(f"  {name}:")
        if "routing_url" in entry:
            lines.append(f"    routing_url: {entry['routing_url']}")
        schema = entry["schema"]
        assert isinstance(schema, dict)
        lines.append("    schema:")
        for key, value in schema.items():
            lines.append(f"      {key}: {value}")
    config = tmp_path / "supergraph.yaml"
    config.write_text("\n".join(lines) + "\n")
    return config


def file_config(tmp_path: Path, sdls: dict[str, str]) -> Path:
    entries: dict[str, dict[str, object]] = {}
    for name, sdl in sdls.items():
        (tmp_path / f"{name}.graphql").write_text(sdl)
        entries[name] = {
            "routing_url": f"http://{name}.internal/graphql",
            "schema": {"file": f"./{name}.graphql"},
        }
    return write_config(tmp_path, entries)


class _ServiceHandler(BaseHTTPRequestHandler):
    sdl = USERS

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        query = json.loads(self.rfile.read(length))["query"]
        body = json.dumps({"data": {"_service": {"sdl": self.sdl}}} if "_service" in query else {})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def subgraph_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _ServiceHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/graphql"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_compose_from_files_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = file_config(tmp_path, {"users": USERS, "reviews": REVIEWS})
    assert run_cli("--config", str(config)) == 0
    out = capsys.readouterr().out
    assert 'USERS @join__graph(name: "users", url: "http://users.internal/graphql")' in out
    assert "reviews: [String] @join__field(graph: REVIEWS)" in out


def test_output_file_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = file_config(tmp_path, {"users": USERS, "reviews": REVIEWS})
    target = tmp_path / "supergraph.graphql"
    assert run_cli("--config", str(config), "-o", str(target)) == 0
    assert "type User" in target.read_text()
    assert capsys.readouterr().out == ""
    assert run_cli("--config", str(config), "--check") == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "composition succeeded" in captured.err


def test_composition_errors_exit_1_one_per_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clash = FED2 + 'type Query { you: User } type User @key(fields: "id") { id: ID! name: String }'
    config = file_config(tmp_path, {"users": USERS, "others": clash})
    target = tmp_path / "never.graphql"
    assert run_cli("--config", str(config), "-o", str(target)) == 1
    assert not target.exists()
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if not line.startswith(("hint:", "composition failed"))]
    assert errors == [
        "INVALID_FIELD_SHARING subgraph=others,users element=User.name: Non-shareable field "
        '"User.name" is resolved from multiple subgraphs: it is resolved from subgraphs '
        '"others" and "users" and defined as non-shareable in subgraphs "others" and "users"'
    ]


def test_garbage_sdl_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = file_config(tmp_path, {"users": "type Query { me: "})
    assert run_cli("--config", str(config)) == 1
    err = capsys.readouterr().err
    assert "INVALID_GRAPHQL subgraph=users" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("subgraphs: [", "not valid YAML"),
        ("nothing: here\n", "must have a 'subgraphs' mapping"),
        ("subgraphs: {}\n", "lists no subgraphs"),
        ("subgraphs:\n  a:\n    routing_url: http://a\n", "'schema' must be a mapping"),
        ("subgraphs:\n  a:\n    schema:\n      file: ./a.graphql\n", "cannot read schema file"),
        ("subgraphs:\n  a:\n    schema:\n      other: x\n", "needs 'file' or 'subgraph_url'"),
    ],
)
def test_bad_config_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    config = tmp_path / "supergraph.yaml"
    config.write_text(content)
    assert run_cli("--config", str(config)) == 2
    assert message in capsys.readouterr().err


def test_missing_routing_url_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.graphql").write_text(USERS)
    config = write_config(tmp_path, {"a": {"schema": {"file": "./a.graphql"}}})
    assert run_cli("--config", str(config)) == 2
    assert "'routing_url' is required" in capsys.readouterr().err


def test_missing_config_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--config", str(tmp_path / "absent.yaml")) == 2
    assert "cannot read config" in capsys.readouterr().err


def test_subgraph_url_is_introspected(
    tmp_path: Path, subgraph_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "reviews.graphql").write_text(REVIEWS)
    config = write_config(
        tmp_path,
        {
            "users": {"schema": {"subgraph_url": subgraph_server}},
            "reviews": {"routing_url": "http://reviews", "schema": {"file": "./reviews.graphql"}},
        },
    )
    assert run_cli("--config", str(config)) == 0
    out = capsys.readouterr().out
    assert f'USERS @join__graph(name: "users", url: "{subgraph_server}")' in out
    assert "name: String @join__field(graph: USERS)" in out


def test_unreachable_subgraph_url_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}/graphql"
    config = write_config(
        tmp_path, {"users": {"routing_url": "http://u", "schema": {"subgraph_url": url}}}
    )
    assert run_cli("--config", str(config), "--timeout", "2") == 2
    err = capsys.readouterr().err
    assert f"subgraph_url {url} is unreachable" in err
    assert "Traceback" not in err


def test_module_entry_point_composes_an_audit_suite(tmp_path: Path) -> None:
    """``python -m planner.compose`` end to end, in a subprocess, on real audit data."""
    require_shared_data()
    raw = json.loads((AUDIT_DIR / "simple-requires-provides" / "subgraphs.json").read_text())
    config = file_config(tmp_path, {s["name"]: s["sdl"] for s in raw})
    text = config.read_text()
    for s in raw:
        text = text.replace(f"http://{s['name']}.internal/graphql", s["url"])
    config.write_text(text)
    target = tmp_path / "out.graphql"
    done = subprocess.run(
        [sys.executable, "-m", "planner.compose", "--config", str(config), "-o", str(target)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    expected = (AUDIT_DIR / "simple-requires-provides" / "supergraph.graphql").read_text()
    assert target.read_text().strip() == expected.strip()
