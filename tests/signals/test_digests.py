"""MD5 and SHA-256 signal types."""

from __future__ import annotations

import hashlib

import pytest

from consentry.signals import MD5, SHA256, SIGNAL_TYPES, Content, InvalidFingerprint


def test_registry_names() -> None:
    assert set(SIGNAL_TYPES) == {"pdq", "md5", "sha256", "vpdq", "regions"}
    for name, signal in SIGNAL_TYPES.items():
        assert signal.name == name
        assert signal.version >= 1


@pytest.mark.parametrize(("signal", "algorithm"), [(MD5, "md5"), (SHA256, "sha256")])
def test_compute_parse_distance(signal, algorithm: str) -> None:
    data = b"benign bytes"
    value = signal.compute(Content(data=data))
    assert value == hashlib.new(algorithm, data).hexdigest()
    assert signal.parse(value.upper()) == value
    assert signal.distance(value, value.upper()) == 0
    other = signal.compute(Content(data=b"other bytes"))
    assert signal.distance(value, other) == 1
    assert signal.compute(Content()) is None


@pytest.mark.parametrize("signal", [MD5, SHA256])
@pytest.mark.parametrize("bad", ["", "xyz", "0" * 31, "0" * 65, "z" * 32, "z" * 64])
def test_invalid_digests(signal, bad: str) -> None:
    with pytest.raises(InvalidFingerprint) as info:
        signal.parse(bad)
    assert info.value.code == "invalid-fingerprint"


def test_md5_and_sha256_lengths_are_not_interchangeable() -> None:
    md5 = MD5.compute(Content(data=b"x"))
    sha = SHA256.compute(Content(data=b"x"))
    assert not SHA256.is_valid(md5)
    assert not MD5.is_valid(sha)
