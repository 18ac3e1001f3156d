"""The protected-photo fingerprint: bits of local patches, so a photo is recognised from a part.

A fake made from a public photo keeps part of it (face, hair, background) and replaces the
rest; a whole-image hash moves too far. Here a photo is a set of *tiles*: square patches
centred on blob-like points found at several scales (difference-of-Gaussians extrema, so a
tile lands on the same content after a crop, a pad or a resize), each patch 16 times its
blob's scale. A patch is sampled on a 16x16 grid from the Gaussian level that matches the
grid (no aliasing) and reduced to 64 bits: is the *magnitude* of each of its 64 lowest
DCT frequencies (weighted by frequency) above the patch's median? Signs are never kept:
they carry the picture (docs/protected-photos.md shows a sketch rebuilt from sign bits and
nothing from ours), and without them a tile's bits are also the same in a mirror image.
Each tile keeps its centre (1/256 of width and height) and size (log scale).

A registered photo keeps its 128 strongest patches with enough contrast (JPEG noise flips
the bits of near-flat ones) between 1/10 and 1/2 of its short side: 11 bytes each, about
1.9 KB of text. A query (``dense=True``) keeps up to 200 over a wider range of sizes, each
hashed at five small rotations. :mod:`consentry.index.regions` looks the tiles up and keeps
the matches that agree on one placement (scale, rotation, shift, mirrored or not) of the
registered photo in the query.

Text form: ``r1.`` + unpadded base64url of a little-endian binary record (kind, analysed
frame size, tile count, hashes, geometry, query flags, CRC-32).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

from consentry.signals import regions_kernels as kernels
from consentry.signals.base import Content, InvalidFingerprint, SignalError, SignalType

PREFIX = "r1."
MIN_SIDE = 32  # pixels on the short side: below this there is too little left to hash
WORK_SHORT_SIDE = 256  # the analysed luma image: short side (upscaled or downscaled) ...
WORK_MAX_LONG_SIDE = 768  # ... unless that makes the long side longer than this
MIN_REGISTERED_TILES = 24  # fewer detailed regions: too generic to protect reliably
MIN_QUERY_TILES = 4  # fewer: nothing a match could rest on
CELLS = 16  # a patch is sampled on CELLS x CELLS cells
PATCH_PER_SIGMA = 16.0  # patch side = this x the blob's scale
SIGMA0 = 1.6
LEVELS_PER_OCTAVE = 3
OCTAVES = 5
CONTRAST_FLOOR = 0.001  # difference-of-Gaussians response below which a point is noise
EDGE_RATIO = 10.0
BLUR_PER_CELL = 0.6  # Gaussian blur of the level a patch is read from, in grid cells
ENERGY_FLOOR = 0.4  # root-sum-square of a patch's 64 coefficients (luma in [0, 1])
CANDIDATES_PER_TILE = 3  # blobs examined per tile kept (the others lack contrast)
QUERY_ANGLES = (0.0, -4.0, 4.0, -8.0, 8.0)  # degrees; a query's tiles are hashed at each

_HEADER = struct.Struct("<BHHH")  # kind, frame width, frame height, tile count
_CRC = struct.Struct("<I")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_KIND_REGISTERED, _KIND_DENSE = 0, 1
SIZE_CODE_STEPS = 64  # size byte: 255 + 64 * log2(side / short side)


class ImageTooSmall(SignalError):
    code = "image-too-small"


class FlatImage(SignalError):
    code = "flat-image"


@dataclass(frozen=True)
class TileSelection:
    """Which detected blobs become tiles: how many, and their size range (short-side units)."""

    count: int
    smallest: float
    largest: float


REGISTERED_TILES = TileSelection(count=128, smallest=1 / 10, largest=1 / 2)
QUERY_TILES = TileSelection(count=200, smallest=1 / 10, largest=3 / 4)


@dataclass(frozen=True, eq=False)
class RegionFingerprint:
    """Tiles of one image: hash, geometry (centre x, centre y, size code) and flags."""

    hashes: np.ndarray  # (n,) uint64
    geometry: np.ndarray  # (n, 3) uint8: x, y (1/256ths of width, height), size code
    # (n,) uint8: bits 1-3 index into QUERY_ANGLES; bit 0 = read in the mirrored image (never
    # set by region_fingerprint: tile bits do not change in a mirror, the index tries both)
    flags: np.ndarray
    dense: bool
    frame: tuple[int, int]  # (width, height) of the analysed image: its aspect ratio

    def __post_init__(self) -> None:
        n = len(self.hashes)
        if self.geometry.shape != (n, 3) or self.flags.shape != (n,):
            raise ValueError("hashes, geometry and flags must describe the same tiles")

    def __len__(self) -> int:
        return len(self.hashes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RegionFingerprint):
            return NotImplemented
        return self.to_text() == other.to_text()

    def __hash__(self) -> int:
        return hash(self.to_text())

    def to_binary(self) -> bytes:
        kind = _KIND_DENSE if self.dense else _KIND_REGISTERED
        parts = [
            _HEADER.pack(kind, self.frame[0], self.frame[1], len(self)),
            self.hashes.astype("<u8").tobytes(),
            np.ascontiguousarray(self.geometry, dtype=np.uint8).tobytes(),
        ]
        if self.dense:
            parts.append(self.flags.astype(np.uint8).tobytes())
        body = b"".join(parts)
        return body + _CRC.pack(zlib.crc32(body))

    def to_text(self) -> str:
        encoded = base64.urlsafe_b64encode(self.to_binary()).rstrip(b"=")
        return PREFIX + encoded.decode("ascii")

    @classmethod
    def from_text(cls, text: str) -> RegionFingerprint:
        """Read :meth:`to_text`'s form; raises :class:`InvalidFingerprint` saying what is wrong."""
        if not isinstance(text, str):
            raise InvalidFingerprint(f"regions fingerprint must be text, got {type(text).__name__}")
        text = text.strip()
        if not text.startswith(PREFIX):
            raise InvalidFingerprint(_prefix_problem(text))
        payload = text[len(PREFIX) :]
        if not _BASE64URL.fullmatch(payload):
            raise InvalidFingerprint(
                "regions fingerprint is not valid base64url after 'r1.' (only A-Z, a-z, 0-9, "
                "'-' and '_' may follow)"
            )
        try:
            binary = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            raise InvalidFingerprint(
                "regions fingerprint is not valid base64url after 'r1.'"
            ) from None
        return cls.from_binary(binary)

    @classmethod
    def from_binary(cls, binary: bytes) -> RegionFingerprint:
        if len(binary) < _HEADER.size + _CRC.size:
            raise InvalidFingerprint(f"regions fingerprint truncated: {len(binary)} bytes")
        body, (crc,) = binary[: -_CRC.size], _CRC.unpack(binary[-_CRC.size :])
        kind, width, height, count = _HEADER.unpack_from(body)
        if kind not in (_KIND_REGISTERED, _KIND_DENSE):
            raise InvalidFingerprint(f"regions fingerprint has unknown kind {kind}")
        dense = kind == _KIND_DENSE
        expected = _HEADER.size + count * (8 + 3 + (1 if dense else 0))
        if len(body) != expected:
            raise InvalidFingerprint(
                f"regions fingerprint truncated or padded: {count} tiles need {expected} "
                f"bytes before the checksum, got {len(body)}"
            )
        if zlib.crc32(body) != crc:
            raise InvalidFingerprint("regions fingerprint is corrupted (checksum mismatch)")
        if count == 0 or width == 0 or height == 0:
            raise InvalidFingerprint("regions fingerprint has no tiles or an empty frame")
        at = _HEADER.size
        hashes = np.frombuffer(body, "<u8", count, at).astype(np.uint64)
        at += 8 * count
        geometry = np.frombuffer(body, np.uint8, 3 * count, at).reshape(count, 3).copy()
        at += 3 * count
        if dense:
            flags = np.frombuffer(body, np.uint8, count, at).copy()
            if (flags >> 1).max() >= len(QUERY_ANGLES):
                raise InvalidFingerprint("regions fingerprint has unknown tile flags")
        else:
            flags = np.zeros(count, np.uint8)
        return cls(hashes, geometry, flags, dense, (width, height))

    @property
    def nbytes(self) -> int:
        """Size of the text form in bytes (what a bank stores and exchanges)."""
        return len(self.to_text())


