"""Shared test helpers: random hashes, planted neighbours, a numpy brute-force reference."""

from __future__ import annotations

import numpy as np

from consentry.index import HammingIndex


def random_hashes(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, size=(n, 32), dtype=np.uint8)


def flip_bits(hash_bytes: np.ndarray, bits: list[int] | np.ndarray) -> np.ndarray:
    """Copy of one (32,) hash with the given bit positions (0..255) inverted.

    Bit b is bit b % 8 of byte b // 8: the index reads bytes as little-endian uint64 words,
    so these are the bit positions its chunks are defined on.
    """
    out = hash_bytes.copy()
    for bit in bits:
        out[bit // 8] ^= np.uint8(1 << (bit % 8))
    return out


def planted_queries(
    rng: np.random.Generator, stored: np.ndarray, radius: int, per_distance: int = 2
) -> np.ndarray:
    """Queries at every exact distance 0..radius+2 from random stored hashes."""
    queries = []
    for distance in range(min(radius + 3, 257)):
        for _ in range(per_distance):
            base = stored[rng.integers(len(stored))]
            queries.append(flip_bits(base, rng.choice(256, size=distance, replace=False)))
    return np.array(queries, dtype=np.uint8)


def brute_force(
    ids: np.ndarray, stored: np.ndarray, queries: np.ndarray, radius: int
) -> list[list[tuple[int, int]]]:
    """Per query, sorted (distance, id) pairs of every stored row within radius."""
    out = []
    for query in queries:
        distances = np.bitwise_count(stored ^ query).sum(axis=1)
        hits = np.flatnonzero(distances <= radius)
        out.append(sorted((int(distances[h]), int(ids[h])) for h in hits))
    return out


def as_pairs(results: list[tuple[np.ndarray, np.ndarray]]) -> list[list[tuple[int, int]]]:
    return [[(int(d), int(i)) for i, d in zip(ids, dists, strict=True)] for ids, dists in results]


def assert_matches_brute_force(
    index: HammingIndex, ids: np.ndarray, stored: np.ndarray, queries: np.ndarray, radius: int
) -> int:
    """Exact equality with brute force, order included; returns the number of hits checked."""
    got = as_pairs(index.search(queries, radius))
    expected = brute_force(ids, stored, queries, radius)
    assert len(got) == len(expected)
    for k, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert g == e, f"query {k} at radius {radius}: got {g[:5]}..., expected {e[:5]}..."
    return sum(len(e) for e in expected)
