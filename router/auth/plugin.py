"""The auth plugin: who is calling, established once per request in ``on_request``.

Order of credentials: an API key (``x-api-key: KEY`` or ``Authorization: ApiKey KEY``)
when API keys are on, else a JWT from the configured header or cookie when JWT
providers are configured. A credential that is presented and refused is always 401
``UNAUTHENTICATED`` naming the failed check; no credential at all is fine unless
``auth.require`` is set. The identity lands in ``ctx.client`` for every later stage:
the authorization directives, rate limits by key or subject, usage records, and the
headers forwarded to subgraphs.
"""

from __future__ import annotations

from typing import Any, Protocol

from starlette.datastructures import Headers
from starlette.requests import Request

from router.auth.errors import UNAUTHENTICATED, AuthError, CredentialVerifier
from router.config.auth import AuthSettings
from router.errors import RequestError
from router.pipeline.context import RequestContext
from router.pipeline.plugin import Plugin

API_KEY_HEADER = "x-api-key"
API_KEY_SCHEME = "apikey"


class TokenVerifier(CredentialVerifier, Protocol):
    """A verifier that also knows where its token travels (the JWT verifier)."""

    def token_from_request(self, request: Request) -> str | None: ...


def api_key_from(headers: Headers) -> str | None:
    """``x-api-key: KEY`` or ``Authorization: ApiKey KEY``; None when neither is sent."""
    key = headers.get(API_KEY_HEADER)
    if key is not None:
        return key.strip()
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == API_KEY_SCHEME:
            return value.strip()
    return None


class Auth(Plugin):
    """Fills ``ctx.client`` from an API key or a JWT; applies ``auth.require``."""

    name = "auth"

    def __init__(
        self,
        settings: AuthSettings,
        api_keys: CredentialVerifier | None = None,
        jwt: TokenVerifier | None = None,
    ) -> None:
        self.settings = settings
        self.api_keys = api_keys
        self.jwt = jwt

    async def start(self) -> None:
        for verifier in (self.api_keys, self.jwt):
            if verifier is not None:
                await verifier.start()

    async def stop(self) -> None:
        for verifier in (self.jwt, self.api_keys):
            if verifier is not None:
                await verifier.stop()

    def health(self, body: dict[str, Any]) -> None:
        report = getattr(self.jwt, "health", None)
        if callable(report):
            body["jwt"] = report()

    async def on_request(self, ctx: RequestContext) -> None:
        request = ctx.http
        try:
            key = api_key_from(request.headers) if self.api_keys is not None else None
            if key is not None and self.api_keys is not None:
                ctx.client = await self.api_keys.verify(key)
            elif self.jwt is not None:
                token = self.jwt.token_from_request(request)
                if token is not None:
                    ctx.client = await self.jwt.verify(token)
        except AuthError as refused:
            ctx.extensions["auth_failure"] = refused.reason  # for the audit log
            raise refused.to_request_error() from None
        if ctx.client is None and self.settings.require:
            raise RequestError.single(
                401,
                "Authentication required: send an API key (x-api-key) or a bearer token.",
                UNAUTHENTICATED,
                {"WWW-Authenticate": 'Bearer realm="graphql"'},
            )
