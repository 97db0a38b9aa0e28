"""The categories GraphQL schema (Federation v2): `Category @key(id)` with its tree."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types import Info

from subgraphs.categories.models import CategoryRow
from subgraphs.categories.service import CategoryService, parse_id
from subgraphs.categories.stats import CategoryDayStatsRow, category_stats
from subgraphs.graphql_errors import SubgraphSchema, UserInputError


def _service(info: Info) -> CategoryService:
    return info.context["categories"]  # type: ignore[no-any-return]


@strawberry.type(description="Record changes filed under a category on one UTC day.")
class CategoryDayStats:
    category_id: strawberry.ID
    day: dt.date
    created: int
    updated: int
    deleted: int

    @classmethod
    def from_row(cls, row: CategoryDayStatsRow) -> CategoryDayStats:
        return cls(
            category_id=strawberry.ID(row.category_id),
            day=dt.date.fromisoformat(row.day),
            created=row.created,
            updated=row.updated,
            deleted=row.deleted,
        )


async def _stats(info: Info, category_id: str, days: int) -> list[CategoryDayStats]:
    rows = await category_stats(_service(info).sessions, category_id, days)
    return [CategoryDayStats.from_row(r) for r in rows]


@strawberry.federation.type(keys=["id"])
class Category:
    id: strawberry.ID
    name: str
    slug: str
    description: str
    parent_id: strawberry.Private[int | None]
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: CategoryRow) -> Category:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            slug=row.slug,
            description=row.description,
            parent_id=row.parent_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Category | None:
        try:
            row = await _service(info).get(parse_id(str(id)))
        except UserInputError:
            return None
        return None if row is None else cls.from_row(row)

    @strawberry.field
    async def parent(self, info: Info) -> Category | None:
        if self.parent_id is None:
            return None
        row = await _service(info).get(self.parent_id)
        return None if row is None else Category.from_row(row)

    @strawberry.field
    async def children(self, info: Info) -> list[Category]:
        return [Category.from_row(r) for r in await _service(info).children(int(self.id))]

    @strawberry.field(description="From the root down to the parent (empty for a root).")
    async def ancestors(self, info: Info) -> list[Category]:
        row = await _service(info).get(int(self.id))
        if row is None:
            return []
        return [Category.from_row(r) for r in await _service(info).ancestors(row)]

    @strawberry.field(
        description="Days with record changes in this category among the last `days` "
        "(kept by the analytics event processor)."
    )
    async def stats(self, info: Info, days: int = 30) -> list[CategoryDayStats]:
        return await _stats(info, str(self.id), days)

    @strawberry.field(description="Slugs from the root to this category, joined by '/'.")
    async def path(self, info: Info) -> str:
        return "/".join([*(a.slug for a in await self.ancestors(info)), self.slug])


@strawberry.input
class CreateCategoryInput:
    name: str
    slug: str
    description: str = ""
    parent_id: strawberry.ID | None = None


@strawberry.input(description="Fields left out stay as they are; parentId: null makes a root.")
class UpdateCategoryInput:
    name: str | None = strawberry.UNSET
    slug: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    parent_id: strawberry.ID | None = strawberry.UNSET


@strawberry.type
class Query:
    @strawberry.field
    async def category(self, info: Info, id: strawberry.ID) -> Category | None:
        row = await _service(info).get(parse_id(str(id)))
        return None if row is None else Category.from_row(row)

    @strawberry.field
    async def category_by_slug(self, info: Info, slug: str) -> Category | None:
        row = await _service(info).by_slug(slug)
        return None if row is None else Category.from_row(row)

    @strawberry.field(
        description="Per-day created/updated/deleted record counts of a category over the "
        "last `days` days (only days with changes), from the analytics event processor."
    )
    async def category_stats(
        self, info: Info, category_id: strawberry.ID, days: int = 30
    ) -> list[CategoryDayStats]:
        return await _stats(info, str(parse_id(str(category_id), "categoryId")), days)

    @strawberry.field(description="All categories, or the children of `parentId`, or only roots.")
    async def categories(
        self, info: Info, parent_id: strawberry.ID | None = None, roots_only: bool = False
    ) -> list[Category]:
        parent = None if parent_id is None else parse_id(str(parent_id), "parentId")
        rows = await _service(info).find(parent, roots_only)
        return [Category.from_row(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_category(self, info: Info, input: CreateCategoryInput) -> Category:
        data = {
            "name": input.name,
            "slug": input.slug,
            "description": input.description,
            "parent_id": None if input.parent_id is None else str(input.parent_id),
        }
        return Category.from_row(await _service(info).create(data))

    @strawberry.mutation
    async def update_category(
        self, info: Info, id: strawberry.ID, input: UpdateCategoryInput
    ) -> Category:
        data: dict[str, Any] = {}
        for name in ("name", "slug", "description", "parent_id"):
            value = getattr(input, name)
            if value is strawberry.UNSET:
                continue
            if value is None and name != "parent_id":
                raise UserInputError(f"{name} must not be null (leave it out to keep it)", name)
            data[name] = None if value is None else str(value)
        return Category.from_row(await _service(info).update(str(id), data))

    @strawberry.mutation(description="Deletes a category without sub-categories; returns its id.")
    async def delete_category(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await _service(info).delete(str(id)))


schema = SubgraphSchema(query=Query, mutation=Mutation)