def _prefix_problem(text: str) -> str:
    head = text.split(".", 1)[0]
    if "." in text and head.startswith("r") and head[1:].isdigit():
        return f"regions fingerprint version {head[1:]} is not supported (this build reads r1)"
    return f"not a regions fingerprint: expected text starting with {PREFIX!r}, got {text[:12]!r}"


def region_fingerprint(rgb: np.ndarray, *, dense: bool = False) -> RegionFingerprint:
    """Tiles of an (H, W, 3) uint8 RGB image (or (H, W) grey): a registered photo's by
    default, a query's with ``dense=True``. Raises ImageTooSmall / FlatImage."""
    luma = working_luma(rgb)
    selection = QUERY_TILES if dense else REGISTERED_TILES
    found, scale_space = detect_blobs(luma)
    candidates = select_blobs(found, luma.shape, selection)
    angles = QUERY_ANGLES if dense else (0.0,)
    hashes, flags, positions = _tiles(scale_space, candidates, selection, angles)
    tiles = len(hashes) // len(angles)
    needed = MIN_QUERY_TILES if dense else MIN_REGISTERED_TILES
    if tiles < needed:
        raise FlatImage(
            f"the image has too little detail to fingerprint ({tiles} detailed regions, "
            f"at least {needed} needed): flat or nearly flat pictures, and simple graphics, "
            f"cannot be protected reliably"
        )
    geometry = _geometry(positions, luma.shape)
    frame = (luma.shape[1], luma.shape[0])
    return RegionFingerprint(hashes, geometry, flags, dense, frame)


