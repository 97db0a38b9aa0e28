"""Real parts for the JWT tests: signing keys, token minting, and a JWKS server.

``JwksServer`` is an aiohttp server on an ephemeral loopback port that publishes
whatever keys the test puts in ``keys``; it counts fetches, can answer slowly
(``delay_s``), fail (``status``) or send an oversized body (``pad_bytes``)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import warnings
from typing import Any

from aiohttp import web
from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, Key, OKPKey, RSAKey

ISSUER = "https://idp.test/"
AUDIENCE = "graphql-api"

_ALG_FOR_KTY = {"RSA": "RS256", "EC": "ES256", "OKP": "EdDSA"}


def rsa_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"})


def ec_key(kid: str) -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": kid})


def ed_key(kid: str) -> OKPKey:
    return OKPKey.generate_key("Ed25519", parameters={"kid": kid})


def public_jwk(key: Key) -> dict[str, Any]:
    return dict(key.as_dict(private=False))


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-42",
        "iat": now,
        "exp": now + 600,
        "scope": "read:products write:reviews",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def mint(key: Key, alg: str | None = None, kid: str | None = "default", **overrides: Any) -> str:
    """A token signed by ``key`` (its own kid unless ``kid`` is given; None: no kid)."""
    alg = alg or _ALG_FOR_KTY[key.key_type]
    header: dict[str, Any] = {"alg": alg}
    if kid == "default":
        kid = key.kid
    if kid is not None:
        header["kid"] = kid
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)  # "EdDSA is deprecated via RFC 9864"
        return jwt.encode(header, claims(**overrides), key, algorithms=[alg])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: Any) -> str:
    return b64(json.dumps(value).encode())


def hs256_with_public_key(key: RSAKey) -> str:
    """The algorithm-confusion attack: HS256 'signed' with the RSA public key (PEM) as secret."""
    secret = key.as_pem(private=False)
    signing_input = f"{b64json({'alg': 'HS256', 'kid': key.kid})}.{b64json(claims())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


class JwksServer:
    """Publishes ``keys`` at ``/jwks.json`` on 127.0.0.1, ephemeral port."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys = keys
        self.fetches = 0
        self.status = 200
        self.delay_s = 0.0
        self.pad_bytes = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        self.fetches += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.status != 200:
            return web.Response(status=self.status, text="unavailable")
        body: dict[str, Any] = {"keys": self.keys}
        if self.pad_bytes:
            body["padding"] = "x" * self.pad_bytes
        return web.json_response(body)

    async def start(self) -> JwksServer:
        app = web.Application()
        app.router.add_get("/jwks.json", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/jwks.json"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
