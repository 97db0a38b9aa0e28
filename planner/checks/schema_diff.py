"""Classify the differences between two API schemas with graphql-core's
``find_schema_changes`` (the successor of ``find_breaking_changes`` /
``find_dangerous_changes``, which it runs): every change becomes a `Change` with the
severity graphql-core gives it and the schema coordinate it is about.

graphql-core describes each change in a sentence; the coordinate is read back from
that sentence by the change type (the sentences are fixed templates over GraphQL
names, so the patterns below are anchored and linear)."""

from __future__ import annotations

import re

from graphql import GraphQLSchema
from graphql.utilities import (
    BreakingChangeType,
    DangerousChangeType,
    SchemaChange,
    find_schema_changes,
)

from planner.checks.model import Change, Severity

_NAME = r"[_A-Za-z][_0-9A-Za-z]*"
_DIRECTIVE = re.compile(rf"@{_NAME}(?:\({_NAME}:\))?")
_ELEMENT = re.compile(rf"{_NAME}\.{_NAME}(?:\({_NAME}:\))?")
_WORD = re.compile(_NAME)

_LAST_WORD_TYPES = {"TYPE_REMOVED_FROM_UNION", "TYPE_ADDED_TO_UNION", "IMPLEMENTED_INTERFACE_ADDED"}
_FIRST_WORD_TYPES = {"TYPE_REMOVED", "TYPE_ADDED", "TYPE_CHANGED_KIND"}
_DESCRIPTION_KINDS = ("field ", "argument ", "input-field ", "enum value ")


def severity_of(change: SchemaChange) -> Severity:
    if isinstance(change.type, BreakingChangeType):
        return Severity.BREAKING
    if isinstance(change.type, DangerousChangeType):
        return Severity.DANGEROUS
    return Severity.SAFE


def coordinate_of(change: SchemaChange) -> str:
    """The schema coordinate a graphql-core change is about (see `Change.coordinate`)."""
    kind = change.type.name
    text = change.description
    if "@" in text and ("DIRECTIVE" in kind or kind in {"ARG_CHANGED_KIND", "DESCRIPTION_CHANGED"}):
        found = _DIRECTIVE.search(text)
        if found:
            return found.group(0)
    if kind in _LAST_WORD_TYPES:
        return text.rstrip(".").rsplit(" ", 1)[-1]
    if kind == "IMPLEMENTED_INTERFACE_REMOVED" or kind in _FIRST_WORD_TYPES:
        if text.startswith("Standard scalar "):
            text = text[len("Standard scalar ") :]
        word = _WORD.match(text)
        return word.group(0) if word else text
    if kind == "DESCRIPTION_CHANGED":
        rest = text[len("Description of ") :] if text.startswith("Description of ") else text
        for prefix in _DESCRIPTION_KINDS:
            if rest.startswith(prefix):
                rest = rest[len(prefix) :]
                break
        found = _ELEMENT.match(rest) or _WORD.match(rest)
        return found.group(0) if found else rest
    found = _ELEMENT.search(text)
    return found.group(0) if found else text


def api_changes(old: GraphQLSchema, new: GraphQLSchema) -> list[Change]:
    """Every difference between two client-facing schemas, classified."""
    return [
        Change(severity_of(c), c.type.name, coordinate_of(c), c.description, "api")
        for c in find_schema_changes(old, new)
    ]