def working_luma(rgb: np.ndarray) -> np.ndarray:
    """Float32 luma in [0, 1], resized so the short side is WORK_SHORT_SIDE (long side capped)."""
    array = np.asarray(rgb)
    if array.dtype != np.uint8 or array.ndim not in (2, 3):
        raise ValueError(f"expected uint8 (H, W[, 3]) pixels, got {array.dtype} {array.shape}")
    height, width = array.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise ImageTooSmall(
            f"the image is {width}x{height} pixels: at least {MIN_SIDE} pixels are needed on "
            f"the short side to fingerprint it"
        )
    grey = array if array.ndim == 2 else array[:, :, :3]
    image = Image.fromarray(np.ascontiguousarray(grey)).convert("L")
    scale = WORK_SHORT_SIDE / min(width, height)
    scale = min(scale, WORK_MAX_LONG_SIDE / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if min(size) < MIN_SIDE:
        ratio = WORK_MAX_LONG_SIDE // MIN_SIDE
        raise ImageTooSmall(
            f"the image is {width}x{height} pixels: too narrow to fingerprint (the long side "
            f"may be at most {ratio} times the short side)"
        )
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    return np.asarray(image.resize(size, resample), dtype=np.float32) / np.float32(255.0)


@dataclass(frozen=True)
class ScaleSpace:
    """Gaussian-blurred copies of the luma image, each stored at its octave's resolution."""

    images: np.ndarray  # (levels, H, W) float32, level k in the top-left corner
    shapes: np.ndarray  # (levels, 2) int64
    factors: np.ndarray  # (levels,) pixels of the luma image per pixel of the level
    sigmas: np.ndarray  # (levels,) blur in pixels of the luma image

    @classmethod
    def stacked(cls, levels: list[tuple[np.ndarray, float, float]]) -> ScaleSpace:
        height, width = levels[0][0].shape
        images = np.zeros((len(levels), height, width), np.float32)
        for k, (image, _, _) in enumerate(levels):
            images[k, : image.shape[0], : image.shape[1]] = image
        return cls(
            images,
            np.array([image.shape for image, _, _ in levels], np.int64),
            np.array([factor for _, factor, _ in levels]),
            np.array([sigma for _, _, sigma in levels]),
        )


def detect_blobs(luma: np.ndarray) -> tuple[np.ndarray, ScaleSpace]:
    """Difference-of-Gaussians extrema as (n, 4) float64 rows x, y, sigma, response in
    pixels of ``luma`` (continuous coordinates: pixel k covers [k, k + 1)), and the
    Gaussian levels they were found in."""
    step = 2.0 ** (1.0 / LEVELS_PER_OCTAVE)
    found = []
    kept: list[tuple[np.ndarray, float, float]] = [(luma, 1.0, 0.5)]
    image = kernels.gaussian_blur(luma, math.sqrt(SIGMA0**2 - 0.25))
    for octave in range(OCTAVES):
        if min(image.shape) < 16:
            break
        factor = 2.0**octave
        levels = [image]
        for level in range(1, LEVELS_PER_OCTAVE + 3):
            previous, current = SIGMA0 * step ** (level - 1), SIGMA0 * step**level
            levels.append(kernels.gaussian_blur(levels[-1], math.sqrt(current**2 - previous**2)))
        kept += [(levels[k], factor, SIGMA0 * step**k * factor) for k in range(LEVELS_PER_OCTAVE)]
        dogs = np.stack([levels[k + 1] - levels[k] for k in range(len(levels) - 1)])
        extrema = kernels.scale_extrema(dogs, CONTRAST_FLOOR, EDGE_RATIO, 1)
        sigma = SIGMA0 * 2.0 ** (octave + extrema[:, 2] / LEVELS_PER_OCTAVE)
        found.append(np.column_stack([(extrema[:, :2] + 0.5) * factor, sigma, extrema[:, 3]]))
        image = np.ascontiguousarray(levels[LEVELS_PER_OCTAVE][::2, ::2])
    blobs = np.concatenate(found) if found else np.empty((0, 4))
    return blobs, ScaleSpace.stacked(kept)


def select_blobs(blobs: np.ndarray, shape: tuple[int, int], selection: TileSelection) -> np.ndarray:
    """Blobs whose patch side is in the selection's range, strongest first (at most
    CANDIDATES_PER_TILE x the selection's count)."""
    short = min(shape)
    side = blobs[:, 2] * PATCH_PER_SIGMA / short
    kept = blobs[(side >= selection.smallest) & (side <= selection.largest)]
    order = np.argsort(-np.abs(kept[:, 3]), kind="stable")
    return kept[order[: CANDIDATES_PER_TILE * selection.count]]


def _tiles(
    scale_space: ScaleSpace, blobs: np.ndarray, selection: TileSelection, angles: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The selection's tiles: hashes, flags and blob rows, for each angle in turn.

    Blobs come strongest first; a patch with too little contrast is skipped (JPEG noise
    alone would flip its bits, and near-flat patches look alike everywhere)."""
    upright = _coefficients(scale_space, blobs, 0.0)
    energy = np.sqrt((upright.astype(np.float64) ** 2).sum(axis=1))
    chosen = np.flatnonzero(energy >= ENERGY_FLOOR)[: selection.count]
    blobs = blobs[chosen]
    hashes, flags = [_hash(upright[chosen])], [np.zeros(len(blobs), np.uint8)]
    for index, angle in enumerate(angles[1:], start=1):
        hashes.append(_hash(_coefficients(scale_space, blobs, angle)))
        flags.append(np.full(len(blobs), index << 1, np.uint8))
    rows = np.tile(blobs[:, :3], (len(angles), 1))
    return np.concatenate(hashes), np.concatenate(flags), rows


def _coefficients(scale_space: ScaleSpace, blobs: np.ndarray, angle: float) -> np.ndarray:
    """(n, 64) DCT coefficients of each blob's patch, its grid turned by ``angle`` degrees.

    A patch's cells are read from the Gaussian level blurred by about BLUR_PER_CELL cell
    widths: enough to keep detail finer than a cell from aliasing (which would make the
    hash depend on the image's exact pixel grid, i.e. on crops and resizes)."""
    sides = blobs[:, 2] * PATCH_PER_SIGMA
    wanted = np.log(BLUR_PER_CELL * sides / CELLS)
    levels = np.abs(wanted[:, None] - np.log(scale_space.sigmas)[None, :]).argmin(axis=1)
    cells = kernels.rotated_cells(
        scale_space.images,
        scale_space.shapes,
        scale_space.factors,
        levels,
        np.ascontiguousarray(blobs[:, :2]),
        sides,
        np.full(len(blobs), math.radians(angle)),
        CELLS,
    )
    pairs, basis, _ = _dct_tables()
    return kernels.patch_coefficients(cells, basis, pairs)


def _hash(coefficients: np.ndarray) -> np.ndarray:
    """64 bits per patch: is each weighted coefficient magnitude above the patch's median?"""
    weights = _dct_tables()[2]
    return kernels.median_bits(np.ascontiguousarray(np.abs(coefficients) * weights))


@cache
def _dct_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 64 lowest DCT frequencies (u, v) by radius, the DCT basis, and each frequency's
    weight (its radius: natural images' amplitudes fall off as 1/frequency, so weighted
    magnitudes are comparable across frequencies and the bits stay balanced)."""
    candidates = [(u, v) for u in range(CELLS) for v in range(CELLS) if u + v > 0]
    candidates.sort(key=lambda uv: (uv[0] ** 2 + uv[1] ** 2, uv[0]))
    pairs = np.array(candidates[:64], np.int64)
    frequencies = int(pairs.max()) + 1
    x = np.arange(CELLS)
    basis = np.array([np.cos(np.pi * (2 * x + 1) * u / (2 * CELLS)) for u in range(frequencies)])
    basis[0] /= math.sqrt(2.0)
    basis *= math.sqrt(2.0 / CELLS)
    weights = np.hypot(pairs[:, 0], pairs[:, 1]).astype(np.float32)
    return pairs, basis, weights


def _geometry(positions: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    height, width = shape
    out = np.empty((len(positions), 3), np.uint8)
    out[:, 0] = np.clip(np.floor(positions[:, 0] / width * 256), 0, 255)
    out[:, 1] = np.clip(np.floor(positions[:, 1] / height * 256), 0, 255)
    side = positions[:, 2] * PATCH_PER_SIGMA / min(shape)
    out[:, 2] = np.clip(np.round(255 + SIZE_CODE_STEPS * np.log2(side)), 0, 255)
    return out


def tile_layout(fingerprint: RegionFingerprint) -> np.ndarray:
    """(n, 3) float64: each tile's centre x, y and side in units of the image's short side
    (x to the right, y down; mirrored query tiles in the mirrored image's frame)."""
    width, height = fingerprint.frame
    short = min(width, height)
    geometry = fingerprint.geometry.astype(np.float64)
    x = (geometry[:, 0] + 0.5) / 256 * width / short
    y = (geometry[:, 1] + 0.5) / 256 * height / short
    mirrored = (fingerprint.flags & 1).astype(bool)
    x = np.where(mirrored, width / short - x, x)
    side = 2.0 ** ((geometry[:, 2] - 255) / SIZE_CODE_STEPS)
    return np.column_stack([x, y, side])


def tile_angles(fingerprint: RegionFingerprint) -> np.ndarray:
    """(n,) radians each tile was sampled at (0 for a registered photo's tiles), in the
    frame of :func:`tile_layout` (a mirrored tile's angle changes sign)."""
    table = np.radians(np.array(QUERY_ANGLES))
    angles = table[(fingerprint.flags >> 1).astype(np.int64)]
    return np.where(fingerprint.flags & 1, -angles, angles)


class Regions(SignalType):
    """Protected-photo fingerprint; distance = 100 - the match score in percent (0: same)."""

    name = "regions"
    version = 1

    def parse(self, text: str) -> str:
        return RegionFingerprint.from_text(text).to_text()

    def distance(self, a: str, b: str) -> int:
        from consentry.index.regions import match_score

        first, second = RegionFingerprint.from_text(a), RegionFingerprint.from_text(b)
        score = max(match_score(first, second), match_score(second, first))
        return 100 - round(100 * score)

    def compute(self, content: Content) -> str | None:
        """The registered tiles of the content's image (None without pixels); raises
        ImageTooSmall / FlatImage for pictures that cannot be protected."""
        if content.image is None:
            return None
        return region_fingerprint(content.image).to_text()


REGIONS = Regions()

__all__ = [
    "MIN_SIDE",
    "QUERY_ANGLES",
    "REGIONS",
    "FlatImage",
    "ImageTooSmall",
    "RegionFingerprint",
    "Regions",
    "region_fingerprint",
    "tile_angles",
    "tile_layout",
]
