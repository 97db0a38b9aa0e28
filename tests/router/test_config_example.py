"""The root router.example.yaml shows every key with its real default, and
docs/router.md documents every key of the file model."""

from __future__ import annotations

import typing
from typing import Any

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel

from router.config.loader import load_config
from router.config.model import RouterFile, SubgraphSection, SubgraphsSection
from router.config.registry import registry_config
from router.config.settings import RegistrySettings, Settings
from router.registry.config import FALLBACKS, RegistryConfig
from tests.support import REPO_ROOT

EXAMPLE = REPO_ROOT / "router.example.yaml"


def _model(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def model_keys(model: type[BaseModel] = RouterFile, prefix: str = "") -> list[str]:
    """Every key of the file as docs/router.md writes it: ``limits.max_depth``,
    ``subgraphs.<name>.timeout_s``, ``plugins[].factory``."""
    keys: list[str] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        child = _model(info.annotation)
        if child is None:
            keys.append(path)
            continue
        if typing.get_origin(info.annotation) is list:
            path += "[]"
        keys.extend(model_keys(child, path + "."))
    if model is SubgraphsSection:
        keys.extend(model_keys(SubgraphSection, f"{prefix}<name>."))
    return keys


def _example_keys(value: Any, prefix: str = "") -> list[str]:
    if not isinstance(value, dict) or not value:  # an empty mapping is a value: `{}`
        return [prefix.rstrip(".")]
    keys: list[str] = []
    for name, child in value.items():
        keys.extend(_example_keys(child, f"{prefix}{name}."))
    return keys


def test_example_validates_and_holds_the_defaults() -> None:
    settings = load_config(EXAMPLE, {})
    assert settings == Settings()
    assert registry_config(settings, {}) == RegistryConfig.from_env({})


def test_example_shows_every_key() -> None:
    shown = set(_example_keys(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))))
    expected = {k for k in model_keys() if "<name>" not in k and "[]" not in k} | {"plugins"}
    assert shown == expected
    text = EXAMPLE.read_text(encoding="utf-8")
    for key in ("factory:", "options:", "timeout_s: 5"):  # the commented examples
        assert f"#    {key}" in text or f"#   {key}" in text or f"#  - {key}" in text


def test_docs_document_every_key() -> None:
    docs = (REPO_ROOT / "docs" / "router.md").read_text(encoding="utf-8")
    missing = [key for key in model_keys() if f"`{key}`" not in docs]
    assert missing == []


def test_registry_defaults_agree_with_the_registry() -> None:
    registry = RegistryConfig.from_env({})
    assert RegistrySettings() == RegistrySettings(
        **{name: getattr(registry, name) for name in RegistrySettings.__dataclass_fields__}
    )
    fallback = RouterFile.model_fields["registry"].annotation
    assert fallback is not None
    assert typing.get_args(fallback.model_fields["fallback"].annotation) == FALLBACKS
