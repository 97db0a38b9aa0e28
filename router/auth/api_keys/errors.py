"""Why a key change is refused, as types (the admin API maps them to HTTP statuses).

They are ``RegistryError``s because keys live in the registry database and the admin
layer already turns those into coded JSON errors."""

from __future__ import annotations

from router.registry.errors import RegistryError


class ApiKeyNotFound(RegistryError):
    def __init__(self, key_id: str) -> None:
        shown = key_id if len(key_id) <= 32 else key_id[:32] + "..."
        super().__init__("API_KEY_NOT_FOUND", f"No API key with id {shown!r}.")


class InvalidApiKeyField(RegistryError):
    """A create request whose name, scopes, expiry or rate limit is not acceptable."""

    def __init__(self, message: str) -> None:
        super().__init__("BAD_REQUEST", message)
