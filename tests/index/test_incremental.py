"""Add/remove interleavings, buffer flushes, segment merges and compaction stay exact."""

from __future__ import annotations

import numpy as np
import pytest

from consentry.index import HammingIndex
from consentry.index import hamming as hamming_module

from .helpers import assert_matches_brute_force, planted_queries, random_hashes


class Mirror:
    """The reference: a plain list of (id, hash) rows, updated like the index."""

    def __init__(self) -> None:
        self.ids = np.empty(0, np.int64)
        self.hashes = np.empty((0, 32), np.uint8)

    def add(self, ids, hashes) -> None:
        self.ids = np.concatenate([self.ids, ids])
        self.hashes = np.vstack([self.hashes, hashes])

    def remove(self, ids) -> int:
        doomed = np.isin(self.ids, ids)
        self.ids, self.hashes = self.ids[~doomed], self.hashes[~doomed]
        return int(doomed.sum())


@pytest.fixture
def small_buffer(monkeypatch):
    """Shrink the buffer so a few thousand adds exercise flushes, merges and compaction."""
    monkeypatch.setattr(hamming_module, "BUFFER_ROWS", 512)


def check(index: HammingIndex, mirror: Mirror, rng: np.random.Generator) -> None:
    assert len(index) == len(mirror.ids)
    if len(mirror.ids) == 0:
        queries = random_hashes(rng, 3)
    else:
        queries = np.vstack([planted_queries(rng, mirror.hashes, 31, 1), random_hashes(rng, 5)])
    assert_matches_brute_force(index, mirror.ids, mirror.hashes, queries, 31)


def test_random_interleaving_of_adds_and_removes(small_buffer):
    rng = np.random.default_rng(11)
    index, mirror = HammingIndex(), Mirror()
    next_id = 0
    for step in range(40):
        if rng.random() < 0.7 or len(mirror.ids) == 0:
            size = int(rng.choice([1, 7, 300, 700, 3000]))
            ids = np.arange(next_id, next_id + size)
            next_id += size
            hashes = random_hashes(rng, size)
            index.add(ids, hashes)
            mirror.add(ids, hashes)
        else:
            doomed = rng.choice(mirror.ids, size=min(len(mirror.ids), int(rng.integers(1, 2000))))
            assert index.remove(doomed) == mirror.remove(doomed)
        if step % 5 == 4:
            check(index, mirror, rng)
    check(index, mirror, rng)
    assert len(index.segment_sizes) <= 8


def test_removed_ids_never_come_back_and_readding_works(small_buffer):
    rng = np.random.default_rng(12)
    hashes = random_hashes(rng, 5000)
    ids = np.arange(5000)
    index = HammingIndex()
    index.add(ids[:2500], hashes[:2500])
    for start in range(2500, 5000, 100):
        index.add(ids[start : start + 100], hashes[start : start + 100])
    doomed = ids[::3]
    assert index.remove(doomed) == len(doomed)
    assert index.remove(doomed) == 0
    found = {int(i) for r in index.search(hashes, 0) for i in r[0]}
    assert found.isdisjoint(set(doomed.tolist()))
    assert found == set(ids.tolist()) - set(doomed.tolist())
    index.add(doomed[:10], hashes[doomed[:10]])
    again = [r[0].tolist() for r in index.search(hashes[doomed[:10]], 0)]
    assert again == [[int(i)] for i in doomed[:10]]


def test_remove_all_hashes_of_an_id_with_several(small_buffer):
    rng = np.random.default_rng(13)
    hashes = random_hashes(rng, 3000)
    ids = np.arange(3000) // 3  # every id carries three hashes
    index = HammingIndex()
    index.add(ids, hashes)
    index.add(np.full(4, 5), random_hashes(rng, 4))  # id 5 also in the buffer
    assert index.remove([5, 6, 99_999]) == 3 + 4 + 3
    mirror = Mirror()
    mirror.add(ids, hashes)
    mirror.remove([5, 6])
    check(index, mirror, rng)


def test_segments_merge_and_stay_few(small_buffer):
    rng = np.random.default_rng(14)
    index, mirror = HammingIndex(), Mirror()
    for start in range(0, 20_000, 250):
        ids = np.arange(start, start + 250)
        hashes = random_hashes(rng, 250)
        index.add(ids, hashes)
        mirror.add(ids, hashes)
    sizes = index.segment_sizes
    assert sum(sizes) + index._buffer_fill == 20_000
    assert len(sizes) <= 6, sizes
    assert sizes == sorted(sizes, reverse=True)
    check(index, mirror, rng)


def test_compaction_drops_dead_rows(small_buffer):
    rng = np.random.default_rng(15)
    hashes = random_hashes(rng, 8000)
    ids = np.arange(8000)
    index = HammingIndex()
    index.add(ids, hashes)
    bytes_before = index.nbytes
    index.remove(ids[:6000])
    assert index.segment_sizes == [2000]
    assert index.nbytes < bytes_before
    mirror = Mirror()
    mirror.add(ids[6000:], hashes[6000:])
    check(index, mirror, rng)
    index.remove(ids)
    assert len(index) == 0 and index.segment_sizes == []
    assert all(len(r[0]) == 0 for r in index.search(hashes[:5], 64))


def test_remove_of_unknown_ids_and_empty_list():
    index = HammingIndex()
    assert index.remove([]) == 0
    index.add([1, 2], random_hashes(np.random.default_rng(0), 2))
    assert index.remove([3, 4]) == 0
    assert index.remove(np.array([], dtype=np.int64)) == 0
    assert len(index) == 2


def test_index_keeps_its_own_copy_of_the_hashes():
    rng = np.random.default_rng(16)
    for n in (10, 6000):
        hashes = random_hashes(rng, n)
        original = hashes.copy()
        index = HammingIndex()
        index.add(np.arange(n), hashes)
        hashes[:] = 0
        assert [r[0].tolist() for r in index.search(original[:3], 0)] == [[0], [1], [2]]
