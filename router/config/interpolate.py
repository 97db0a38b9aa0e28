"""``${env.NAME}`` and ``${env.NAME:-default}`` in router.yaml string values.

Runs on the parsed YAML tree (not the text), so a variable's value can never change
the file's structure, and an error names the key path it was found under. Keys are
never interpolated. ``$${`` writes a literal ``${``.

A string that came out of a substitution is an ``EnvText``: a ``str`` that the
number and boolean fields of the file model convert the way ``GATEWAY_*`` variables
are converted, so ``port: ${env.PORT:-4000}`` is a port and ``port: "4000"`` (text
written in the file) is still a type error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from router.config.errors import ConfigIssue, key_path

_REFERENCE = re.compile(r"\$?\$\{([^}]*)\}")
"""``${...}`` (or the escape ``$${...}``); ``[^}]*`` cannot backtrack."""
_ENV_BODY = re.compile(r"env\.([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?", re.DOTALL)


class EnvText(str):
    """Text (part of) which came from an environment variable."""

    __slots__ = ()


def plain(value: Any) -> Any:
    """``value`` with every ``EnvText`` turned back into a ``str`` (for values the
    model keeps as they are, like plugin options)."""
    if isinstance(value, EnvText):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def interpolate(
    value: Any, environ: Mapping[str, str], path: tuple[str | int, ...] = ()
) -> tuple[Any, list[ConfigIssue]]:
    """``value`` with every reference replaced, and the problems found (with paths)."""
    issues: list[ConfigIssue] = []
    return _walk(value, environ, path, issues), issues


def _walk(
    value: Any, environ: Mapping[str, str], path: tuple[str | int, ...], issues: list[ConfigIssue]
) -> Any:
    if isinstance(value, str):
        return _substitute(value, environ, path, issues)
    if isinstance(value, dict):
        return {k: _walk(v, environ, (*path, str(k)), issues) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, environ, (*path, i), issues) for i, v in enumerate(value)]
    return value


def _substitute(
    text: str, environ: Mapping[str, str], path: tuple[str | int, ...], issues: list[ConfigIssue]
) -> str:
    if "${" not in text:
        return text
    substituted = False

    def replace(match: re.Match[str]) -> str:
        nonlocal substituted
        if match.group(0).startswith("$$"):
            return match.group(0)[1:]
        body = _ENV_BODY.fullmatch(match.group(1))
        if body is None:
            issues.append(
                ConfigIssue(
                    key_path(path),
                    f"unknown reference {match.group(0)}: write ${{env.NAME}} or "
                    "${env.NAME:-default} (or $${ for a literal ${)",
                )
            )
            return match.group(0)
        name, default = body.group(1), body.group(2)
        found = environ.get(name)
        if found is None or (found == "" and default is not None):
            if default is None:
                issues.append(
                    ConfigIssue(
                        key_path(path),
                        f"environment variable {name} is not set "
                        f"(give a default: ${{env.{name}:-value}})",
                    )
                )
                return ""
            found = default
        substituted = True
        return found

    result = _REFERENCE.sub(replace, text)
    return EnvText(result) if substituted else result
