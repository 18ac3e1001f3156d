"""RegionIndex: add, remove, replace and search; exact tile lookup; bad input refused."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from consentry.index import InvalidHashes
from consentry.index import regions_kernels as kernels
from consentry.index.regions import (
    MAX_PHOTOS_PER_TILE,
    MIN_INDEXED_ROWS,
    RegionHit,
    RegionIndex,
    _Segment,
    match_score,
)
from consentry.signals.regions import RegionFingerprint, region_fingerprint


@pytest.fixture(scope="module")
def fingerprints() -> dict[str, RegionFingerprint]:
    return {
        "astronaut": region_fingerprint(data.astronaut()),
        "coffee": region_fingerprint(data.coffee()),
        "chelsea": region_fingerprint(data.chelsea()),
    }


@pytest.fixture(scope="module")
def queries() -> dict[str, RegionFingerprint]:
    return {
        "astronaut": region_fingerprint(data.astronaut()[30:, 20:].copy(), dense=True),
        "coffee": region_fingerprint(data.coffee()[:, ::-1].copy(), dense=True),
        "chelsea": region_fingerprint(data.chelsea(), dense=True),
    }


def _synthetic(rng: np.random.Generator, photos: int, tiles: int = 100):
    counts = np.full(photos, tiles)
    hashes = rng.integers(0, 2**63, photos * tiles, dtype=np.int64).astype(np.uint64)
    geometry = rng.integers(0, 256, (photos * tiles, 3), dtype=np.uint8)
    return counts, hashes, geometry, np.tile([[384.0, 256.0]], (photos, 1))


def test_search_finds_each_photo_and_only_it(fingerprints, queries):
    index = RegionIndex()
    index.add([10, 20, 30], list(fingerprints.values()))
    assert len(index) == 3 and index.nbytes > 0
    for photo_id, name in zip([10, 20, 30], fingerprints, strict=True):
        hits = index.search(queries[name])
        assert [hit.id for hit in hits] == [photo_id]
        assert isinstance(hits[0], RegionHit) and 0 < hits[0].score <= 1
        assert hits[0].tiles >= index.min_tiles
    assert index.search(queries["coffee"])[0].mirrored
    assert not index.search(queries["astronaut"])[0].mirrored


def test_min_score_filters_hits(fingerprints, queries):
    index = RegionIndex()
    index.add([1], [fingerprints["astronaut"]])
    (hit,) = index.search(queries["astronaut"])
    assert index.search(queries["astronaut"], min_score=hit.score) == [hit]
    assert index.search(queries["astronaut"], min_score=hit.score + 0.01) == []


def test_remove_and_replace(fingerprints, queries):
    index = RegionIndex()
    index.add([1, 2], [fingerprints["astronaut"], fingerprints["coffee"]])
    assert index.remove([1, 99]) == 1
    assert len(index) == 1
    assert index.search(queries["astronaut"]) == []
    assert index.remove([1]) == 0
    index.add([2], [fingerprints["chelsea"]])  # same id: replaces the coffee photo
    assert len(index) == 1
    assert index.search(queries["coffee"]) == []
    assert [hit.id for hit in index.search(queries["chelsea"])] == [2]


def test_empty_index_and_empty_add(queries):
    index = RegionIndex()
    index.add([], [])
    assert len(index) == 0 and index.search(queries["chelsea"]) == []


def test_many_small_adds_merge_and_removals_compact(fingerprints, queries):
    rng = np.random.default_rng(3)
    index = RegionIndex()
    for start in range(0, 400, 40):
        counts, hashes, geometry, frames = _synthetic(rng, 40)
        index.add_tiles(np.arange(start, start + 40) + 1000, counts, hashes, geometry, frames)
    index.add([7], [fingerprints["chelsea"]])
    assert len(index) == 401
    assert len(index._segments) < 10  # merged, not one per add
    assert any(segment.widths for segment in index._segments)  # big enough to be indexed
    assert index.remove(np.arange(1000, 1300).tolist()) == 300
    assert index.tile_count == 100 * 100 + len(fingerprints["chelsea"])
    assert [hit.id for hit in index.search(queries["chelsea"])] == [7]


@pytest.mark.parametrize("radius", [0, 3, 5, 6, 8])
def test_multi_index_lookup_equals_a_scan(radius):
    rng = np.random.default_rng(radius)
    hashes = rng.integers(0, 2**63, 3 * MIN_INDEXED_ROWS, dtype=np.int64).astype(np.uint64)
    queries = hashes[rng.integers(0, len(hashes), 200)].copy()
    for k in range(len(queries)):
        for bit in rng.choice(64, size=k % (radius + 3), replace=False):
            queries[k] ^= np.uint64(1) << np.uint64(bit)
    n = len(hashes)
    slots, tiles, geometry = (
        np.arange(n, dtype=np.int32),
        np.zeros(n, np.uint8),
        np.zeros((n, 3), np.uint8),
    )
    segment = _Segment(hashes, slots, tiles, geometry, radius)
    assert segment.widths
    found_query, found_row = segment.lookup(queries, radius)
    got = set(zip(found_query.tolist(), segment.slots[found_row].tolist(), strict=True))
    assert len(got) == len(found_query)  # each pair once
    out_query = np.empty(10_000, np.int64)
    out_row = np.empty(10_000, np.int64)
    count = kernels.scan(queries, hashes, radius, out_query, out_row)
    expected = set(zip(out_query[:count].tolist(), out_row[:count].tolist(), strict=True))
    planted = sum(k % (radius + 3) <= radius for k in range(len(queries)))
    assert got == expected and len(expected) >= planted


def test_registering_a_query_fingerprint_is_refused(queries):
    with pytest.raises(InvalidHashes, match="not a query"):
        RegionIndex().add([1], [queries["chelsea"]])


@pytest.mark.parametrize(
    ("ids", "what", "message"),
    [
        ([1, 1], 2, "twice"),
        ([1], 2, "1 ids for 2"),
        (["a"], 1, "integers"),
        ([True], 1, "integers"),
        ([2**63], 1, "int64"),
    ],
)
def test_bad_ids_are_refused(fingerprints, ids, what, message):
    with pytest.raises(InvalidHashes, match=message):
        RegionIndex().add(ids, [fingerprints["coffee"]] * what)


def test_bad_bulk_tiles_are_refused():
    rng = np.random.default_rng(0)
    counts, hashes, geometry, frames = _synthetic(rng, 2)
    index = RegionIndex()
    with pytest.raises(InvalidHashes, match="tiles need"):
        index.add_tiles([1, 2], counts, hashes[:-1], geometry, frames)
    with pytest.raises(InvalidHashes, match=r"1\.\.255 tiles"):
        index.add_tiles([1, 2], np.array([100, 0]), hashes[:100], geometry[:100], frames)
    with pytest.raises(InvalidHashes, match="positive"):
        index.add_tiles([1, 2], counts, hashes, geometry, frames * 0)
    assert len(index) == 0


def test_not_a_fingerprint_is_refused(fingerprints):
    with pytest.raises(InvalidHashes, match="RegionFingerprint"):
        RegionIndex().add([1], ["r1.abc"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="RegionFingerprint"):
        RegionIndex().search("r1.abc")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="radius"):
        RegionIndex(radius=40)


def test_match_score_between_two_fingerprints(fingerprints, queries):
    assert match_score(queries["chelsea"], fingerprints["chelsea"]) > 0.9
    assert match_score(queries["chelsea"], fingerprints["coffee"]) == 0.0
    assert match_score(fingerprints["chelsea"], fingerprints["chelsea"]) == 1.0
    assert match_score(fingerprints["chelsea"], queries["chelsea"]) > 0.5


def test_a_tile_found_in_too_many_photos_is_not_evidence(fingerprints, queries):
    index = RegionIndex()
    index.add([1, 2, 3], [fingerprints["chelsea"]] * 3)
    assert sorted(hit.id for hit in index.search(queries["chelsea"])) == [1, 2, 3]
    crowd = list(range(10, 10 + MAX_PHOTOS_PER_TILE + 1))
    index.add(crowd, [fingerprints["chelsea"]] * len(crowd))
    assert index.search(queries["chelsea"]) == []  # every tile is now everywhere
    index.remove(crowd)
    assert len(index.search(queries["chelsea"])) == 3
