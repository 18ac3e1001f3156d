"""Near-duplicate images grouped by PDQ distance: how many distinct images, how many copies.

Two items whose PDQ hashes lie within ``radius`` bits of each other are joined, and so are
their groups (single linkage, with union-find over one radius search of the HammingIndex).
Each cluster is shown by its medoid: the member hash closest, in total, to the others.
Low-quality hashes (flat or tiny images) are left out: they sit close to each other whatever
the picture, so they would join unrelated images.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from consentry.index import HammingIndex, hashes_from_hex
from consentry.investigate.records import ItemResult
from consentry.signals.pdq import is_low_quality

DEFAULT_RADIUS = 31
# The medoid is chosen among at most this many members (spread over the cluster), compared
# with every member: exact for clusters up to this size, a close approximation beyond.
MEDOID_CANDIDATES = 256
QUERY_BLOCK = 4096  # bounds the hits held at once


@dataclass(frozen=True)
class Cluster:
    id: int  # 1 for the largest cluster, then by size
    size: int
    pdq: str  # the medoid's hash (hex)
    members: tuple[tuple[int, int], ...]  # identities (chat_id, message_id), sorted


def clusterable(item: ItemResult) -> bool:
    return item.pdq is not None and item.error is None and not is_low_quality(item.pdq_quality)


def cluster_pdq(items: Iterable[ItemResult], radius: int = DEFAULT_RADIUS) -> list[Cluster]:
    """Every cluster (singletons included), largest first, ids numbered from 1."""
    chosen = [item for item in items if clusterable(item)]
    if not chosen:
        return []
    # A channel may post one picture thousands of times: link each distinct hash once.
    hashes, inverse, counts = np.unique(
        hashes_from_hex(item.pdq or "" for item in chosen),
        axis=0,
        return_inverse=True,
        return_counts=True,
    )
    holders: list[list[int]] = [[] for _ in range(len(hashes))]
    for index, row in enumerate(inverse.reshape(-1).tolist()):
        holders[row].append(index)
    parents = _linked(hashes, radius)
    groups: dict[int, list[int]] = {}
    for row in range(len(hashes)):
        groups.setdefault(_root(parents, row), []).append(row)
    bits = np.unpackbits(hashes, axis=1)
    built = []
    for rows in groups.values():
        medoid = rows[_medoid(bits[rows], counts[rows])]
        members = tuple(sorted(chosen[i].identity for row in rows for i in holders[row]))
        built.append(Cluster(0, len(members), chosen[holders[medoid][0]].pdq or "", members))
    built.sort(key=lambda cluster: (-cluster.size, cluster.members[0]))
    return [
        Cluster(number, cluster.size, cluster.pdq, cluster.members)
        for number, cluster in enumerate(built, start=1)
    ]


def _linked(hashes: np.ndarray, radius: int) -> np.ndarray:
    """Union-find parents after joining every pair of hashes within ``radius``."""
    index = HammingIndex()
    index.add(np.arange(len(hashes), dtype=np.int64), hashes)
    parents = np.arange(len(hashes), dtype=np.int64)
    for start in range(0, len(hashes), QUERY_BLOCK):
        hits = index.search_hits(hashes[start : start + QUERY_BLOCK], radius)
        queries = hits.query_of + start
        later = hits.ids > queries  # each pair once
        for query, found in zip(queries[later].tolist(), hits.ids[later].tolist(), strict=True):
            _union(parents, query, found)
    return parents


def _root(parents: np.ndarray, node: int) -> int:
    while parents[node] != node:
        parents[node] = parents[parents[node]]  # path halving
        node = int(parents[node])
    return node


def _union(parents: np.ndarray, a: int, b: int) -> None:
    root_a, root_b = _root(parents, a), _root(parents, b)
    if root_a != root_b:
        parents[max(root_a, root_b)] = min(root_a, root_b)


def _medoid(bits: np.ndarray, weights: np.ndarray) -> int:
    """Row index of the hash with the smallest total Hamming distance to all members (each
    distinct hash weighted by how many members carry it)."""
    if len(bits) == 1:
        return 0
    step = max(1, len(bits) // MEDOID_CANDIDATES)
    candidates = np.arange(0, len(bits), step)[:MEDOID_CANDIDATES]
    rows = bits.astype(np.float32)
    ones = rows.sum(axis=1)
    # |a xor b| = |a| + |b| - 2 a.b, for every candidate against every member at once.
    distances = ones[candidates, None] + ones[None, :] - 2 * (rows[candidates] @ rows.T)
    return int(candidates[int(np.argmin(distances @ weights.astype(np.float32)))])
