"""PDQ clustering: near-duplicates join (single linkage), distinct images stay apart."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from consentry.investigate.cluster import cluster_pdq
from consentry.investigate.records import ItemResult
from consentry.signals import fingerprint, hamming

from .export_builders import drawn_photo, sample_photo


def _item(message_id: int, pdq: str | None, quality: int | None = 100, **extra) -> ItemResult:
    return ItemResult(identity=(1, message_id), pdq=pdq, pdq_quality=quality, **extra)


def _flipped(hex_hash: str, bits: list[int]) -> str:
    value = int(hex_hash, 16)
    for bit in bits:
        value ^= 1 << bit
    return f"{value:064x}"


def _pdq_of(data: bytes) -> tuple[str, int]:
    fp = fingerprint(data)
    assert fp.pdq is not None and fp.quality is not None
    return fp.pdq, fp.quality


def _reencoded(data: bytes, size: int, quality: int) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB").resize((size, size))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def test_a_chain_of_near_duplicates_is_one_cluster_shown_by_its_medoid() -> None:
    rng = np.random.default_rng(7)
    a = "".join(f"{int(v):02x}" for v in rng.integers(0, 256, 32))
    b = _flipped(a, list(range(0, 20)))
    c = _flipped(b, list(range(100, 120)))  # 40 bits from a: joined only through b
    far = _flipped(a, list(range(0, 256, 2)))  # 128 bits away
    clusters = cluster_pdq([_item(1, a), _item(2, c), _item(3, b), _item(4, far)])
    assert [cluster.size for cluster in clusters] == [3, 1]
    assert [cluster.id for cluster in clusters] == [1, 2]
    assert clusters[0].members == ((1, 1), (1, 2), (1, 3))
    assert clusters[0].pdq == b
    assert clusters[1].pdq == far and clusters[1].members == ((1, 4),)


def test_radius_decides_what_joins() -> None:
    a = "f0" * 32
    b = _flipped(a, list(range(10)))
    assert len(cluster_pdq([_item(1, a), _item(2, b)], radius=10)) == 1
    assert len(cluster_pdq([_item(1, a), _item(2, b)], radius=9)) == 2


def test_reencoded_copies_cluster_with_their_original_and_other_photos_do_not() -> None:
    original = sample_photo("astronaut", 128)
    copies = [_reencoded(original, 100, 60), _reencoded(original, 128, 35)]
    others = [sample_photo("coffee", 128), sample_photo("camera", 128), drawn_photo(5, 128)]
    items = [_item(n, *_pdq_of(data)) for n, data in enumerate([original, *copies, *others], 1)]
    for copy in items[1:3]:
        assert items[0].pdq is not None and copy.pdq is not None
        assert hamming(items[0].pdq, copy.pdq) <= 31
    clusters = cluster_pdq(items)
    assert clusters[0].members == ((1, 1), (1, 2), (1, 3))
    assert clusters[0].pdq in {item.pdq for item in items[:3]}
    assert sorted(cluster.size for cluster in clusters) == [1, 1, 1, 3]


def test_low_quality_failed_and_hashless_items_are_left_out() -> None:
    a = "3c" * 32
    items = [
        _item(1, a),
        _item(2, a, quality=20),  # a flat image: its hash says little
        _item(3, a, error="decode-failed: broken"),
        _item(4, None, quality=None, sha256="0" * 64),  # a video: no PDQ
    ]
    clusters = cluster_pdq(items)
    assert [(c.size, c.members) for c in clusters] == [(1, ((1, 1),))]
    assert cluster_pdq([]) == []


def test_many_identical_hashes_make_one_cluster() -> None:
    items = [_item(n, "a5" * 32) for n in range(1, 301)]
    (cluster,) = cluster_pdq(items)
    assert cluster.size == 300 and cluster.pdq == "a5" * 32
    assert cluster.members[0] == (1, 1) and cluster.members[-1] == (1, 300)


def test_the_medoid_weighs_how_often_each_hash_was_posted() -> None:
    a = "c3" * 32
    b = _flipped(a, list(range(20)))
    c = _flipped(b, list(range(200, 220)))
    items = [_item(n, a) for n in range(1, 6)] + [_item(6, b), _item(7, c)]
    (cluster,) = cluster_pdq(items)
    assert cluster.size == 7 and cluster.pdq == a  # b is central, but a was posted 5 times
    (alone,) = cluster_pdq([_item(1, a), _item(2, b), _item(3, c)])
    assert alone.pdq == b
