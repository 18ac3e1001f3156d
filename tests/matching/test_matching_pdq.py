from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from consentry.matching import Match, Matcher
from consentry.signals import FileFingerprint, hamming
from consentry.store import Store, StoreError

FpOf = Callable[..., FileFingerprint]


def near_copy(rgb: np.ndarray) -> np.ndarray:
    """Resized and brightened: a few PDQ bits away."""
    smaller = np.asarray(Image.fromarray(rgb).resize((300, 300)))
    return np.clip(smaller.astype(np.int16) + 12, 0, 255).astype(np.uint8)


@pytest.fixture
def astronaut_bank(store: Store, photos: dict[str, np.ndarray], fp_of: FpOf) -> int:
    store.create_bank("ncii")
    return store.add_entry("ncii", [("pdq", fp_of(photos["astronaut"]).pdq)], label="astro")


def test_same_pixels_match_at_distance_zero(
    store: Store, astronaut_bank: int, photos: dict[str, np.ndarray], fp_of: FpOf
) -> None:
    matches = Matcher(store).match(fp_of(photos["astronaut"], "BMP"))
    assert matches == [Match("ncii", astronaut_bank, "astro", 0, "original", "pdq")]


def test_near_copy_matches(
    store: Store, astronaut_bank: int, photos: dict[str, np.ndarray], fp_of: FpOf
) -> None:
    query = fp_of(near_copy(photos["astronaut"]), "JPEG", quality=60)
    [match] = Matcher(store).match(query)
    assert (match.entry, match.signal, match.transform) == (astronaut_bank, "pdq", "original")
    assert 0 < match.distance <= 31
    assert match.distance == hamming(query.pdq, fp_of(photos["astronaut"]).pdq)


@pytest.mark.parametrize("other", ["coffee", "chelsea", "rocket", "camera"])
def test_different_photos_do_not_match(
    store: Store, astronaut_bank: int, photos: dict[str, np.ndarray], fp_of: FpOf, other: str
) -> None:
    assert Matcher(store).match(fp_of(photos[other], rotations=True)) == []


def test_rotated_copy_reports_the_transform(
    store: Store, astronaut_bank: int, photos: dict[str, np.ndarray], fp_of: FpOf
) -> None:
    rotated = np.ascontiguousarray(np.rot90(photos["astronaut"], 1))
    matcher = Matcher(store)
    assert matcher.match(fp_of(rotated)) == []  # without rotation variants: no match
    [match] = matcher.match(fp_of(rotated, rotations=True))
    assert (match.entry, match.transform, match.signal) == (astronaut_bank, "rotate270", "pdq")
    assert match.distance <= 8


def test_mirrored_copy_reports_the_transform(
    store: Store, astronaut_bank: int, photos: dict[str, np.ndarray], fp_of: FpOf
) -> None:
    mirrored = np.ascontiguousarray(photos["astronaut"][:, ::-1])
    [match] = Matcher(store).match(fp_of(mirrored, rotations=True))
    assert match.transform == "flip-horizontal"


def test_letterboxed_copy_matches_through_the_trimmed_hash(
    store: Store, astronaut_bank: int, photos: dict[str, np.ndarray], fp_of: FpOf
) -> None:
    image = photos["astronaut"]
    boxed = np.zeros((image.shape[0] + 400, image.shape[1], 3), dtype=np.uint8)
    boxed[200:-200] = image
    query = fp_of(boxed)
    assert hamming(query.pdq, fp_of(image).pdq) > 31  # the untrimmed hash alone would miss
    [match] = Matcher(store).match(query)
    assert (match.entry, match.transform) == (astronaut_bank, "trimmed")


def test_best_distance_per_entry_and_several_hashes_per_entry(
    store: Store, photos: dict[str, np.ndarray], fp_of: FpOf
) -> None:
    store.create_bank("b")
    original = fp_of(photos["astronaut"])
    rotated = fp_of(np.ascontiguousarray(np.rot90(photos["astronaut"])))
    entry = store.add_entry("b", [("pdq", rotated.pdq), ("pdq", original.pdq)])
    matches = Matcher(store).match(fp_of(photos["astronaut"], rotations=True))
    assert [(m.entry, m.distance, m.transform) for m in matches] == [(entry, 0, "original")]


def test_radius_is_per_bank(store: Store, photos: dict[str, np.ndarray], fp_of: FpOf) -> None:
    value = fp_of(photos["astronaut"]).pdq
    store.create_bank("exact", radius=0)
    store.create_bank("loose", radius=31)
    store.add_entry("exact", [("pdq", value)])
    store.add_entry("loose", [("pdq", value)])
    matcher = Matcher(store)
    near = fp_of(near_copy(photos["astronaut"]), "JPEG", quality=60)
    assert hamming(near.pdq, value) > 0
    assert [m.bank for m in matcher.match(near)] == ["loose"]
    assert sorted(m.bank for m in matcher.match(fp_of(photos["astronaut"]))) == ["exact", "loose"]


def test_radius_boundary(store: Store, photos: dict[str, np.ndarray], fp_of: FpOf) -> None:
    query = fp_of(photos["astronaut"])
    bits = bytearray(bytes.fromhex(query.pdq))
    bits[0] ^= 0b111  # 3 bits away
    store.create_bank("r2", radius=2)
    store.create_bank("r3", radius=3)
    for bank in ("r2", "r3"):
        store.add_entry(bank, [("pdq", bits.hex())])
    assert [(m.bank, m.distance) for m in Matcher(store).match(query)] == [("r3", 3)]


