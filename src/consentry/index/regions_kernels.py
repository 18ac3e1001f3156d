"""Numba kernels of the region index: 64-bit multi-index lookup and geometric consensus.

Tile hashes are uint64. A segment splits the 64 bits into ``m`` disjoint chunks; rows are
stored sorted by chunk 0 (so chunk 0 needs bucket offsets only) and every other chunk keeps
offsets plus a uint32 row number per tile. Probing each chunk's buckets within ``t_i`` bits
of the query's chunk value finds every tile within ``r`` bits when sum(t_i + 1) >= r + 1
(the pigeonhole argument of consentry.index.layout).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from consentry.index.kernels import _ctpop64, _next_combination

LOG_SCALE_TOLERANCE = 0.25  # |log(scale)| between a match and a placement
COARSE_TOLERANCE = 0.08  # short-side units: a match's centre vs a one-match placement
FINE_TOLERANCE = 0.03  # ... vs the least-squares placement
FINE_PER_SIDE = 0.15  # ... plus this share of the tile's side (big tiles sit less exactly)
MIN_SEPARATION = 0.04  # short-side units between two counted tiles' centres
MAX_HYPOTHESES = 128  # placements tried per photo: its closest matches


@njit(inline="always")
def _popcount(value):
    return np.int64(_ctpop64(value))


@njit(inline="always")
def _chunk(value, start, width):
    return np.int64(
        (value >> np.uint64(start)) & ((np.uint64(1) << np.uint64(width)) - np.uint64(1))
    )


@njit(cache=True, nogil=True)
def chunk_values(hashes, start, width):  # pragma: no cover - compiled
    out = np.empty(hashes.shape[0], np.uint32)
    for row in range(hashes.shape[0]):
        out[row] = _chunk(hashes[row], start, width)
    return out


@njit(cache=True, nogil=True)
def scan(queries, hashes, radius, out_query, out_row):  # pragma: no cover - compiled
    """Brute force: (query, row) of every stored hash within ``radius`` of a query, written
    while they fit in ``out_*``; returns how many there are (rerun bigger if more)."""
    found = 0
    capacity = out_query.shape[0]
    for qi in range(queries.shape[0]):
        q = queries[qi]
        for row in range(hashes.shape[0]):
            if _popcount(hashes[row] ^ q) <= radius:
                if found < capacity:
                    out_query[found] = qi
                    out_row[found] = row
                found += 1
    return found


@njit(cache=True, nogil=True)
def mih_search(queries, radius, tables, probe_radii, out_query, out_row):
    # pragma: no cover - compiled
    """Every (query, row) with Hamming distance <= ``radius``, each pair once, written as
    :func:`scan` does; returns how many there are.

    ``sorted_hashes[c]`` holds the hashes ordered by chunk ``c`` (row order for chunk 0), so
    a bucket's candidates are read sequentially; ``positions[c - 1]`` maps back to rows."""
    starts, widths, offsets, bases, sorted_hashes, positions = tables
    capacity = out_query.shape[0]
    found = 0
    for qi in range(queries.shape[0]):
        q = queries[qi]
        for chunk in range(starts.shape[0]):
            t = probe_radii[chunk]
            if t < 0:
                continue
            width = widths[chunk]
            centre = _chunk(q, starts[chunk], width)
            limit = np.int64(1) << width
            for flips in range(t + 1):
                mask = (np.int64(1) << flips) - 1
                while mask < limit:
                    bucket = bases[chunk] + (centre ^ mask)
                    for slot in range(np.int64(offsets[bucket]), np.int64(offsets[bucket + 1])):
                        x = sorted_hashes[chunk, slot] ^ q
                        if _popcount(x) > radius or _covered_before(
                            x, starts, widths, probe_radii, chunk
                        ):
                            continue
                        if found < capacity:
                            out_query[found] = qi
                            out_row[found] = slot if chunk == 0 else positions[chunk - 1, slot]
                        found += 1
                    if flips == 0:
                        break
                    mask = _next_combination(mask)
    return found


