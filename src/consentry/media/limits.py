"""Resource limits for media intake: every input is refused before it can exhaust memory or time.

What each limit means, concretely:

- ``max_bytes``: size of the encoded file. Checked from the file size before reading a path and
  from ``len()`` for bytes.
- ``max_pixels``: width x height of one frame, read from the header before any pixel is decoded.
- ``max_total_pixels``: pixels of all frames ``decode_image`` keeps in memory at once (animated
  images, multi-page TIFF, HEIF collections); 3 bytes each once decoded.
- ``max_frames``: frames of an animated image, pages of a TIFF, top-level images and items of a
  HEIF/AVIF file, and frames delivered by ``iter_video_frames``.
- ``max_decoded_frames``: frames a video decoder may decode, sampled or not (work bound for
  videos with absurd frame rates).
- ``max_duration_seconds``: video or animation length, from the container header and again from
  each decoded frame's timestamp (a header can lie).
- ``max_nesting``: depth of nested container structures. ISO-BMFF (MP4, MOV, HEIF, AVIF): boxes
  inside boxes; TIFF: SubIFDs inside IFDs. Matroska/WebM nesting is bounded by FFmpeg's own
  parser (at most 16 levels).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds on what media intake accepts. All overridable; see the module docstring."""

    max_bytes: int = 256 * MiB
    max_pixels: int = 100_000_000
    max_total_pixels: int = 300_000_000
    max_frames: int = 10_000
    max_decoded_frames: int = 1_000_000
    max_duration_seconds: float = 4 * 3600
    max_nesting: int = 16

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Limits.{field.name} must be a positive number, got {value!r}")


DEFAULT_LIMITS = Limits()
