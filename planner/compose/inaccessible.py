"""Validation of ``@inaccessible`` in the merged schema (inaccessible spec v0.2): the
API schema obtained by removing inaccessible elements must still be valid.

* an accessible field or argument may not have an inaccessible type
  (``REFERENCED_INACCESSIBLE``);
* a type with fields or values may not have all of them inaccessible
  (``ONLY_INACCESSIBLE_CHILDREN``);
* a required argument or input field may not be inaccessible
  (``REQUIRED_INACCESSIBLE``);
* an accessible interface field may not be implemented by an inaccessible field
  (``IMPLEMENTED_BY_INACCESSIBLE``);
* the query root may not be inaccessible (``QUERY_ROOT_TYPE_INACCESSIBLE``)."""

from __future__ import annotations

from .context import MergeContext


def validate_inaccessible(ctx: MergeContext) -> None:
    merged = ctx.merged
    types = merged.types

    def hidden(name: str) -> bool:
        typedef = types.get(name)
        return typedef is not None and typedef.applied.inaccessible

    def error(code: str, message: str, element: str) -> None:
        type_name = element.split(".")[0]
        defining = [s.name for s in ctx.subgraphs if type_name in s.types]
        ctx.collector.error(code, message, defining, [element])

    query = merged.roots.get("query")
    if query is not None and hidden(query):
        error(
            "QUERY_ROOT_TYPE_INACCESSIBLE",
            f'Type "{query}" is @inaccessible but is the '
            "query root type, which must be in the API schema.",
            query,
        )
    for typedef in types.values():
        if typedef.applied.inaccessible:
            continue
        children = [f.applied.inaccessible for f in typedef.fields.values()] or [
            v.applied.inaccessible for v in typedef.values.values()
        ]
        if children and all(children):
            error(
                "ONLY_INACCESSIBLE_CHILDREN",
                f'Type "{typedef.name}" is in the API schema but all of its members are '
                "@inaccessible.",
                typedef.name,
            )
        for field in typedef.fields.values():
            coordinate = f"{typedef.name}.{field.name}"
            if typedef.kind == "INPUT_OBJECT" and field.applied.inaccessible:
                if field.type.is_non_null and field.default is None:
                    error(
                        "REQUIRED_INACCESSIBLE",
                        f'Input field "{coordinate}" is @inaccessible '
                        "but is a required input field of its type.",
                        coordinate,
                    )
                continue
            if field.applied.inaccessible:
                continue
            if hidden(field.type.named):
                error(
                    "REFERENCED_INACCESSIBLE",
                    f'Type "{field.type.named}" is @inaccessible but is referenced by '
                    f'"{coordinate}", which is in the API schema.',
                    coordinate,
                )
            for arg in field.args.values():
                arg_coordinate = f"{coordinate}({arg.name}:)"
                if arg.applied.inaccessible:
                    if arg.type.is_non_null and arg.default is None:
                        error(
                            "REQUIRED_INACCESSIBLE",
                            f'Argument "{arg_coordinate}" is '
                            "@inaccessible but is a required argument of its field.",
                            arg_coordinate,
                        )
                elif hidden(arg.type.named):
                    error(
                        "REFERENCED_INACCESSIBLE",
                        f'Type "{arg.type.named}" is @inaccessible but is referenced by '
                        f'"{arg_coordinate}", which is in the API schema.',
                        arg_coordinate,
                    )
        for iface_name in typedef.interfaces:
            iface = types.get(iface_name)
            if iface is None or iface.applied.inaccessible:
                continue
            for iface_field in iface.fields.values():
                own = typedef.fields.get(iface_field.name)
                if (
                    own is not None
                    and own.applied.inaccessible
                    and not iface_field.applied.inaccessible
                ):
                    coordinate = f"{typedef.name}.{own.name}"
                    error(
                        "IMPLEMENTED_BY_INACCESSIBLE",
                        f'Field "{coordinate}" is @inaccessible but implements the interface '
                        f'field "{iface_name}.{own.name}", which is in the API schema.',
                        coordinate,
                    )
