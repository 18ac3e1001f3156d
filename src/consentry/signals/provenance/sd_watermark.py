"""Decoder for the invisible watermark of Stable Diffusion's (and FLUX's) reference scripts.

Those scripts mark their output with the ``invisible-watermark`` package's "dwtDct" method:

1. the picture (as OpenCV BGR) is converted to YUV and only the U channel is used;
2. U, cropped to a multiple of 4, goes through a one-level Haar DWT; the LL band is cut into
   4x4 blocks, taken row by row;
3. block ``k`` carries bit ``k mod n`` of the ``n``-bit message: its largest-magnitude entry
   other than the top-left one is moved to the lower quarter (bit 0) or the upper quarter
   (bit 1) of its step of 36 (``|v| = (floor(|v|/36) + 0.25 + 0.5*bit) * 36``);
4. decoding reads ``|v| mod 36 > 18`` for every block and averages the votes per bit.

(Despite its name, this method applies no DCT: the block entries are DWT coefficients.)

Messages: SD 1.x/2.x txt2img embeds the bytes ``StableDiffusionV1`` (136 bits); Stability's
generative-models (SDXL) a fixed 48-bit number; Black Forest Labs' FLUX reference code another
number whose two leading zero bits Python's ``bin()`` drops (46 bits).

Variants: the SD 1.x scripts mark a uint8 BGR picture (U offset 128, rounded); generative-models
and FLUX mark float pictures (OpenCV's float YUV offset is 0.5, unrounded), and diffusers hands
over RGB where BGR is expected (the mark lands in the other chroma axis). Every variant is read.

Deciding: the reference's per-bit rule (mean vote > 0.5) loses most 0-bits, because moving a
coefficient down often makes another entry of its block the largest. So bits are ranked by
their mean vote and the ``k`` highest set, ``k`` being the message's count of ones
(``rank_agreement``), and ``margin`` is the mean vote over the message's 1-bits minus over its
0-bits. A mark is reported when ``rank_agreement >= 0.9`` and ``margin >= 0.1`` (see
docs/provenance.md for the measurements behind both). ``bit_agreement`` is the reference rule,
kept for comparison with Stability's ``detect.py``.

What it proves: the pixels carry a public, fixed mark that anybody can embed; it says the file
came (unmodified in size and framing) from a pipeline that marks. Its absence proves nothing:
the mark does not survive resizing, cropping, 4:2:0 JPEG or most re-encodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from consentry.signals.findings import Finding
from consentry.signals.provenance.dwt import haar_approximation
from consentry.signals.provenance.evidence import finding

SOURCE = "sd-watermark"

STEP = 36.0
BLOCK = 4
MIN_PIXELS = 256 * 256
"""The reference encoder refuses smaller pictures, so no smaller picture carries the mark."""
MAX_PIXELS = 4096 * 4096
"""Larger pictures are not read (generators mark at their output size, at most this)."""

DEFAULT_RANK_THRESHOLD = 0.9
DEFAULT_MIN_MARGIN = 0.1

_STRIP_ROWS = 256  # pixel rows converted at a time (a multiple of 8), bounding memory


def _bits_of_bytes(data: bytes) -> tuple[int, ...]:
    return tuple(int(b) for b in np.unpackbits(np.frombuffer(data, dtype=np.uint8)))


def _bits_of_number(value: int) -> tuple[int, ...]:
    # As the reference scripts do: bin() without the leading zeros.
    return tuple(int(c) for c in bin(value)[2:])


@dataclass(frozen=True)
class WatermarkMessage:
    name: str
    bits: tuple[int, ...]


MESSAGES = (
    WatermarkMessage("sd1", _bits_of_bytes(b"StableDiffusionV1")),
    WatermarkMessage("sdxl", _bits_of_number(0b101100111110110010010000011110111011000110011110)),
    WatermarkMessage("flux", _bits_of_number(0b001010101111111010000111100111001111010100101110)),
)


@dataclass(frozen=True)
class ChromaVariant:
    """How the marking pipeline computed U: which channel order, which offset, rounded."""

    name: str
    swap_red_blue: bool
    offset: float
    rounded: bool


VARIANTS = (
    ChromaVariant("bgr-uint8", swap_red_blue=False, offset=128.0, rounded=True),
    ChromaVariant("rgb-uint8", swap_red_blue=True, offset=128.0, rounded=True),
    ChromaVariant("bgr-float", swap_red_blue=False, offset=0.5, rounded=False),
    ChromaVariant("rgb-float", swap_red_blue=True, offset=0.5, rounded=False),
)


@dataclass(frozen=True)
class WatermarkReading:
    """One message read under one chroma variant."""

    message: str
    variant: str
    bits: int
    bit_agreement: float
    rank_agreement: float
    margin: float
    blocks_per_bit: int


@dataclass(frozen=True)
class WatermarkSettings:
    rank_threshold: float = DEFAULT_RANK_THRESHOLD
    min_margin: float = DEFAULT_MIN_MARGIN


def detect_sd_watermark(
    image: np.ndarray | None, settings: WatermarkSettings | None = None
) -> Finding | None:
    """The watermark finding for an RGB uint8 picture; None when no mark is found (or the
    picture cannot carry one: grayscale, under 256x256 or over 4096x4096 pixels)."""
    settings = settings or WatermarkSettings()
    readings = read_watermarks(image)
    if not readings:
        return None
    best = max(readings, key=lambda r: (r.rank_agreement, r.margin))
    if best.rank_agreement < settings.rank_threshold or best.margin < settings.min_margin:
        return None
    evidence = {
        "message": best.message,
        "bits": best.bits,
        "rank_agreement": round(best.rank_agreement, 4),
        "margin": round(best.margin, 4),
        "bit_agreement": round(best.bit_agreement, 4),
        "variant": best.variant,
        "blocks_per_bit": best.blocks_per_bit,
    }
    return finding(SOURCE, evidence, ai_generated=True)


def read_watermarks(image: np.ndarray | None) -> list[WatermarkReading]:
    """Every message under every variant; empty when the picture cannot carry a mark."""
    rgb = _readable_rgb(image)
    if rgb is None:
        return []
    readings = []
    for variant in VARIANTS:
        votes = block_votes(rgb, variant)
        if votes.size == 0:
            return []
        readings += [_read(votes, message, variant) for message in MESSAGES]
    return readings


def _readable_rgb(image: np.ndarray | None) -> np.ndarray | None:
    if image is None or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] < 3:
        return None
    pixels = image.shape[0] * image.shape[1]
    return image[..., :3] if MIN_PIXELS <= pixels <= MAX_PIXELS else None


def chroma(rgb: np.ndarray, variant: ChromaVariant) -> np.ndarray:
    """OpenCV's BGR->YUV U channel (U = 0.492 (B - Y) + offset) of an RGB picture as the
    marking pipeline saw it (red and blue swapped when it was fed RGB)."""
    x = rgb.astype(np.float64)
    blue, red = (x[..., 0], x[..., 2]) if variant.swap_red_blue else (x[..., 2], x[..., 0])
    luma = 0.299 * red + 0.587 * x[..., 1] + 0.114 * blue
    u = 0.492 * (blue - luma) + variant.offset
    if variant.rounded:
        np.clip(np.rint(u, out=u), 0.0, 255.0, out=u)
    return u


def block_votes(rgb: np.ndarray, variant: ChromaVariant) -> np.ndarray:
    """Each 4x4 LL block's vote (0/1), in the encoder's row-by-row order."""
    block_rows = rgb.shape[0] // 4 * 4 // 2 // BLOCK
    block_cols = rgb.shape[1] // 4 * 4 // 2 // BLOCK
    span = 2 * BLOCK  # pixels per block side
    cropped = rgb[: block_rows * span, : block_cols * span]
    strips = [
        _strip_votes(chroma(cropped[top : top + _STRIP_ROWS], variant))
        for top in range(0, cropped.shape[0], _STRIP_ROWS)
    ]
    return np.concatenate(strips) if strips else np.empty(0)


def _strip_votes(u: np.ndarray) -> np.ndarray:
    ll = haar_approximation(u)
    rows, cols = ll.shape[0] // BLOCK, ll.shape[1] // BLOCK
    blocks = ll.reshape(rows, BLOCK, cols, BLOCK).transpose(0, 2, 1, 3).reshape(-1, BLOCK * BLOCK)
    magnitudes = np.abs(blocks[:, 1:])
    largest = magnitudes[np.arange(len(blocks)), np.argmax(magnitudes, axis=1)]
    return (np.mod(largest, STEP) > STEP / 2).astype(np.float64)


def _read(votes: np.ndarray, message: WatermarkMessage, variant: ChromaVariant) -> WatermarkReading:
    expected = np.asarray(message.bits, dtype=np.uint8)
    n = len(expected)
    slot = np.arange(len(votes)) % n
    counts = np.bincount(slot, minlength=n)
    means = np.bincount(slot, weights=votes, minlength=n) / np.maximum(counts, 1)
    # the reference decision: mean * 255 > 127
    reference_bits = (means * 255 > 127).astype(np.uint8)
    ones = int(expected.sum())
    ranked = np.zeros(n, dtype=np.uint8)
    ranked[np.argsort(-means, kind="stable")[:ones]] = 1
    margin = float(means[expected == 1].mean() - means[expected == 0].mean())
    return WatermarkReading(
        message=message.name,
        variant=variant.name,
        bits=n,
        bit_agreement=float(np.mean(reference_bits == expected)),
        rank_agreement=float(np.mean(ranked == expected)),
        margin=margin,
        blocks_per_bit=int(counts.min()),
    )
