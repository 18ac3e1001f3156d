"""HammingIndex: exact Hamming-radius search over 256-bit hashes, with incremental add/remove.

Storage is LSM-style: new hashes land in a small brute-force buffer; a full buffer is frozen
into a segment; segments of similar size are merged (so each hash is rebuilt O(log N) times,
never the whole index per add). Removal clears alive flags; a mostly-dead segment is compacted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numba
import numpy as np

from consentry.index import storage
from consentry.index.codec import HASH_BITS, bytes_from_words, words_from_bytes
from consentry.index.errors import InvalidHashes, InvalidRadius
from consentry.index.kernels import MAX_SEGMENT_ROWS
from consentry.index.segment import Hits, Segment

BUFFER_ROWS = 4096
MERGE_RATIO = 2
COMPACT_BELOW_ALIVE = 0.5
QUERY_BLOCK = 8192

SearchResult = tuple[np.ndarray, np.ndarray]


class HammingIndex:
    """Every stored hash within a radius of each query; 100% recall, any radius 0..256.

    Radii up to 64 use multi-index hashing where the cost model says it beats a scan; larger
    radii scan. ``workers`` caps the threads used by batched searches (None: numba's default).
    Concurrent searches from several threads are fine (the kernels release the GIL); add and
    remove must not run concurrently with anything else.
    """

    def __init__(self, *, workers: int | None = None) -> None:
        if workers is not None and (not isinstance(workers, int) or workers < 1):
            raise ValueError(f"workers must be a positive int or None, got {workers!r}")
        self.workers = workers
        self._segments: list[Segment] = []
        self._buffer_words = np.empty((BUFFER_ROWS, 4), dtype=np.uint64)
        self._buffer_ids = np.empty(BUFFER_ROWS, dtype=np.int64)
        self._buffer_fill = 0

    def __len__(self) -> int:
        return self._buffer_fill + sum(s.alive_count for s in self._segments)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (hashes, ids, alive flags, lookup tables)."""
        buffer = self._buffer_words.nbytes + self._buffer_ids.nbytes
        return buffer + sum(s.nbytes for s in self._segments)

    @property
    def segment_sizes(self) -> list[int]:
        return [len(s) for s in self._segments]

    def add(self, ids: object, hashes: np.ndarray) -> None:
        """Store ``hashes[k]`` under ``ids[k]``; an id may carry several hashes."""
        words = words_from_bytes(hashes)
        id_array = _as_ids(ids)
        if len(id_array) != len(words):
            raise InvalidHashes(f"{len(id_array)} ids for {len(words)} hashes")
        if len(words) >= BUFFER_ROWS:
            for start in range(0, len(words), MAX_SEGMENT_ROWS):
                stop = start + MAX_SEGMENT_ROWS
                self._segments.append(Segment.build(words[start:stop], id_array[start:stop]))
            self._merge_similar()
            return
        self._append_to_buffer(words, id_array)

    def remove(self, ids: object) -> int:
        """Remove every hash stored under any of ``ids``; return how many were removed."""
        doomed = np.unique(_as_ids(ids))
        removed = self._remove_from_buffer(doomed)
        for segment in self._segments:
            removed += segment.remove(doomed)
        self._compact()
        return removed

    def search(self, queries: np.ndarray, radius: int) -> list[SearchResult]:
        """Per query, (ids int64, distances int32) of every stored hash within ``radius``,
        sorted by distance then id. A hash stored twice under one id is reported twice."""
        words = words_from_bytes(queries, what="queries")
        hits = self._hits(words, radius)
        if not len(words):
            return []
        bounds = np.searchsorted(hits.query_of, np.arange(1, len(words)))
        return list(zip(np.split(hits.ids, bounds), np.split(hits.distances, bounds), strict=True))

    def search_hits(self, queries: np.ndarray, radius: int) -> Hits:
        """The same hits as :meth:`search`, flat: hit k belongs to query ``query_of[k]``,
        ordered by query, then distance, then id. Cheaper for large batches where most
        queries find nothing."""
        return self._hits(words_from_bytes(queries, what="queries"), radius)

    def _hits(self, words: np.ndarray, radius: int) -> Hits:
        radius = _check_radius(radius)
        blocks: list[Hits] = []
        with self._threads():
            for start in range(0, len(words), QUERY_BLOCK):
                block = self._search_block(words[start : start + QUERY_BLOCK], radius)
                block.query_of += start
                blocks.append(block)
        return _concatenated(blocks)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the alive hashes and ids to ``path`` (a versioned .npz, no pickle)."""
        words, ids = self._alive_rows()
        storage.save(path, bytes_from_words(words), ids)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, workers: int | None = None) -> HammingIndex:
        """Read an index written by :meth:`save` (raises IndexCorrupt / IndexVersionUnsupported
        / IndexUnreadable)."""
        hashes, ids = storage.load(path)
        index = cls(workers=workers)
        index.add(ids, hashes)
        return index

    def _search_block(self, words: np.ndarray, radius: int) -> Hits:
        parallel = len(words) > 1 and self.workers != 1
        parts = [segment.search(words, radius, parallel=parallel) for segment in self._segments]
        if self._buffer_fill:
            fill = self._buffer_fill
            buffer = Segment(self._buffer_words[:fill], self._buffer_ids[:fill], None)
            parts.append(buffer.search(words, radius, parallel=parallel))
        return _sorted_hits(parts)

    def _append_to_buffer(self, words: np.ndarray, ids: np.ndarray) -> None:
        room = BUFFER_ROWS - self._buffer_fill
        take = min(room, len(words))
        end = self._buffer_fill + take
        self._buffer_words[self._buffer_fill : end] = words[:take]
        self._buffer_ids[self._buffer_fill : end] = ids[:take]
        self._buffer_fill = end
        if self._buffer_fill == BUFFER_ROWS:
            self._flush_buffer()
        if take < len(words):
            self._append_to_buffer(words[take:], ids[take:])

    def _flush_buffer(self) -> None:
        fill = self._buffer_fill
        if fill:
            words, ids = self._buffer_words[:fill].copy(), self._buffer_ids[:fill].copy()
            self._buffer_fill = 0
            self._segments.append(Segment.build(words, ids))
            self._merge_similar()

    def _remove_from_buffer(self, doomed: np.ndarray) -> int:
        fill = self._buffer_fill
        keep = ~np.isin(self._buffer_ids[:fill], doomed)
        kept = int(keep.sum())
        self._buffer_words[:kept] = self._buffer_words[:fill][keep]
        self._buffer_ids[:kept] = self._buffer_ids[:fill][keep]
        self._buffer_fill = kept
        return fill - kept

    def _merge_similar(self) -> None:
        """Merge adjacent segments (largest first) until each is > MERGE_RATIO x the next."""
        while True:
            self._segments.sort(key=lambda s: s.alive_count, reverse=True)
            pair = self._mergeable_pair()
            if pair is None:
                return
            older, newer = self._segments[pair], self._segments[pair + 1]
            merged = _merge(older, newer)
            self._segments[pair : pair + 2] = [merged]

    def _mergeable_pair(self) -> int | None:
        sizes = [s.alive_count for s in self._segments]
        for i in range(len(sizes) - 1, 0, -1):
            fits = sizes[i - 1] + sizes[i] <= MAX_SEGMENT_ROWS
            if fits and sizes[i - 1] <= MERGE_RATIO * sizes[i]:
                return i - 1
        return None

    def _compact(self) -> None:
        kept: list[Segment] = []
        for segment in self._segments:
            if segment.alive_count == 0:
                continue
            if segment.alive_count < COMPACT_BELOW_ALIVE * len(segment):
                segment = Segment.build(*segment.alive_rows())
            kept.append(segment)
        self._segments = kept
        self._merge_similar()

    def _alive_rows(self) -> tuple[np.ndarray, np.ndarray]:
        parts = [s.alive_rows() for s in self._segments]
        parts.append(
            (self._buffer_words[: self._buffer_fill], self._buffer_ids[: self._buffer_fill])
        )
        words = np.concatenate([w for w, _ in parts]) if parts else np.empty((0, 4), np.uint64)
        ids = np.concatenate([i for _, i in parts]) if parts else np.empty(0, np.int64)
        return words, ids

    @contextmanager
    def _threads(self) -> Iterator[None]:
        if self.workers is None:
            yield
            return
        previous = numba.get_num_threads()
        numba.set_num_threads(min(self.workers, numba.config.NUMBA_NUM_THREADS))
        try:
            yield
        finally:
            numba.set_num_threads(previous)


def _merge(older: Segment, newer: Segment) -> Segment:
    words_a, ids_a = older.alive_rows()
    words_b, ids_b = newer.alive_rows()
    return Segment.build(np.concatenate([words_a, words_b]), np.concatenate([ids_a, ids_b]))


def _sorted_hits(parts: list[Hits]) -> Hits:
    if not parts:
        return Hits.empty()
    query_of = np.concatenate([p.query_of for p in parts])
    ids = np.concatenate([p.ids for p in parts])
    distances = np.concatenate([p.distances for p in parts])
    order = np.lexsort((ids, distances, query_of))
    return Hits(query_of[order], ids[order], distances[order])


def _concatenated(blocks: list[Hits]) -> Hits:
    if len(blocks) == 1:
        return blocks[0]
    if not blocks:
        return Hits.empty()
    return Hits(
        np.concatenate([b.query_of for b in blocks]),
        np.concatenate([b.ids for b in blocks]),
        np.concatenate([b.distances for b in blocks]),
    )


def _as_ids(ids: object) -> np.ndarray:
    array = np.asarray(ids)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise InvalidHashes(f"ids must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        return np.empty(0, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise InvalidHashes(f"ids must be integers, got dtype {array.dtype}")
    if array.dtype.kind == "u" and array.max() > np.iinfo(np.int64).max:
        raise InvalidHashes("ids must fit in int64")
    return array.astype(np.int64, copy=False)


def _check_radius(radius: object) -> int:
    if isinstance(radius, bool) or not isinstance(radius, int | np.integer):
        raise InvalidRadius(f"radius must be an int, got {radius!r}")
    if not 0 <= radius <= HASH_BITS:
        raise InvalidRadius(f"radius must be between 0 and {HASH_BITS}, got {radius}")
    return int(radius)
