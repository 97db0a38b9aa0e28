"""The identity plugins ``auth:`` asks for, in pipeline order (before rate limits,
which may count by key or subject)."""

from __future__ import annotations

from router.auth.forward import ForwardIdentity
from router.auth.plugin import Auth
from router.config.auth import AuthSettings
from router.pipeline.plugin import Plugin


def identity_plugins(settings: AuthSettings) -> list[Plugin]:
    """Nothing when auth is off: no hook, no cost."""
    plugins: list[Plugin] = []
    if settings.enabled:
        jwt = None
        if settings.jwt is not None:
            from router.auth.jwt import JwtVerifier

            jwt = JwtVerifier(settings.jwt)
        api_keys = None
        if settings.api_keys is not None:
            from router.auth.api_keys.verifier import ApiKeyVerifier

            api_keys = ApiKeyVerifier.from_settings(settings.api_keys)
        plugins.append(Auth(settings, api_keys=api_keys, jwt=jwt))
    if settings.forward.enabled:
        plugins.append(ForwardIdentity(settings.forward))
    return plugins
