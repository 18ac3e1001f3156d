"""``consentry demo``: the main job end to end, on benign sample photos.

It writes a few sample photos (scikit-image's if it is installed, else pictures drawn with
Pillow) into ``HOME/demo/originals``, and edited copies of them (resized, recompressed,
rotated, mirrored, with a border) plus unrelated photos into ``HOME/demo/inbox``. It then puts
the originals' fingerprints into a bank of a store of its own (``HOME/demo/consentry.db``,
so the user's real banks are never touched), scans the inbox like ``consentry scan`` does and
says, per file, what matched and why.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from consentry.errors import ConsentryError

DEMO_DIR = "demo"
DEMO_BANK = "demo"
DEMO_RADIUS = 31
_MARKER = ".consentry-demo"


@dataclass(frozen=True)
class DemoFile:
    path: Path
    original: str | None  # the original it was made from, None for unrelated photos
    edit: str  # in plain words, what was done to it


@dataclass
class DemoOutcome:
    file: DemoFile
    matches: list[dict[str, Any]]
    nearest: int | None  # smallest PDQ distance to any original (for explaining non-matches)
    error: str | None = None

    @property
    def expected(self) -> bool:
        matched = {m.get("label") for m in self.matches}
        if self.file.original is None:
            return not self.matches
        return self.file.original in matched


@dataclass
class DemoResult:
    folder: Path
    source: str  # where the photos came from
    originals: list[DemoFile] = field(default_factory=list)
    outcomes: list[DemoOutcome] = field(default_factory=list)
    report: Path | None = None

    @property
    def all_expected(self) -> bool:
        return all(outcome.expected for outcome in self.outcomes)


# -- sample photos -------------------------------------------------------------------------


def sample_photos() -> tuple[str, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(source, originals, unrelated): benign RGB photos to play with."""
    try:
        from skimage import data
    except ImportError:
        drawn = {f"drawing-{seed}": drawn_photo(seed) for seed in range(1, 7)}
        names = list(drawn)
        originals = {name: drawn[name] for name in names[:3]}
        unrelated = {name: drawn[name] for name in names[3:]}
        return "pictures drawn with Pillow (scikit-image is not installed)", originals, unrelated
    originals = {"astronaut": data.astronaut(), "coffee": data.coffee(), "cat": data.chelsea()}
    unrelated = {
        "rocket": data.rocket(),
        "camera": np.stack([data.camera()] * 3, axis=-1),
        "galaxies": data.hubble_deep_field(),
    }
    return "scikit-image's sample photos", originals, unrelated


