"""Recognise media from its first bytes (magic numbers), never from its file name.

``sniff(head)`` says which image or video format the bytes are, or ``None``; for bytes that are
not media, ``describe_content(head)`` says in plain words what they look like instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

HEAD_BYTES = 4096
"""How many leading bytes ``sniff`` and ``describe_content`` look at."""

Kind = Literal["image", "video"]


@dataclass(frozen=True)
class Sniffed:
    kind: Kind
    format: str
    mime: str


_IMAGE_MIME = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "heif": "image/heif",
    "avif": "image/avif",
}
_VIDEO_MIME = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "3gp": "video/3gpp",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
    "avi": "video/x-msvideo",
}
IMAGE_FORMATS = frozenset(_IMAGE_MIME)
VIDEO_FORMATS = frozenset(_VIDEO_MIME)

# ISO base media file format brands (the ``ftyp`` box).
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"heif"}
)
_AVIF_BRANDS = frozenset({b"avif", b"avis", b"avio"})
_GENERIC_STILL_BRANDS = frozenset({b"mif1", b"msf1", b"mif2", b"miaf"})
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
_QUICKTIME_BRANDS = frozenset({b"qt  "})
_3GP_PREFIXES = (b"3gp", b"3g2", b"3ge", b"3gg", b"3gs")
_QUICKTIME_TOP_BOXES = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
_BMP_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


def sniff(head: bytes) -> Sniffed | None:
    """The media format of data starting with ``head``, or ``None`` if it is not media we read."""
    fmt = _image_format(head)
    if fmt is not None:
        return Sniffed("image", fmt, _IMAGE_MIME[fmt])
    fmt = _video_format(head)
    if fmt is not None:
        return Sniffed("video", fmt, _VIDEO_MIME[fmt])
    fmt = isobmff_format(head)
    if fmt in _IMAGE_MIME:
        return Sniffed("image", fmt, _heif_mime(head) if fmt == "heif" else _IMAGE_MIME[fmt])
    if fmt in _VIDEO_MIME:
        return Sniffed("video", fmt, _VIDEO_MIME[fmt])
    return None


def _image_format(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
        return "bmp"
    return None


def _video_format(head: bytes) -> str | None:
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _ebml_doctype(head)
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    return None


def _ebml_doctype(head: bytes) -> str | None:
    header = head[:64]
    if b"webm" in header:
        return "webm"
    if b"matroska" in header:
        return "mkv"
    return None


def isobmff_brands(head: bytes) -> list[bytes]:
    """Major then compatible brands of an ISO-BMFF ``ftyp`` box at the start, else []."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        return []
    size = min(int.from_bytes(head[:4], "big"), len(head))
    brands = [head[8:12]]
    brands += [head[i : i + 4] for i in range(16, size - 3, 4)]
    return brands


def isobmff_format(head: bytes) -> str | None:
    """Format of an ISO-BMFF/QuickTime file ("heif", "avif", "mp4", "mov", "3gp", "audio")."""
    brands = isobmff_brands(head)
    if not brands:
        return "mov" if head[4:8] in _QUICKTIME_TOP_BOXES and len(head) >= 8 else None
    major, all_brands = brands[0], set(brands)
    if major in _AVIF_BRANDS:
        return "avif"
    if major in _HEIF_BRANDS:
        return "heif"
    if major in _GENERIC_STILL_BRANDS:
        return "avif" if all_brands & _AVIF_BRANDS else "heif"
    if major in _AUDIO_BRANDS:
        return "audio"
    if major in _QUICKTIME_BRANDS:
        return "mov"
    if major.startswith(_3GP_PREFIXES):
        return "3gp"
    if major == b"crx ":
        return "camera-raw"
    # isom, iso2..iso9, mp41, mp42, avc1, dash, M4V, f4v, mmp4 and unknown brands: FFmpeg's
    # mov/mp4 demuxer reads them all.
    return "mp4"


def _heif_mime(head: bytes) -> str:
    brands = set(isobmff_brands(head))
    if brands & {b"heic", b"heix", b"heim", b"heis"}:
        return "image/heic"
    if brands & {b"hevc", b"hevx", b"hevm", b"hevs"}:
        return "image/heic-sequence"
    return "image/heif"


