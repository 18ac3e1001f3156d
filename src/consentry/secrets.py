"""Secrets for cases and API keys for partners: made here, stored only as hashes.

A case secret is chosen by us but kept by a person, who may copy it into places we do
not control; it is hashed with scrypt (salted, deliberately slow, memory-hard) so a stolen
database does not give it away. An API key is 32 random bytes: nobody can guess or
brute-force that, so a single fast SHA-256 is the right hash for it, and it lets every
request be authenticated without spending tens of milliseconds on scrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import string

SECRET_BYTES = 32
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_SALT_BYTES = 16
SCRYPT_HASH_BYTES = 32
# Bounds on the parameters read back from a stored hash, so a damaged row cannot make
# verification take unbounded memory or time.
_MAX_SCRYPT_N = 2**20
_MAX_SCRYPT_RP = 64

API_KEY_PREFIX = "cs_"
KEY_ID_CHARS = 12
_KEY_ID_ALPHABET = string.ascii_lowercase + string.digits
_API_KEY = re.compile(r"cs_([a-z0-9]{12})_([A-Za-z0-9_-]{43})")
MAX_SECRET_CHARS = 256


def new_secret() -> str:
    """32 random bytes, URL-safe base64 without padding (43 characters)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    """``scrypt$n$r$p$salt_b64$hash_b64`` for ``secret`` with a fresh random salt."""
    salt = secrets.token_bytes(SCRYPT_SALT_BYTES)
    digest = _scrypt(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(
        ["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)]
    )


def verify_secret(secret: str, stored: str) -> bool:
    """Whether ``secret`` matches a :func:`hash_secret` value; constant-time comparison.

    Anything malformed (either side) is simply ``False``.
    """
    if not isinstance(secret, str) or not isinstance(stored, str):
        return False
    if len(secret) > MAX_SECRET_CHARS:
        return False
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = _unb64(parts[4])
        expected = _unb64(parts[5])
    except ValueError:
        return False
    if not (1 < n <= _MAX_SCRYPT_N and n & (n - 1) == 0):
        return False
    if not (0 < r <= _MAX_SCRYPT_RP and 0 < p <= _MAX_SCRYPT_RP) or not expected:
        return False
    try:
        actual = _scrypt(secret, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def dummy_verify(secret: str) -> None:
    """Spend the time a real verification would, for unknown ids (no timing oracle)."""
    verify_secret(secret, _DUMMY_HASH)


def new_api_key() -> tuple[str, str, str]:
    """``(key, key_id, key_hash)``: key ``cs_<key_id>_<43 chars>``; only the hash is stored."""
    key_id = "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(KEY_ID_CHARS))
    key = f"{API_KEY_PREFIX}{key_id}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return key, key_id, hash_api_key(key)


def hash_api_key(key: str) -> str:
    """Hex SHA-256 of the whole key (see the module note on why a fast hash is right)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def api_key_id(key: object) -> str | None:
    """The public key id of a well-formed key, else ``None``."""
    if not isinstance(key, str):
        return None
    match = _API_KEY.fullmatch(key)
    return match.group(1) if match else None


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int, size: int = 32) -> bytes:
    return hashlib.scrypt(
        secret.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=256 * n * r + 1024 * 1024,
        dklen=size,
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    if not text or not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        raise ValueError("not base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_DUMMY_HASH = hash_secret("consentry-dummy-secret")
