"""Recall: the index returns exactly what a numpy brute force returns, in the same order."""

from __future__ import annotations

import numpy as np
import pytest

from consentry.index import HammingIndex, hashes_from_hex
from consentry.index import segment as segment_module
from consentry.index.layout import Layout

from .helpers import assert_matches_brute_force, flip_bits, planted_queries, random_hashes

RADII = [0, 1, 8, 31, 32, 47, 64]


@pytest.fixture(scope="module")
def stored() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2024)
    hashes = random_hashes(rng, 20_000)
    return np.arange(100, 100 + len(hashes), dtype=np.int64), hashes


@pytest.fixture(scope="module")
def big_index(stored) -> HammingIndex:
    ids, hashes = stored
    index = HammingIndex()
    index.add(ids, hashes)
    return index


def test_big_add_builds_an_indexed_segment(big_index):
    assert big_index.segment_sizes == [20_000]
    assert big_index._segments[0].layout is not None
    assert len(big_index) == 20_000


@pytest.mark.parametrize("radius", RADII)
def test_planted_neighbours_at_every_distance(big_index, stored, radius):
    ids, hashes = stored
    rng = np.random.default_rng(radius)
    queries = np.vstack([planted_queries(rng, hashes, radius), random_hashes(rng, 20)])
    hits = assert_matches_brute_force(big_index, ids, hashes, queries, radius)
    assert hits >= 2 * (radius + 1)


@pytest.mark.parametrize("radius", [65, 100, 128, 256])
def test_radius_beyond_the_fast_path_scans(big_index, stored, radius):
    ids, hashes = stored
    rng = np.random.default_rng(radius)
    queries = random_hashes(rng, 3)
    hits = assert_matches_brute_force(big_index, ids, hashes, queries, radius)
    if radius == 256:
        assert hits == 3 * len(hashes)


@pytest.mark.parametrize("radius", [31, 48, 64])
def test_indexed_path_forced_at_large_radius(stored, radius, monkeypatch):
    """The cost model would scan here; force the multi-index path to check it stays exact."""
    monkeypatch.setattr(segment_module, "flat_cost", lambda rows: float("inf"))
    monkeypatch.setattr(segment_module, "choose_layout", lambda rows: Layout((16,) * 16))
    ids, hashes = stored
    index = HammingIndex()
    index.add(ids[:6000], hashes[:6000])
    assert index._segments[0]._plan(radius) is not None
    rng = np.random.default_rng(7)
    assert_matches_brute_force(
        index, ids[:6000], hashes[:6000], planted_queries(rng, hashes[:6000], radius, 1), radius
    )


@pytest.mark.parametrize(
    "widths",
    [
        (16,) * 16,
        (24, 24, 20, 20, 20, 20, 20, 20, 20, 20, 20),
        (9, 9, 9, 9, 9, 9, 9, 9),  # covers only 72 of 256 bits: the pigeonhole still holds
        (23, 17, 13, 11, 8, 20, 21, 22, 19, 18),
    ],
)
def test_any_chunk_geometry_is_exact(stored, widths, monkeypatch):
    monkeypatch.setattr(segment_module, "choose_layout", lambda rows: Layout(widths))
    ids, hashes = stored
    index = HammingIndex()
    index.add(ids[:8000], hashes[:8000])
    assert index._segments[0].layout == Layout(widths)
    rng = np.random.default_rng(sum(widths))
    for radius in (0, 5, 31):
        queries = planted_queries(rng, hashes[:8000], radius, 1)
        assert_matches_brute_force(index, ids[:8000], hashes[:8000], queries, radius)


def test_chunk_boundary_bit_flips(big_index, stored):
    ids, hashes = stored
    starts = big_index._segments[0].layout.starts
    edges = sorted({b for s in starts for b in (s - 1, s) if 0 <= b < 256} | {63, 64, 127, 128})
    base = hashes[123]
    queries = [flip_bits(base, edges[: k + 1]) for k in range(min(len(edges), 31))]
    queries += [flip_bits(base, [edge]) for edge in edges]
    assert_matches_brute_force(big_index, ids, hashes, np.array(queries), 31)


