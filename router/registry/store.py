"""Registry queries: the only module that reads or writes the registry tables.

Each public method is one transaction, so a failed composition (decided before
any write) never leaves half a change behind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from router.registry.models import (
    RegistryAudit,
    SchemaVersion,
    Service,
    SupergraphVersion,
    utcnow,
)


def sdl_hash(sdl: str) -> str:
    return hashlib.sha256(sdl.encode("utf-8")).hexdigest()


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC (SQLite hands back naive datetimes that were stored as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class ServiceRow:
    """A detached copy of a ``services`` row plus its latest stored SDL."""

    id: int
    name: str
    url: str
    enabled: bool
    use_msgpack: bool
    headers: list[str]
    timeout_s: float
    created_at: str | None
    updated_at: str | None
    urls: tuple[str, ...] = ()
    """Replicas beside ``url`` (``[]`` for rows from before the column)."""
    cached_sdl: str | None = None
    cached_schema_id: int | None = None
    cached_hash: str | None = None
    cached_at: str | None = None


async def _insert_service(
    session: AsyncSession, values: dict[str, Any], actor: str, action: str
) -> Service:
    """Insert a service row and audit it (``action``), inside the caller's transaction."""
    service = Service(**values)
    session.add(service)
    await session.flush()
    session.add(
        RegistryAudit(
            actor=actor,
            action=action,
            target=service.name,
            detail={k: v for k, v in values.items() if k != "name"},
        )
    )
    return service


def _row(service: Service, latest: SchemaVersion | None) -> ServiceRow:
    return ServiceRow(
        id=service.id,
        name=service.name,
        url=service.url,
        enabled=service.enabled,
        use_msgpack=service.use_msgpack,
        headers=list(service.headers or []),
        timeout_s=service.timeout_s,
        urls=tuple(service.urls or ()),
        created_at=iso(service.created_at),
        updated_at=iso(service.updated_at),
        cached_sdl=latest.sdl if latest else None,
        cached_schema_id=latest.id if latest else None,
        cached_hash=latest.hash if latest else None,
        cached_at=iso(latest.fetched_at) if latest else None,
    )


def version_summary(version: SupergraphVersion, active_id: int | None) -> dict[str, Any]:
    return {
        "id": version.id,
        "hash": version.hash,
        "composed_at": iso(version.composed_at),
        "activated_at": iso(version.activated_at),
        "active": version.id == active_id,
        "services": version.service_versions,
    }


class RegistryStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def close(self) -> None:
        await self.engine.dispose()

    # --- services ----------------------------------------------------------------------

    async def services(self) -> list[ServiceRow]:
        async with self.sessions() as session:
            services = (await session.scalars(select(Service).order_by(Service.name))).all()
            return [_row(s, await self._latest(session, s.id)) for s in services]

    async def service(self, name: str) -> ServiceRow | None:
        async with self.sessions() as session:
            found = await session.scalar(select(Service).where(Service.name == name))
            return _row(found, await self._latest(session, found.id)) if found else None

    @staticmethod
    async def _latest(session: AsyncSession, service_id: int) -> SchemaVersion | None:
        query = (
            select(SchemaVersion)
            .where(SchemaVersion.service_id == service_id)
            .order_by(SchemaVersion.id.desc())
            .limit(1)
        )
        return await session.scalar(query)

    async def record_schema(self, service_id: int, sdl: str) -> tuple[int, str, bool]:
        """Store the SDL when it differs from the latest; (schema version id, hash, new?)."""
        digest = sdl_hash(sdl)
        async with self.sessions.begin() as session:
            latest = await self._latest(session, service_id)
            if latest is not None and latest.hash == digest:
                return latest.id, digest, False
            version = SchemaVersion(service_id=service_id, sdl=sdl, hash=digest)
            session.add(version)
            await session.flush()
            return version.id, digest, True

    async def add_service(
        self, values: dict[str, Any], sdl: str, actor: str
    ) -> tuple[ServiceRow, int]:
        """Insert a service with its first schema version; (row, schema version id)."""
        async with self.sessions.begin() as session:
            service = await _insert_service(session, values, actor, "service.add")
            version = SchemaVersion(service_id=service.id, sdl=sdl, hash=sdl_hash(sdl))
            session.add(version)
            await session.flush()
            return _row(service, version), version.id

    async def register_service(self, values: dict[str, Any], actor: str) -> ServiceRow:
        """Insert a service without an SDL yet (``gateway services import``): the routers
        fetch it. Raises ``IntegrityError`` when the name was registered meanwhile."""
        async with self.sessions.begin() as session:
            service = await _insert_service(session, values, actor, "service.import")
            return _row(service, None)

    async def update_service(
        self, name: str, changes: dict[str, Any], actor: str, sdl: str | None = None
    ) -> ServiceRow:
        async with self.sessions.begin() as session:
            service = await session.scalar(select(Service).where(Service.name == name))
            if service is None:
                raise KeyError(name)
            for key, value in changes.items():
                setattr(service, key, value)
            service.updated_at = utcnow()
            if sdl is not None:
                latest = await self._latest(session, service.id)
                if latest is None or latest.hash != sdl_hash(sdl):
                    session.add(SchemaVersion(service_id=service.id, sdl=sdl, hash=sdl_hash(sdl)))
            session.add(
                RegistryAudit(actor=actor, action="service.update", target=name, detail=changes)
            )
            await session.flush()
            return _row(service, await self._latest(session, service.id))

    async def delete_service(self, name: str, actor: str) -> None:
        async with self.sessions.begin() as session:
            service = await session.scalar(select(Service).where(Service.name == name))
            if service is None:
                raise KeyError(name)
            await session.execute(
                delete(SchemaVersion).where(SchemaVersion.service_id == service.id)
            )
            await session.delete(service)
            session.add(RegistryAudit(actor=actor, action="service.delete", target=name, detail={}))

    # --- supergraph versions -------------------------------------------------------------

    async def active_version(self) -> SupergraphVersion | None:
        """The supergraph every router should serve: the latest activation."""
        async with self.sessions() as session:
            query = (
                select(SupergraphVersion)
                .where(SupergraphVersion.activated_at.is_not(None))
                .order_by(SupergraphVersion.activated_at.desc(), SupergraphVersion.id.desc())
                .limit(1)
            )
            return await session.scalar(query)

    async def active_marker(self) -> tuple[int, str] | None:
        """(id, hash) of the active version: the cheap query routers poll to converge."""
        async with self.sessions() as session:
            query = (
                select(SupergraphVersion.id, SupergraphVersion.hash)
                .where(SupergraphVersion.activated_at.is_not(None))
                .order_by(SupergraphVersion.activated_at.desc(), SupergraphVersion.id.desc())
                .limit(1)
            )
            row = (await session.execute(query)).first()
            return (int(row[0]), str(row[1])) if row else None

    async def add_version(
        self, sdl: str, service_versions: dict[str, Any], actor: str, reason: str
    ) -> SupergraphVersion:
        """Store a composed supergraph and activate it."""
        async with self.sessions.begin() as session:
            version = SupergraphVersion(
                sdl=sdl,
                hash=sdl_hash(sdl),
                service_versions=service_versions,
                activated_at=utcnow(),
            )
            session.add(version)
            await session.flush()
            session.add(
                RegistryAudit(
                    actor=actor,
                    action="supergraph.compose",
                    target=str(version.id),
                    detail={"reason": reason, "hash": version.hash},
                )
            )
            return version

    async def versions(self, limit: int = 100) -> list[SupergraphVersion]:
        async with self.sessions() as session:
            query = select(SupergraphVersion).order_by(SupergraphVersion.id.desc()).limit(limit)
            return list((await session.scalars(query)).all())

    async def version(self, version_id: int) -> SupergraphVersion | None:
        async with self.sessions() as session:
            return await session.get(SupergraphVersion, version_id)

    async def activate(self, version_id: int, actor: str) -> SupergraphVersion | None:
        async with self.sessions.begin() as session:
            version = await session.get(SupergraphVersion, version_id)
            if version is None:
                return None
            version.activated_at = utcnow()
            session.add(
                RegistryAudit(
                    actor=actor,
                    action="supergraph.activate",
                    target=str(version_id),
                    detail={"hash": version.hash},
                )
            )
            return version

    async def deactivate_all(self, actor: str, reason: str) -> None:
        """No supergraph is active any more (the last service left the registry)."""
        async with self.sessions.begin() as session:
            await session.execute(
                update(SupergraphVersion)
                .where(SupergraphVersion.activated_at.is_not(None))
                .values(activated_at=None)
            )
            session.add(
                RegistryAudit(
                    actor=actor, action="supergraph.clear", target=None, detail={"reason": reason}
                )
            )

    # --- audit ---------------------------------------------------------------------------

    async def audit(self, actor: str, action: str, target: str | None, **detail: Any) -> None:
        async with self.sessions.begin() as session:
            session.add(RegistryAudit(actor=actor, action=action, target=target, detail=detail))

    async def audit_log(self, limit: int = 200) -> list[dict[str, Any]]:
        async with self.sessions() as session:
            query = select(RegistryAudit).order_by(RegistryAudit.id.desc()).limit(limit)
            return [
                {
                    "id": e.id,
                    "at": iso(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "target": e.target,
                    "detail": e.detail,
                }
                for e in (await session.scalars(query)).all()
            ]
