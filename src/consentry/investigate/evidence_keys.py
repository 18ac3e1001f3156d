"""The Ed25519 key that signs evidence packages: made once, kept with mode 0600, read back."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from consentry.errors import ConsentryError

KEY_FILE = "evidence-ed25519.pem"


class EvidenceError(ConsentryError):
    code = "evidence"


def default_key_path(home: Path) -> Path:
    return home / "keys" / KEY_FILE


def signing_key(home: Path, path: Path | None = None) -> Ed25519PrivateKey:
    """The key ``--signing-key`` names (made if absent), else the home's evidence key."""
    return load_or_create_key(path if path is not None else default_key_path(home))


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in ``path`` (PEM); a new one, saved with mode 0600, if absent."""
    if path.exists():
        return _load_private_key(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made by a concurrent run in the meantime
        return _load_private_key(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def _load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise EvidenceError(
            f"cannot read the signing key {path}: {exc}; give an unencrypted PEM Ed25519 key",
            code="bad-signing-key",
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise EvidenceError(
            f"the signing key {path} is not an Ed25519 key", code="bad-signing-key"
        ) from None
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file holding a public or a private key."""
    try:
        data = path.read_bytes()
        if b"PRIVATE KEY" in data:
            key: Any = serialization.load_pem_private_key(data, password=None).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except (OSError, ValueError, TypeError) as exc:
        raise EvidenceError(f"cannot read the key {path}: {exc}", code="bad-key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise EvidenceError(f"the key {path} is not an Ed25519 key", code="bad-key")
    return key


def key_fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()
