"""JwtVerifier on keys given inline: each algorithm accepted, each bad token refused
with its own reason, and no refusal message carrying the token."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from router.auth.errors import AuthError
from router.auth.jwt import JwtProviderSettings, JwtSettings, JwtVerifier
from tests.auth.jwt_support import (
    AUDIENCE,
    ISSUER,
    b64,
    b64json,
    claims,
    ec_key,
    ed_key,
    hs256_with_public_key,
    mint,
    public_jwk,
    rsa_key,
)

RSA = rsa_key("rsa-1")
EC = ec_key("ec-1")
ED = ed_key("ed-1")
OTHER_RSA = rsa_key("rsa-1")  # same kid, different key: a forger's


def provider(**overrides: Any) -> JwtProviderSettings:
    values: dict[str, Any] = {
        "issuer": ISSUER,
        "audiences": (AUDIENCE, "other-api"),
        "jwks": {"keys": [public_jwk(RSA), public_jwk(EC), public_jwk(ED)]},
    }
    values.update(overrides)
    return JwtProviderSettings(**values)


def verifier(**overrides: Any) -> JwtVerifier:
    return JwtVerifier(JwtSettings(providers=(provider(**overrides),)))


async def refusal(v: JwtVerifier, token: str) -> AuthError:
    with pytest.raises(AuthError) as caught:
        await v.verify(token)
    error = caught.value
    assert token not in error.message
    assert error.to_request_error().status == 401
    return error


@pytest.mark.parametrize("key", [RSA, EC, ED], ids=["RS256", "ES256", "EdDSA"])
async def test_each_default_algorithm_verifies(key: Any) -> None:
    identity = await verifier().verify(mint(key, name="Ada"))
    assert identity.id == "user-42"
    assert identity.kind == "jwt"
    assert identity.name == "Ada"
    assert identity.scopes == frozenset({"read:products", "write:reviews"})
    assert identity.claims["iss"] == ISSUER
    assert identity.claims["aud"] == AUDIENCE


async def test_audience_list_and_name_fallback() -> None:
    identity = await verifier().verify(mint(RSA, aud=["someone-else", "other-api"]))
    assert identity.name == "user-42"


async def test_scopes_from_scp_and_from_a_configured_claim() -> None:
    v = verifier()
    assert (await v.verify(mint(RSA, scope=None, scp=["a", "b", 3]))).scopes == {"a", "b"}
    assert (await v.verify(mint(RSA, scope=None, scp="a c"))).scopes == {"a", "c"}
    assert (await v.verify(mint(RSA, scope=None))).scopes == frozenset()
    custom = JwtVerifier(JwtSettings(providers=(provider(),), scopes_claim="permissions"))
    identity = await custom.verify(mint(RSA, permissions=["x:read"]))
    assert identity.scopes == {"x:read"}


now = int(time.time())

BAD_TOKENS: dict[str, tuple[Any, str]] = {
    "expired": (lambda: mint(RSA, exp=now - 3600, iat=now - 7200), "expired"),
    "expired just beyond the leeway": (lambda: mint(RSA, exp=now - 31), "expired"),
    "not yet valid": (lambda: mint(RSA, nbf=now + 3600), "not_yet_valid"),
    "issued in the future": (lambda: mint(RSA, iat=now + 3600), "not_yet_valid"),
    "wrong issuer": (lambda: mint(RSA, iss="https://evil.test/"), "wrong_issuer"),
    "wrong audience": (lambda: mint(RSA, aud="someone-else"), "wrong_audience"),
    "no expiry": (lambda: mint(RSA, exp=None), "missing_claim"),
    "no subject": (lambda: mint(RSA, sub=None), "missing_claim"),
    "non-numeric expiry": (lambda: mint(RSA, exp="tomorrow"), "malformed_token"),
    "alg none": (
        lambda: f"{b64json({'alg': 'none'})}.{b64json(claims())}.",
        "algorithm_not_allowed",
    ),
    "alg none with kid": (
        lambda: f"{b64json({'alg': 'none', 'kid': 'rsa-1'})}.{b64json(claims())}.",
        "algorithm_not_allowed",
    ),
    "HS256 signed with the RSA public key": (
        lambda: hs256_with_public_key(RSA),
        "algorithm_not_allowed",
    ),
    "RS384 not in the allow-list": (
        lambda: mint(RSA, alg="RS384"),
        "algorithm_not_allowed",
    ),
    "tampered payload": (
        lambda: _swap_payload(mint(RSA), claims(sub="admin")),
        "bad_signature",
    ),
    "signed by another key with the same kid": (lambda: mint(OTHER_RSA), "bad_signature"),
    "truncated signature": (lambda: mint(RSA)[:-10], "bad_signature"),
    "unknown kid": (lambda: mint(RSA, kid="nobody"), "unknown_key"),
    "kid of a key of another type": (lambda: mint(RSA, kid="ec-1"), "unknown_key"),
    "garbage": (lambda: "not a token at all", "malformed_token"),
    "two segments": (lambda: "abc.def", "malformed_token"),
    "five segments (JWE)": (lambda: "a.b.c.d.e", "malformed_token"),
    "non-ascii": (lambda: "é.é.é", "malformed_token"),
    "header not JSON": (lambda: f"{b64(b'{oops')}.{b64json(claims())}.sig", "malformed_token"),
    "header is a list": (lambda: f"{b64json([1])}.{b64json(claims())}.sig", "malformed_token"),
    "payload is a list": (
        lambda: f"{b64json({'alg': 'RS256'})}.{b64json([1, 2])}.c2ln",
        "malformed_token",
    ),
    "deeply nested header": (
        lambda: f"{b64(b'[' * 4000)}.{b64json(claims())}.c2ln",
        "malformed_token",
    ),
    "unencoded payload (b64=false)": (
        lambda: f"{b64json({'alg': 'RS256', 'b64': False, 'crit': ['b64']})}.x.c2ln",
        "malformed_token",
    ),
    "unknown critical header": (
        lambda: f"{b64json({'alg': 'RS256', 'crit': ['exp'], 'exp': 1})}.{b64json(claims())}.c2ln",
        "malformed_token",
    ),
    "kid not a string": (
        lambda: f"{b64json({'alg': 'RS256', 'kid': 7})}.{b64json(claims())}.c2ln",
        "malformed_token",
    ),
    "oversized": (lambda: mint(RSA, padding="x" * 9000), "token_too_large"),
}


def _swap_payload(token: str, new_claims: dict[str, Any]) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{b64json(new_claims)}.{signature}"


@pytest.mark.parametrize("case", list(BAD_TOKENS), ids=list(BAD_TOKENS))
async def test_bad_token_is_refused_with_its_reason(case: str) -> None:
    make, reason = BAD_TOKENS[case]
    error = await refusal(verifier(), make())
    assert error.reason == reason, error.message
    assert error.message.startswith("Invalid token: ")


async def test_messages_name_the_check() -> None:
    v = verifier()
    assert (await refusal(v, mint(RSA, exp=now - 3600))).message == "Invalid token: expired."
    assert (await refusal(v, mint(RSA, aud="x"))).message == "Invalid token: wrong audience."
    assert (await refusal(v, mint(RSA, sub=None))).message == "Invalid token: missing sub claim."


async def test_leeway_accepts_small_clock_skew() -> None:
    now = int(time.time())  # not the module's: the suite may run minutes after import
    v = verifier(leeway_s=120)
    assert (await v.verify(mint(RSA, exp=now - 60))).id == "user-42"
    assert (await v.verify(mint(RSA, nbf=now + 60))).id == "user-42"


async def test_a_single_key_without_kid_is_used() -> None:
    v = verifier(jwks={"keys": [{k: v for k, v in public_jwk(EC).items() if k != "kid"}]})
    assert (await v.verify(mint(EC, kid=None))).id == "user-42"


async def test_no_kid_needs_exactly_one_fitting_key() -> None:
    # One RSA key (beside an EC and an Ed25519 key): unambiguous for RS256.
    assert (await verifier().verify(mint(RSA, kid=None))).id == "user-42"
    two_rsa = verifier(jwks={"keys": [public_jwk(RSA), public_jwk(rsa_key("rsa-2"))]})
    assert (await refusal(two_rsa, mint(RSA, kid=None))).reason == "unknown_key"


async def test_key_pinned_to_an_algorithm_refuses_another() -> None:
    jwk = public_jwk(RSA) | {"alg": "PS256"}
    v = verifier(jwks={"keys": [jwk]}, algorithms=("RS256", "PS256"))
    assert (await refusal(v, mint(RSA))).reason == "unknown_key"
    assert (await v.verify(mint(RSA, alg="PS256"))).id == "user-42"


def test_joserfc_refuses_an_rsa_key_as_hmac_secret_too() -> None:
    """The second layer under the allow-list: joserfc's key-type check."""
    public = RSAKey.import_key(public_jwk(RSA))
    with pytest.raises(JoseError):
        jws.deserialize_compact(hs256_with_public_key(RSA), public, algorithms=["HS256"])