def test_exact_digests(store: Store, photos: dict[str, np.ndarray], fp_of: FpOf) -> None:
    query = fp_of(photos["coffee"])
    store.create_bank("d")
    by_md5 = store.add_entry("d", [("md5", query.md5)], label="m")
    by_sha = store.add_entry("d", [("sha256", query.sha256)], label="s")
    both = store.add_entry("d", [("pdq", query.pdq), ("sha256", query.sha256)], label="b")
    store.add_entry("d", [("md5", "0" * 32), ("sha256", "0" * 64)])
    matches = {m.entry: m for m in Matcher(store).match(query)}
    assert set(matches) == {by_md5, by_sha, both}
    assert (matches[by_md5].signal, matches[by_md5].distance) == ("md5", 0)
    assert (matches[by_sha].signal, matches[by_sha].transform) == ("sha256", "original")
    assert matches[both].signal == "sha256"  # exact beats an equally close PDQ
    # The same pixels in another file: the digests differ, PDQ still matches.
    other_file = fp_of(photos["coffee"], "BMP")
    assert [(m.entry, m.signal) for m in Matcher(store).match(other_file)] == [(both, "pdq")]


def test_low_quality_hashes_are_not_used(store: Store, fp_of: FpOf) -> None:
    flat = np.full((256, 256, 3), 128, dtype=np.uint8)
    flat[:, 128:] = 130
    query = fp_of(flat)
    assert query.low_quality
    store.create_bank("q")
    store.add_entry("q", [("pdq", query.pdq)])
    assert Matcher(store).match(query) == []
    assert [m.distance for m in Matcher(store, use_low_quality=True).match(query)] == [0]


def test_removed_entries_stop_matching(
    store: Store, astronaut_bank: int, photos: dict[str, np.ndarray], fp_of: FpOf
) -> None:
    query = fp_of(photos["astronaut"])
    matcher = Matcher(store)
    assert len(matcher.match(query)) == 1
    store.remove_entry("ncii", astronaut_bank)
    assert matcher.match(query) == []  # even before refresh
    assert matcher.refresh() == ["ncii"]
    assert matcher.match(query) == []
    assert Matcher(store).match(query) == []


def test_refresh_picks_up_new_entries(
    store: Store, astronaut_bank: int, photos: dict[str, np.ndarray], fp_of: FpOf
) -> None:
    matcher = Matcher(store)
    assert matcher.refresh() == []
    cat = fp_of(photos["chelsea"])
    assert matcher.match(cat) == []
    new = store.add_entry("ncii", [("pdq", cat.pdq)], label="cat")
    assert matcher.refresh() == ["ncii"]
    assert [(m.entry, m.label) for m in matcher.match(cat)] == [(new, "cat")]


def test_disabled_banks_are_left_out_unless_named(
    store: Store, astronaut_bank: int, photos: dict[str, np.ndarray], fp_of: FpOf
) -> None:
    store.update_bank("ncii", enabled=False)
    query = fp_of(photos["astronaut"])
    assert Matcher(store).match(query) == []
    assert len(Matcher(store, ["ncii"]).match(query)) == 1


def test_unknown_bank(store: Store) -> None:
    with pytest.raises(StoreError) as info:
        Matcher(store, ["missing"])
    assert info.value.code == "unknown-bank"


def test_deleted_bank_is_skipped(
    store: Store, astronaut_bank: int, photos: dict[str, np.ndarray], fp_of: FpOf
) -> None:
    matcher = Matcher(store)
    store.delete_bank("ncii")
    assert matcher.match(fp_of(photos["astronaut"])) == []
    matcher.refresh()
    assert matcher.indexes == {}


def test_failed_fingerprint_matches_nothing(store: Store, astronaut_bank: int) -> None:
    assert Matcher(store).match(FileFingerprint(path="broken.jpg")) == []


def test_matches_sorted_and_serialisable(
    store: Store, photos: dict[str, np.ndarray], fp_of: FpOf
) -> None:
    query = fp_of(photos["astronaut"])
    far = bytearray(bytes.fromhex(query.pdq))
    far[5] ^= 0xFF
    store.create_bank("b")
    ids = [store.add_entry("b", [("pdq", far.hex())]), store.add_entry("b", [("pdq", query.pdq)])]
    matches = Matcher(store).match(query)
    assert [(m.entry, m.distance) for m in matches] == [(ids[1], 0), (ids[0], 8)]
    assert matches[0].to_json() == {
        "bank": "b",
        "entry": ids[1],
        "label": None,
        "distance": 0,
        "transform": "original",
        "signal": "pdq",
        "query_percent": None,
        "target_percent": None,
        "kind": "copy",
        "score": None,
        "region": None,
    }


def test_refresh_follows_new_and_disabled_banks(
    store: Store, photos: dict[str, np.ndarray], fp_of: FpOf
) -> None:
    query = fp_of(photos["rocket"])
    matcher = Matcher(store)
    assert matcher.indexes == {}
    store.create_bank("late")
    store.add_entry("late", [("pdq", query.pdq)])
    assert matcher.refresh() == ["late"]
    assert [m.bank for m in matcher.match(query)] == ["late"]
    store.update_bank("late", enabled=False)
    matcher.refresh()
    assert matcher.match(query) == []


def test_hash_written_by_python_threatexchange_matches(
    store: Store, photos: dict[str, np.ndarray], fp_of: FpOf
) -> None:
    # `threatexchange hash photo astro.png` (pytx 1.2.17) for skimage's astronaut as PNG
    pytx_line = "pdq 2d6b1af3a956c529e79ca3d2526fa834d4196c81cedd04de0a26b855fc99b724\n"
    from consentry.exchange import import_bank

    store.create_bank("partner")
    assert import_bank(store, "partner", pytx_line.encode()).entries_added == 1
    [match] = Matcher(store).match(fp_of(photos["astronaut"]))
    assert (match.bank, match.distance, match.signal) == ("partner", 0, "pdq")