# What non-media content looks like, for error messages. Order matters: first match wins.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "a PDF document"),
    (b"PK\x03\x04", 0, "a ZIP archive (or an Office, OpenDocument or EPUB file)"),
    (b"PK\x05\x06", 0, "an empty ZIP archive"),
    (b"\x1f\x8b", 0, "a gzip-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", 0, "a 7-Zip archive"),
    (b"Rar!\x1a\x07", 0, "a RAR archive"),
    (b"BZh", 0, "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", 0, "an XZ-compressed file"),
    (b"\x7fELF", 0, "a program (ELF executable)"),
    (b"MZ", 0, "a Windows program or library"),
    (b"SQLite format 3\x00", 0, "an SQLite database"),
    (b"8BPS", 0, "a Photoshop document (PSD)"),
    (b"\xff\x0a", 0, "a JPEG XL image, which Consentry cannot decode yet"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", 0, "a JPEG XL image, which Consentry cannot decode yet"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", 0, "a JPEG 2000 image, which Consentry cannot decode"),
    (b"\x00\x00\x01\x00", 0, "a Windows icon (ICO)"),
    (b"ID3", 0, "audio (MP3)"),
    (b"fLaC", 0, "audio (FLAC)"),
    (b"OggS", 0, "an Ogg file (audio, or video Consentry cannot decode)"),
    (b"WAVE", 8, "audio (WAV)"),
    (b"\x1a\x45\xdf\xa3", 0, "an EBML file that is neither WebM nor Matroska"),
)


def describe_content(head: bytes) -> str:
    """Plain words for what ``head`` looks like, e.g. "an HTML document" or "text"."""
    for magic, offset, words in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return words
    iso = isobmff_format(head)
    if iso == "audio":
        return "audio (MP4/M4A)"
    if iso == "camera-raw":
        return "a camera raw file (Canon CR3), which Consentry cannot decode"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "audio (MP3)"
    return _describe_text(head) or "binary data of an unknown type"


def _describe_text(head: bytes) -> str | None:
    text = _as_text(head)
    if text is None:
        return None
    start = text.lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html", "<head", "<body")):
        return "an HTML document"
    if start.startswith("<svg") or (start.startswith("<?xml") and "<svg" in start):
        return "an SVG drawing (vector graphics are not supported)"
    if start.startswith("<?xml") or start.startswith("<"):
        return "an XML or HTML document"
    if start.startswith(("{", "[")):
        return "JSON or other structured text"
    return "text"


def _as_text(head: bytes) -> str | None:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        # The head may cut a multi-byte character in two.
        if err.start < len(head) - 3:
            return None
        text = head[: err.start].decode("utf-8")
    if not text:
        return None
    printable = sum(ch.isprintable() or ch in "\t\r\n\f" for ch in text)
    return text if printable / len(text) > 0.95 else None


_EXTENSIONS: dict[str, str] = {
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "jpe": "jpeg",
    "jfif": "jpeg",
    "pjpeg": "jpeg",
    "png": "png",
    "apng": "png",
    "gif": "gif",
    "webp": "webp",
    "bmp": "bmp",
    "dib": "bmp",
    "tif": "tiff",
    "tiff": "tiff",
    "heic": "heif",
    "heif": "heif",
    "hif": "heif",
    "heics": "heif",
    "avif": "avif",
    "avifs": "avif",
    "mp4": "mp4",
    "m4v": "mp4",
    "mov": "mov",
    "qt": "mov",
    "3gp": "3gp",
    "3g2": "3gp",
    "webm": "webm",
    "mkv": "mkv",
    "avi": "avi",
}
# Formats the same decoder reads whatever the extension says: no warning between them.
_FAMILIES = ({"mp4", "mov", "3gp"}, {"webm", "mkv"})
_NON_MEDIA_EXTENSIONS = frozenset(
    {"txt", "html", "htm", "pdf", "zip", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt"}
    | {"json", "xml", "csv", "exe", "dll", "gz", "tar", "7z", "rar", "mp3", "wav", "flac"}
    | {"ogg", "m4a", "svg", "psd", "jxl", "jp2", "ico", "db", "sqlite"}
)


def extension_warning(name: str | None, fmt: str) -> str | None:
    """A warning when the file name's extension promises another format than the content."""
    if not name or "." not in name.replace("\\", "/").rsplit("/", 1)[-1]:
        return None
    ext = name.rsplit(".", 1)[-1].lower()
    expected = _EXTENSIONS.get(ext)
    if expected is None and ext not in _NON_MEDIA_EXTENSIONS:
        return None
    if expected == fmt or any({expected, fmt} <= family for family in _FAMILIES):
        return None
    return f"named .{ext} but content is {format_label(fmt)}"


def format_label(fmt: str) -> str:
    """Display name of a format: "JPEG", "WebP", "MP4"."""
    return {"webp": "WebP", "heif": "HEIF", "webm": "WebM", "mkv": "Matroska"}.get(fmt, fmt.upper())
