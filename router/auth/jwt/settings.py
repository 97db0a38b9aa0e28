"""JWT settings (``auth.jwt`` in router.yaml): who may issue tokens, and how they are read.

Frozen dataclasses, checked when built: a configuration that would weaken
verification (``none``, any ``HS*`` algorithm, no audience, two providers with the
same issuer, neither ``jwks_url`` nor ``jwks``) is refused at start-up rather than
discovered on the first request. ``JwtSettings.from_mapping`` reads the plain
``auth.jwt`` mapping, for whoever loads router.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

DEFAULT_ALGORITHMS = ("RS256", "ES256", "EdDSA")
SUPPORTED_ALGORITHMS = frozenset(
    {
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
        "EdDSA",
        "Ed25519",
    }
)
"""Asymmetric algorithms only. ``none`` and ``HS*`` are never accepted: a JWKS holds
public keys, and a verifier that accepts HMAC can be fooled into using a public key
as the shared secret (algorithm confusion)."""

DEFAULT_MAX_TOKEN_BYTES = 8192


class JwtSettingsError(ValueError):
    """An ``auth.jwt`` setting that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class JwtProviderSettings:
    """One token issuer (an entry of ``auth.jwt.providers``)."""

    issuer: str
    """The exact ``iss`` claim; it also picks the provider for a token."""
    audiences: tuple[str, ...]
    """A token's ``aud`` must contain one of these."""
    jwks_url: str | None = None
    """Where the public keys are published (``.../.well-known/jwks.json``)."""
    jwks: Mapping[str, Any] | None = field(default=None, hash=False)
    """An inline JWKS (``{"keys": [...]}``) instead of ``jwks_url``."""
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    leeway_s: int = 30
    """Clock skew tolerated on ``exp``, ``nbf`` and ``iat``."""
    header: str = "authorization"
    """Request header carrying the token (lower-case)."""
    prefix: str = "Bearer"
    """Scheme before the token in ``header``; empty means the header is the token."""
    cookie: str | None = None
    """Read the token from this cookie instead of ``header``."""
    name_claim: str = "name"
    """Claim used as the identity's display name (falls back to ``sub``)."""
    jwks_refresh_s: float = 300.0
    """Refetch the JWKS this often, so removed keys stop working."""
    jwks_refetch_min_s: float = 30.0
    """An unknown ``kid`` refetches the JWKS at most once per this many seconds."""
    jwks_timeout_s: float = 5.0
    jwks_max_bytes: int = 256 * 1024

    def __post_init__(self) -> None:
        where = f"auth.jwt.providers[{self.issuer!r}]"
        if not self.issuer:
            raise JwtSettingsError("auth.jwt.providers[].issuer is required")
        if not self.audiences or not all(isinstance(a, str) and a for a in self.audiences):
            raise JwtSettingsError(f"{where}.audiences must list at least one audience")
        if (self.jwks_url is None) == (self.jwks is None):
            raise JwtSettingsError(f"{where} needs exactly one of jwks_url and jwks")
        if self.jwks_url is not None and not self.jwks_url.startswith(("https://", "http://")):
            raise JwtSettingsError(f"{where}.jwks_url must be an http(s) URL")
        if self.jwks is not None and not isinstance(self.jwks.get("keys"), list):
            raise JwtSettingsError(f"{where}.jwks must be a JWKS object with a 'keys' list")
        if not self.algorithms:
            raise JwtSettingsError(f"{where}.algorithms must not be empty")
        for alg in self.algorithms:
            if alg not in SUPPORTED_ALGORITHMS:
                raise JwtSettingsError(
                    f"{where}.algorithms: {alg!r} is not allowed"
                    f" (use one of {', '.join(sorted(SUPPORTED_ALGORITHMS))})"
                )
        if self.leeway_s < 0:
            raise JwtSettingsError(f"{where}.leeway_s must be >= 0")
        if not self.cookie and not self.header:
            raise JwtSettingsError(f"{where} needs a header or a cookie")
        if self.header != self.header.lower():
            object.__setattr__(self, "header", self.header.lower())
        for name in ("jwks_refresh_s", "jwks_timeout_s"):
            if getattr(self, name) <= 0:
                raise JwtSettingsError(f"{where}.{name} must be > 0")
        if self.jwks_refetch_min_s < 0:
            raise JwtSettingsError(f"{where}.jwks_refetch_min_s must be >= 0")
        if self.jwks_max_bytes <= 0:
            raise JwtSettingsError(f"{where}.jwks_max_bytes must be > 0")

    @property
    def source(self) -> TokenSource:
        return TokenSource(header=self.header, prefix=self.prefix, cookie=self.cookie)


@dataclass(frozen=True, slots=True)
class TokenSource:
    """Where a token is read from: a cookie, else a header with an optional scheme."""

    header: str = "authorization"
    prefix: str = "Bearer"
    cookie: str | None = None


@dataclass(frozen=True, slots=True)
class JwtSettings:
    """``auth.jwt``: the providers, and claims shared by all of them."""

    providers: tuple[JwtProviderSettings, ...]
    scopes_claim: str | None = None
    """Claim holding the scopes. ``None``: ``scope`` (space-separated), else ``scp``
    (a list or a space-separated string)."""
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES
    """Longer tokens are refused before any parsing."""

    def __post_init__(self) -> None:
        if not self.providers:
            raise JwtSettingsError("auth.jwt.providers must list at least one provider")
        issuers = [p.issuer for p in self.providers]
        if len(set(issuers)) != len(issuers):
            raise JwtSettingsError("auth.jwt.providers: each issuer may appear only once")
        if self.max_token_bytes <= 0:
            raise JwtSettingsError("auth.jwt.max_token_bytes must be > 0")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> JwtSettings:
        """Build from the ``auth.jwt`` mapping of router.yaml (unknown keys refused)."""
        top = {f.name for f in fields(cls)}
        _refuse_unknown("auth.jwt", data, top)
        providers = data.get("providers")
        if not isinstance(providers, list):
            raise JwtSettingsError("auth.jwt.providers must be a list")
        known = {f.name for f in fields(JwtProviderSettings)}
        built = []
        for index, entry in enumerate(providers):
            where = f"auth.jwt.providers[{index}]"
            if not isinstance(entry, Mapping):
                raise JwtSettingsError(f"{where} must be a mapping")
            _refuse_unknown(where, entry, known)
            values = dict(entry)
            for key in ("audiences", "algorithms"):
                if key in values:
                    value = values[key]
                    values[key] = (value,) if isinstance(value, str) else tuple(value)
            try:
                built.append(JwtProviderSettings(**values))
            except TypeError as exc:
                raise JwtSettingsError(f"{where}: {exc}") from None
        rest = {k: v for k, v in data.items() if k != "providers"}
        return cls(providers=tuple(built), **rest)


def _refuse_unknown(where: str, data: Mapping[str, Any], known: set[str]) -> None:
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise JwtSettingsError(f"{where}: unknown key(s) {', '.join(unknown)}")
