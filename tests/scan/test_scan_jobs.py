"""The real per-file job: quick non-media skip, portable errors, records, bank entry hashes."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from consentry.errors import ConsentryError
from consentry.media.errors import Truncated
from consentry.scan import FileEntry, Outcome
from consentry.scan.jobs import (
    FingerprintJob,
    FingerprintTask,
    entry_fingerprints,
    not_media,
    portable,
    scan_record,
)
from consentry.signals import FileFingerprint, fingerprint


@pytest.fixture(scope="module")
def astronaut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("job") / "astronaut.jpg"
    Image.fromarray(data.astronaut()).save(path, quality=90)
    return path


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"", "empty-file", "empty"),
        (b"hello, just some text\n", "unsupported-format", "text"),
        (b"<!doctype html><html></html>", "unsupported-format", "HTML"),
        (b"%PDF-1.7\n" + b"x" * 100, "unsupported-format", "PDF"),
    ],
)
def test_not_media_is_recognised_from_the_first_bytes(
    tmp_path: Path, content: bytes, code: str, words: str
) -> None:
    path = tmp_path / "file.jpg"
    path.write_bytes(content)
    skipped = not_media(str(path))
    assert skipped is not None and skipped.error is not None
    assert skipped.error.code == code and words in skipped.error.message
    assert skipped.md5 is None  # not read whole


def test_media_passes_the_quick_check(astronaut: Path, tmp_path: Path) -> None:
    assert not_media(str(astronaut)) is None
    truncated = tmp_path / "t.jpg"
    truncated.write_bytes(astronaut.read_bytes()[:500])
    assert not_media(str(truncated)) is None  # looks like a JPEG: the decoder will say more
    assert not_media(str(tmp_path / "missing.jpg")) is None  # reported by the full pipeline


def test_task_reports_unreadable_and_skips(tmp_path: Path, astronaut: Path) -> None:
    task = FingerprintTask(sniff_first=True)
    missing = task(str(tmp_path / "gone.jpg"))
    assert missing.error is not None and missing.error.code == "unreadable"
    good = task(str(astronaut))
    assert good.error is None and good.pdq and good.md5


def test_portable_errors_survive_pickling() -> None:
    fp = FileFingerprint(path="x.jpg", error=Truncated("cut short", name="x.jpg"))
    copy = pickle.loads(pickle.dumps(portable(fp)))
    assert type(copy.error) is ConsentryError
    assert copy.error.code == "truncated" and copy.error.message == "x.jpg: cut short"


def test_scan_record_shape(astronaut: Path) -> None:
    entry = FileEntry(str(astronaut), astronaut.stat().st_size, astronaut.stat().st_mtime_ns)
    record = FingerprintJob().finish(entry, Outcome(0, entry.path, fingerprint(astronaut), None))
    assert record["path"] == entry.path and record["size"] == entry.size
    assert record["mtime_ns"] == entry.mtime_ns and record["pdq"] and record["matches"] == []
    assert record["vpdq_frames"] is None and "vpdq" not in record and record["scanned_at"]
    failed = FingerprintJob().finish(entry, Outcome(0, entry.path, None, ConsentryError("x")))
    assert failed["error"] == {"code": "error", "message": "x"} and failed["pdq"] is None
    assert scan_record(entry, FileFingerprint(path=entry.path), [])["kind"] is None


def test_entry_fingerprints(astronaut: Path, tmp_path: Path) -> None:
    plain = entry_fingerprints(fingerprint(astronaut), rotations=False)
    kinds = [kind for kind, _ in plain]
    assert kinds.count("pdq") == 1 and "md5" in kinds and "sha256" in kinds
    rotated = entry_fingerprints(fingerprint(astronaut, rotations=True), rotations=True)
    assert [kind for kind, _ in rotated].count("pdq") == 8  # the 8 transforms (duplicates merged)
    flat = tmp_path / "flat.png"
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(flat)
    low = fingerprint(flat)
    assert low.low_quality
    assert [kind for kind, _ in entry_fingerprints(low, rotations=False)] == ["md5", "sha256"]
