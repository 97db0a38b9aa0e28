"""Caching and persisted operations: the response cache, the entity cache, automatic
persisted queries and trusted documents (see docs/caching.md)."""
