"""Invalidation from the event backbone: a CloudEvent published to the real NATS
JetStream (4222) drops the cached entries that touched that record, and only those."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable

import nats
import orjson

from router.cache.settings import CacheInvalidationSettings
from tests.cache.conftest import Router, cache
from tests.support import require_server

NATS_URL = "nats://127.0.0.1:4222"
PRODUCT = "query P($id: ID!) { product(id: $id) { id name } }"


async def _publish(namespace: str, event_type: str, subject_id: str) -> None:
    connection = await nats.connect(NATS_URL)
    try:
        js = connection.jetstream()
        await js.add_stream(name=f"CACHE_TEST_{namespace}", subjects=[f"{namespace}.>"])
        event = {
            "specversion": "1.0",
            "id": uuid.uuid4().hex,
            "source": "/subgraphs/records",
            "type": event_type,
            "subject": subject_id,
            "datacontenttype": "application/json",
            "data": {"record": {"id": subject_id}, "changed": ["name"]},
        }
        await js.publish(f"{namespace}.records.record.updated", orjson.dumps(event))
    finally:
        await connection.close()


async def _drop_stream(namespace: str) -> None:
    connection = await nats.connect(NATS_URL)
    try:
        await connection.jetstream().delete_stream(f"CACHE_TEST_{namespace}")
    finally:
        await connection.close()


def test_record_updated_event_invalidates_that_record(
    start_router: Callable[..., Router],
) -> None:
    require_server("127.0.0.1", 4222, "NATS")
    namespace = f"t{uuid.uuid4().hex[:10]}"
    invalidation = CacheInvalidationSettings(
        nats_url=NATS_URL,
        subjects=(f"{namespace}.records.>",),
        events=(("RecordUpdated", "Product"),),
    )
    router = start_router(cache=cache(invalidation=invalidation))
    try:
        for pid in ("p1", "p2"):
            router.post(PRODUCT, {"id": pid})
        assert router.post(PRODUCT, {"id": "p1"}).headers["x-cache"] == "HIT"
        # The subscription starts in the background: publish until p1's entry is gone.
        deadline = time.monotonic() + 15
        dropped = False
        while time.monotonic() < deadline and not dropped:
            asyncio.run(_publish(namespace, "RecordUpdated", "p1"))
            time.sleep(0.2)
            dropped = router.post(PRODUCT, {"id": "p1"}).headers["x-cache"] == "MISS"
        assert dropped, "the RecordUpdated event did not invalidate p1"
        assert router.post(PRODUCT, {"id": "p2"}).headers["x-cache"] == "HIT"
        # Subscribed now: an unmapped event type for p2 changes nothing; the p1 event
        # published after it (same subject, so delivered in order) is the barrier.
        assert router.post(PRODUCT, {"id": "p1"}).headers["x-cache"] == "HIT"
        asyncio.run(_publish(namespace, "SomethingElse", "p2"))
        asyncio.run(_publish(namespace, "RecordUpdated", "p1"))
        deadline = time.monotonic() + 15
        while router.post(PRODUCT, {"id": "p1"}).headers["x-cache"] == "HIT":
            assert time.monotonic() < deadline, "the second p1 event was not applied"
            time.sleep(0.1)
        assert router.post(PRODUCT, {"id": "p2"}).headers["x-cache"] == "HIT"
        health = router.http.get(
            "/health/detailed", headers={"Authorization": "Bearer test-admin-token"}
        ).json()
        assert health["cache"]["invalidation"]["connected"] is True
        assert health["cache"]["invalidation"]["invalidated"] >= 1
    finally:
        asyncio.run(_drop_stream(namespace))
