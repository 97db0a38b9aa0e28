"""Settings from environment variables and CLI overrides."""

from __future__ import annotations

import pytest

from router.cli import main
from router.config.settings import Settings, SettingsError


def test_defaults_are_safe() -> None:
    settings = Settings.from_env({})
    assert settings.port == 4000
    assert settings.host == "127.0.0.1"
    assert settings.max_body_bytes == 2 * 1024 * 1024
    assert settings.max_depth == 100


def test_env_values_are_converted() -> None:
    settings = Settings.from_env(
        {"GATEWAY_PORT": "5000", "GATEWAY_SUBGRAPH_TIMEOUT": "2.5", "GATEWAY_RELOAD": "false"}
    )
    assert (settings.port, settings.subgraph_timeout, settings.reload) == (5000, 2.5, False)


def test_bad_env_value_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match="GATEWAY_PORT"):
        Settings.from_env({"GATEWAY_PORT": "http"})


def test_overrides_ignore_none() -> None:
    settings = Settings(port=1).with_overrides(port=None, host="0.0.0.0")
    assert (settings.port, settings.host) == (1, "0.0.0.0")


def test_cli_refuses_a_bad_env_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PORT", "http")
    assert main(["serve", "--supergraph", "supergraph.graphql"]) == 2


def test_cli_reports_a_missing_file(tmp_path: object) -> None:
    assert main(["serve", "--supergraph", "/nonexistent/supergraph.graphql"]) == 1


def test_per_subgraph_timeouts() -> None:
    settings = Settings.from_env({"GATEWAY_SUBGRAPH_TIMEOUTS": "search=5, reviews=0.5"})
    assert settings.timeouts_by_subgraph() == {"search": 5.0, "reviews": 0.5}
    with pytest.raises(SettingsError, match="GATEWAY_SUBGRAPH_TIMEOUTS"):
        Settings(subgraph_timeouts="search").timeouts_by_subgraph()
