"""Checks on one subgraph before merging, from the federation spec's rules for
``@key``, ``@requires``, ``@provides``, ``@external`` and ``@override``:

* ``@key`` field sets must parse and select existing fields without arguments
  (``KEY_INVALID_FIELDS``, ``KEY_FIELDS_HAS_ARGS``) and no interface- or union-typed
  field (``KEY_FIELDS_SELECT_INVALID_TYPE``);
* ``@requires``/``@provides`` field sets must parse against the right type
  (``REQUIRES_INVALID_FIELDS``, ``PROVIDES_INVALID_FIELDS``), ``@provides`` only on
  fields of composite type (``PROVIDES_ON_NON_OBJECT_FIELD``), and their leaf fields
  must be ``@external`` (``*_FIELDS_MISSING_EXTERNAL``) in Federation 2;
* an ``@external`` field must be used by one of those (``EXTERNAL_UNUSED``);
* ``@override`` may not name its own subgraph (``OVERRIDE_FROM_SELF_ERROR``).
"""

from __future__ import annotations

from collections.abc import Callable

from .fieldsets import FieldSetError, parse_fieldset, walk_fieldset
from .metadata import SubgraphMetadata
from .model import ErrorCollector
from .subgraph import SubgraphSchema


def validate_subgraph(
    schema: SubgraphSchema, metadata: SubgraphMetadata, collector: ErrorCollector
) -> None:
    """Report every federation-directive misuse in ``schema`` to ``collector``."""
    name = schema.name

    def error(code: str, message: str, element: str) -> None:
        collector.error(code, f"[{name}] {message}", (name,), (element,))

    for typedef in schema.types.values():
        if typedef.interface_object and not typedef.keys:
            error(
                "INTERFACE_OBJECT_USAGE_ERROR",
                f"The @interfaceObject directive can only be applied to entity types but "
                f'type "{typedef.name}" has no @key in this subgraph.',
                typedef.name,
            )
        if typedef.kind == "INTERFACE" and typedef.keys:
            for impl in schema.possible_types(typedef.name):
                impl_keys = {k.fields for k in schema.types[impl].keys}
                missing = [k.fields for k in typedef.keys if k.fields not in impl_keys]
                if missing:
                    error(
                        "INTERFACE_KEY_NOT_ON_IMPLEMENTATION",
                        f'Key @key(fields: "{missing[0]}") on interface type "{typedef.name}" '
                        f'is missing on implementation type "{impl}".',
                        impl,
                    )
        for key in typedef.keys:
            prefix = f'On type "{typedef.name}", for @key(fields: "{key.fields}")'
            try:
                targets = list(
                    walk_fieldset(
                        schema, typedef.name, parse_fieldset(key.fields), metadata.is_external
                    )
                )
            except FieldSetError as exc:
                error("KEY_INVALID_FIELDS", f"{prefix}: {exc}", typedef.name)
                continue
            for target in targets:
                coordinate = f"{target.parent}.{target.field.name}"
                if target.field.args:
                    error(
                        "KEY_FIELDS_HAS_ARGS",
                        f"{prefix}: field {coordinate} cannot be included because it has "
                        "arguments (fields with argument are not allowed in @key)",
                        coordinate,
                    )
                field_type = schema.types.get(target.field.type.named)
                if field_type is not None and field_type.kind in ("INTERFACE", "UNION"):
                    kind = "Interface" if field_type.kind == "INTERFACE" else "Union"
                    error(
                        "KEY_FIELDS_SELECT_INVALID_TYPE",
                        f'{prefix}: field "{coordinate}" is a {kind} type which is not '
                        "allowed in @key",
                        coordinate,
                    )
        for field in typedef.fields.values():
            coordinate = f"{typedef.name}.{field.name}"
            if field.requires is not None:
                _check_dependency(
                    schema, metadata, typedef.name, coordinate, "requires", field.requires, error
                )
            if field.provides is not None:
                target_type = schema.types.get(field.type.named)
                if target_type is None or target_type.kind not in ("OBJECT", "INTERFACE", "UNION"):
                    error(
                        "PROVIDES_ON_NON_OBJECT_FIELD",
                        f'Invalid @provides directive on field "{coordinate}": field has type '
                        f'"{field.type}" which is not a Composite Type',
                        coordinate,
                    )
                else:
                    _check_dependency(
                        schema,
                        metadata,
                        target_type.name,
                        coordinate,
                        "provides",
                        field.provides,
                        error,
                    )
            if field.override_from is not None and field.override_from == name:
                error(
                    "OVERRIDE_FROM_SELF_ERROR",
                    f'Source and destination subgraphs "{name}" are the same for overridden '
                    f'field "{coordinate}"',
                    coordinate,
                )
            if (
                schema.fed2
                and typedef.kind in ("OBJECT", "INTERFACE")
                and metadata.is_external(typedef.name, field.name)
                and not metadata.is_used(typedef.name, field.name)
            ):
                error(
                    "EXTERNAL_UNUSED",
                    f'Field "{coordinate}" is marked @external but is not used in any '
                    "federation directive (@key, @provides, @requires) or to satisfy an "
                    "interface; the field declaration has no use and should be removed (or "
                    "the field should not be @external).",
                    coordinate,
                )


def _check_dependency(
    schema: SubgraphSchema,
    metadata: SubgraphMetadata,
    type_name: str,
    coordinate: str,
    directive: str,
    fields: str,
    error: Callable[[str, str, str], None],
) -> None:
    code = directive.upper()
    prefix = f'On field "{coordinate}", for @{directive}(fields: "{fields}")'
    try:
        targets = list(
            walk_fieldset(schema, type_name, parse_fieldset(fields), metadata.is_external_abstract)
        )
    except FieldSetError as exc:
        error(f"{code}_INVALID_FIELDS", f"{prefix}: {exc}", coordinate)
        return
    if not schema.fed2:
        return
    for target in targets:
        if target.has_selection or target.external_ancestor:
            continue
        if not metadata.is_external_abstract(target.parent, target.field.name):
            error(
                f"{code}_FIELDS_MISSING_EXTERNAL",
                f'{prefix}: field "{target.parent}.{target.field.name}" should not be part of '
                f"a @{directive} since it is already provided by this subgraph (it is not "
                "marked @external)",
                coordinate,
            )
