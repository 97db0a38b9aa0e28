"""Cache and persisted-operation settings (``cache:`` and ``persisted_operations:`` in
router.yaml). Both are off by default: with them off the request path is unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_EVENT_TYPES: tuple[tuple[str, str], ...] = (
    ("RecordUpdated", "Record"),
    ("RecordDeleted", "Record"),
    ("MediaAdded", "Record"),
    ("MediaRemoved", "Record"),
    ("MediaReordered", "Record"),
    ("CategoryUpdated", "Category"),
    ("CategoryMoved", "Category"),
    ("CategoryDeleted", "Category"),
)
"""CloudEvent type -> GraphQL entity type whose record (key ``id`` = the event's
``subject``) the event invalidates: the project's event catalogue (docs/events.md)."""


@dataclass(frozen=True, slots=True)
class CacheInvalidationSettings:
    """Invalidation from the event backbone: a NATS subscription per worker."""

    nats_url: str | None = None
    """Subscribe to domain events here; ``None`` = no event invalidation."""
    subjects: tuple[str, ...] = ("records.>", "categories.>")
    """NATS subjects listened to (core subscription: JetStream publishes reach it too)."""
    events: tuple[tuple[str, str], ...] = DEFAULT_EVENT_TYPES
    """(CloudEvent type, GraphQL type): events that invalidate the record ``subject``."""


@dataclass(frozen=True, slots=True)
class CacheSettings:
    """The response cache (and, with ``entities``, the entity cache)."""

    enabled: bool = False
    backend: str = "memory"
    """``memory`` (an LRU per process, bounded by ``max_bytes``) or ``redis`` (shared)."""
    redis_url: str | None = None
    """Redis for ``backend: redis``; ``REDIS_URL`` when unset."""
    key_prefix: str = "gw:cache:"
    """Prefix of every Redis key this cache writes (so ``invalidate all`` stays in it)."""
    max_bytes: int = 64 * 1024 * 1024
    """Memory backend: bytes of cached responses kept (least recently used go first)."""
    max_entry_bytes: int = 4 * 1024 * 1024
    """Responses larger than this are not cached."""
    default_ttl_s: float = 60.0
    """TTL of root fields and fields returning objects without a hint of their own."""
    types: tuple[tuple[str, float], ...] = ()
    """TTL by type name (overrides the type's ``@cacheControl``)."""
    fields: tuple[tuple[str, float], ...] = ()
    """TTL by ``Type.field`` (overrides the field's ``@cacheControl``)."""
    private_types: tuple[str, ...] = ()
    """Types whose data is per client (``PRIVATE`` scope), besides ``@cacheControl``."""
    vary_headers: tuple[str, ...] = ()
    """Request headers whose values are part of every key (e.g. ``accept-language``)."""
    entities: bool = False
    """Also cache subgraph ``_entities`` results per type and key (the entity cache)."""
    invalidation: CacheInvalidationSettings = field(default_factory=CacheInvalidationSettings)


@dataclass(frozen=True, slots=True)
class PersistedOperationsSettings:
    """Automatic persisted queries (APQ) and trusted documents (a safelist)."""

    apq: bool = False
    """Accept Apollo's ``extensions.persistedQuery`` (register by hash, then send the hash)."""
    mode: str = "allow_all"
    """``allow_all``, ``log_unknown`` (log operations not in the manifest) or ``safelist``
    (refuse them: 400 ``PERSISTED_QUERY_NOT_IN_LIST``)."""
    manifest: str | None = None
    """A persisted query list file (Apollo's JSON format) loaded at start-up."""
    store: str = "memory"
    """Where APQ documents and uploaded manifests are kept: ``memory`` or ``redis``."""
    redis_url: str | None = None
    """Redis for ``store: redis``; ``REDIS_URL`` when unset."""
    key_prefix: str = "gw:pq:"
    max_entries: int = 10_000
    """Memory store: most APQ documents kept (least recently used go first)."""
    max_document_bytes: int = 256 * 1024
    """Longest document APQ registers."""
