"""Facts derived from a subgraph's federation directives, as the federation spec
defines them:

* a field is *external* when marked ``@external`` (or its object type is), except the
  "fake" externals: key fields marked ``@external`` on a type extension
  (``extend type``/``@extends``), which the subgraph does resolve;
* a field is *used* when a ``@key``, ``@requires`` or ``@provides`` selects it, or it
  implements an interface field (this decides ``EXTERNAL_UNUSED`` and whether an
  overridden field stays "used overridden");
* a field is *shareable* when marked ``@shareable`` (or its type is), when it is a key
  field, or when the subgraph is a Federation 1 subgraph.
"""

from __future__ import annotations

from .fieldsets import FieldSetError, Target, parse_fieldset, walk_fieldset
from .model import ErrorCollector
from .subgraph import SubgraphSchema


class SubgraphMetadata:
    """Federation facts for one subgraph, computed once."""

    def __init__(self, schema: SubgraphSchema, collector: ErrorCollector | None) -> None:
        self.schema = schema
        self.fake_externals: set[tuple[str, str]] = set()
        self.key_fields: set[tuple[str, str]] = set()
        self.used: set[tuple[str, str]] = set()
        self._collect(collector)

    def _raw_external(self, type_name: str, field_name: str) -> bool:
        typedef = self.schema.types.get(type_name)
        if typedef is None:
            return False
        field = typedef.fields.get(field_name)
        if field is None:
            return False
        return field.external or (typedef.external and typedef.kind == "OBJECT")

    def is_external(self, type_name: str, field_name: str) -> bool:
        return (
            self._raw_external(type_name, field_name)
            and (type_name, field_name) not in self.fake_externals
        )

    def is_external_abstract(self, type_name: str, field_name: str) -> bool:
        """Like `is_external`, but an interface field counts as external when every
        implementation in this subgraph marks it so (interface fields cannot be)."""
        typedef = self.schema.types.get(type_name)
        if typedef is not None and typedef.kind == "INTERFACE":
            impls = [
                t
                for t in self.schema.possible_types(type_name)
                if field_name in self.schema.types[t].fields
            ]
            return bool(impls) and all(self.is_external(t, field_name) for t in impls)
        return self.is_external(type_name, field_name)

    def is_used(self, type_name: str, field_name: str) -> bool:
        return (type_name, field_name) in self.used

    def is_shareable(self, type_name: str, field_name: str) -> bool:
        if not self.schema.fed2:
            return True
        typedef = self.schema.types[type_name]
        field = typedef.fields[field_name]
        return field.shareable or typedef.shareable or (type_name, field_name) in self.key_fields

    def _targets(self, type_name: str, fields: str) -> list[Target]:
        try:
            return list(
                walk_fieldset(self.schema, type_name, parse_fieldset(fields), self._raw_external)
            )
        except FieldSetError:
            return []  # reported by the subgraph validation

    def _mark_used(self, targets: list[Target]) -> None:
        for target in targets:
            self.used.add((target.parent, target.field.name))
            parent = self.schema.types.get(target.parent)
            if parent is not None and parent.kind == "INTERFACE":
                for impl in self.schema.possible_types(target.parent):
                    if target.field.name in self.schema.types[impl].fields:
                        self.used.add((impl, target.field.name))

    def _collect(self, collector: ErrorCollector | None) -> None:
        del collector
        schema = self.schema
        for typedef in schema.types.values():
            for key in typedef.keys:
                targets = self._targets(typedef.name, key.fields)
                for target in targets:
                    self.key_fields.add((target.parent, target.field.name))
                    if (key.on_extension or typedef.extends) and self._raw_external(
                        target.parent, target.field.name
                    ):
                        self.fake_externals.add((target.parent, target.field.name))
                self._mark_used(targets)
            for field in typedef.fields.values():
                if field.requires is not None:
                    self._mark_used(self._targets(typedef.name, field.requires))
                if field.provides is not None:
                    target_type = schema.types.get(field.type.named)
                    if target_type is not None:
                        self._mark_used(self._targets(target_type.name, field.provides))
        for typedef in schema.types.values():
            if typedef.kind != "INTERFACE":
                continue
            for impl in schema.possible_types(typedef.name):
                for field_name in typedef.fields:
                    if field_name in schema.types[impl].fields:
                        self.used.add((impl, field_name))
