"""A cross-process lock in the database, so two runners never apply at once.

Why a document and not a transaction: it must work on any MongoDB (a standalone mongod
has no transactions) and on the embedded server. The lock is one document with a fixed
`_id` in `_migrations_lock`; the unique `_id` makes `insert` an atomic test-and-set.
It carries `expires_at`: a runner that died is taken over once its lease expired, and
a live runner renews the lease between migrations. A TTL index removes stale locks too
where the server runs a TTL monitor.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import socket
import uuid
from typing import Any

from pymongo.errors import DuplicateKeyError, OperationFailure

LOCK_COLLECTION = "_migrations_lock"
LOCK_ID = "migrations"


class LockBusyError(RuntimeError):
    """Another runner holds the lock and did not release it within the wait time."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MigrationLock:
    """Async context manager: `async with MigrationLock(db): ...`."""

    def __init__(self, db: Any, *, wait: float = 30.0, lease: float = 600.0) -> None:
        self._collection = db[LOCK_COLLECTION]
        self.wait = wait
        self.lease = lease
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    async def acquire(self) -> None:
        # TTL is a backstop only (not every server runs a TTL monitor); the lease
        # check below is what counts.
        with contextlib.suppress(OperationFailure):
            await self._collection.create_index("expires_at", expireAfterSeconds=0)
        deadline = asyncio.get_running_loop().time() + self.wait
        while True:
            now = _now()
            try:
                await self._collection.insert_one(
                    {
                        "_id": LOCK_ID,
                        "owner": self.owner,
                        "acquired_at": now,
                        "expires_at": now + dt.timedelta(seconds=self.lease),
                    }
                )
                return
            except DuplicateKeyError:
                pass
            # Take over a lease that expired (its runner died without releasing).
            stale = await self._collection.delete_one({"_id": LOCK_ID, "expires_at": {"$lt": now}})
            if stale.deleted_count:
                continue
            if asyncio.get_running_loop().time() >= deadline:
                holder = await self._collection.find_one({"_id": LOCK_ID}) or {}
                raise LockBusyError(
                    f"another migration runner holds the lock ({holder.get('owner', '?')}, "
                    f"since {holder.get('acquired_at', '?')}); waited {self.wait:g}s. "
                    "Retry when it finishes."
                )
            await asyncio.sleep(0.2)

    async def renew(self) -> None:
        await self._collection.update_one(
            {"_id": LOCK_ID, "owner": self.owner},
            {"$set": {"expires_at": _now() + dt.timedelta(seconds=self.lease)}},
        )

    async def release(self) -> None:
        await self._collection.delete_one({"_id": LOCK_ID, "owner": self.owner})

    async def __aenter__(self) -> MigrationLock:
        await self.acquire()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.release()