@njit(cache=True, nogil=True)
def counting_order(values, offsets):  # pragma: no cover - compiled
    """uint32 row order of a stable counting sort of ``values`` (``offsets`` from
    consentry.index.kernels.bucket_offsets)."""
    cursor = offsets[:-1].astype(np.int64)
    order = np.empty(values.shape[0], np.uint32)
    for row in range(values.shape[0]):
        value = values[row]
        order[cursor[value]] = row
        cursor[value] += 1
    return order


@njit(cache=True, nogil=True)
def tile_numbers(counts, total):  # pragma: no cover - compiled
    """0, 1, ..., counts[0] - 1, 0, 1, ... as uint8 (a photo has at most 255 tiles)."""
    out = np.empty(total, np.uint8)
    at = 0
    for count in counts:
        for k in range(count):
            out[at + k] = k
        at += count
    return out


@njit(inline="always")
def _covered_before(x, starts, widths, probe_radii, upto):
    """True when an earlier chunk's probe also reaches this row (it was reported there)."""
    for chunk in range(upto):
        t = probe_radii[chunk]
        if t >= 0 and _popcount(_chunk(x, starts[chunk], widths[chunk])) <= t:
            return True
    return False


@njit(cache=True, nogil=True)
def consensus(group_starts, matches, query, slot_tiles):  # pragma: no cover - compiled
    """Per group of matches (one registered photo), the largest set of matches agreeing on
    one placement (scale, rotation, shift; mirrored or not) of that photo in the query.

    ``matches`` = (query row, registered tile number, registered layout (m, 3)) sorted by
    group, closest matches first; ``query`` = (layout (q, 3), angles, mirrored flags).
    Returns (groups, 7) float64: separated registered tiles in agreement (the evidence),
    distinct registered tiles in agreement, the placement (scale, angle, shift x, shift y:
    registered short-side units to the query's, in the mirrored frame when mirrored) and
    1.0 when mirrored.
    """
    groups = group_starts.shape[0] - 1
    out = np.zeros((groups, 7))
    for g in range(groups):
        out[g] = _best_placement(
            group_starts[g], group_starts[g + 1], matches, query, slot_tiles[g]
        )
    return out


@njit(cache=True, nogil=True)
def _best_placement(lo, hi, matches, query, tiles):  # pragma: no cover - compiled
    """Try the placement each of the closest matches implies; refine the best by least squares."""
    match_query = matches[0]
    query_mirror = query[2]
    best = np.zeros(7)
    seen = np.zeros(max(tiles, 1), np.bool_)
    counted = np.empty((max(tiles, 1), 2))
    inliers = np.zeros(hi - lo, np.bool_)
    for h in range(lo, min(hi, lo + MAX_HYPOTHESES)):
        mirror = query_mirror[match_query[h]]
        placement = _placement_of(h, matches, query)
        count, distinct = _agreeing(
            lo, hi, matches, query, mirror, placement, COARSE_TOLERANCE, 0.0, seen, counted, inliers
        )
        if count < 3 or count <= best[0]:
            continue
        for _ in range(2):
            ok, fitted = _fit(lo, hi, matches, query, inliers)
            if not ok:
                break
            placement = fitted
            count, distinct = _agreeing(
                lo,
                hi,
                matches,
                query,
                mirror,
                placement,
                FINE_TOLERANCE,
                FINE_PER_SIDE,
                seen,
                counted,
                inliers,
            )
        if count > best[0]:
            best[0], best[1] = count, distinct
            best[2], best[3], best[4], best[5] = placement
            best[6] = 1.0 if mirror else 0.0
    return best


