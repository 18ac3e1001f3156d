"""Save/load round trip, and every flavour of broken file gives a specific error."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from consentry.errors import ConsentryError
from consentry.index import (
    HammingIndex,
    IndexCorrupt,
    IndexUnreadable,
    IndexVersionUnsupported,
    storage,
)

from .helpers import as_pairs, planted_queries, random_hashes


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[HammingIndex, object, np.ndarray]:
    rng = np.random.default_rng(21)
    hashes = random_hashes(rng, 7000)
    index = HammingIndex()
    index.add(np.arange(7000) * 10, hashes)
    index.add([1, 2, 3], random_hashes(rng, 3))  # some rows still in the buffer
    index.remove([0, 10, 2])
    path = tmp_path_factory.mktemp("saved") / "bank.index"
    index.save(path)
    return index, path, planted_queries(rng, hashes, 31, 1)


def test_round_trip_gives_identical_results(saved):
    index, path, queries = saved
    loaded = HammingIndex.load(path)
    assert len(loaded) == len(index) == 7000 + 3 - 3
    for radius in (0, 31, 64, 100):
        assert as_pairs(loaded.search(queries, radius)) == as_pairs(index.search(queries, radius))


def test_save_keeps_the_exact_path_and_leaves_no_temp_files(saved):
    _, path, _ = saved
    assert path.exists() and sorted(p.name for p in path.parent.iterdir()) == ["bank.index"]


def test_empty_index_round_trip(tmp_path):
    HammingIndex().save(tmp_path / "empty")
    loaded = HammingIndex.load(tmp_path / "empty")
    assert len(loaded) == 0


def _expect(error_type, path, code):
    with pytest.raises(error_type) as raised:
        HammingIndex.load(path)
    assert isinstance(raised.value, ConsentryError)
    assert raised.value.code == code
    assert raised.value.to_dict()["code"] == code
    return raised.value


def test_truncated_file_is_corrupt(saved, tmp_path):
    _, path, _ = saved
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 30):
        broken = tmp_path / f"cut{cut}"
        broken.write_bytes(data[:cut])
        _expect(IndexCorrupt, broken, "index-corrupt")


def test_zero_byte_and_random_bytes_are_corrupt(tmp_path):
    (tmp_path / "zero").write_bytes(b"")
    _expect(IndexCorrupt, tmp_path / "zero", "index-corrupt")
    (tmp_path / "noise").write_bytes(np.random.default_rng(0).bytes(5000))
    _expect(IndexCorrupt, tmp_path / "noise", "index-corrupt")
    (tmp_path / "text.npz").write_text("not an index at all\n")
    _expect(IndexCorrupt, tmp_path / "text.npz", "index-corrupt")


def test_flipped_byte_in_the_payload_fails_the_checksum(saved, tmp_path):
    _, path, _ = saved
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the hashes array, zip headers intact
    broken = tmp_path / "flipped"
    broken.write_bytes(bytes(data))
    error = _expect(IndexCorrupt, broken, "index-corrupt")
    assert "checksum" in error.message or "CRC" in error.message


def test_plain_npy_and_foreign_npz_are_corrupt(tmp_path):
    np.save(tmp_path / "array.npy", np.zeros((3, 32), np.uint8))
    _expect(IndexCorrupt, tmp_path / "array.npy", "index-corrupt")
    np.savez(tmp_path / "other.npz", hashes=np.zeros((3, 32), np.uint8))
    _expect(IndexCorrupt, tmp_path / "other.npz", "index-corrupt")


def _write_archive(path, header, hashes, ids):
    raw = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez(handle, header=raw, hashes=hashes, ids=ids)


def test_newer_version_is_refused(tmp_path):
    hashes, ids = np.zeros((2, 32), np.uint8), np.arange(2, dtype="<i8")
    header = {"format": storage.FORMAT_NAME, "version": 99, "count": 2, "crc32": 0}
    _write_archive(tmp_path / "future", header, hashes, ids)
    error = _expect(IndexVersionUnsupported, tmp_path / "future", "index-version")
    assert "99" in error.message


@pytest.mark.parametrize(
    "change",
    [
        {"format": "something-else"},
        {"count": 3},
        {"crc32": 1},
    ],
)
def test_wrong_header_fields_are_corrupt(tmp_path, change):
    hashes, ids = np.zeros((2, 32), np.uint8), np.arange(2, dtype="<i8")
    header = {
        "format": storage.FORMAT_NAME,
        "version": storage.FORMAT_VERSION,
        "count": 2,
        "crc32": storage._checksum(hashes, ids),
    }
    header.update(change)
    _write_archive(tmp_path / "bad", header, hashes, ids)
    _expect(IndexCorrupt, tmp_path / "bad", "index-corrupt")


@pytest.mark.parametrize(
    ("hashes", "ids"),
    [
        (np.zeros((2, 31), np.uint8), np.arange(2, dtype="<i8")),
        (np.zeros((2, 32), np.int16), np.arange(2, dtype="<i8")),
        (np.zeros((2, 32), np.uint8), np.arange(3, dtype="<i8")),
        (np.zeros((2, 32), np.uint8), np.arange(2, dtype=np.float64)),
    ],
)
def test_wrong_array_shapes_and_dtypes_are_corrupt(tmp_path, hashes, ids):
    header = {"format": storage.FORMAT_NAME, "version": 1, "count": 2, "crc32": 0}
    _write_archive(tmp_path / "bad", header, hashes, ids)
    _expect(IndexCorrupt, tmp_path / "bad", "index-corrupt")


def test_unparseable_header_is_corrupt(tmp_path):
    buffer = io.BytesIO()
    np.savez(
        buffer,
        header=np.frombuffer(b"\xff{not json", np.uint8),
        hashes=np.zeros((0, 32), np.uint8),
        ids=np.zeros(0, "<i8"),
    )
    (tmp_path / "bad").write_bytes(buffer.getvalue())
    _expect(IndexCorrupt, tmp_path / "bad", "index-corrupt")


def test_pickled_member_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "pickled", "w") as archive:
        for name in ("header", "hashes", "ids"):
            member = io.BytesIO()
            np.save(member, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
            archive.writestr(f"{name}.npy", member.getvalue())
    _expect(IndexCorrupt, tmp_path / "pickled", "index-corrupt")


def test_missing_file_and_directory_are_unreadable(tmp_path):
    _expect(IndexUnreadable, tmp_path / "nope", "index-unreadable")
    _expect(IndexUnreadable, tmp_path, "index-unreadable")


def test_save_into_missing_folder_is_unreadable(tmp_path):
    with pytest.raises(IndexUnreadable) as raised:
        HammingIndex().save(tmp_path / "missing" / "x.index")
    assert raised.value.code == "index-unreadable"
