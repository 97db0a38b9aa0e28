"""Entity representations gathered in one compiled pass over the data.

An entity fetch needs, for every object at its flatten path, the object's key
values, and each distinct representation once with every object that gave it.
Walking the path (``paths``) and then keying each object (``FlatRequires.key``)
costs a list and a call per object. For the common ``requires`` (one ``... on T``
of scalar fields, see ``FlatRequires.one``) both compile into one function: the
path's nested loops end in the type test, the C ``itemgetter`` read of the key and
the de-duplication, all inline. Anything unusual about an object (no
``__typename``, a missing key field, an unhashable value, a list where an object
was due) goes through ``add_object``, the generic per-object step, so the result is
exactly that of walking and keying one object at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from router.execution.merge import PossibleTypes
from router.execution.paths import compilable, compile_function
from router.execution.representations import FlatRequires

Representations = list[dict[str, Any]]
Targets = list[list[dict[str, Any]]]
Gatherer = Callable[[Any], tuple[Representations, Targets]]


def add_object(
    flat: FlatRequires,
    obj: dict[str, Any],
    index_of: dict[Any, int],
    representations: Representations,
    targets: Targets,
) -> None:
    """Add one object: a new representation for a key not seen before, else one more
    target for the one already there (objects without a representation are left out)."""
    key: Any = flat.key(obj)
    if key is None:
        return
    representation: dict[str, Any] | None
    try:
        index = index_of.get(key)
    except TypeError:  # an unhashable custom scalar value
        representation = flat.representation(key)
        key = flat.sortable_key(key)
        index = index_of.get(key)
    else:
        representation = None
    if index is None:
        index_of[key] = len(representations)
        representations.append(representation or flat.representation(key))
        targets.append([obj])
    else:
        targets[index].append(obj)


def compile_gatherer(
    path: tuple[str, ...], flat: FlatRequires, possible: PossibleTypes
) -> Gatherer | None:
    """``root -> (representations, targets)`` for the objects at ``path``; None when
    the path or the selection does not compile (the caller walks and keys then)."""
    one = flat.one
    if one is None or not compilable(path):
        return None
    names: dict[str, Any] = {
        "condition": one.condition,
        "members": one.members,
        "get": one.get,
        "build": one.build,
        "add_object": add_object,
        "flat": flat,
    }
    head = [
        "def gather(v0):",
        " index_of = {}",
        " index_get = index_of.get",
        " reps = []",
        " targets = []",
        " def more(found):",
        "  for obj in found:",
        "   add_object(flat, obj, index_of, reps, targets)",
    ]

    def at_object(value: str) -> list[str]:
        return [
            f"t = {value}.get('__typename')",
            "if t == condition or (type(t) is str and t in members):",
            " try:",
            f"  k = get({value})",
            "  i = index_get(k)",
            " except (KeyError, TypeError):",
            f"  add_object(flat, {value}, index_of, reps, targets)",
            " else:",
            "  if i is None:",
            "   index_of[k] = len(reps)",
            "   reps.append(build(k))",
            f"   targets.append([{value}])",
            "  else:",
            f"   targets[i].append({value})",
            "elif t is None:",
            f" add_object(flat, {value}, index_of, reps, targets)",
        ]

    gather: Gatherer = compile_function(
        path, possible, names, head, at_object, [" return reps, targets"], "gather"
    )
    return gather
