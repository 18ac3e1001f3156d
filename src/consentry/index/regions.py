"""RegionIndex: which registered photos a query shows a part of, and where.

Every query tile (64-bit hash) is looked up exactly within ``RADIUS`` bits (multi-index
hashing over 3 or 4 chunks, :mod:`.regions_kernels`); a query tile that matches more than
``MAX_PHOTOS_PER_TILE`` photos is dropped (a plain edge or round blob is evidence for none).
Each remaining match proposes a placement of its registered photo in the query (scale from
the tile sizes, rotation from the angle the query tile was sampled at, shift from the
centres), read both as is and mirrored since tile bits do not change in a mirror. Per photo,
the closest matches are tried as placements, the best refined by least squares; the
registered tiles that agree with it, counting tiles piled on one spot once, are the
evidence. A photo is reported when at least ``MIN_TILES`` agree. A region replaced by other
content only removes evidence; it never adds any for the wrong photo.

Storage is LSM-style like :class:`consentry.index.HammingIndex`: each added batch becomes a
segment, similar-sized segments are merged (each tile is rebuilt O(log N) times); removal
marks the photo dead and a mostly-dead segment is compacted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from consentry.index import regions_kernels as kernels
from consentry.index.errors import InvalidHashes
from consentry.index.kernels import bucket_offsets
from consentry.signals.regions import (
    SIZE_CODE_STEPS,
    RegionFingerprint,
    tile_angles,
    tile_layout,
)

RADIUS = 6  # bits: tiles within this Hamming distance are matches
MIN_TILES = 6  # agreeing tiles needed to report a photo (bench/results/protected.md)
MIN_SCORE = 0.0  # default share of the photo's tiles needed on top of MIN_TILES
MAX_PHOTOS_PER_TILE = 16  # a query tile matching more registered photos is ignored
MAX_TILES_PER_PHOTO = 255
MIN_INDEXED_ROWS = 4096  # smaller segments are scanned
MAX_CHUNK_BITS = 21
# Cost model of one lookup (nanoseconds; only the ratio matters): a probed bucket costs two
# dependent cache misses, a candidate in it a sequential read and a popcount.
PROBE_NS = 150.0
CANDIDATE_NS = 1.0
MERGE_RATIO = 2
COMPACT_BELOW_ALIVE = 0.5


@dataclass(frozen=True)
class RegionHit:
    """A registered photo found in the query."""

    id: int
    score: float  # 0..1: share of the registered photo's tiles found consistently
    region: tuple[float, float, float, float]  # x0, y0, x1, y1 in the query, fractions
    tiles: int  # consistent tile matches, counting tiles piled on one spot once
    mirrored: bool


class _Segment:
    """Tiles of some photos: hash, photo slot, tile number, geometry; MIH tables when big."""

    def __init__(
        self,
        hashes: np.ndarray,
        slots: np.ndarray,
        tiles: np.ndarray,
        geometry: np.ndarray,
        radius: int,
    ):
        self.widths = _chunk_widths(len(hashes), radius)
        if self.widths:
            order, self.tables = _build_tables(hashes, self.widths)
            hashes = self.tables[4][0]
            slots, tiles, geometry = slots[order], tiles[order], geometry[order]
        self.hashes, self.slots, self.tiles, self.geometry = hashes, slots, tiles, geometry
        self.dead = 0

    def __len__(self) -> int:
        return len(self.hashes)

    @property
    def nbytes(self) -> int:
        arrays = (self.slots, self.tiles, self.geometry)
        # with tables, the hashes are the first row of the sorted copies
        tables = sum(a.nbytes for a in self.tables) if self.widths else self.hashes.nbytes
        return sum(a.nbytes for a in arrays) + tables

    def lookup(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
        """(query index, row) of every tile within ``radius`` bits of a query hash."""
        capacity = 4 * len(queries) + 1024
        while True:
            out_query = np.empty(capacity, np.int64)
            out_row = np.empty(capacity, np.int64)
            if self.widths:
                probe = _probe_radii(len(self.widths), radius)
                found = kernels.mih_search(queries, radius, self.tables, probe, out_query, out_row)
            else:
                found = kernels.scan(queries, self.hashes, radius, out_query, out_row)
            if found <= capacity:
                return out_query[:found], out_row[:found]
            capacity = found


def _chunk_widths(rows: int, radius: int) -> tuple[int, ...]:
    """The modelled-cheapest split of the 64 bits into 3 or 4 equal chunks, or () to scan.

    More chunks mean fewer probes (each chunk is probed to a smaller radius) but bigger
    buckets; each chunk also costs a sorted copy of the hashes (8 bytes per tile)."""
    if rows < MIN_INDEXED_ROWS:
        return ()
    costs = {}
    for chunks in (3, 4):
        width = min(MAX_CHUNK_BITS, 64 // chunks, max(8, int(np.log2(rows))))
        probes = [
            sum(math.comb(width, k) for k in range(t + 1))
            for t in _probe_radii(chunks, radius)
            if t >= 0
        ]
        candidates = sum(probes) * rows / 2**width
        costs[(width,) * chunks] = PROBE_NS * sum(probes) + CANDIDATE_NS * candidates
    return min(costs, key=costs.__getitem__)


def _probe_radii(chunks: int, radius: int) -> np.ndarray:
    """Per-chunk probe radii with sum(t + 1) >= radius + 1, as even as possible."""
    radii = np.full(chunks, -1, np.int64)
    for step in range(radius + 1):
        radii[step % chunks] += 1
    return radii


def _build_tables(hashes: np.ndarray, widths: tuple[int, ...]) -> tuple[np.ndarray, tuple]:
    """Row order (by chunk 0) and the lookup tables: chunk starts and widths, bucket offsets
    of every chunk (concatenated, with each chunk's base), the hashes sorted by each chunk
    (a bucket is then read sequentially) and, for chunks 1.., the row of each sorted entry."""
    starts = np.cumsum((0, *widths[:-1])).astype(np.int64)
    first = kernels.chunk_values(hashes, starts[0], widths[0])
    first_offsets = bucket_offsets(first, 1 << widths[0])
    order = kernels.counting_order(first, first_offsets)
    del first
    sorted_hashes = np.empty((len(widths), len(hashes)), np.uint64)
    sorted_hashes[0] = hashes[order]
    offsets = [first_offsets]
    positions = np.empty((max(len(widths) - 1, 1), len(hashes)), np.uint32)
    for chunk in range(1, len(widths)):
        values = kernels.chunk_values(sorted_hashes[0], starts[chunk], widths[chunk])
        chunk_offsets = bucket_offsets(values, 1 << widths[chunk])
        positions[chunk - 1] = kernels.counting_order(values, chunk_offsets)
        sorted_hashes[chunk] = sorted_hashes[0][positions[chunk - 1]]
        offsets.append(chunk_offsets)
        del values
    bases = np.cumsum([0] + [len(o) for o in offsets[:-1]]).astype(np.int64)
    tables = (
        starts,
        np.asarray(widths, np.int64),
        np.concatenate(offsets),
        bases,
        sorted_hashes,
        positions,
    )
    return order, tables


class RegionIndex:
    """Registered photos' tiles; :meth:`search` finds the photos a query shows part of.

    Concurrent searches are fine (the kernels release the GIL); add and remove must not run
    concurrently with anything else.
    """

    def __init__(self, *, radius: int = RADIUS, min_tiles: int = MIN_TILES) -> None:
        if not 0 <= radius <= 16:
            raise ValueError(f"radius must be between 0 and 16 bits, got {radius}")
        self.radius = radius
        self.min_tiles = max(3, int(min_tiles))
        self._segments: list[_Segment] = []
        self._slot_of: dict[int, int] = {}
        self._ids = np.empty(0, np.int64)
        self._counts = np.empty(0, np.int32)
        self._frames = np.empty((0, 2), np.float32)  # width, height over the short side
        self._alive = np.empty(0, np.bool_)

    def __len__(self) -> int:
        return len(self._slot_of)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (tiles, lookup tables, per-photo records)."""
        photos = self._ids.nbytes + self._counts.nbytes + self._frames.nbytes + self._alive.nbytes
        return photos + sum(s.nbytes for s in self._segments)

    @property
    def tile_count(self) -> int:
        return sum(len(s) - s.dead for s in self._segments)

    def add(self, ids: Sequence[int], fingerprints: Sequence[RegionFingerprint]) -> None:
        """Register each photo's tiles under its id (an id already present is replaced)."""
        id_list = [_as_id(i) for i in ids]
        if len(id_list) != len(fingerprints):
            raise InvalidHashes(f"{len(id_list)} ids for {len(fingerprints)} fingerprints")
        if len(set(id_list)) != len(id_list):
            raise InvalidHashes("the same id appears twice in one add")
        for fingerprint in fingerprints:
            _check_registered(fingerprint)
        if not id_list:
            return
        self.add_tiles(
            id_list,
            np.array([len(f) for f in fingerprints], np.int64),
            np.concatenate([f.hashes for f in fingerprints]),
            np.concatenate([f.geometry for f in fingerprints]),
            np.array([f.frame for f in fingerprints], np.float64),
        )

    def add_tiles(
        self,
        ids: Sequence[int] | np.ndarray,
        counts: np.ndarray,
        hashes: np.ndarray,
        geometry: np.ndarray,
        frames: np.ndarray,
    ) -> None:
        """Bulk form of :meth:`add` (e.g. loading a bank): photo k has ``counts[k]`` tiles,
        the next rows of ``hashes`` (uint64) and ``geometry`` ((n, 3) uint8), and the
        analysed frame ``frames[k]`` = (width, height)."""
        id_array = np.array([_as_id(i) for i in ids], np.int64)
        counts = np.asarray(counts, np.int64)
        frames = np.asarray(frames, np.float64).reshape(-1, 2)
        _check_tiles(id_array, counts, hashes, geometry, frames)
        self.remove(i for i in id_array.tolist() if i in self._slot_of)
        first = len(self._ids)
        slots = np.arange(first, first + len(id_array))
        self._grow_photos(id_array, counts, frames)
        self._slot_of.update(zip(id_array.tolist(), slots.tolist(), strict=True))
        segment = _Segment(
            np.asarray(hashes, np.uint64),
            np.repeat(slots.astype(np.int32), counts),
            kernels.tile_numbers(counts, len(hashes)),
            np.asarray(geometry, np.uint8),
            self.radius,
        )
        self._segments.append(segment)
        self._merge_similar()

    def remove(self, ids: Iterable[int]) -> int:
        """Forget the photos with these ids; return how many were registered."""
        slots = [self._slot_of.pop(i) for i in {_as_id(i) for i in ids} if i in self._slot_of]
        if not slots:
            return 0
        doomed = np.array(slots, np.int64)
        self._alive[doomed] = False
        for segment in self._segments:
            segment.dead += int(np.isin(segment.slots, doomed).sum())
        self._compact()
        return len(slots)

    def search(
        self, query: RegionFingerprint, *, min_score: float | None = None
    ) -> list[RegionHit]:
        """Registered photos shown (in part) by the query, best first."""
        if not isinstance(query, RegionFingerprint):
            raise TypeError(f"expected a RegionFingerprint, got {type(query).__name__}")
        threshold = MIN_SCORE if min_score is None else float(min_score)
        matches = self._matches(query)
        if matches is None:
            return []
        slots, layout, tiles, query_rows = matches
        groups, group_slots = _groups(slots, tiles, self.min_tiles)
        if not len(group_slots):
            return []
        keep = np.isin(slots, group_slots)
        placements = kernels.consensus(
            groups,
            (query_rows[keep], tiles[keep].astype(np.int64), layout[keep]),
            _both_mirrorings(query),
            self._counts[group_slots].astype(np.int64),
        )
        return self._hits(query, group_slots, placements, threshold)

    def _matches(self, query: RegionFingerprint):
        """Every (registered tile, query tile) pair within the radius, each query tile read
        both as is and mirrored (tile hashes cannot tell), alive photos only, sorted by photo:
        (slots, registered layout, tile numbers, rows of the doubled query)."""
        distinct, inverse = np.unique(query.hashes, return_inverse=True)
        parts = []
        for segment in self._segments:
            found, rows = segment.lookup(distinct, self.radius)
            slots = segment.slots[rows]
            alive = self._alive[slots]
            rows, found = rows[alive], found[alive]
            distance = np.bitwise_count(segment.hashes[rows] ^ distinct[found])
            parts.append(
                (slots[alive], segment.geometry[rows], segment.tiles[rows], found, distance)
            )
        if not parts or not sum(len(p[0]) for p in parts):
            return None
        slots, geometry, tiles, found, distance = (
            np.concatenate([p[k] for p in parts]) for k in range(5)
        )
        specific = _specific(found, slots, len(distinct))
        slots, geometry, tiles, found, distance = (
            slots[specific],
            geometry[specific],
            tiles[specific],
            found[specific],
            distance[specific],
        )
        taken, query_rows = _expand(found, inverse)
        slots, geometry, tiles, distance = (
            slots[taken],
            geometry[taken],
            tiles[taken],
            distance[taken],
        )
        n = len(query)
        query_rows = np.concatenate([query_rows, query_rows + n])
        slots, geometry, tiles = np.tile(slots, 2), np.tile(geometry, (2, 1)), np.tile(tiles, 2)
        # closest matches first within each photo: they are tried first as placements
        order = np.lexsort((np.tile(distance, 2), slots))
        slots, geometry, tiles, query_rows = (
            slots[order],
            geometry[order],
            tiles[order],
            query_rows[order],
        )
        return slots, _layout(geometry, self._frames[slots]), tiles, query_rows

    def _hits(self, query, group_slots, placements, threshold) -> list[RegionHit]:
        hits = []
        width, height = query.frame
        query_size = np.array([width, height], np.float64) / min(width, height)
        for slot, placement in zip(group_slots, placements, strict=True):
            evidence, distinct = int(placement[0]), int(placement[1])
            score = min(1.0, distinct / int(self._counts[slot]))
            if evidence < self.min_tiles or score < threshold:
                continue
            region = _region(placement[2:6], bool(placement[6]), self._frames[slot], query_size)
            hits.append(
                RegionHit(int(self._ids[slot]), score, region, evidence, bool(placement[6]))
            )
        hits.sort(key=lambda hit: (-hit.score, -hit.tiles, hit.id))
        return hits

    def _grow_photos(self, ids: np.ndarray, counts: np.ndarray, frames: np.ndarray) -> None:
        relative = (frames / frames.min(axis=1, keepdims=True)).astype(np.float32)
        self._ids = np.concatenate([self._ids, ids])
        self._counts = np.concatenate([self._counts, counts]).astype(np.int32)
        self._frames = np.concatenate([self._frames, relative])
        self._alive = np.concatenate([self._alive, np.ones(len(ids), np.bool_)])

    def _merge_similar(self) -> None:
        while len(self._segments) > 1:
            self._segments.sort(key=lambda s: len(s) - s.dead, reverse=True)
            older, newer = self._segments[-2], self._segments[-1]
            if len(older) - older.dead > MERGE_RATIO * (len(newer) - newer.dead):
                return
            self._segments[-2:] = [self._rebuilt(older, newer)]

    def _compact(self) -> None:
        kept = []
        for segment in self._segments:
            if segment.dead == len(segment):
                continue
            if segment.dead > (1 - COMPACT_BELOW_ALIVE) * len(segment):
                segment = self._rebuilt(segment)
            kept.append(segment)
        self._segments = kept
        self._merge_similar()

    def _rebuilt(self, *segments: _Segment) -> _Segment:
        """One segment with the alive tiles of ``segments``."""
        parts = []
        for segment in segments:
            alive = self._alive[segment.slots]
            parts.append(
                (
                    segment.hashes[alive],
                    segment.slots[alive],
                    segment.tiles[alive],
                    segment.geometry[alive],
                )
            )
        return _Segment(*(np.concatenate([p[k] for p in parts]) for k in range(4)), self.radius)


def _specific(found: np.ndarray, slots: np.ndarray, distinct: int) -> np.ndarray:
    """Matches whose query hash matched at most MAX_PHOTOS_PER_TILE photos: a tile found in
    many registered photos (a plain edge, a round blob) is evidence for none of them."""
    pairs = np.unique(found.astype(np.int64) * (1 << 32) + slots)
    photos = np.bincount(pairs >> 32, minlength=distinct)
    return photos[found] <= MAX_PHOTOS_PER_TILE


def _expand(found: np.ndarray, inverse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Matches of distinct hashes -> matches of query tiles: (match taken, query row)."""
    inverse = inverse.ravel()
    by_hash = np.argsort(inverse, kind="stable")
    counts = np.bincount(inverse, minlength=int(found.max(initial=0)) + 1)
    starts = np.cumsum(counts) - counts
    repeats = counts[found]
    taken = np.repeat(np.arange(len(found)), repeats)
    within = np.arange(len(taken)) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    return taken, by_hash[starts[found[taken]] + within]


def _both_mirrorings(query: RegionFingerprint) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Layout, angles and mirrored flags of the query's tiles, then of the same tiles read in
    the left-right mirrored image."""
    layout = tile_layout(query)
    angles = tile_angles(query)
    width, height = query.frame
    mirrored = layout.copy()
    mirrored[:, 0] = width / min(width, height) - layout[:, 0]
    flags = np.zeros(2 * len(query), np.bool_)
    flags[len(query) :] = True
    return (
        np.ascontiguousarray(np.concatenate([layout, mirrored])),
        np.concatenate([angles, -angles]),
        flags,
    )


def _groups(slots: np.ndarray, tiles: np.ndarray, min_tiles: int) -> tuple[np.ndarray, np.ndarray]:
    """Group boundaries over the slot-sorted matches, keeping photos with at least
    ``min_tiles`` distinct matched tiles (fewer cannot reach the bar)."""
    keys = slots.astype(np.int64) * 256 + tiles
    distinct_slots = np.unique(keys) // 256
    candidates, distinct = np.unique(distinct_slots, return_counts=True)
    candidates = candidates[distinct >= min_tiles]
    if not len(candidates):
        return np.empty(0, np.int64), candidates
    kept = slots[np.isin(slots, candidates)]
    starts = np.searchsorted(kept, candidates)
    return np.append(starts, len(kept)).astype(np.int64), candidates


def _layout(geometry: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """(n, 3) float64 tile centre and side in registered short-side units."""
    x = (geometry[:, 0] + 0.5) / 256 * frames[:, 0]
    y = (geometry[:, 1] + 0.5) / 256 * frames[:, 1]
    side = 2.0 ** ((geometry[:, 2].astype(np.float64) - 255) / SIZE_CODE_STEPS)
    return np.ascontiguousarray(np.column_stack([x, y, side]))


def _region(
    placement: np.ndarray, mirrored: bool, frame: np.ndarray, query_size: np.ndarray
) -> tuple[float, float, float, float]:
    """The registered photo's frame placed in the query: bounding box as query fractions."""
    scale, angle, shift_x, shift_y = placement
    corners = np.array([[0, 0], [frame[0], 0], [0, frame[1]], [frame[0], frame[1]]], np.float64)
    c, s = np.cos(angle), np.sin(angle)
    x = scale * (c * corners[:, 0] - s * corners[:, 1]) + shift_x
    y = scale * (s * corners[:, 0] + c * corners[:, 1]) + shift_y
    if mirrored:
        x = query_size[0] - x
    box = np.array([x.min(), y.min(), x.max(), y.max()]) / np.tile(query_size, 2)
    x0, y0, x1, y1 = (float(v) for v in np.clip(box, 0.0, 1.0))
    return x0, y0, x1, y1


def _check_registered(fingerprint: object) -> None:
    if not isinstance(fingerprint, RegionFingerprint):
        raise InvalidHashes(f"expected RegionFingerprint, got {type(fingerprint).__name__}")
    if fingerprint.dense:
        raise InvalidHashes("register a photo's registered fingerprint, not a query's (dense=True)")
    if not 1 <= len(fingerprint) <= MAX_TILES_PER_PHOTO:
        raise InvalidHashes(
            f"a registered photo has 1..{MAX_TILES_PER_PHOTO} tiles, got {len(fingerprint)}"
        )


def _check_tiles(ids, counts, hashes, geometry, frames) -> None:
    if len(set(ids.tolist())) != len(ids):
        raise InvalidHashes("the same id appears twice in one add")
    if counts.shape != ids.shape or frames.shape != (len(ids), 2):
        raise InvalidHashes(f"{len(ids)} ids need as many tile counts and (width, height) frames")
    if len(counts) and (counts.min() < 1 or counts.max() > MAX_TILES_PER_PHOTO):
        raise InvalidHashes(f"a registered photo has 1..{MAX_TILES_PER_PHOTO} tiles")
    total = int(counts.sum())
    if np.shape(hashes) != (total,) or np.shape(geometry) != (total, 3):
        raise InvalidHashes(f"{total} tiles need ({total},) hashes and ({total}, 3) geometry")
    if len(frames) and frames.min() <= 0:
        raise InvalidHashes("frames must have a positive width and height")


def _as_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidHashes(f"ids must be integers, got {value!r}")
    if not -(2**63) <= int(value) < 2**63:
        raise InvalidHashes(f"id {value} does not fit in int64")
    return int(value)


def match_score(query: RegionFingerprint, registered: RegionFingerprint) -> float:
    """Share of ``registered``'s tiles found consistently in ``query`` (0 when below the
    index's bar). ``registered`` may be a query fingerprint: its tiles are then read as one
    photo's (an unindexed comparison of two fingerprints)."""
    index = RegionIndex()
    plain = registered
    if registered.dense or len(registered) > MAX_TILES_PER_PHOTO:
        keep = np.flatnonzero(registered.flags == 0)[:MAX_TILES_PER_PHOTO]
        plain = RegionFingerprint(
            registered.hashes[keep],
            registered.geometry[keep],
            np.zeros(len(keep), np.uint8),
            False,
            registered.frame,
        )
    index.add([0], [plain])
    hits = index.search(query, min_score=0.0)
    return hits[0].score if hits else 0.0
