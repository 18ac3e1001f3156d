"""Exact-bytes fingerprints: MD5 and SHA-256 of the file as read."""

from __future__ import annotations

import hashlib
import re
from typing import ClassVar

from consentry.signals.base import Content, InvalidFingerprint, SignalType


class DigestSignal(SignalType):
    """A cryptographic digest of the bytes: equal or not, distance 0 or 1."""

    algorithm: ClassVar[str]
    hex_length: ClassVar[int]

    def parse(self, text: str) -> str:
        if not isinstance(text, str):
            raise InvalidFingerprint(f"{self.name} must be text, got {type(text).__name__}")
        value = text.strip().lower()
        if not re.fullmatch(rf"[0-9a-f]{{{self.hex_length}}}", value):
            raise InvalidFingerprint(
                f"not a valid {self.name}: expected {self.hex_length} hex characters, "
                f"got {_preview(text)}"
            )
        return value

    def distance(self, a: str, b: str) -> int:
        return 0 if self.parse(a) == self.parse(b) else 1

    def compute(self, content: Content) -> str | None:
        if content.data is None:
            return None
        return self.digest(content.data)

    def digest(self, data: bytes) -> str:
        return hashlib.new(self.algorithm, data).hexdigest()


class Md5Signal(DigestSignal):
    name = "md5"
    version = 1
    algorithm = "md5"
    hex_length = 32

    def digest(self, data: bytes) -> str:
        # Identification of known files, not security.
        return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Sha256Signal(DigestSignal):
    name = "sha256"
    version = 1
    algorithm = "sha256"
    hex_length = 64


def _preview(text: object) -> str:
    shown = repr(text)
    return shown if len(shown) <= 80 else shown[:77] + "..."


MD5 = Md5Signal()
SHA256 = Sha256Signal()
