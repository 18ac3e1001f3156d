"""Case secrets (scrypt) and API keys (SHA-256 of 32 random bytes)."""

from __future__ import annotations

import hashlib

import pytest

from consentry.secrets import (
    api_key_id,
    hash_api_key,
    hash_secret,
    new_api_key,
    new_secret,
    verify_secret,
)


def test_new_secrets_are_long_random_and_url_safe() -> None:
    made = {new_secret() for _ in range(50)}
    assert len(made) == 50
    for secret in made:
        assert len(secret) == 43
        assert set(secret) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )


def test_hash_and_verify() -> None:
    secret = new_secret()
    stored = hash_secret(secret)
    assert secret not in stored
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert salt and digest
    assert verify_secret(secret, stored)
    assert not verify_secret(secret + "x", stored)
    assert not verify_secret(secret[:-1], stored)
    assert not verify_secret("", stored)
    assert hash_secret(secret) != stored  # fresh salt every time


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "scrypt",
        "bcrypt$16384$8$1$c2FsdA$aGFzaA",
        "scrypt$16384$8$1$c2FsdA",
        "scrypt$abc$8$1$c2FsdA$aGFzaA",
        "scrypt$1000$8$1$c2FsdA$aGFzaA",  # n not a power of two
        "scrypt$1099511627776$8$1$c2FsdA$aGFzaA",  # absurd memory
        "scrypt$16384$0$1$c2FsdA$aGFzaA",
        "scrypt$16384$8$999$c2FsdA$aGFzaA",
        "scrypt$16384$8$1$!!!$aGFzaA",
        "scrypt$16384$8$1$c2FsdA$",
    ],
)
def test_malformed_stored_hashes_never_verify(stored: str) -> None:
    assert verify_secret("anything", stored) is False


def test_odd_secret_inputs() -> None:
    stored = hash_secret("s")
    assert verify_secret(None, stored) is False  # type: ignore[arg-type]
    assert verify_secret("s", None) is False  # type: ignore[arg-type]
    assert verify_secret("s" * 10_000, stored) is False
    assert verify_secret("é" * 5, hash_secret("é" * 5)) is True


def test_api_keys() -> None:
    key, key_id, key_hash = new_api_key()
    assert key.startswith(f"cs_{key_id}_") and len(key_id) == 12
    assert key_hash == hash_api_key(key) == hashlib.sha256(key.encode()).hexdigest()
    assert api_key_id(key) == key_id
    assert len({new_api_key()[0] for _ in range(50)}) == 50


@pytest.mark.parametrize(
    "key",
    [
        None,
        5,
        "",
        "cs_",
        "cs_abc_def",
        "xx_abcdefghijkl_" + "a" * 43,
        "cs_ABCDEFGHIJKL_" + "a" * 43,
    ],
)
def test_malformed_api_keys_have_no_id(key: object) -> None:
    assert api_key_id(key) is None


def test_key_with_extra_text_has_no_id() -> None:
    key = new_api_key()[0]
    assert api_key_id(key + "x") is None
    assert api_key_id(" " + key) is None