def drawn_photo(seed: int, size: tuple[int, int] = (480, 360)) -> np.ndarray:
    """A busy, deterministic picture (gradient, shapes, noise) with plenty of PDQ detail."""
    rng = np.random.default_rng(seed)
    width, height = size
    ramp = np.linspace(0, 1, width)[None, :, None] * rng.uniform(60, 200, 3)
    fall = np.linspace(0, 1, height)[:, None, None] * rng.uniform(0, 120, 3)
    base = np.clip(ramp + fall, 0, 255).astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(base))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        x1, y1 = x0 + int(rng.integers(10, width // 2)), y0 + int(rng.integers(10, height // 2))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = (draw.ellipse, draw.rectangle)[int(rng.integers(0, 2))]
        shape((x0, y0, x1, y1), fill=colour)
    noisy = np.asarray(image).astype(np.int16) + rng.integers(-12, 13, (height, width, 3))
    return np.clip(noisy, 0, 255).astype(np.uint8)


# -- edited copies -------------------------------------------------------------------------

Edit = Callable[[Image.Image], Image.Image]


def _resized(image: Image.Image) -> Image.Image:
    return image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)


def _bordered(image: Image.Image) -> Image.Image:
    return ImageOps.expand(image, border=max(image.size) // 6, fill=(0, 0, 0))


def _brightened(image: Image.Image) -> Image.Image:
    return ImageEnhance.Brightness(image).enhance(1.3)


EDITS: dict[str, tuple[str, Edit, int]] = {
    # name: (what was done, how, JPEG quality of the copy)
    "resized": ("resized to half size", _resized, 85),
    "recompressed": ("recompressed as a low-quality JPEG", lambda im: im, 25),
    "rotated": ("rotated a quarter turn", lambda im: im.transpose(Image.Transpose.ROTATE_90), 90),
    "mirrored": ("mirrored left to right", ImageOps.mirror, 90),
    "bordered": ("framed with a thick black border", _bordered, 90),
    "brightened": ("brightened by 30%", _brightened, 90),
}


def _edits_for(index: int) -> list[str]:
    names = list(EDITS)
    return [names[(index * 2 + k) % len(names)] for k in range(3)]


def write_demo_files(folder: Path) -> tuple[str, list[DemoFile], list[DemoFile]]:
    """Write originals and the inbox (edited copies + unrelated photos) under ``folder``."""
    source, originals, unrelated = sample_photos()
    (folder / "originals").mkdir(parents=True)
    (folder / "inbox").mkdir()
    written: list[DemoFile] = []
    inbox: list[DemoFile] = []
    for index, (name, rgb) in enumerate(originals.items()):
        image = Image.fromarray(rgb)
        path = folder / "originals" / f"{name}.jpg"
        image.save(path, quality=92)
        written.append(DemoFile(path, None, "original"))
        for edit in _edits_for(index):
            words, how, quality = EDITS[edit]
            copy = folder / "inbox" / f"{name}-{edit}.jpg"
            how(image).convert("RGB").save(copy, quality=quality)
            inbox.append(DemoFile(copy, f"{name}.jpg", words))
    for name, rgb in unrelated.items():
        path = folder / "inbox" / f"{name}.jpg"
        Image.fromarray(rgb).save(path, quality=90)
        inbox.append(DemoFile(path, None, "an unrelated photo"))
    return source, written, inbox


# -- the run -------------------------------------------------------------------------------


def prepare_folder(home: Path) -> Path:
    """A fresh HOME/demo; only ever deletes a folder an earlier demo made."""
    folder = home / DEMO_DIR
    if folder.exists():
        if not (folder / _MARKER).exists():
            raise ConsentryError(
                f"{folder} exists and was not made by `consentry demo`; move it away first",
                code="demo-folder-exists",
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / _MARKER).write_text("made by `consentry demo`; safe to delete\n")
    return folder


def run_demo(home: Path) -> DemoResult:
    """Build the demo folder, bank the originals, scan the inbox; the folder is left in place."""
    from consentry.matching import Matcher
    from consentry.scan import ScanOptions, run_scan
    from consentry.scan.jobs import FingerprintJob
    from consentry.store import Store

    folder = prepare_folder(home)
    source, originals, inbox = write_demo_files(folder)
    result = DemoResult(folder=folder, source=source, originals=originals)
    result.report = folder / "scan-report.jsonl"
    with Store.open(folder) as store:
        store.create_bank(DEMO_BANK, radius=DEMO_RADIUS, description="consentry demo originals")
        bank_hashes = _bank_originals(store, originals)
        job = FingerprintJob(Matcher(store, [DEMO_BANK]), rotations=True)
        run_scan(folder / "inbox", job, ScanOptions(report=result.report, workers=1))
    records = _records(result.report)
    for demo_file in inbox:
        record = records.get(str(demo_file.path.resolve()), {})
        result.outcomes.append(_outcome(demo_file, record, bank_hashes))
    return result


def _bank_originals(store: Any, originals: list[DemoFile]) -> list[str]:
    from consentry.scan.jobs import entry_fingerprints
    from consentry.signals import fingerprint

    hashes = []
    for original in originals:
        fp = fingerprint(original.path)
        if fp.error is not None:
            raise fp.error
        store.add_entry(
            DEMO_BANK, entry_fingerprints(fp, rotations=False), label=original.path.name
        )
        hashes.append(fp.pdq)
    return [h for h in hashes if h]


def _records(report: Path) -> dict[str, dict[str, Any]]:
    import json

    lines = report.read_text(encoding="utf-8").splitlines()
    return {record["path"]: record for record in map(json.loads, lines)}


def _outcome(demo_file: DemoFile, record: dict[str, Any], bank: list[str]) -> DemoOutcome:
    from consentry.signals import hamming

    pdq = record.get("pdq")
    nearest = min((hamming(pdq, other) for other in bank), default=None) if pdq else None
    error = record.get("error")
    message = f"{error.get('message')} [{error.get('code')}]" if error else None
    return DemoOutcome(demo_file, list(record.get("matches") or []), nearest, message)


def explain(outcome: DemoOutcome) -> str:
    """Why this file matched (or did not), in one sentence."""
    if outcome.error:
        return f"could not be read: {outcome.error}"
    if not outcome.matches:
        near = (
            ""
            if outcome.nearest is None
            else f"the closest original is {outcome.nearest} bits away, "
        )
        return f"no match: {near}more than the bank's radius of {DEMO_RADIUS}"
    best = min(outcome.matches, key=lambda m: m.get("distance", 0))
    return _why_matched(best)


def _why_matched(match: dict[str, Any]) -> str:
    signal, distance, transform = match.get("signal"), match.get("distance"), match.get("transform")
    if signal in ("md5", "sha256"):
        return f"the very same bytes as {match.get('label')} ({signal})"
    how = {
        "original": "as it is",
        "trimmed": "once its uniform border is cut off",
    }.get(str(transform), f"once rotated or flipped back ({transform})")
    return (
        f"PDQ distance {distance} to {match.get('label')} {how}: within the bank's radius "
        f"of {DEMO_RADIUS} bits (0 = the same picture)"
    )


def iter_rows(result: DemoResult) -> Iterator[tuple[str, str, str, str]]:
    """(file, what it is, verdict, why) per inbox file."""
    for outcome in result.outcomes:
        what = outcome.file.edit
        if outcome.file.original:
            what = f"{outcome.file.original}, {what}"
        verdict = "MATCH" if outcome.matches else "no match"
        if not outcome.expected:
            verdict += " (unexpected!)"
        yield outcome.file.path.name, what, verdict, explain(outcome)
