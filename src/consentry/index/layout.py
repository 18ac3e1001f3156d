"""How a segment splits the 256 bits into chunks, and how far each chunk is probed.

Generalised pigeonhole: if two hashes differ in at most ``r`` bits and the chunks are disjoint,
then for any per-chunk probe radii ``t_i`` (``-1`` = chunk not probed) with
``sum(t_i + 1) >= r + 1`` at least one chunk differs in at most ``t_i`` bits. Probing every
bucket within ``t_i`` of the query's chunk value, in every chunk, therefore finds every hash
within ``r``. Chunks need not cover all 256 bits.

The cost model counts two things per query: bucket probes (a random read of two offsets) and
candidates (a random read of one stored hash plus a popcount). Its constants were fitted on a
2-core AMD EPYC with 10M random hashes (a candidate ~15 ns, a probe ~30 ns, a brute-force row
~1.1 ns; see bench/results/index.md); only their ratios matter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from consentry.index.codec import HASH_BITS
from consentry.index.kernels import MAX_SEGMENT_ROWS, POSITION_BYTES

PROBE_COST = 2.0
CANDIDATE_COST = 1.0
SEQUENTIAL_CANDIDATE_COST = 0.15
FLAT_ROW_COST = 0.075

MIN_MIH_ROWS = 2048
MIN_CHUNK_BITS = 8
MAX_CHUNK_BITS = 24
TABLE_BYTES_PER_HASH = 64.0
TABLE_BYTES_FLOOR = 4 << 20
DESIGN_RADIUS = 31
MAX_INDEXED_RADIUS = 64


@dataclass(frozen=True)
class Layout:
    """Chunk geometry of one segment: ``widths[i]`` bits starting at ``starts[i]``."""

    widths: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.widths or sum(self.widths) > HASH_BITS:
            raise ValueError(f"chunk widths {self.widths} must be non-empty and fit 256 bits")
        if any(not 1 <= w <= 32 for w in self.widths):
            raise ValueError(f"chunk widths {self.widths} must each be 1..32 bits")

    @property
    def starts(self) -> tuple[int, ...]:
        return tuple(int(s) for s in np.cumsum((0, *self.widths[:-1])))

    @property
    def chunk_count(self) -> int:
        return len(self.widths)

    def table_bytes(self, rows: int) -> int:
        offsets = sum(4 * ((1 << w) + 1) for w in self.widths)
        return offsets + POSITION_BYTES * rows * (self.chunk_count - 1)

    def masks(self) -> np.ndarray:
        """(m, 4) uint64 masks selecting each chunk's bits, for per-chunk distances."""
        out = np.zeros((self.chunk_count, 4), dtype=np.uint64)
        for chunk, (start, width) in enumerate(zip(self.starts, self.widths, strict=True)):
            for bit in range(start, start + width):
                out[chunk, bit >> 6] |= np.uint64(1) << np.uint64(bit & 63)
        return out


@cache
def ball_size(width: int, radius: int) -> int:
    """Number of ``width``-bit values within ``radius`` bits of a given value."""
    return sum(math.comb(width, k) for k in range(min(radius, width) + 1)) if radius >= 0 else 0


def chunk_cost(width: int, radius: int, rows: int, *, sequential: bool) -> float:
    probes = ball_size(width, radius)
    per_candidate = SEQUENTIAL_CANDIDATE_COST if sequential else CANDIDATE_COST
    return probes * (PROBE_COST + per_candidate * rows / (1 << width))


def plan_probe_radii(layout: Layout, rows: int, radius: int) -> tuple[tuple[int, ...], float]:
    """Cheapest per-chunk probe radii covering ``radius``, and their modelled cost.

    Greedy on marginal cost is optimal here: each chunk's cost is convex in its radius.
    """
    radii = [-1] * layout.chunk_count
    cost = 0.0
    for _ in range(radius + 1):
        best, best_step = -1, math.inf
        for chunk, width in enumerate(layout.widths):
            if radii[chunk] >= width:
                continue
            sequential = chunk == 0
            step = chunk_cost(width, radii[chunk] + 1, rows, sequential=sequential) - chunk_cost(
                width, radii[chunk], rows, sequential=sequential
            )
            if step < best_step:
                best, best_step = chunk, step
        if best < 0:
            return tuple(radii), math.inf
        radii[best] += 1
        cost += best_step
    return tuple(radii), cost


def flat_cost(rows: int) -> float:
    return FLAT_ROW_COST * rows


def even_widths(chunk_count: int, max_width: int) -> tuple[int, ...]:
    """Split 256 bits into ``chunk_count`` near-equal chunks, none wider than ``max_width``."""
    base, extra = divmod(HASH_BITS, chunk_count)
    widths = [min(max_width, base + (1 if i < extra else 0)) for i in range(chunk_count)]
    return tuple(sorted(widths, reverse=True))


def choose_layout(rows: int) -> Layout | None:
    """The modelled-fastest layout at the design radius within the memory budget, or None
    when a brute-force scan is expected to be as fast (small segments)."""
    if rows < MIN_MIH_ROWS:
        return None
    if rows > MAX_SEGMENT_ROWS:
        raise ValueError(f"segment of {rows} rows exceeds {MAX_SEGMENT_ROWS}")
    budget = max(TABLE_BYTES_PER_HASH * rows, TABLE_BYTES_FLOOR)
    best: tuple[float, Layout] | None = None
    for chunk_count in range(2, HASH_BITS // MIN_CHUNK_BITS + 1):
        widest = min(MAX_CHUNK_BITS, -(-HASH_BITS // chunk_count))
        for max_width in range(MIN_CHUNK_BITS, widest + 1):
            layout = Layout(even_widths(chunk_count, max_width))
            if layout.table_bytes(rows) > budget:
                continue
            _, cost = plan_probe_radii(layout, rows, DESIGN_RADIUS)
            if best is None or cost < best[0]:
                best = (cost, layout)
    if best is None or best[0] >= flat_cost(rows):
        return None
    return best[1]
