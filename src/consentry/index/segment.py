"""One immutable block of hashes (plus a mutable alive mask) with its search tables.

A segment with a :class:`Layout` keeps its rows sorted by chunk 0, so chunk 0 needs offsets
only; every other chunk has offsets plus a 3-byte row number per hash. A segment without a
layout (small ones) is searched by brute force.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from consentry.index import kernels
from consentry.index.layout import (
    DESIGN_RADIUS,
    MAX_INDEXED_RADIUS,
    Layout,
    ball_size,
    choose_layout,
    flat_cost,
    plan_probe_radii,
)

SLAB_CAPACITY = 32


@dataclass
class Hits:
    """Flat search results: hit k belongs to query ``query_of[k]``."""

    query_of: np.ndarray
    ids: np.ndarray
    distances: np.ndarray

    @staticmethod
    def empty() -> Hits:
        return Hits(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32))


class Segment:
    """Hashes (n, 4) uint64, ids (n,) int64, alive (n,) bool and optional MIH tables."""

    def __init__(self, words: np.ndarray, ids: np.ndarray, layout: Layout | None) -> None:
        self.layout = layout
        self._plans: dict[int, tuple[np.ndarray, int, bool]] = {}
        self._tables: tuple | None = None
        if layout is None:
            self.words, self.ids = words, ids
        else:
            self.words, self.ids, lookup = _build_tables(words, ids, layout)
        self.alive = np.ones(len(self.ids), dtype=np.bool_)
        self.alive_count = len(self.ids)
        if layout is not None:
            self._tables = (self.words, self.alive, *lookup)
            self._plan(DESIGN_RADIUS)  # keep the cost model out of the first query's latency

    @classmethod
    def build(cls, words: np.ndarray, ids: np.ndarray) -> Segment:
        """A segment owning copies of ``words`` and ``ids``, indexed when that pays off."""
        layout = choose_layout(len(ids))
        if layout is None:
            words, ids = words.copy(), ids.copy()
        return cls(words, ids, layout)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        tables = 0 if self._tables is None else sum(a.nbytes for a in self._tables[2:])
        return self.words.nbytes + self.ids.nbytes + self.alive.nbytes + tables

    def remove(self, doomed_sorted: np.ndarray) -> int:
        removed = int(kernels.mark_removed(self.ids, self.alive, doomed_sorted))
        self.alive_count -= removed
        return removed

    def alive_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(words, ids) of the rows not removed, in storage order."""
        return self.words[self.alive], self.ids[self.alive]

    def search(self, queries: np.ndarray, radius: int, *, parallel: bool) -> Hits:
        if self.alive_count == 0 or len(queries) == 0:
            return Hits.empty()
        plan = self._plan(radius)
        if plan is None:
            search = kernels.flat_search_parallel if parallel else kernels.flat_search_serial
            args: tuple = (radius, self.words, self.alive)
        else:
            search = kernels.mih_search_parallel if parallel else kernels.mih_search_serial
            args = (radius, self._tables, *plan)
        return _run(search, queries, args, self.ids)

    def _plan(self, radius: int) -> tuple[np.ndarray, int] | None:
        """(Per-chunk probe radii, total probes) for ``radius``, or None to scan instead."""
        if self.layout is None or radius > MAX_INDEXED_RADIUS:
            return None
        if radius not in self._plans:
            radii, cost = plan_probe_radii(self.layout, len(self), radius)
            probes = sum(ball_size(w, t) for w, t in zip(self.layout.widths, radii, strict=True))
            use_index = cost < flat_cost(len(self))
            self._plans[radius] = (np.asarray(radii, dtype=np.int64), probes, use_index)
        radii_array, probes, use_index = self._plans[radius]
        return (radii_array, probes) if use_index else None


def _build_tables(
    words: np.ndarray, ids: np.ndarray, layout: Layout
) -> tuple[np.ndarray, np.ndarray, tuple]:
    starts, widths = layout.starts, layout.widths
    first = kernels.chunk_values(words, starts[0], widths[0])
    first_offsets = kernels.bucket_offsets(first, 1 << widths[0])
    order = kernels.stable_order(first, first_offsets)
    del first
    words = np.ascontiguousarray(words[order])
    ids = np.ascontiguousarray(ids[order])
    del order
    offsets = [first_offsets]
    stride = kernels.POSITION_BYTES * len(ids)
    positions = np.empty(max(layout.chunk_count - 1, 1) * stride, dtype=np.uint8)
    for chunk in range(1, layout.chunk_count):
        values = kernels.chunk_values(words, starts[chunk], widths[chunk])
        chunk_offsets = kernels.bucket_offsets(values, 1 << widths[chunk])
        kernels.packed_positions(values, chunk_offsets, positions[(chunk - 1) * stride :])
        offsets.append(chunk_offsets)
        del values
    bases = np.cumsum([0] + [len(o) for o in offsets[:-1]]).astype(np.int64)
    lookup = (
        np.asarray(starts, dtype=np.int64),
        np.asarray(widths, dtype=np.int64),
        layout.masks(),
        np.concatenate(offsets),
        bases,
        positions,
    )
    return words, ids, lookup


def _run(search, queries: np.ndarray, args: tuple, ids: np.ndarray) -> Hits:
    rows, dists, counts = search(queries, *args, SLAB_CAPACITY)
    retry_of = np.full(len(queries), -1, dtype=np.int64)
    overflow = np.flatnonzero(counts > SLAB_CAPACITY)
    retry_rows, retry_dists = rows[:0], dists[:0]
    if overflow.size:
        capacity = int(counts[overflow].max())
        retry_rows, retry_dists, _ = search(queries[overflow], *args, capacity)
        retry_of[overflow] = np.arange(overflow.size)
    query_of, hit_ids, hit_dists = kernels.gather_hits(
        rows, dists, counts, retry_of, retry_rows, retry_dists, ids
    )
    return Hits(query_of, hit_ids, hit_dists)
