"""Variables with secret values replaced, walked with an explicit stack (no
recursion: the nesting depth is the client's) and a node budget (a huge variables
object is cut, not copied whole into the audit log)."""

from __future__ import annotations

from typing import Any

REDACTED = "[REDACTED]"
TRUNCATED = "[TRUNCATED]"
MAX_NODES = 2000
MAX_STRING = 1024
MAX_DEPTH = 32
"""Deeper values are cut: the copy must stay encodable as JSON (encoders recurse)."""


def redact(value: Any, names: frozenset[str], max_nodes: int = MAX_NODES) -> Any:
    """A copy of ``value`` whose entries named in ``names`` (lower-case) are redacted."""
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, int]] = [(value, root, 0, 0)]
    budget = max_nodes
    while stack:
        item, parent, slot, depth = stack.pop()
        budget -= 1
        if budget < 0 or (depth >= MAX_DEPTH and isinstance(item, dict | list)):
            parent[slot] = TRUNCATED
            continue
        if isinstance(item, dict):
            copy: dict[str, Any] = {}
            parent[slot] = copy
            for index, (key, child) in enumerate(item.items()):
                if index >= budget:
                    copy["..."] = TRUNCATED
                    break
                name = str(key)
                if name.lower() in names:
                    copy[name] = REDACTED
                else:
                    copy[name] = None
                    stack.append((child, copy, name, depth + 1))
        elif isinstance(item, list):
            kept = item[:budget]
            items: list[Any] = [None] * len(kept)
            if len(kept) < len(item):
                items.append(TRUNCATED)
            parent[slot] = items
            stack.extend((child, items, i, depth + 1) for i, child in enumerate(kept))
        elif isinstance(item, str) and len(item) > MAX_STRING:
            parent[slot] = item[:MAX_STRING] + "…"
        else:
            parent[slot] = item
    return root[0]
