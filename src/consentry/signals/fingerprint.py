"""The per-file pipeline: bytes -> digests, decode (at reduced scale when large) -> PDQ,
trimmed and rotated variants; videos and animations -> vPDQ frames.

``fingerprint`` never raises for bad media: the error goes into ``FileFingerprint.error``
and whatever could be computed before it (the digests, once the bytes were read) stays.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from consentry.errors import ConsentryError
from consentry.media import (
    DEFAULT_LIMITS,
    DecodedImage,
    Limits,
    MediaSource,
    decode_image,
    identify,
    iter_video_frames,
    probe_video,
    read_bytes,
)
from consentry.signals.base import SignalError
from consentry.signals.findings import Finding
from consentry.signals.pdq import is_low_quality, pdq_from_rgb
from consentry.signals.pdq_math import PdqResult
from consentry.signals.trim import crop, find_content_box
from consentry.signals.vpdq import VpdqFrame, frame_step, hash_frame

# Decode JPEGs at reduced scale with both sides >= this. PDQ's 64x64 downsample of the
# full image is then computed from the reduced pixels; bench/hashing.py measures the
# distance to the full decode (median 0-2 bits, see bench/results/hashing.md).
DECODE_MIN_SIDE = 256
# The protected-photo fingerprint works on a ~512 px working copy: decode at least that.
REGIONS_MIN_SIDE = 512
SECONDS_PER_HASH = 1.0

Source = str | os.PathLike[str] | bytes | MediaSource
RegionsMode = Literal["photo", "query"] | None


@dataclass(frozen=True)
class HashVariant:
    """An extra PDQ hash of the same file: ``transform`` is a TRANSFORMS name,
    ``trimmed``, or ``trimmed+<transform>``."""

    transform: str
    pdq: str
    quality: int

    @property
    def low_quality(self) -> bool:
        return is_low_quality(self.quality)

    def to_json(self) -> dict[str, Any]:
        return {"transform": self.transform, "pdq": self.pdq, "quality": self.quality}


@dataclass
class FileFingerprint:
    path: str | None = None
    kind: Literal["image", "video"] | None = None
    format: str | None = None
    md5: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    quality: int | None = None
    low_quality: bool = False
    width: int | None = None
    height: int | None = None
    variants: list[HashVariant] = field(default_factory=list)
    vpdq: list[VpdqFrame] | None = None
    error: ConsentryError | None = None
    warnings: list[str] = field(default_factory=list)
    # Classifier and provenance findings, when asked for (None: not computed).
    findings: list[Finding] | None = None
    # The protected-photo fingerprint, when asked for: a photo's grid ("photo") for a
    # protected bank, or a query's denser grid ("query") to find fakes made from one.
    regions: str | None = None
    regions_error: str | None = None  # why it could not be computed (too small, flat)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        out = {
            "path": self.path,
            "kind": self.kind,
            "format": self.format,
            "pdq": self.pdq,
            "quality": self.quality,
            "low_quality": self.low_quality,
            "md5": self.md5,
            "sha256": self.sha256,
            "width": self.width,
            "height": self.height,
            "variants": [v.to_json() for v in self.variants],
            "vpdq": None if self.vpdq is None else [_frame_json(f) for f in self.vpdq],
            "warnings": list(self.warnings),
            "error": None if self.error is None else self.error.to_dict(),
        }
        if self.findings is not None:
            out["findings"] = [finding.to_json() for finding in self.findings]
        if self.regions is not None or self.regions_error is not None:
            out["regions"] = self.regions
            out["regions_error"] = self.regions_error
        return out


def _frame_json(frame: VpdqFrame) -> dict[str, Any]:
    return {
        "index": frame.index,
        "timestamp": frame.timestamp,
        "pdq": frame.pdq,
        "quality": frame.quality,
    }


def fingerprint(
    source: Source,
    *,
    name: str | None = None,
    rotations: bool = False,
    trim: bool = True,
    regions: RegionsMode = None,
    limits: Limits = DEFAULT_LIMITS,
) -> FileFingerprint:
    """Fingerprint one file (path, bytes or MediaSource). Never raises for bad media.

    ``regions``: also compute the protected-photo fingerprint of an image: "photo" (what a
    protected bank stores) or "query" (what is matched against protected banks)."""
    result = FileFingerprint(path=_display_name(source, name))
    try:
        if isinstance(source, MediaSource):
            media = source
            _digest(result, media.data)
        else:
            data, display = read_bytes(source, name=name, limits=limits)
            _digest(result, data)  # before sniffing: non-media bytes still get digests
            media = identify(data, name=display)
    except ConsentryError as exc:
        result.error = exc
        return result
    _describe_source(result, media)
    try:
        if media.kind == "image":
            _fingerprint_image(
                result, media, rotations=rotations, trim=trim, regions=regions, limits=limits
            )
        else:
            _fingerprint_video(result, media, limits=limits)
    except ConsentryError as exc:
        result.error = exc
    except Exception as exc:  # a decoder bug must not stop a batch: report it per file
        result.error = SignalError(
            f"could not fingerprint {result.path or 'the input'}: {type(exc).__name__}: {exc}",
            code="fingerprint-failed",
        )
    return result


def _display_name(source: Source, name: str | None) -> str | None:
    if name is not None:
        return name
    if isinstance(source, MediaSource):
        return source.name
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return None


def _digest(result: FileFingerprint, data: bytes) -> None:
    result.md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    result.sha256 = hashlib.sha256(data).hexdigest()


def _describe_source(result: FileFingerprint, media: MediaSource) -> None:
    result.path = result.path or media.name
    result.kind = media.kind
    result.format = media.format
    result.warnings.extend(media.warnings)


def _fingerprint_image(
    result: FileFingerprint,
    media: MediaSource,
    *,
    rotations: bool,
    trim: bool,
    regions: RegionsMode,
    limits: Limits,
) -> None:
    min_side = DECODE_MIN_SIDE if regions is None else REGIONS_MIN_SIDE
    decoded = decode_image(media, min_side=min_side, limits=limits)
    result.width, result.height = decoded.width, decoded.height
    first = decoded.frames[0]
    if regions is not None:
        _set_regions(result, first, dense=regions == "query")
    main = _hash(first, decoded, rotations=rotations)
    _set_main(result, main)
    result.variants.extend(_variants("", main))
    if trim:
        result.variants.extend(_trimmed_variants(first, decoded, rotations=rotations))
    if decoded.animated:
        result.vpdq = _animation_frames(media, limits)


def _set_regions(result: FileFingerprint, rgb: np.ndarray, *, dense: bool) -> None:
    from consentry.signals.regions import region_fingerprint

    try:
        result.regions = region_fingerprint(rgb, dense=dense).to_text()
    except SignalError as error:  # too small or flat: the other fingerprints still count
        result.regions_error = f"{error.code}: {error.message}"


def _hash(rgb: np.ndarray, decoded: DecodedImage, *, rotations: bool) -> PdqResult:
    """PDQ of pixels decoded at ``decoded.scale``, as if hashed at full resolution."""
    if decoded.scale >= 1.0:
        return pdq_from_rgb(rgb, dihedral=rotations)
    full_h, full_w = _full_size(rgb, decoded)
    return pdq_from_rgb(rgb, full_height=full_h, full_width=full_w, dihedral=rotations)


def _full_size(rgb: np.ndarray, decoded: DecodedImage) -> tuple[int, int]:
    first = decoded.frames[0]
    full_h = max(round(rgb.shape[0] * decoded.height / first.shape[0]), rgb.shape[0])
    full_w = max(round(rgb.shape[1] * decoded.width / first.shape[1]), rgb.shape[1])
    return full_h, full_w


def _set_main(result: FileFingerprint, main: PdqResult) -> None:
    result.pdq, result.quality = main.hash, main.quality
    result.low_quality = is_low_quality(main.quality)
    if result.low_quality:
        result.warnings.append(
            f"low PDQ quality ({main.quality} <= 49): the image has too little detail for "
            "its hash to be trusted; matching skips it unless asked"
        )


def _variants(prefix: str, hashed: PdqResult) -> list[HashVariant]:
    return [
        HashVariant(prefix + transform, pdq, quality)
        for transform, (pdq, quality) in hashed.variants.items()
    ]


def _trimmed_variants(
    rgb: np.ndarray, decoded: DecodedImage, *, rotations: bool
) -> list[HashVariant]:
    box = find_content_box(rgb)
    if box is None:
        return []
    inner = crop(rgb, box)
    hashed = _hash(inner, decoded, rotations=rotations)
    return [HashVariant("trimmed", hashed.hash, hashed.quality), *_variants("trimmed+", hashed)]


def _animation_frames(media: MediaSource, limits: Limits) -> list[VpdqFrame]:
    """The first frame of each second of an animation, timed as media times it (browser
    rules for tiny frame durations). Animations are small: decoding again is cheap."""
    frames = iter_video_frames(media, every_seconds=SECONDS_PER_HASH, limits=limits)
    return [hash_frame(frame.index, frame.timestamp, frame.rgb) for frame in frames]


def _fingerprint_video(result: FileFingerprint, media: MediaSource, *, limits: Limits) -> None:
    info = probe_video(media, limits=limits)
    result.width, result.height = info.width, info.height
    # vpdq hashes every int(fps)-th frame; at a constant frame rate those are the first
    # frames at or after each multiple of step/fps seconds, which is what media samples.
    every = frame_step(info.fps) / info.fps if info.fps else SECONDS_PER_HASH
    frames = [
        hash_frame(frame.index, frame.timestamp, frame.rgb)
        for frame in iter_video_frames(media, every_seconds=every, limits=limits)
    ]
    result.vpdq = frames
    # A video has no single "main" PDQ: pdq/quality stay None, the frames carry theirs.
    result.low_quality = all(is_low_quality(f.quality) for f in frames)
    if not frames:
        result.warnings.append("no frames could be decoded from the video")
