"""Apollo's Federation 1 -> 2 schema upgrade, applied to a Federation 1 subgraph as read
(``extend type`` is a plain definition, ``@external`` on interfaces and object types is
dropped, unused externals are removed)."""

from __future__ import annotations

from .metadata import SubgraphMetadata
from .subgraph import SubgraphSchema


def upgrade_fed1(schema: SubgraphSchema) -> None:
    """Apply Apollo's Federation 1 -> 2 schema upgrade (the parts that change meaning)."""
    for typedef in schema.types.values():
        if typedef.kind == "INTERFACE":
            typedef.keys = []
            for field in typedef.fields.values():
                field.external = False
                field.provides = None
                field.requires = None
        if typedef.kind == "OBJECT":
            typedef.external = False
    metadata = SubgraphMetadata(schema, None)
    for type_name, field_name in metadata.fake_externals:
        schema.types[type_name].fields[field_name].external = False
    metadata = SubgraphMetadata(schema, None)
    for typedef in list(schema.types.values()):
        if typedef.kind not in ("OBJECT", "INTERFACE"):
            continue
        for field_name in list(typedef.fields):
            if metadata.is_external(typedef.name, field_name) and not metadata.is_used(
                typedef.name, field_name
            ):
                del typedef.fields[field_name]
        if not typedef.fields:
            del schema.types[typedef.name]
    for typedef in schema.types.values():
        for key in typedef.keys:
            key.on_extension = False  # fed1 `extend type` is a plain definition
