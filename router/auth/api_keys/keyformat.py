"""The key format: ``gk_`` + 8-character id + ``_`` + 43-character secret, base62.

The secret is 32 random bytes written in base62 at a fixed width (62**43 > 2**256),
so every key is exactly ``KEY_LENGTH`` characters. Parsing is a length check, one
split and an alphabet check: linear in the (already bounded) input, no regex.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass

KEY_PREFIX = "gk_"
ID_LENGTH = 8
SECRET_BYTES = 32
SECRET_LENGTH = 43
KEY_LENGTH = len(KEY_PREFIX) + ID_LENGTH + 1 + SECRET_LENGTH
ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase


@dataclass(frozen=True, slots=True)
class ParsedKey:
    id: str
    secret: str

    @property
    def secret_hash(self) -> str:
        return secret_hash(self.secret)


def base62(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, digit = divmod(value, 62)
        digits.append(ALPHABET[digit])
    if value:
        raise ValueError("value does not fit the width")
    return "".join(reversed(digits))


def new_key_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))


def new_secret() -> str:
    return base62(int.from_bytes(secrets.token_bytes(SECRET_BYTES), "big"), SECRET_LENGTH)


def secret_hash(secret: str) -> str:
    """sha256 of the secret part, hex: what the database keeps instead of the secret."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def visible_prefix(key_id: str) -> str:
    return KEY_PREFIX + key_id


def format_key(key_id: str, secret: str) -> str:
    return f"{KEY_PREFIX}{key_id}_{secret}"


def _is_base62(text: str) -> bool:
    # For ASCII text str.isalnum is exactly [0-9A-Za-z], and both run in C.
    return text.isascii() and text.isalnum()


def is_key_id(text: str) -> bool:
    """An 8-character base62 id (what ``DELETE /admin/api/keys/{id}`` may look up)."""
    return len(text) == ID_LENGTH and _is_base62(text)


def parse_key(raw: str) -> ParsedKey | None:
    """The id and secret of a well-formed key, else None (never raises, never echoes)."""
    if len(raw) != KEY_LENGTH or not raw.startswith(KEY_PREFIX):
        return None
    parts = raw[len(KEY_PREFIX) :].split("_")
    if len(parts) != 2:
        return None
    key_id, secret = parts
    if len(key_id) != ID_LENGTH or len(secret) != SECRET_LENGTH:
        return None
    if not (_is_base62(key_id) and _is_base62(secret)):
        return None
    return ParsedKey(key_id, secret)
