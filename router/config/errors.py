"""Configuration problems as one-line ``key.path: message`` reports.

pydantic's errors (``Input should be a valid integer``, ``Extra inputs are not
permitted``, with a location tuple) are rewritten into the form a person editing
router.yaml can act on: ``limits.max_depth: expected an integer, got "ten"``.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from router.config.settings import SettingsError


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem: where (a key path, ``(root)`` for the whole file) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ConfigError(SettingsError):
    """router.yaml cannot be used; ``issues`` lists every problem found."""

    def __init__(self, source: str, issues: Sequence[ConfigIssue]) -> None:
        self.source = source
        self.issues = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


def key_path(loc: Iterable[str | int]) -> str:
    """``("plugins", 0, "factory")`` as ``plugins[0].factory``; ``()`` as ``(root)``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(root)"


def shown(value: Any) -> str:
    """A value as the error message quotes it: YAML-ish scalars, kinds for containers."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}

_BOUNDS = {
    "greater_than_equal": ("ge", "must be at least {}"),
    "greater_than": ("gt", "must be greater than {}"),
    "less_than_equal": ("le", "must be at most {}"),
    "less_than": ("lt", "must be less than {}"),
}


def from_pydantic(
    errors: Iterable[Mapping[str, Any]], known_keys: Mapping[tuple[str | int, ...], Sequence[str]]
) -> list[ConfigIssue]:
    """pydantic ``ValidationError.errors()`` as issues; ``known_keys`` (allowed keys
    of the mapping at a path) turns an unknown key into a "did you mean" hint."""
    issues: list[ConfigIssue] = []
    for error in errors:
        loc = tuple(error["loc"])
        issues.append(ConfigIssue(key_path(loc), _message(error, loc, known_keys)))
    return list(dict.fromkeys(issues))


def _message(
    error: Mapping[str, Any],
    loc: tuple[str | int, ...],
    known_keys: Mapping[tuple[str | int, ...], Sequence[str]],
) -> str:
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = known_keys.get(loc[:-1], ())
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        listed = f"; known keys: {', '.join(allowed)}" if allowed and not close else ""
        return f"unknown key{hint}{listed}"
    if kind == "missing":
        return "required key is missing"
    if kind == "string_too_short":
        return "must not be empty"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {shown(value)}"
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected', '?')}, got {shown(value)}".replace("'", '"')
    if kind in _BOUNDS:
        bound, text = _BOUNDS[kind]
        limit = ctx.get(bound)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"{text.format(limit)}, got {shown(value)}"
    if kind == "value_error":  # raised by the model's own checks: the message is ours
        return str(ctx.get("error", error.get("msg", "")))
    return f"{error.get('msg', kind)}, got {shown(value)}"