async def test_symmetric_keys_in_a_jwks_are_ignored() -> None:
    jwks = {"keys": [{"kty": "oct", "kid": "hmac", "k": b64(b"s" * 32)}, public_jwk(RSA)]}
    v = verifier(jwks=jwks)
    forged = f"{b64json({'alg': 'HS256', 'kid': 'hmac'})}.{b64json(claims())}.c2ln"
    assert (await refusal(v, forged)).reason == "algorithm_not_allowed"
    assert v.health()[ISSUER]["keys"] == 1


async def test_several_providers_are_picked_by_issuer() -> None:
    second = provider(
        issuer="https://other-idp.test/",
        audiences=("graphql-api",),
        jwks={"keys": [public_jwk(ED)]},
        name_claim="preferred_username",
    )
    v = JwtVerifier(JwtSettings(providers=(provider(jwks={"keys": [public_jwk(RSA)]}), second)))
    assert (await v.verify(mint(RSA))).id == "user-42"
    other = await v.verify(mint(ED, iss="https://other-idp.test/", preferred_username="bo"))
    assert other.name == "bo"
    # A token claiming the second issuer but signed with the first issuer's key.
    assert (await refusal(v, mint(RSA, iss="https://other-idp.test/"))).reason == "unknown_key"
    assert (await refusal(v, mint(RSA, iss="https://nobody.test/"))).reason == "wrong_issuer"
    assert (await refusal(v, mint(RSA, iss=None))).reason == "wrong_issuer"


async def test_max_token_bytes_is_checked_before_parsing() -> None:
    v = JwtVerifier(JwtSettings(providers=(provider(),), max_token_bytes=100))
    assert (await refusal(v, mint(RSA))).reason == "token_too_large"
    assert (await refusal(v, "." * 101)).reason == "token_too_large"


async def test_huge_hostile_input_is_refused_fast() -> None:
    v = verifier()
    started = time.perf_counter()
    for token in ["a" * 8192, "." * 8192, "a." * 4096, "=" * 8192, "a.b." + "c" * 8188]:
        assert (await refusal(v, token)).reason in {"malformed_token", "token_too_large"}
    assert time.perf_counter() - started < 0.5


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=300)
    | st.from_regex(r"[A-Za-z0-9_\-]{0,40}\.[A-Za-z0-9_\-]{0,80}\.[A-Za-z0-9_\-]{0,40}")
)
async def test_random_text_only_ever_gets_an_auth_error(token: str) -> None:
    with pytest.raises(AuthError):
        await FUZZ_VERIFIER.verify(token)


FUZZ_VERIFIER = verifier()
