"""Authentication and authorization settings (``auth:`` in router.yaml)."""

from __future__ import annotations

from dataclasses import dataclass

from router.auth.api_keys.settings import ApiKeySettings
from router.auth.jwt.settings import JwtSettings


@dataclass(frozen=True, slots=True)
class IdentityForwarding:
    """Headers that carry the caller's identity to every subgraph (off when unset)."""

    client_id: str | None = None
    """e.g. ``x-client-id``: the key id or JWT subject."""
    scopes: str | None = None
    """e.g. ``x-client-scopes``: the scopes, space-separated."""
    claims: str | None = None
    """e.g. ``x-client-claims``: the verified JWT claims as JSON."""

    @property
    def enabled(self) -> bool:
        return bool(self.client_id or self.scopes or self.claims)


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """Who may call, and how identity is established and passed on."""

    require: bool = False
    """Refuse (401 ``UNAUTHENTICATED``) requests without a valid API key or JWT."""
    reject_unauthorized: bool = False
    """Refuse the whole operation (403) when it selects a field the caller may not
    see, instead of answering those fields with null and an error."""
    api_keys: ApiKeySettings | None = None
    """Accept API keys (``x-api-key: KEY`` or ``Authorization: ApiKey KEY``), looked up
    in the registry database (``DATABASE_URL``); None = API keys are not accepted."""
    jwt: JwtSettings | None = None
    """JWT providers (``auth.jwt``); None = JWTs are not accepted."""
    forward: IdentityForwarding = IdentityForwarding()

    @property
    def enabled(self) -> bool:
        return self.require or self.api_keys is not None or self.jwt is not None
