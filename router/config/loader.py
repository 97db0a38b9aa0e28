"""router.yaml to ``Settings``: read, interpolate ``${env...}``, validate, map.

Layers, weakest first: ``Settings`` defaults < the file < ``GATEWAY_*`` variables <
command-line options. ``load_settings`` applies the first three; the CLI applies its
options with ``Settings.with_overrides``.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ValidationError

from router.config.errors import ConfigError, ConfigIssue, from_pydantic
from router.config.interpolate import interpolate
from router.config.model import RouterFile, SubgraphSection, SubgraphsSection
from router.config.settings import Settings


def load_settings(
    config_path: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Defaults, then the file (if any), then ``GATEWAY_*`` variables.

    Raises ``ConfigError`` for a bad file, ``SettingsError`` for a bad variable."""
    env = os.environ if environ is None else environ
    base = None if config_path is None else load_config(config_path, env)
    return Settings.from_env(env, base=base)


def load_config(
    config_path: str | os.PathLike[str], environ: Mapping[str, str] | None = None
) -> Settings:
    """The file's settings over the defaults (no ``GATEWAY_*`` variables)."""
    path = Path(config_path)
    settings = Settings(**read_config(path, environ).settings())
    if settings.supergraph is not None:  # relative to the file, not the working directory
        supergraph = path.parent / Path(settings.supergraph).expanduser()
        settings = settings.with_overrides(supergraph=str(supergraph))
    return settings


def read_config(
    config_path: str | os.PathLike[str], environ: Mapping[str, str] | None = None
) -> RouterFile:
    """The validated file model; ``ConfigError`` lists every problem with its key path."""
    path = Path(config_path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [ConfigIssue("(file)", f"cannot read: {exc}")]) from exc
    return parse_config(text, source, environ)


def parse_config(
    text: str, source: str = "router.yaml", environ: Mapping[str, str] | None = None
) -> RouterFile:
    """``read_config`` on text already read."""
    env = os.environ if environ is None else environ
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(source, [ConfigIssue("(file)", _yaml_message(exc))]) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, [ConfigIssue("(root)", "expected a mapping of sections")])
    data, issues = interpolate(data, env)
    if issues:
        raise ConfigError(source, issues)
    try:
        return RouterFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, from_pydantic(exc.errors(), _KnownKeys())) from exc


class _UniqueKeyLoader(yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that refuses a key written twice in one mapping (PyYAML keeps the
    last silently, which hides a typo'd copy-paste)."""


def _unique_mapping(loader: Any, node: Any) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: construct_mapping reports it
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
    mapping: dict[Any, Any] = loader.construct_mapping(node)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def _yaml_message(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return f"not valid YAML: {problem}"
    return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"


class _KnownKeys(Mapping[tuple[str | int, ...], list[str]]):
    """The keys allowed at a key path, found by walking the model (for "did you mean")."""

    def __getitem__(self, loc: tuple[str | int, ...]) -> list[str]:
        model: Any = RouterFile
        for part in loc:
            model = _child(model, part)
            if model is None:
                raise KeyError(loc)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise KeyError(loc)
        return list(model.model_fields)

    def __iter__(self) -> typing.Iterator[tuple[str | int, ...]]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _child(model: Any, part: str | int) -> Any:
    if model is SubgraphsSection and part != "all":
        return SubgraphSection
    origin = typing.get_origin(model)
    if origin is list and isinstance(part, int):
        return typing.get_args(model)[0]
    if isinstance(model, type) and issubclass(model, BaseModel) and isinstance(part, str):
        field = model.model_fields.get(part)
        return None if field is None else field.annotation
    return None
