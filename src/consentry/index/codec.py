"""Conversions between 64-hex PDQ text, (n, 32) uint8 bytes and (n, 4) uint64 words."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from consentry.index.errors import InvalidHashes

HASH_BITS = 256
HASH_BYTES = HASH_BITS // 8
HASH_HEX = HASH_BYTES * 2


def hashes_from_hex(hexes: Iterable[str]) -> np.ndarray:
    """Parse 64-hex-char hashes into an (n, 32) uint8 array in ``bytes.fromhex`` order."""
    items = list(hexes)
    if all(isinstance(text, str) and len(text) == HASH_HEX for text in items):
        try:  # one parse for the whole batch; on failure, find the culprit row by row
            joined = bytes.fromhex("".join(items))
            return np.frombuffer(joined, dtype=np.uint8).reshape(len(items), HASH_BYTES).copy()
        except ValueError:
            pass
    out = np.empty((len(items), HASH_BYTES), dtype=np.uint8)
    for row, text in enumerate(items):
        if not isinstance(text, str) or len(text) != HASH_HEX:
            raise InvalidHashes(f"hash #{row} is not {HASH_HEX} hex characters: {_preview(text)}")
        try:
            out[row] = np.frombuffer(bytes.fromhex(text), dtype=np.uint8)
        except ValueError:
            raise InvalidHashes(f"hash #{row} is not hexadecimal: {_preview(text)}") from None
    return out


def hex_from_hashes(hashes: np.ndarray) -> list[str]:
    """Format an (n, 32) uint8 array back into lowercase 64-hex strings."""
    array = as_hash_bytes(hashes)
    return [row.tobytes().hex() for row in array]


def as_hash_bytes(hashes: np.ndarray, *, what: str = "hashes") -> np.ndarray:
    """Validate an (n, 32) uint8 array (a single (32,) hash is promoted to (1, 32))."""
    array = np.asarray(hashes)
    if array.dtype != np.uint8:
        raise InvalidHashes(f"{what} must be uint8, got dtype {array.dtype}")
    if array.ndim == 1 and array.shape[0] == HASH_BYTES:
        array = array.reshape(1, HASH_BYTES)
    if array.ndim != 2 or array.shape[1] != HASH_BYTES:
        raise InvalidHashes(f"{what} must have shape (n, {HASH_BYTES}), got {array.shape}")
    return array


def words_from_bytes(hashes: np.ndarray, *, what: str = "hashes") -> np.ndarray:
    """(n, 32) uint8 -> (n, 4) uint64 view (a copy only when the input is not contiguous).

    The words are read little-endian; any fixed bit order gives the same Hamming distances.
    """
    array = np.ascontiguousarray(as_hash_bytes(hashes, what=what))
    words = array.view("<u8").astype(np.uint64, copy=False)
    return words if words.flags.aligned else words.copy()


def bytes_from_words(words: np.ndarray) -> np.ndarray:
    """(n, 4) uint64 -> (n, 32) uint8, the inverse of :func:`words_from_bytes`."""
    return np.ascontiguousarray(words.astype("<u8", copy=False)).view(np.uint8)


def _preview(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
