from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from consentry.matching import Matcher, VpdqThresholds
from consentry.matching import bank_index as bank_index_module
from consentry.signals import FileFingerprint, fingerprint
from consentry.signals.vpdq import frames_to_text
from consentry.store import Store

ORDER = ["astronaut", "coffee", "chelsea", "rocket", "camera"]


def animation(photos: dict[str, np.ndarray], names: list[str], side: int = 256) -> bytes:
    """An animated GIF showing each photo for one second."""
    frames = [Image.fromarray(photos[name]).resize((side, side)) for name in names]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=1000, loop=0)
    return buffer.getvalue()


def video_fp(photos: dict[str, np.ndarray], names: list[str], side: int = 256) -> FileFingerprint:
    result = fingerprint(animation(photos, names, side))
    assert result.error is None and result.vpdq is not None
    assert len(result.vpdq) == len(names)
    return result


@pytest.fixture
def video_bank(store: Store, photos: dict[str, np.ndarray]) -> int:
    store.create_bank("videos")
    registered = video_fp(photos, ORDER)
    return store.add_entry("videos", [("vpdq", frames_to_text(registered.vpdq))], label="clip")


def test_same_animation_resized_matches(
    store: Store, video_bank: int, photos: dict[str, np.ndarray]
) -> None:
    query = video_fp(photos, ORDER, side=200)
    query.md5 = query.sha256 = None  # only the frame hashes may match
    [match] = [m for m in Matcher(store).match(query) if m.signal == "vpdq"]
    assert (match.bank, match.entry, match.label) == ("videos", video_bank, "clip")
    assert match.query_percent == match.target_percent == 100.0
    assert 0 <= match.distance <= 31


def test_frame_order_does_not_matter(
    store: Store, video_bank: int, photos: dict[str, np.ndarray]
) -> None:
    query = video_fp(photos, list(reversed(ORDER)))
    assert [m.signal for m in Matcher(store).match(query)] == ["vpdq"]


def test_thresholds_decide_partial_matches(
    store: Store, video_bank: int, photos: dict[str, np.ndarray]
) -> None:
    excerpt = video_fp(photos, ORDER[:2])  # 100% of the query found, 40% of the entry
    assert Matcher(store).match(excerpt) == []
    lenient = Matcher(store, vpdq_thresholds=VpdqThresholds(query_percent=80, target_percent=0))
    [match] = lenient.match(excerpt)
    assert (match.query_percent, match.target_percent) == (100.0, 40.0)


def test_unrelated_animation_does_not_match(
    store: Store, video_bank: int, photos: dict[str, np.ndarray]
) -> None:
    shifted = {name: np.ascontiguousarray(np.rot90(rgb)) for name, rgb in photos.items()}
    assert Matcher(store).match(video_fp(shifted, ORDER)) == []


def test_pytx_exported_vpdq_still_matches(
    store: Store, video_bank: int, photos: dict[str, np.ndarray]
) -> None:
    from consentry.exchange import export_bank, import_bank

    store.create_bank("partner")
    out = io.StringIO()
    export_bank(store, "videos", out, format="pytx")
    assert import_bank(store, "partner", out.getvalue().encode(), format="pytx").ok
    matches = Matcher(store, ["partner"]).match(video_fp(photos, ORDER, side=200))
    assert [m.signal for m in matches] == ["vpdq"]


# -- the saved index cache -----------------------------------------------------------


def cache_files(home: Path) -> list[str]:
    directory = home / "index"
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


@pytest.fixture
def pdq_bank(store: Store, photos: dict[str, np.ndarray], fp_of: Callable[..., FileFingerprint]):
    store.create_bank("b")
    store.add_entry("b", [("pdq", fp_of(photos["astronaut"]).pdq)])
    return store.get_bank("b")


def test_index_is_saved_and_reused(
    store: Store,
    home: Path,
    pdq_bank,
    photos: dict[str, np.ndarray],
    fp_of: Callable[..., FileFingerprint],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    query = fp_of(photos["astronaut"])
    assert len(Matcher(store).match(query)) == 1
    assert cache_files(home) == [f"pdq-bank{pdq_bank.id}-gen{pdq_bank.generation}.npz"]

    def no_rebuild(rows: object) -> None:
        raise AssertionError("the saved index should have been used")

    monkeypatch.setattr(bank_index_module, "_pdq_index", no_rebuild)
    assert len(Matcher(store).match(query)) == 1


def test_changed_bank_gets_a_new_file(
    store: Store,
    home: Path,
    pdq_bank,
    photos: dict[str, np.ndarray],
    fp_of: Callable[..., FileFingerprint],
) -> None:
    Matcher(store)
    cat = fp_of(photos["chelsea"])
    store.add_entry("b", [("pdq", cat.pdq)])
    generation = store.get_bank("b").generation
    assert len(Matcher(store).match(cat)) == 1
    assert cache_files(home) == [f"pdq-bank{pdq_bank.id}-gen{generation}.npz"]


def test_corrupt_cache_file_is_rebuilt(
    store: Store,
    home: Path,
    pdq_bank,
    photos: dict[str, np.ndarray],
    fp_of: Callable[..., FileFingerprint],
) -> None:
    Matcher(store)
    [name] = cache_files(home)
    (home / "index" / name).write_bytes(b"garbage" * 10)
    assert len(Matcher(store).match(fp_of(photos["astronaut"]))) == 1


def test_deleted_bank_files_are_pruned(store: Store, home: Path, pdq_bank) -> None:
    store.create_bank("other")
    Matcher(store)
    assert len(cache_files(home)) == 2
    store.delete_bank("b")
    Matcher(store)
    assert cache_files(home) == [f"pdq-bank{store.get_bank('other').id}-gen0.npz"]


def test_cache_can_be_turned_off(store: Store, home: Path, pdq_bank) -> None:
    Matcher(store, cache=False)
    assert cache_files(home) == []