@njit(inline="always")
def _placement_of(h, matches, query):
    """The placement one match implies: sizes give the scale, the query tile's sampling
    angle the rotation, centres the shift."""
    match_query, _, reg_layout = matches
    query_layout, query_angle, _ = query
    qh = match_query[h]
    scale = query_layout[qh, 2] / reg_layout[h, 2]
    angle = query_angle[qh]
    x, y = _map((scale, angle, 0.0, 0.0), reg_layout[h, 0], reg_layout[h, 1])
    return scale, angle, query_layout[qh, 0] - x, query_layout[qh, 1] - y


@njit(inline="always")
def _map(placement, x, y):
    scale, angle, shift_x, shift_y = placement
    c, s = math.cos(angle), math.sin(angle)
    return scale * (c * x - s * y) + shift_x, scale * (s * x + c * y) + shift_y


@njit(inline="always")
def _agreeing(
    lo, hi, matches, query, mirror, placement, tolerance, per_side, seen, counted, inliers
):
    """Marks the matches agreeing with the placement in ``inliers``; returns how many
    registered tiles agree, (separated, distinct): separated counts a tile only when its
    centre is at least MIN_SEPARATION from those already counted (several tiles on one spot
    are one piece of evidence, and a chance match of two similar shapes makes such piles)."""
    match_query, match_tile, reg_layout = matches
    query_layout, _, query_mirror = query
    scale = placement[0]
    seen[:] = False
    count = distinct = 0
    for j in range(lo, hi):
        inliers[j - lo] = False
        qj = match_query[j]
        if query_mirror[qj] != mirror:
            continue
        if abs(math.log(query_layout[qj, 2] / (scale * reg_layout[j, 2]))) > LOG_SCALE_TOLERANCE:
            continue
        px, py = _map(placement, reg_layout[j, 0], reg_layout[j, 1])
        limit = tolerance + per_side * query_layout[qj, 2]
        if (px - query_layout[qj, 0]) ** 2 + (py - query_layout[qj, 1]) ** 2 > limit * limit:
            continue
        inliers[j - lo] = True
        tile = match_tile[j]
        if seen[tile]:
            continue
        seen[tile] = True
        distinct += 1
        if _separated(reg_layout[j, 0], reg_layout[j, 1], counted, count):
            counted[count, 0] = reg_layout[j, 0]
            counted[count, 1] = reg_layout[j, 1]
            count += 1
    return count, distinct


@njit(inline="always")
def _separated(x, y, counted, count):
    for k in range(count):
        if (counted[k, 0] - x) ** 2 + (counted[k, 1] - y) ** 2 < MIN_SEPARATION**2:
            return False
    return True


@njit(inline="always")
def _fit(lo, hi, matches, query, inliers):
    """Least-squares similarity (scale, angle, shift) from the inlier matches' centres."""
    match_query, _, reg_layout = matches
    query_layout = query[0]
    none = (0.0, 0.0, 0.0, 0.0)
    n = 0
    mx = my = qx = qy = 0.0
    for j in range(lo, hi):
        if inliers[j - lo]:
            n += 1
            mx += reg_layout[j, 0]
            my += reg_layout[j, 1]
            qx += query_layout[match_query[j], 0]
            qy += query_layout[match_query[j], 1]
    if n < 3:
        return False, none
    mx, my, qx, qy = mx / n, my / n, qx / n, qy / n
    a = b = norm = 0.0
    for j in range(lo, hi):
        if inliers[j - lo]:
            rx, ry = reg_layout[j, 0] - mx, reg_layout[j, 1] - my
            tx, ty = query_layout[match_query[j], 0] - qx, query_layout[match_query[j], 1] - qy
            a += rx * tx + ry * ty
            b += rx * ty - ry * tx
            norm += rx * rx + ry * ry
    if norm <= 1e-9:
        return False, none
    a, b = a / norm, b / norm
    scale = math.sqrt(a * a + b * b)
    if scale <= 1e-6:
        return False, none
    return True, (scale, math.atan2(b, a), qx - (a * mx - b * my), qy - (b * mx + a * my))
