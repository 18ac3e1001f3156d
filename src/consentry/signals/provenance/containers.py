"""Metadata blocks of image containers, read straight from the bytes with hard limits.

- PNG: the text chunks (tEXt, zTXt, iTXt) and the raw EXIF chunk (eXIf). CRCs are not checked
  (a bad CRC changes nothing about what the text says); a chunk running past the end of the
  data ends the walk, keeping what was read before it.
- JPEG: the APP1 (EXIF, XMP) and COM segments before the image data.
- WebP: the EXIF and XMP chunks of the RIFF container.

Compressed text is inflated with a cap per entry (``MAX_TEXT_BYTES``) and per file
(``MAX_INFLATED_BYTES``), so zTXt "bombs" cost at most that much memory and time. Nothing
here raises for malformed input: a walk stops where the structure stops making sense and
says so in ``truncated``.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_TEXT_BYTES = 1 << 20
"""The most bytes one text entry may inflate or be read to (1 MiB)."""

MAX_TEXT_ENTRIES = 64
"""Text entries kept per file; a file with more is not a generator's output."""

MAX_INFLATED_BYTES = 8 << 20
"""The most bytes all of a file's compressed text entries may inflate to together (8 MiB)."""

MAX_BLOCK_BYTES = 1 << 20
"""The largest raw EXIF block kept."""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_EXIF_HEADER = b"Exif\x00\x00"
JPEG_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
PNG_XMP_KEYWORD = "XML:com.adobe.xmp"

_PNG_TEXT_CHUNKS = frozenset({b"tEXt", b"zTXt", b"iTXt"})
# Segments without a length field (TEM, RSTn); SOS starts the entropy-coded data.
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_JPEG_SOS, _JPEG_EOI = 0xDA, 0xD9


class TextTooLarge(ValueError):
    """A compressed text entry inflates past ``MAX_TEXT_BYTES``."""


@dataclass
class Metadata:
    """What a walk found: text entries by keyword, raw EXIF, XMP packets."""

    text: dict[str, str] = field(default_factory=dict)
    exif: bytes | None = None
    xmp: list[bytes] = field(default_factory=list)
    oversized: list[str] = field(default_factory=list)  # keywords whose text was over the cap
    truncated: bool = False
    inflated: int = 0

    @property
    def full(self) -> bool:
        return len(self.text) + len(self.oversized) >= MAX_TEXT_ENTRIES

    def add_text(self, keyword: str, value: str) -> None:
        if not self.full and keyword not in self.text:
            self.text[keyword] = value

    def inflate(self, data: bytes) -> bytes:
        """Inflate within both the per-entry cap and what is left of the per-file budget."""
        cap = min(MAX_TEXT_BYTES, MAX_INFLATED_BYTES - self.inflated)
        try:
            out = inflate_capped(data, cap)
        except TextTooLarge:
            self.inflated += max(cap, 0)  # the work was done: it counts
            raise
        self.inflated += len(out)
        return out


def inflate_capped(data: bytes, cap: int = MAX_TEXT_BYTES) -> bytes:
    """zlib-inflate ``data``, refusing output larger than ``cap`` bytes."""
    if cap <= 0:
        raise TextTooLarge("the file's compressed text is over its budget")
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, cap + 1)
    if len(out) > cap:
        raise TextTooLarge(f"compressed text inflates past {cap} bytes")
    return out


def read_metadata(data: bytes, fmt: str | None) -> Metadata:
    """The metadata blocks of a PNG, JPEG or WebP file; empty for other formats."""
    if fmt == "png" or data.startswith(PNG_SIGNATURE):
        return _png_metadata(data)
    if fmt == "jpeg" or data.startswith(b"\xff\xd8\xff"):
        return _jpeg_metadata(data)
    if fmt == "webp" or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return _webp_metadata(data)
    return Metadata()


def _png_chunks(data: bytes, meta: Metadata) -> Iterator[tuple[bytes, bytes]]:
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        body = pos + 8
        if body + length > len(data):
            meta.truncated = True
            return
        yield kind, data[body : body + length]
        if kind == b"IEND":
            return
        pos = body + length + 4  # skip the CRC
    meta.truncated = True


def _png_metadata(data: bytes) -> Metadata:
    meta = Metadata()
    for kind, body in _png_chunks(data, meta):
        if kind in _PNG_TEXT_CHUNKS:
            _add_png_text(meta, kind, body)
        elif kind == b"eXIf" and meta.exif is None and len(body) <= MAX_BLOCK_BYTES:
            meta.exif = body
    xmp = meta.text.pop(PNG_XMP_KEYWORD, None)
    if xmp is not None:
        meta.xmp.append(xmp.encode("utf-8"))
    return meta


def _add_png_text(meta: Metadata, kind: bytes, body: bytes) -> None:
    keyword_bytes, sep, rest = body.partition(b"\x00")
    if not sep or not keyword_bytes or meta.full:
        return
    keyword = keyword_bytes[:79].decode("latin-1")
    try:
        if kind == b"tEXt":
            meta.add_text(keyword, rest[:MAX_TEXT_BYTES].decode("latin-1"))
        elif kind == b"zTXt":
            meta.add_text(keyword, meta.inflate(rest[1:]).decode("latin-1"))
        else:
            meta.add_text(keyword, _itxt_value(meta, rest))
    except TextTooLarge:
        meta.oversized.append(keyword)
    except (zlib.error, ValueError):
        # Damaged compressed text: the keyword is still recorded, with no value.
        meta.add_text(keyword, "")


def _itxt_value(meta: Metadata, rest: bytes) -> str:
    if len(rest) < 2:
        raise ValueError("iTXt chunk too short")
    compressed = rest[0] == 1
    # language tag, then translated keyword, each NUL-terminated
    _language, _, after = rest[2:].partition(b"\x00")
    _translated, _, text = after.partition(b"\x00")
    raw = meta.inflate(text) if compressed else text[:MAX_TEXT_BYTES]
    return raw.decode("utf-8", errors="replace")


def _jpeg_metadata(data: bytes) -> Metadata:
    meta = Metadata()
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            meta.truncated = True
            return meta
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        if marker in (_JPEG_SOS, _JPEG_EOI):
            return meta
        length = struct.unpack_from(">H", data, pos + 2)[0]
        body = data[pos + 4 : pos + 2 + length]
        if length < 2 or pos + 2 + length > len(data):
            meta.truncated = True
            return meta
        _add_jpeg_segment(meta, marker, body)
        pos += 2 + length
    meta.truncated = True
    return meta


def _add_jpeg_segment(meta: Metadata, marker: int, body: bytes) -> None:
    if marker == 0xE1 and body.startswith(JPEG_EXIF_HEADER) and meta.exif is None:
        meta.exif = body
    elif marker == 0xE1 and body.startswith(JPEG_XMP_HEADER):
        meta.xmp.append(body[len(JPEG_XMP_HEADER) :])
    elif marker == 0xFE:
        meta.add_text("jpeg:comment", body.decode("utf-8", errors="replace"))


def _webp_metadata(data: bytes) -> Metadata:
    meta = Metadata()
    end = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    pos = 12
    while pos + 8 <= end:
        kind = data[pos : pos + 4]
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        body = data[pos + 8 : pos + 8 + size]
        if pos + 8 + size > end:
            meta.truncated = True
            return meta
        if kind == b"EXIF" and meta.exif is None and size <= MAX_BLOCK_BYTES:
            meta.exif = body
        elif kind == b"XMP ":
            meta.xmp.append(body)
        pos += 8 + size + (size & 1)  # chunks are padded to an even size
    return meta
