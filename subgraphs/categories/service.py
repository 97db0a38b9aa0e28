"""Category use cases over SQL: validate, then write inside one transaction.

Why transactions here and not in records: SQL has them everywhere, so each mutation is
`session.begin()` — a failed check or constraint rolls everything back, domain events
included: with events on, each change adds its events to the `event_outbox` table in
the same transaction (outbox.py).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.categories.models import CategoryRow, utcnow
from subgraphs.categories.outbox import add_event
from subgraphs.graphql_errors import UserInputError

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID = re.compile(r"^[1-9][0-9]{0,17}$")
MAX_DEPTH = 32


def parse_id(value: str, field: str = "id") -> int:
    if not ID.match(str(value)):
        raise UserInputError(f"{field} {value!r} is not a category id", field)
    return int(value)


def _slug(value: str) -> str:
    if len(value) > 64 or not SLUG.match(value):
        raise UserInputError(
            "slug must be 1-64 lowercase letters or digits in words joined by '-'", "slug"
        )
    return value


def _text(value: str, field: str, max_length: int, required: bool) -> str:
    clean = value.strip()
    if required and not clean:
        raise UserInputError(f"{field} must not be empty", field)
    if len(clean) > max_length:
        raise UserInputError(f"{field} is longer than {max_length} characters", field)
    return clean


class CategoryService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        events: bool = False,
        notify: Any = None,
    ) -> None:
        self.sessions = sessionmaker
        self.events = events
        self.notify = notify or (lambda: None)

    def _event(self, session: AsyncSession, event_type: str, row: CategoryRow, **data: Any) -> None:
        if self.events:
            add_event(session, event_type, row, **data)

    async def get(self, category_id: int) -> CategoryRow | None:
        async with self.sessions() as session:
            return await session.get(CategoryRow, category_id)

    async def by_slug(self, slug: str) -> CategoryRow | None:
        async with self.sessions() as session:
            return await session.scalar(select(CategoryRow).where(CategoryRow.slug == slug))

    async def find(
        self, parent_id: int | None = None, roots_only: bool = False
    ) -> list[CategoryRow]:
        query = select(CategoryRow).order_by(CategoryRow.id)
        if parent_id is not None:
            query = query.where(CategoryRow.parent_id == parent_id)
        elif roots_only:
            query = query.where(CategoryRow.parent_id.is_(None))
        async with self.sessions() as session:
            return list(await session.scalars(query))

    async def children(self, category_id: int) -> list[CategoryRow]:
        return await self.find(parent_id=category_id)

    async def ancestors(self, row: CategoryRow) -> list[CategoryRow]:
        """Root first, ending with the parent of `row`."""
        path: list[CategoryRow] = []
        async with self.sessions() as session:
            parent_id = row.parent_id
            while parent_id is not None and len(path) < MAX_DEPTH:
                parent = await session.get(CategoryRow, parent_id)
                if parent is None:
                    break
                path.append(parent)
                parent_id = parent.parent_id
        return list(reversed(path))

    async def _require_parent(self, session: AsyncSession, parent: str) -> int:
        parent_id = parse_id(parent, "parentId")
        if await session.get(CategoryRow, parent_id) is None:
            raise UserInputError(f"no category with id {parent!r} for parentId", "parentId")
        return parent_id

    async def _require_slug_free(
        self, session: AsyncSession, slug: str, own_id: int | None = None
    ) -> None:
        other = await session.scalar(select(CategoryRow.id).where(CategoryRow.slug == slug))
        if other is not None and other != own_id:
            raise UserInputError(f"a category with slug {slug!r} already exists", "slug")

    async def create(self, data: dict[str, Any]) -> CategoryRow:
        name = _text(data["name"], "name", 200, required=True)
        slug = _slug(data["slug"])
        description = _text(data.get("description") or "", "description", 5000, False)
        async with self.sessions() as session, session.begin():
            parent_id = None
            if data.get("parent_id") is not None:
                parent_id = await self._require_parent(session, data["parent_id"])
            await self._require_slug_free(session, slug)
            row = CategoryRow(name=name, slug=slug, description=description, parent_id=parent_id)
            session.add(row)
            try:
                await session.flush()
            except IntegrityError as exc:  # lost a race for the slug
                raise UserInputError(
                    f"a category with slug {slug!r} already exists", "slug"
                ) from exc
            self._event(session, "CategoryCreated", row)
        self.notify()
        return row

    async def update(self, category: str, data: dict[str, Any]) -> CategoryRow:
        """Partial update; moving under a new parent must not create a cycle."""
        category_id = parse_id(category)
        if not data:
            raise UserInputError("input has no fields to change", "input")
        async with self.sessions() as session, session.begin():
            row = await session.get(CategoryRow, category_id)
            if row is None:
                raise UserInputError(f"no category with id {category!r}", "id")
            # Check everything before assigning: an assignment plus a later query would
            # autoflush a half-validated row.
            changes: dict[str, Any] = {}
            if "name" in data:
                changes["name"] = _text(data["name"], "name", 200, required=True)
            if "description" in data:
                changes["description"] = _text(data["description"], "description", 5000, False)
            if "slug" in data:
                changes["slug"] = _slug(data["slug"])
                await self._require_slug_free(session, changes["slug"], category_id)
            if "parent_id" in data:
                changes["parent_id"] = await self._new_parent(
                    session, category_id, data["parent_id"]
                )
            old_parent = row.parent_id
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = utcnow()
            try:
                await session.flush()
            except IntegrityError as exc:  # lost a race for the slug
                raise UserInputError("a category with that slug already exists", "slug") from exc
            changed = sorted(n for n in changes if n != "parent_id")
            if changed:
                self._event(session, "CategoryUpdated", row, changed=changed)
            if "parent_id" in changes and changes["parent_id"] != old_parent:
                self._event(
                    session,
                    "CategoryMoved",
                    row,
                    fromParentId=None if old_parent is None else str(old_parent),
                    toParentId=None if row.parent_id is None else str(row.parent_id),
                )
        self.notify()
        return row

    async def _new_parent(
        self, session: AsyncSession, own_id: int, parent: str | None
    ) -> int | None:
        if parent is None:
            return None
        parent_id = await self._require_parent(session, parent)
        cursor: int | None = parent_id
        while cursor is not None:
            if cursor == own_id:
                raise UserInputError(
                    "parentId would put the category under itself (a cycle)", "parentId"
                )
            cursor = await session.scalar(
                select(CategoryRow.parent_id).where(CategoryRow.id == cursor)
            )
        return parent_id

    async def delete(self, category: str) -> str:
        category_id = parse_id(category)
        async with self.sessions() as session, session.begin():
            row = await session.get(CategoryRow, category_id)
            if row is None:
                raise UserInputError(f"no category with id {category!r}", "id")
            children = await session.scalar(
                select(func.count())
                .select_from(CategoryRow)
                .where(CategoryRow.parent_id == category_id)
            )
            if children:
                raise UserInputError(
                    f"category {category!r} has {children} sub-categories; move or delete them first",
                    "id",
                )
            self._event(session, "CategoryDeleted", row)
            await session.delete(row)
        self.notify()
        return category
