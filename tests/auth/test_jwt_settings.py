"""Token extraction from a Starlette request, and the ``auth.jwt`` settings checks."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from router.auth.errors import AuthError
from router.auth.jwt import (
    DEFAULT_ALGORITHMS,
    JwtProviderSettings,
    JwtSettings,
    JwtSettingsError,
    JwtVerifier,
    TokenSource,
    token_from_request,
)
from tests.auth.jwt_support import ec_key, public_jwk

JWKS = {"keys": [public_jwk(ec_key("k1"))]}


def request(*headers: tuple[str, str]) -> Request:
    return Request(
        {
            "type": "http",
            "method": "POST",
            "path": "/graphql",
            "query_string": b"",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
        }
    )


BEARER = TokenSource()


@pytest.mark.parametrize(
    ("value", "token"),
    [("Bearer abc.def.ghi", "abc.def.ghi"), ("bearer  abc.def.ghi ", "abc.def.ghi")],
)
def test_bearer_header(value: str, token: str) -> None:
    assert token_from_request(request(("Authorization", value)), BEARER) == token


def test_no_header_is_no_token() -> None:
    assert token_from_request(request(("x-other", "1")), BEARER) is None


@pytest.mark.parametrize(
    "value", ["abc.def.ghi", "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b", "Bearerabc"]
)
def test_header_without_bearer_is_malformed(value: str) -> None:
    with pytest.raises(AuthError) as caught:
        token_from_request(request(("Authorization", value)), BEARER)
    assert caught.value.reason == "malformed_authorization_header"
    assert caught.value.message == "Malformed authorization header: expected 'Bearer <token>'."


def test_custom_header_without_prefix_and_cookie() -> None:
    raw = TokenSource(header="x-jwt", prefix="")
    assert token_from_request(request(("X-JWT", "abc.def.ghi")), raw) == "abc.def.ghi"
    cookie = TokenSource(cookie="session")
    r = request(("Cookie", "theme=dark; session=abc.def.ghi"), ("Authorization", "Basic x"))
    assert token_from_request(r, cookie) == "abc.def.ghi"
    assert token_from_request(request(("Cookie", "theme=dark")), cookie) is None


def test_verifier_looks_in_each_configured_place() -> None:
    settings = JwtSettings(
        providers=(
            JwtProviderSettings(issuer="a", audiences=("x",), jwks=JWKS, cookie="session"),
            JwtProviderSettings(issuer="b", audiences=("x",), jwks=JWKS),
            JwtProviderSettings(issuer="c", audiences=("x",), jwks=JWKS),
        )
    )
    v = JwtVerifier(settings)
    assert v.sources == (TokenSource(cookie="session"), TokenSource())
    assert v.token_from_request(request(("Authorization", "Bearer t.o.k"))) == "t.o.k"
    assert v.token_from_request(request(("Cookie", "session=c.o.k"))) == "c.o.k"
    assert v.token_from_request(request()) is None


def test_an_inline_jwks_without_usable_keys_is_a_settings_error() -> None:
    broken = {
        "keys": [{"kty": "EC", "crv": "P-256", "x": "x", "y": "y"}, {"kty": "oct", "k": "c2VjcmV0"}]
    }
    settings = JwtSettings(
        providers=(JwtProviderSettings(issuer="a", audiences=("x",), jwks=broken),)
    )
    with pytest.raises(JwtSettingsError, match=r"jwks: no usable signing keys"):
        JwtVerifier(settings)


def test_from_mapping_reads_the_router_yaml_section() -> None:
    settings = JwtSettings.from_mapping(
        {
            "scopes_claim": "scp",
            "max_token_bytes": 4096,
            "providers": [
                {
                    "issuer": "https://idp.example.com/",
                    "audiences": "graphql-api",
                    "jwks_url": "https://idp.example.com/.well-known/jwks.json",
                    "leeway_s": 10,
                    "header": "X-Token",
                    "prefix": "",
                    "jwks_refresh_s": 600,
                },
                {
                    "issuer": "inline",
                    "audiences": ["a", "b"],
                    "jwks": JWKS,
                    "algorithms": ["ES256"],
                },
            ],
        }
    )
    first, second = settings.providers
    assert settings.scopes_claim == "scp" and settings.max_token_bytes == 4096
    assert first.audiences == ("graphql-api",)
    assert first.algorithms == DEFAULT_ALGORITHMS == ("RS256", "ES256", "EdDSA")
    assert first.header == "x-token" and first.prefix == "" and first.leeway_s == 10
    assert first.jwks_refresh_s == 600
    assert second.audiences == ("a", "b") and second.algorithms == ("ES256",)


def base(**overrides: Any) -> dict[str, Any]:
    return {"issuer": "https://idp/", "audiences": ["api"], "jwks": JWKS} | overrides


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"providers": []}, "at least one provider"),
        ({"providers": [base(algorithms=["HS256"])]}, "'HS256' is not allowed"),
        ({"providers": [base(algorithms=["none"])]}, "'none' is not allowed"),
        ({"providers": [base(algorithms=["RS256", "HS512"])]}, "'HS512' is not allowed"),
        ({"providers": [base(algorithms=[])]}, "algorithms must not be empty"),
        ({"providers": [base(audiences=[])]}, "at least one audience"),
        ({"providers": [base(jwks=None)]}, "exactly one of jwks_url and jwks"),
        ({"providers": [base(jwks_url="https://idp/jwks")]}, "exactly one of jwks_url and jwks"),
        ({"providers": [base(jwks=None, jwks_url="file:///etc/passwd")]}, "http(s) URL"),
        ({"providers": [base(jwks={"nokeys": 1})]}, "'keys' list"),
        ({"providers": [base(), base()]}, "each issuer may appear only once"),
        ({"providers": [base(leeway_s=-1)]}, "leeway_s must be >= 0"),
        ({"providers": [base(jwks_refresh_s=0)]}, "jwks_refresh_s must be > 0"),
        ({"providers": [base(secret="s")]}, "unknown key(s) secret"),
        ({"providers": [base()], "extra": 1}, "unknown key(s) extra"),
        ({"providers": "nope"}, "providers must be a list"),
        ({"providers": [base(issuer="")]}, "issuer is required"),
    ],
)
def test_settings_refuse_weak_or_wrong_configuration(data: dict[str, Any], message: str) -> None:
    with pytest.raises(JwtSettingsError) as caught:
        JwtSettings.from_mapping(data)
    assert message in str(caught.value)