def test_empty_index_returns_one_empty_result_per_query():
    index = HammingIndex()
    results = index.search(random_hashes(np.random.default_rng(0), 3), 31)
    assert len(results) == 3
    for found_ids, distances in results:
        assert found_ids.dtype == np.int64 and distances.dtype == np.int32
        assert len(found_ids) == 0 and len(distances) == 0


def test_single_hash_index_matches_itself_and_neighbours():
    """python-threatexchange's index misses this one (ThreatExchange issue #1318)."""
    pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    index = HammingIndex()
    index.add([42], hashes_from_hex([pdq]))
    base = hashes_from_hex([pdq])[0]
    queries = np.array([base, flip_bits(base, range(31)), flip_bits(base, range(32))])
    results = index.search(queries, 31)
    assert [r[0].tolist() for r in results] == [[42], [42], []]
    assert [r[1].tolist() for r in results] == [[0], [31], []]


def test_duplicate_hashes_and_ids(stored):
    _, hashes = stored
    rng = np.random.default_rng(5)
    same = np.repeat(hashes[:1], 50, axis=0)
    one_id_many_hashes = hashes[1:6]
    all_hashes = np.vstack([same, one_id_many_hashes, hashes[6:9000]])
    all_ids = np.concatenate([np.arange(50), np.full(5, 777), np.arange(1000, 1000 + 8994)])
    for batch in (len(all_ids), 37):  # one indexed segment / buffer-sized additions
        index = HammingIndex()
        for start in range(0, len(all_ids), batch):
            index.add(all_ids[start : start + batch], all_hashes[start : start + batch])
        queries = np.vstack([hashes[:6], planted_queries(rng, hashes[:6], 31, 1)])
        assert_matches_brute_force(index, all_ids, all_hashes, queries, 31)
        found_ids, distances = index.search(hashes[:1], 0)[0]
        assert found_ids.tolist() == list(range(50)) and distances.tolist() == [0] * 50


def test_many_hits_per_query_overflow_the_first_slab():
    hashes = np.repeat(random_hashes(np.random.default_rng(9), 1), 5000, axis=0)
    ids = np.arange(5000)
    index = HammingIndex()
    index.add(ids, hashes)
    queries = np.vstack(
        [
            hashes[:1],
            flip_bits(hashes[0], [1, 2, 3])[None],
            random_hashes(np.random.default_rng(1), 2),
        ]
    )
    assert_matches_brute_force(index, ids, hashes, queries, 31)
    assert len(index.search(hashes[:1], 3)[0][0]) == 5000


def test_single_query_vector_is_accepted(big_index, stored):
    _, hashes = stored
    results = big_index.search(hashes[10], 0)
    assert len(results) == 1 and results[0][0].tolist() == [110]


@pytest.mark.parametrize("workers", [1, 2])
def test_worker_setting_gives_identical_results(stored, workers):
    ids, hashes = stored
    index = HammingIndex(workers=workers)
    index.add(ids, hashes)
    rng = np.random.default_rng(3)
    assert_matches_brute_force(index, ids, hashes, planted_queries(rng, hashes, 31, 1), 31)


def test_no_queries_gives_no_results(big_index):
    assert big_index.search(np.empty((0, 32), np.uint8), 31) == []


def test_unaligned_and_strided_query_buffers(big_index, stored):
    _, hashes = stored
    raw = b"\x00" + hashes[:3].tobytes()
    unaligned = np.frombuffer(raw, dtype=np.uint8, offset=1).reshape(3, 32)
    strided = np.repeat(hashes[:3], 2, axis=0)[::2]
    for queries in (unaligned, strided):
        assert [r[0].tolist() for r in big_index.search(queries, 0)] == [[100], [101], [102]]
