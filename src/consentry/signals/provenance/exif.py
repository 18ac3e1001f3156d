"""The text tags of a raw EXIF block that generators write to: Software, ImageDescription,
Artist and the Exif IFD's UserComment (whose first 8 bytes name its character code)."""

from __future__ import annotations

from typing import Any

from PIL import Image

from consentry.signals.provenance.containers import MAX_TEXT_BYTES

_EXIF_IFD = 0x8769
_EXIF_TAGS = {0x0131: "Software", 0x010E: "ImageDescription", 0x013B: "Artist"}
_USER_COMMENT = 0x9286


def exif_text_tags(raw: bytes) -> dict[str, str] | None:
    """Software, ImageDescription, Artist and UserComment of a raw EXIF block, as text;
    None when Pillow cannot parse the block."""
    exif = Image.Exif()
    try:
        exif.load(raw)
        tags = {name: exif.get(tag) for tag, name in _EXIF_TAGS.items()}
        tags["UserComment"] = exif.get_ifd(_EXIF_IFD).get(_USER_COMMENT)
    # Pillow's EXIF parser raises many kinds of errors on hostile bytes; any means "unreadable".
    except Exception:
        return None
    out = {}
    for name, value in tags.items():
        text = _user_comment(value) if name == "UserComment" else _exif_text(value)
        if text:
            out[name] = text[:MAX_TEXT_BYTES]
    return out


def _exif_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").strip("\x00 ")
    return value.strip("\x00 ") if isinstance(value, str) else ""


def _user_comment(value: Any) -> str:
    """EXIF UserComment: an 8-byte character-code prefix, then the text."""
    if not isinstance(value, bytes):
        return _exif_text(value)
    head, body = value[:8], value[8:]
    if head.startswith(b"UNICODE"):
        return _utf16(body)
    if head.startswith((b"ASCII", b"\x00\x00\x00\x00\x00\x00\x00\x00", b"JIS")):
        return body.decode("utf-8", errors="replace").strip("\x00 ")
    return _exif_text(value)


def _utf16(body: bytes) -> str:
    # The standard does not say which byte order; writers differ (A1111 writes big-endian).
    candidates = [body.decode(codec, errors="replace") for codec in ("utf-16-be", "utf-16-le")]
    return max(candidates, key=lambda s: sum(ch.isascii() and ch.isprintable() for ch in s))
