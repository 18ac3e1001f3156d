"""Numba kernels: popcount distance, chunk tables (CSR) and the two search loops.

Hashes are (n, 4) uint64 rows. A "chunk" is a run of ``width`` bits starting at bit ``start``
of the 256-bit little-endian concatenation of the four words. Search kernels write each
query's hits into a fixed-capacity slab row and return the true hit count, so the caller can
re-run only the queries that overflowed.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

POSITION_BYTES = 3
MAX_SEGMENT_ROWS = 1 << (8 * POSITION_BYTES)
PREFETCH_AHEAD = 16
QUERY_BLOCK = 16  # queries per parallel task (they share one set of scratch arrays)


@intrinsic
def _ctpop64(typingctx, value):
    """llvm.ctpop on a uint64: one POPCNT instruction on x86-64."""
    signature = types.uint64(types.uint64)

    def codegen(context, builder, sig, args):
        function = builder.module.declare_intrinsic("llvm.ctpop", [ir.IntType(64)])
        return builder.call(function, [args[0]])

    return signature, codegen


@intrinsic
def _prefetch(typingctx, array, index):
    """Hint the CPU to fetch ``array[index]`` (first element of row ``index`` for 2-D arrays)."""
    signature = types.void(array, types.intp)

    def codegen(context, builder, sig, args):
        array_type = sig.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        indices = [args[1]] + [zero] * (array_type.ndim - 1)
        pointer = cgutils.get_item_pointer(context, builder, array_type, view, indices)
        pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [pointer.type, i32, i32, i32])
        function = cgutils.get_or_insert_function(builder.module, function_type, "llvm.prefetch.p0")
        # read access, high temporal locality, data cache
        builder.call(function, [pointer, i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return signature, codegen


@njit(inline="always")
def _popcount(value):
    return np.int64(_ctpop64(value))


@njit(inline="always")
def _distance(hashes, row, q0, q1, q2, q3):
    return (
        _popcount(hashes[row, 0] ^ q0)
        + _popcount(hashes[row, 1] ^ q1)
        + _popcount(hashes[row, 2] ^ q2)
        + _popcount(hashes[row, 3] ^ q3)
    )


@njit(inline="always")
def _chunk_of(w0, w1, w2, w3, start, width):
    word = start >> 6
    shift = start & 63
    words = (w0, w1, w2, w3)
    value = words[word] >> np.uint64(shift)
    if shift + width > 64:
        value |= words[word + 1] << np.uint64(64 - shift)
    return np.int64(value & ((np.uint64(1) << np.uint64(width)) - np.uint64(1)))


@njit(cache=True, nogil=True)
def chunk_values(hashes, start, width):
    """The ``width``-bit chunk at ``start`` of every row, as uint32."""
    n = hashes.shape[0]
    out = np.empty(n, np.uint32)
    for row in range(n):
        out[row] = _chunk_of(
            hashes[row, 0], hashes[row, 1], hashes[row, 2], hashes[row, 3], start, width
        )
    return out


@njit(cache=True, nogil=True)
def bucket_offsets(values, n_buckets):
    """CSR offsets (n_buckets + 1, uint32) of a counting sort of ``values``."""
    offsets = np.zeros(n_buckets + 1, np.uint32)
    for value in values:
        offsets[value + 1] += 1
    for bucket in range(n_buckets):
        offsets[bucket + 1] += offsets[bucket]
    return offsets


@njit(cache=True, nogil=True)
def stable_order(values, offsets):
    """Row order that sorts ``values`` (a stable counting sort)."""
    cursor = offsets[:-1].astype(np.int64)
    order = np.empty(values.shape[0], np.int64)
    for row in range(values.shape[0]):
        value = values[row]
        order[cursor[value]] = row
        cursor[value] += 1
    return order


@njit(cache=True, nogil=True)
def packed_positions(values, offsets, out):
    """Write each row number, bucket by bucket, as 3 little-endian bytes into ``out``."""
    cursor = offsets[:-1].astype(np.int64)
    for row in range(values.shape[0]):
        value = values[row]
        at = cursor[value] * 3
        cursor[value] += 1
        out[at] = row & 0xFF
        out[at + 1] = (row >> 8) & 0xFF
        out[at + 2] = (row >> 16) & 0xFF


@njit(cache=True, nogil=True)
def mark_removed(ids, alive, doomed_sorted):
    """Clear ``alive`` for rows whose id is in ``doomed_sorted``; return how many were alive."""
    removed = 0
    n_doomed = doomed_sorted.shape[0]
    if n_doomed == 0:
        return 0
    for row in range(ids.shape[0]):
        at = np.searchsorted(doomed_sorted, ids[row])
        if at < n_doomed and doomed_sorted[at] == ids[row] and alive[row]:
            alive[row] = False
            removed += 1
    return removed


@njit(inline="always")
def _emit(out_rows, out_dists, qi, found, row, distance):
    if found < out_rows.shape[1]:
        out_rows[qi, found] = row
        out_dists[qi, found] = distance
    return found + 1


@njit(cache=True, nogil=True)
def _flat_one(queries, qi, radius, hashes, alive, out_rows, out_dists):
    q0, q1, q2, q3 = queries[qi, 0], queries[qi, 1], queries[qi, 2], queries[qi, 3]
    found = 0
    for row in range(hashes.shape[0]):
        distance = _distance(hashes, row, q0, q1, q2, q3)
        if distance <= radius and alive[row]:
            found = _emit(out_rows, out_dists, qi, found, row, distance)
    return found


@njit(cache=True, nogil=True, parallel=True)
def flat_search_parallel(queries, radius, hashes, alive, cap):
    """Brute force: every alive row within ``radius`` of each query."""
    n_queries = queries.shape[0]
    out_rows = np.empty((n_queries, cap), np.int32)
    out_dists = np.empty((n_queries, cap), np.int32)
    counts = np.zeros(n_queries, np.int64)
    for qi in prange(n_queries):
        counts[qi] = _flat_one(queries, qi, radius, hashes, alive, out_rows, out_dists)
    return out_rows, out_dists, counts


@njit(cache=True, nogil=True)
def flat_search_serial(queries, radius, hashes, alive, cap):
    """Single-thread twin of :func:`flat_search_parallel` (no thread-pool wake-up)."""
    n_queries = queries.shape[0]
    out_rows = np.empty((n_queries, cap), np.int32)
    out_dists = np.empty((n_queries, cap), np.int32)
    counts = np.zeros(n_queries, np.int64)
    for qi in range(n_queries):
        counts[qi] = _flat_one(queries, qi, radius, hashes, alive, out_rows, out_dists)
    return out_rows, out_dists, counts


@njit(inline="always")
def _chunk_distance(x0, x1, x2, x3, masks, chunk):
    return (
        _popcount(x0 & masks[chunk, 0])
        + _popcount(x1 & masks[chunk, 1])
        + _popcount(x2 & masks[chunk, 2])
        + _popcount(x3 & masks[chunk, 3])
    )


@njit(inline="always")
def _first_covering_chunk(hashes, row, q0, q1, q2, q3, masks, probe_radii, upto):
    """True when no chunk before ``upto`` would also have found ``row`` (dedupe rule)."""
    x0, x1, x2, x3 = (
        hashes[row, 0] ^ q0,
        hashes[row, 1] ^ q1,
        hashes[row, 2] ^ q2,
        hashes[row, 3] ^ q3,
    )
    for chunk in range(upto):
        t = probe_radii[chunk]
        if t >= 0 and _chunk_distance(x0, x1, x2, x3, masks, chunk) <= t:
            return False
    return True


@njit(inline="always")
def _next_combination(mask):
    """Gosper's hack: the next larger integer with the same number of set bits."""
    lowest = mask & -mask
    ripple = mask + lowest
    return ripple | (((ripple ^ mask) // lowest) >> 2)


@njit(inline="always")
def _decode_row(positions, at):
    return (
        np.int64(positions[at])
        | (np.int64(positions[at + 1]) << 8)
        | (np.int64(positions[at + 2]) << 16)
    )


@njit(inline="always")
def _probe_buckets(q0, q1, q2, q3, starts, widths, bases, probe_radii, buckets, bucket_chunk):
    """Every bucket within each chunk's probe radius of the query; returns how many."""
    count = 0
    for chunk in range(starts.shape[0]):
        t = probe_radii[chunk]
        if t < 0:
            continue
        width = widths[chunk]
        center = _chunk_of(q0, q1, q2, q3, starts[chunk], width)
        limit = np.int64(1) << width
        for flips in range(t + 1):
            mask = (np.int64(1) << flips) - 1
            while mask < limit:
                buckets[count] = bases[chunk] + (center ^ mask)
                bucket_chunk[count] = chunk
                count += 1
                if flips == 0:
                    break
                mask = _next_combination(mask)
    return count


@njit(inline="always")
def _bucket_bounds(offsets, buckets, n_buckets, lows, sizes):
    """Start and size of each probed bucket; returns the total number of candidates."""
    for k in range(min(PREFETCH_AHEAD, n_buckets)):
        _prefetch(offsets, buckets[k])
    total = 0
    for k in range(n_buckets):
        if k + PREFETCH_AHEAD < n_buckets:
            _prefetch(offsets, buckets[k + PREFETCH_AHEAD])
        low = np.int64(offsets[buckets[k]])
        lows[k] = low
        sizes[k] = np.int64(offsets[buckets[k] + 1]) - low
        total += sizes[k]
    return total


@njit(inline="always")
def _candidate_rows(positions, stride, n_buckets, bucket_chunk, lows, sizes, rows, row_chunk):
    """Row numbers of every candidate (chunk 0 is the storage order: no lookup needed)."""
    at = 0
    for k in range(n_buckets):
        chunk = bucket_chunk[k]
        ahead = k + PREFETCH_AHEAD
        if ahead < n_buckets and bucket_chunk[ahead] > 0 and sizes[ahead] > 0:
            _prefetch(positions, (bucket_chunk[ahead] - 1) * stride + 3 * lows[ahead])
        for slot in range(lows[k], lows[k] + sizes[k]):
            if chunk == 0:
                rows[at] = slot
            else:
                rows[at] = _decode_row(positions, (chunk - 1) * stride + 3 * slot)
            row_chunk[at] = chunk
            at += 1


@njit(cache=True, nogil=True)
def _mih_block(queries, first, stop, radius, tables, probe_radii, probe_total, out):
    """Queries first..stop-1, in three passes per query (bucket bounds, candidate rows,
    verification) so that each pass's random reads are independent and prefetched ahead.
    Scratch space is allocated once per block and grown when a query needs more."""
    hashes, alive, starts, widths, masks, offsets, bases, positions = tables
    out_rows, out_dists, counts = out
    stride = 3 * hashes.shape[0]
    buckets = np.empty(probe_total, np.int64)
    bucket_chunk = np.empty(probe_total, np.int64)
    lows = np.empty(probe_total, np.int64)
    sizes = np.empty(probe_total, np.int64)
    rows = np.empty(1024, np.int64)
    row_chunk = np.empty(1024, np.int64)
    for qi in range(first, stop):
        q0, q1, q2, q3 = queries[qi, 0], queries[qi, 1], queries[qi, 2], queries[qi, 3]
        n_buckets = _probe_buckets(
            q0, q1, q2, q3, starts, widths, bases, probe_radii, buckets, bucket_chunk
        )
        n_candidates = _bucket_bounds(offsets, buckets, n_buckets, lows, sizes)
        if n_candidates > rows.shape[0]:
            rows = np.empty(2 * n_candidates, np.int64)
            row_chunk = np.empty(2 * n_candidates, np.int64)
        _candidate_rows(positions, stride, n_buckets, bucket_chunk, lows, sizes, rows, row_chunk)
        for k in range(min(PREFETCH_AHEAD, n_candidates)):
            _prefetch(hashes, rows[k])
        found = 0
        for k in range(n_candidates):
            if k + PREFETCH_AHEAD < n_candidates:
                _prefetch(hashes, rows[k + PREFETCH_AHEAD])
            row = rows[k]
            distance = _distance(hashes, row, q0, q1, q2, q3)
            if (
                distance <= radius
                and alive[row]
                and _first_covering_chunk(
                    hashes, row, q0, q1, q2, q3, masks, probe_radii, row_chunk[k]
                )
            ):
                found = _emit(out_rows, out_dists, qi, found, row, distance)
        counts[qi] = found


@njit(cache=True, nogil=True, parallel=True)
def mih_search_parallel(queries, radius, tables, probe_radii, probe_total, cap):
    """Multi-index hashing search: probe each chunk's buckets within its probe radius."""
    n_queries = queries.shape[0]
    out = (
        np.empty((n_queries, cap), np.int32),
        np.empty((n_queries, cap), np.int32),
        np.zeros(n_queries, np.int64),
    )
    n_blocks = (n_queries + QUERY_BLOCK - 1) // QUERY_BLOCK
    for block in prange(n_blocks):
        first = block * QUERY_BLOCK
        stop = min(first + QUERY_BLOCK, n_queries)
        _mih_block(queries, first, stop, radius, tables, probe_radii, probe_total, out)
    return out


@njit(cache=True, nogil=True)
def mih_search_serial(queries, radius, tables, probe_radii, probe_total, cap):
    """Single-thread twin of :func:`mih_search_parallel`."""
    n_queries = queries.shape[0]
    out = (
        np.empty((n_queries, cap), np.int32),
        np.empty((n_queries, cap), np.int32),
        np.zeros(n_queries, np.int64),
    )
    _mih_block(queries, 0, n_queries, radius, tables, probe_radii, probe_total, out)
    return out


@njit(cache=True, nogil=True)
def gather_hits(out_rows, out_dists, counts, retry_of, retry_rows, retry_dists, ids):
    """Flatten slabs into (query, id, distance) triples; ``retry_of[q]`` >= 0 points into the
    re-run slab for queries that overflowed the first one."""
    total = counts.sum()
    query_of = np.empty(total, np.int64)
    hit_ids = np.empty(total, np.int64)
    hit_dists = np.empty(total, np.int32)
    at = 0
    for qi in range(counts.shape[0]):
        retry = retry_of[qi]
        for k in range(counts[qi]):
            if retry >= 0:
                row, distance = retry_rows[retry, k], retry_dists[retry, k]
            else:
                row, distance = out_rows[qi, k], out_dists[qi, k]
            query_of[at] = qi
            hit_ids[at] = ids[row]
            hit_dists[at] = distance
            at += 1
    return query_of, hit_ids, hit_dists
