"""router.yaml: mapping onto Settings, ${env} interpolation, precedence, and the
`gateway config check|schema` commands with their exact messages and exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from router.cli import main
from router.config.errors import ConfigError
from router.config.loader import load_config, load_settings, parse_config
from router.config.model import RouterFile
from router.config.registry import registry_config
from router.config.settings import (
    CorsSettings,
    PluginSpec,
    Settings,
    SettingsError,
    SubgraphOverrides,
    SubgraphSettings,
)
from router.registry.config import RegistryConfig

GOOD = """
supergraph:
  path: graphs/supergraph.graphql
  reload: false
listen: {host: 0.0.0.0, port: 4100}
workers: 3
shutdown_grace_s: 2.5
log_level: warning
introspection: false
limits: {max_depth: 12, max_aliases: 0, max_subgraph_requests: 8}
subgraphs:
  all: {timeout_s: 7, headers: [X-Request-Id]}
  reviews: {timeout_s: 2, headers: [Authorization], use_msgpack: true}
  search: {use_msgpack: false}
cors:
  allow_origins: [https://app.example.com]
  allow_credentials: true
  allow_methods: [get, post]
csrf: {enabled: false, required_headers: [X-Custom]}
plugins:
  - factory: acme.plugins:Audit
    options: {endpoint: http://audit, batch: 10}
registry: {admin_token: secret, fallback: drop}
"""


def _write(tmp_path: Path, text: str, name: str = "router.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(["config", "check", str(path)])
    captured = capsys.readouterr()
    return code, captured.err.splitlines(), captured.out


def test_a_good_file_maps_onto_settings(tmp_path: Path) -> None:
    settings = load_config(_write(tmp_path, GOOD), {})
    assert settings.supergraph == str(tmp_path / "graphs" / "supergraph.graphql")
    assert (settings.reload, settings.host, settings.port) == (False, "0.0.0.0", 4100)
    assert (settings.workers, settings.shutdown_grace_s, settings.log_level) == (3, 2.5, "warning")
    assert (settings.introspection, settings.graphiql) == (False, True)
    assert (settings.max_depth, settings.max_aliases, settings.max_fields) == (12, 0, 50_000)
    assert settings.max_subgraph_requests == 8
    assert settings.subgraph_timeout == 7.0
    assert settings.cors == CorsSettings(
        allow_origins=("https://app.example.com",),
        allow_credentials=True,
        allow_methods=("GET", "POST"),
    )
    assert (settings.csrf, settings.csrf_required_headers) == (False, ("x-custom",))
    assert settings.plugins == (
        PluginSpec("acme.plugins:Audit", (("endpoint", "http://audit"), ("batch", 10))),
    )
    default, named = settings.subgraph_settings()
    assert default == SubgraphSettings(None, ("x-request-id",), False)
    assert named == {
        "reviews": SubgraphSettings(2.0, ("x-request-id", "authorization"), True),
        "search": SubgraphSettings(None, ("x-request-id",), False),
    }


def test_check_prints_a_summary_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, out = _check(_write(tmp_path, GOOD), capsys)
    assert (code, err) == (0, [])
    assert out.splitlines()[0] == f"{tmp_path / 'router.yaml'}: valid"
    assert "listen 0.0.0.0:4100, 3 worker(s), log level warning" in out
    assert "2 with own settings: reviews, search" in out
    assert "plugins: acme.plugins:Audit" in out


def test_workers_auto_is_one_per_core(tmp_path: Path) -> None:
    settings = load_config(_write(tmp_path, "workers: auto\n"), {})
    assert settings.workers == (os.cpu_count() or 1)
    assert load_config(_write(tmp_path, "workers: ${env.W:-3}\n"), {}).workers == 3


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    assert load_config(_write(tmp_path, "# nothing\n"), {}) == Settings()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("limits:\n  max_depth: ten\n", 'limits.max_depth: expected an integer, got "ten"'),
        ("limits:\n  max_dpeth: 3\n", "limits.max_dpeth: unknown key (did you mean max_depth?)"),
        ("listen: {port: 70000}\n", "listen.port: must be at most 65535, got 70000"),
        ("limits: {max_depth: 0}\n", "limits.max_depth: must be at least 1, got 0"),
        ('listen: {port: "4000"}\n', 'listen.port: expected an integer, got "4000"'),
        ("introspection: 1\n", "introspection: expected true or false, got 1"),
        ("graphiql: maybe\n", 'graphiql: expected true or false, got "maybe"'),
        ("listen: 4000\n", "listen: expected a mapping, got 4000"),
        ("cors: {allow_origins: https://a.example}\n", 'cors.allow_origins: expected a list, got "https://a.example"'),
        ("workers: lots\n", 'workers: expected an integer or "auto", got "lots"'),
        ("log_level: loud\n", 'log_level: expected one of "critical", "error", "warning", "info", "debug" or "trace", got "loud"'),
        ("registry: {fallback: retry}\n", 'registry.fallback: expected one of "cached", "drop" or "degrade", got "retry"'),
        ("subgraphs:\n  all: {timeout_s: 0}\n", "subgraphs.all.timeout_s: must be greater than 0, got 0"),
        ("subgraphs:\n  reviews: {timeot_s: 1}\n", "subgraphs.reviews.timeot_s: unknown key (did you mean timeout_s?)"),
        ("subgraphs:\n  reviews: {headers: [a b]}\n", 'subgraphs.reviews.headers[0]: "a b" is not an HTTP header name'),
        ("cors: {allow_origins: [app.example.com]}\n", 'cors.allow_origins[0]: expected an origin like "https://app.example.com" or "*", got "app.example.com"'),
        ('cors: {allow_origins: ["*"], allow_credentials: true}\n', 'cors.allow_credentials: cannot be true when allow_origins contains "*" (list the origins)'),
        ("plugins:\n  - factory: acme\n", 'plugins[0].factory: expected "package.module:Factory", got "acme"'),
        ("plugins:\n  - options: {}\n", "plugins[0].factory: required key is missing"),
        ("supergraph: {path: ''}\n", "supergraph.path: must not be empty"),
        ("tracing: {}\n", "tracing: unknown key; known keys: " + ", ".join(RouterFile.model_fields)),
        ("rate_limit: {limit: lots}\n", "rate_limit.limit: expected a rate like '100/minute', got 'lots'"),
        ("rate_limit: {by: cookie}\n", "rate_limit.by: expected api_key, subject, ip or header:NAME, got 'cookie'"),
        ("- a\n- b\n", "(root): expected a mapping of sections"),
        ("limits: {max_depth: 1}\nlimits: {max_depth: 2}\n", "(file): not valid YAML at line 2, column 1: duplicate key 'limits'"),
        ("limits: [\n", "(file): not valid YAML at line 2, column 1: expected the node content, but found '<stream end>'"),
    ],
)  # fmt: skip
def test_a_bad_file_names_the_key_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    code, err, out = _check(_write(tmp_path, text), capsys)
    assert (code, err, out) == (2, [expected], "")


def test_every_problem_is_reported_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "limits: {max_depth: ten, max_fields: -1}\nlisten: {hots: x}\n"
    code, err, _ = _check(_write(tmp_path, text), capsys)
    assert code == 2
    assert sorted(err) == [
        'limits.max_depth: expected an integer, got "ten"',
        "limits.max_fields: must be at least 1, got -1",
        "listen.hots: unknown key (did you mean host?)",
    ]


def test_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err, _ = _check(tmp_path / "absent.yaml", capsys)
    assert code == 2
    assert err[0].startswith("(file): cannot read: [Errno 2]")


def test_env_interpolation_with_and_without_default(tmp_path: Path) -> None:
    text = (
        "listen: {host: '${env.HOST_NAME}', port: '${env.PORT_NUMBER:-4321}'}\n"
        "introspection: ${env.INTROSPECT:-off}\n"
        "registry: {database_url: 'postgresql://${env.DB_USER}@db/${env.DB_NAME:-gw}'}\n"
        "plugins: [{factory: 'a:B', options: {literal: '$${env.NOT_ME}${env.EMPTY:-}'}}]\n"
    )
    path = _write(tmp_path, text)
    env = {"HOST_NAME": "10.0.0.1", "DB_USER": "router"}
    settings = load_config(path, env)
    assert (settings.host, settings.port, settings.introspection) == ("10.0.0.1", 4321, False)
    assert settings.registry.database_url == "postgresql://router@db/gw"
    assert settings.plugins[0].options == (("literal", "${env.NOT_ME}"),)
    assert type(settings.plugins[0].options[0][1]) is str  # no interpolation marker leaks
    env |= {"PORT_NUMBER": "5000", "INTROSPECT": "yes", "DB_NAME": "prod"}
    settings = load_config(path, env)
    assert (settings.port, settings.introspection) == (5000, True)
    assert settings.registry.database_url == "postgresql://router@db/prod"
    # the set-but-empty variable falls back to the default, like the shell's :-
    assert load_config(path, {**env, "PORT_NUMBER": ""}).port == 4321


def test_env_interpolation_errors_name_the_key(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "listen: {port: '${env.PORT_NUMBER}'}\n"
        "plugins: [{factory: 'a:B', options: {token: 'Bearer ${env.TOKEN}'}}]\n"
        "registry: {admin_token: '${secret}'}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, {"PORT_NUMBER": "http"})
    assert [str(issue) for issue in caught.value.issues] == [
        "plugins[0].options.token: environment variable TOKEN is not set "
        "(give a default: ${env.TOKEN:-value})",
        "registry.admin_token: unknown reference ${secret}: write ${env.NAME} or "
        "${env.NAME:-default} (or $${ for a literal ${)",
    ]
    good = path.read_text().replace("${secret}", "s").replace("${env.TOKEN}", "t")
    with pytest.raises(ConfigError) as caught:
        parse_config(good, "x.yaml", {"PORT_NUMBER": "http"})
    assert str(caught.value) == 'listen.port: expected an integer, got "http"'


def test_a_missing_variable_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GATEWAY_TEST_UNSET", raising=False)
    path = _write(tmp_path, "listen: {host: '${env.GATEWAY_TEST_UNSET}'}\n")
    code, err, _ = _check(path, capsys)
    assert (code, err) == (
        2,
        [
            "listen.host: environment variable GATEWAY_TEST_UNSET is not set "
            "(give a default: ${env.GATEWAY_TEST_UNSET:-value})"
        ],
    )


def test_precedence_defaults_file_env_flags(tmp_path: Path) -> None:
    path = _write(tmp_path, "listen: {port: 4100}\nlimits: {max_depth: 5, max_aliases: 9}\n")
    env = {"GATEWAY_PORT": "4200", "GATEWAY_MAX_DEPTH": "6"}
    settings = load_settings(path, env)
    assert (settings.port, settings.max_depth, settings.max_aliases) == (4200, 6, 9)
    assert settings.max_fields == Settings().max_fields  # in neither: the default
    assert settings.with_overrides(port=4300, host=None).port == 4300  # what the CLI does
    assert load_settings(None, env) == Settings.from_env(env)  # no file: as before


def test_serve_refuses_a_bad_file_before_anything_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "limits: {max_depth: ten}\n")
    assert main(["serve", "--config", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"gateway: invalid configuration in {path}:",
        '  limits.max_depth: expected an integer, got "ten"',
    ]


def test_subgraph_variables_merge_over_the_file(tmp_path: Path) -> None:
    text = (
        "subgraphs:\n"
        "  all: {headers: [x-file], use_msgpack: true}\n"
        "  reviews: {timeout_s: 2, headers: [authorization]}\n"
        "  search: {use_msgpack: false, timeout_s: 9}\n"
    )
    env = {
        "GATEWAY_SUBGRAPH_TIMEOUTS": "reviews=4,accounts=1",
        "GATEWAY_SUBGRAPH_HEADERS": "search=x-tenant",
    }
    default, named = load_settings(_write(tmp_path, text), env).subgraph_settings()
    assert default == SubgraphSettings(None, ("x-file",), True)
    assert named == {
        "accounts": SubgraphSettings(1.0, ("x-file",), True),
        "reviews": SubgraphSettings(4.0, ("x-file", "authorization"), True),
        "search": SubgraphSettings(9.0, ("x-file", "x-tenant"), False),
    }
    env["GATEWAY_SUBGRAPH_HEADERS"] = "*=x-env"
    env["GATEWAY_SUBGRAPH_MSGPACK"] = "search"
    default, named = load_settings(_write(tmp_path, text), env).subgraph_settings()
    assert default.forward_headers == ("x-env",)  # the variable's * replaces all.headers
    assert named["search"] == SubgraphSettings(9.0, ("x-env",), True)  # a variable turns it on


def test_file_overrides_are_kept_as_written() -> None:
    settings = Settings(subgraphs=(("reviews", SubgraphOverrides(use_msgpack=True)),))
    assert settings.subgraph_settings()[1] == {"reviews": SubgraphSettings(None, (), True)}


def test_registry_section_under_its_variables(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "registry:\n  database_url: postgresql://u@db/gw\n  admin_token: from-file\n"
        "  poll_interval_s: 0\n  fallback: degrade\n",
    )
    settings = load_config(path, {})
    assert registry_config(settings, {}) == RegistryConfig(
        database_url="postgresql+asyncpg://u@db/gw",
        admin_token="from-file",
        poll_interval_s=0.0,
        fallback="degrade",
    )
    env = {"DATABASE_URL": "sqlite:///x.db", "GATEWAY_ADMIN_TOKEN": "from-env"}
    env["GATEWAY_FETCH_TIMEOUT_S"] = "1.5"
    assert registry_config(settings, env) == RegistryConfig(
        database_url="sqlite+aiosqlite:///x.db",
        admin_token="from-env",
        poll_interval_s=0.0,
        fallback="degrade",
        fetch_timeout_s=1.5,
    )
    assert registry_config(Settings(), {}) == RegistryConfig.from_env({})
    with pytest.raises(SettingsError, match="GATEWAY_POLL_INTERVAL_S"):
        registry_config(settings, {"GATEWAY_POLL_INTERVAL_S": "soon"})


def test_schema_command_prints_the_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["additionalProperties"] is False
    limits = schema["$defs"]["LimitsSection"]["properties"]
    assert limits["max_depth"] == {
        "default": 100,
        "description": "Deepest selection nesting (fragments expanded).",
        "title": "Max Depth",
        "anyOf": [{"minimum": 1, "type": "integer"}, {"$ref": "#/$defs/EnvReference"}],
    }
    pattern = re.compile(schema["$defs"]["EnvReference"]["pattern"])
    assert pattern.match("${env.PORT:-4000}") and pattern.match("${env.PORT}")
    assert not pattern.match("4000")
    assert set(schema["properties"]) >= {"supergraph", "limits", "subgraphs", "cors", "registry"}


def test_check_through_the_installed_command(tmp_path: Path) -> None:
    bad = _write(tmp_path, "limits:\n  max_depth: ten\n")
    result = subprocess.run(
        [sys.executable, "-m", "router.cli", "config", "check", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == 'limits.max_depth: expected an integer, got "ten"\n'


def test_auth_section_builds_the_jwt_providers(tmp_path: Path) -> None:
    from router.config.loader import load_config

    path = tmp_path / "router.yaml"
    path.write_text(
        "auth:\n"
        "  require: true\n"
        "  jwt:\n"
        "    providers:\n"
        "      - {issuer: https://idp.test/, audiences: [api], jwks_url: '${env.JWKS_URL}'}\n"
        "  forward: {client_id: X-Client-Id}\n"
    )
    settings = load_config(path, {"JWKS_URL": "http://127.0.0.1:9/jwks.json"})
    assert settings.auth.require
    assert settings.auth.jwt is not None
    provider = settings.auth.jwt.providers[0]
    assert (provider.issuer, provider.audiences) == ("https://idp.test/", ("api",))
    assert provider.jwks_url == "http://127.0.0.1:9/jwks.json"
    assert settings.auth.forward.client_id == "x-client-id"


def test_a_bad_jwt_provider_names_the_key_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from router.cli import main

    path = tmp_path / "router.yaml"
    path.write_text("auth:\n  jwt: {providers: [{issuer: x, audiences: [], jwks_url: http://j}]}\n")
    assert main(["config", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "auth.jwt" in err
    assert "audiences must list at least one audience" in err
