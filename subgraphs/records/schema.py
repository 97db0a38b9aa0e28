"""The records GraphQL schema (Federation v2): `Record @key(id)`, and the
`Category.records` field this subgraph contributes to the categories' entity."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from subgraphs.graphql_errors import SubgraphSchema, UserInputError
from subgraphs.records import cursor
from subgraphs.records import validation as v
from subgraphs.records.loaders import Loaders
from subgraphs.records.service import MediaSpec, RecordService


@strawberry.enum
class RecordStatus(Enum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


@strawberry.enum
class MediaKind(Enum):
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    DOCUMENT = "DOCUMENT"


@strawberry.type
class Money:
    amount: float
    currency: str


@strawberry.type
class Attribute:
    key: str
    value: str


@strawberry.type
class Media:
    id: strawberry.ID
    url: str
    kind: MediaKind
    alt_text: str | None
    position: int


def _service(info: Info) -> RecordService:
    return info.context["records"]  # type: ignore[no-any-return]


def _loaders(info: Info) -> Loaders:
    return info.context["loaders"]  # type: ignore[no-any-return]


@strawberry.federation.type(keys=["id"])
class Category:
    """A category owned by the categories subgraph; records adds its `records`."""

    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Category:
        return cls(id=id)

    @strawberry.field(description="Records in this category, oldest first.")
    async def records(self, info: Info, first: int = 50) -> list[Record]:
        docs = await _loaders(info).by_category.load((str(self.id), v.page_size(first, 500)))
        return [Record.from_doc(doc) for doc in docs]


@strawberry.federation.type(keys=["id"])
class Record:
    id: strawberry.ID
    sku: str
    name: str
    description: str
    price: Money
    status: RecordStatus
    tags: list[str]
    attributes: list[Attribute]
    media: list[Media]
    category_ids: strawberry.Private[list[str]]
    created_at: dt.datetime
    updated_at: dt.datetime

    @strawberry.field(description="The categories this record is filed under.")
    def categories(self) -> list[Category]:
        return [Category(id=strawberry.ID(i)) for i in self.category_ids]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Record | None:
        try:
            oid = v.record_id(str(id))
        except UserInputError:
            return None
        doc = await _loaders(info).records.load(oid)
        return None if doc is None else cls.from_doc(doc)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Record:
        price = doc.get("price") or {}
        media = sorted(doc.get("media", []), key=lambda m: m.get("position", 0))
        return cls(
            id=strawberry.ID(str(doc["_id"])),
            sku=doc["sku"],
            name=doc["name"],
            description=doc.get("description", ""),
            price=Money(amount=float(price.get("amount", 0)), currency=price.get("currency", "")),
            status=RecordStatus(doc.get("status", "DRAFT")),
            tags=list(doc.get("tags", [])),
            attributes=[
                Attribute(key=a["key"], value=a["value"]) for a in doc.get("attributes", [])
            ],
            media=[
                Media(
                    id=strawberry.ID(m["id"]),
                    url=m["url"],
                    kind=MediaKind(m["kind"]),
                    alt_text=m.get("alt_text"),
                    position=int(m.get("position", 0)),
                )
                for m in media
            ],
            category_ids=list(doc.get("category_ids", [])),
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
        )


@strawberry.type
class RecordEdge:
    cursor: str
    node: Record


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class RecordConnection:
    edges: list[RecordEdge]
    page_info: PageInfo
    total_count: int

    @strawberry.field
    def nodes(self) -> list[Record]:
        return [edge.node for edge in self.edges]


@strawberry.input
class RecordFilter:
    category: strawberry.ID | None = None
    tag: str | None = None
    status: RecordStatus | None = None
    min_price: float | None = None
    max_price: float | None = None
    search: str | None = strawberry.field(default=None, description="Text search on name.")


@strawberry.input
class MoneyInput:
    amount: float
    currency: str


@strawberry.input
class AttributeInput:
    key: str
    value: str


@strawberry.input
class MediaInput:
    url: str
    kind: MediaKind
    alt_text: str | None = None
    position: int | None = strawberry.field(default=None, description="Default: at the end.")

    def spec(self) -> MediaSpec:
        return MediaSpec(self.url, self.kind.value, self.alt_text, self.position)


@strawberry.input
class CreateRecordInput:
    sku: str
    name: str
    price: MoneyInput
    description: str = ""
    status: RecordStatus = RecordStatus.DRAFT
    tags: list[str] = strawberry.field(default_factory=list)
    attributes: list[AttributeInput] = strawberry.field(default_factory=list)
    media: list[MediaInput] = strawberry.field(default_factory=list)
    category_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="Fields left out stay as they are.")
class UpdateRecordInput:
    sku: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    price: MoneyInput | None = strawberry.UNSET
    status: RecordStatus | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    attributes: list[AttributeInput] | None = strawberry.UNSET
    category_ids: list[strawberry.ID] | None = strawberry.UNSET


def _plain(name: str, value: Any) -> Any:
    """Strawberry input values -> plain data for the service layer."""
    if value is None:
        raise UserInputError(f"{name} must not be null (leave it out to keep it)", name)
    if isinstance(value, MoneyInput):
        return {"amount": value.amount, "currency": value.currency}
    if isinstance(value, Enum):
        return value.value
    if name == "attributes":
        return [(a.key, a.value) for a in value]
    if name == "category_ids":
        return [str(i) for i in value]
    return value


@strawberry.type
class Query:
    @strawberry.field
    async def record(self, info: Info, id: strawberry.ID) -> Record | None:
        return await Record.resolve_reference(info, id)

    @strawberry.field
    async def record_by_sku(self, info: Info, sku: str) -> Record | None:
        doc = await _service(info).repo.by_sku(sku)
        return None if doc is None else Record.from_doc(doc)

    @strawberry.field(description="Records by id order; pass `endCursor` as `after` for more.")
    async def records(
        self,
        info: Info,
        filter: RecordFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> RecordConnection:
        repo = _service(info).repo
        f = filter or RecordFilter()
        query = await repo.build_filter(
            category=None if f.category is None else str(f.category),
            tag=f.tag,
            status=None if f.status is None else f.status.value,
            price=v.price_range(f.min_price, f.max_price),
            search=f.search,
        )
        size = v.page_size(first)
        docs, more = await repo.page(query, size, None if after is None else cursor.decode(after))
        edges = [RecordEdge(cursor=cursor.encode(d["_id"]), node=Record.from_doc(d)) for d in docs]
        return RecordConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None),
            total_count=await repo.count(query),
        )


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_record(self, info: Info, input: CreateRecordInput) -> Record:
        data = {
            "sku": input.sku,
            "name": input.name,
            "description": input.description,
            "price": _plain("price", input.price),
            "status": input.status.value,
            "tags": input.tags,
            "attributes": _plain("attributes", input.attributes),
            "media": [m.spec() for m in input.media],
            "category_ids": _plain("category_ids", input.category_ids),
        }
        return Record.from_doc(await _service(info).create(data))

    @strawberry.mutation(description="Partial update: only the fields given change.")
    async def update_record(
        self, info: Info, id: strawberry.ID, input: UpdateRecordInput
    ) -> Record:
        data = {
            name: _plain(name, getattr(input, name))
            for name in (
                "sku",
                "name",
                "description",
                "price",
                "status",
                "tags",
                "attributes",
                "category_ids",
            )
            if getattr(input, name) is not strawberry.UNSET
        }
        return Record.from_doc(await _service(info).update(str(id), data))

    @strawberry.mutation(description="Deletes the record; returns its id.")
    async def delete_record(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await _service(info).delete(str(id)))

    @strawberry.mutation
    async def add_media(self, info: Info, record_id: strawberry.ID, input: MediaInput) -> Record:
        return Record.from_doc(await _service(info).add_media(str(record_id), input.spec()))

    @strawberry.mutation
    async def remove_media(
        self, info: Info, record_id: strawberry.ID, media_id: strawberry.ID
    ) -> Record:
        return Record.from_doc(await _service(info).remove_media(str(record_id), str(media_id)))

    @strawberry.mutation(description="`mediaIds` lists every media id once, in the new order.")
    async def reorder_media(
        self, info: Info, record_id: strawberry.ID, media_ids: list[strawberry.ID]
    ) -> Record:
        ids = [str(i) for i in media_ids]
        return Record.from_doc(await _service(info).reorder_media(str(record_id), ids))


schema = SubgraphSchema(query=Query, mutation=Mutation, types=[Category])
