"""Cheap structural checks on container formats, before any decoder sees the bytes.

- ISO-BMFF (MP4, MOV, 3GP, HEIF, AVIF): walks the box tree (not the media data) and refuses
  boxes nested deeper than ``Limits.max_nesting``, HEIF/AVIF files declaring more items than
  ``Limits.max_frames``, and top-level boxes running past the end of the file (truncated).
- TIFF: walks the IFD chain and SubIFD/EXIF trees, refusing more pages than
  ``Limits.max_frames``, SubIFDs nested deeper than ``Limits.max_nesting``, IFD loops and
  directories past the end of the file.
- ``looks_truncated`` decides, after a decoder failed, whether the file was cut short (end marker
  missing, declared sizes beyond the end) rather than corrupt.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from consentry.media.errors import Corrupt, TooDeeplyNested, TooManyFrames, Truncated
from consentry.media.limits import Limits

ISOBMFF_FORMATS = frozenset({"mp4", "mov", "3gp", "heif", "avif"})
EBML_FORMATS = frozenset({"webm", "mkv"})

# Boxes examined at most (top level, and in the tree); past it the rest is left to the decoder.
_BOX_BUDGET = 100_000
_CONTAINER_BOXES = frozenset(
    b"moov trak mdia minf stbl dinf edts udta mvex mfra iprp ipco grpl sinf schi tref ilst "
    b"meco strk strd".split()
)


@dataclass
class _Box:
    type: bytes
    start: int  # first byte of the box header
    body: int  # first byte after the header
    end: int


def _boxes(data: bytes, start: int, end: int, *, top_level: bool = False) -> Iterator[_Box]:
    pos = start
    while end - pos >= 8:
        size, kind = struct.unpack_from(">I4s", data, pos)
        if top_level and not all(0x20 <= byte <= 0x7E for byte in kind):
            # Not a box type: a vendor trailer (some phones append one after the last box).
            return
        body = pos + 8
        if size == 1:
            if end - pos < 16:
                return
            size = struct.unpack_from(">Q", data, body)[0]
            body += 8
        elif size == 0:
            size = end - pos
        if size < body - pos:
            raise ValueError(f"box '{kind.decode('latin-1')}' has an impossible size {size}")
        yield _Box(kind, pos, body, pos + size)
        pos += size


def _top_level_boxes(data: bytes) -> Iterator[_Box]:
    boxes = _boxes(data, 0, len(data), top_level=True)
    return itertools.islice(boxes, _BOX_BUDGET)


def check_isobmff(data: bytes, name: str | None, limits: Limits) -> None:
    """Refuse truncated, too deeply nested or too many-itemed ISO-BMFF files (see module doc)."""
    try:
        _walk_isobmff(data, name, limits)
    except ValueError as err:
        raise Corrupt(f"the file structure is broken: {err}", name=name) from None


def _walk_isobmff(data: bytes, name: str | None, limits: Limits) -> None:
    cut = _isobmff_cut(data)
    if cut:
        raise Truncated(f"the file is cut short: {cut}", name=name)
    stack: list[tuple[_Box, int]] = []
    budget = _BOX_BUDGET  # counted as boxes are found, so the stack stays small too
    for box in _top_level_boxes(data):
        stack.append((box, 1))
        budget -= 1
    while stack and budget > 0:
        box, depth = stack.pop()
        if depth > limits.max_nesting:
            raise TooDeeplyNested(
                f"boxes are nested more than {limits.max_nesting} levels deep", name=name
            )
        if box.type == b"iinf":
            _check_item_count(data, box, name, limits)
        children_at = _children_offset(data, box)
        if children_at is None:
            continue
        for child in _boxes(data, children_at, box.end):
            if child.end > box.end:
                raise ValueError(f"box '{_label(child.type)}' overruns its parent")
            stack.append((child, depth + 1))
            budget -= 1
            if budget <= 0:
                break


def _children_offset(data: bytes, box: _Box) -> int | None:
    if box.type in _CONTAINER_BOXES:
        return box.body
    if box.type == b"meta":
        # ISO 'meta' is a full box (4 bytes version+flags); QuickTime's 'meta' is not.
        is_full_box = data[box.body : box.body + 4] == b"\x00\x00\x00\x00"
        return box.body + 4 if is_full_box else box.body
    return None


def _check_item_count(data: bytes, box: _Box, name: str | None, limits: Limits) -> None:
    if box.end - box.body < 6:
        return
    version = data[box.body]
    if version == 0:
        count = struct.unpack_from(">H", data, box.body + 4)[0]
    elif box.end - box.body >= 8:
        count = struct.unpack_from(">I", data, box.body + 4)[0]
    else:
        return
    if count > limits.max_frames:
        raise TooManyFrames(
            f"the file declares {count} images/items, more than the limit of {limits.max_frames}",
            name=name,
        )


def _label(kind: bytes) -> str:
    return kind.decode("latin-1").strip()


# --- TIFF --------------------------------------------------------------------------------------

_SUBIFD_TAGS = frozenset({330, 34665, 34853, 40965})  # SubIFDs, EXIF, GPS, Interoperability
_DATA_TAGS = ((273, 279), (324, 325))  # (offsets, byte counts) of strips and tiles
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_TYPE_SIZES |= {16: 8, 17: 8, 18: 8}
_INT_FORMATS = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 13: "I", 16: "Q", 17: "q", 18: "Q"}
_MAX_VALUES_READ = 1 << 16


@dataclass
class _Ifd:
    next_offset: int
    values: dict[int, list[int]]


class _Tiff:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.order = "<" if data[:2] == b"II" else ">"
        self.big = struct.unpack_from(self.order + "H", data, 2)[0] == 43

    def first_offset(self) -> int:
        return self._unpack("Q" if self.big else "I", 8 if self.big else 4)

    def read_ifd(self, offset: int) -> _Ifd:
        count_fmt, entry_size = ("Q", 20) if self.big else ("H", 12)
        count = self._unpack(count_fmt, offset)
        pos = offset + (8 if self.big else 2)
        if pos + count * entry_size > len(self.data):
            raise EOFError("an IFD runs past the end of the file")
        values = {}
        for i in range(count):
            tag = self._unpack("H", pos + i * entry_size)
            if tag in _SUBIFD_TAGS or any(tag in pair for pair in _DATA_TAGS):
                values[tag] = self._entry_values(pos + i * entry_size)
        next_offset = self._unpack("Q" if self.big else "I", pos + count * entry_size)
        return _Ifd(next_offset, values)

    def _entry_values(self, entry: int) -> list[int]:
        kind = self._unpack("H", entry + 2)
        count = self._unpack("Q" if self.big else "I", entry + 4)
        fmt = _INT_FORMATS.get(kind)
        if fmt is None or count == 0:
            return []
        inline = 8 if self.big else 4
        size = _TYPE_SIZES[kind] * count
        value_at = entry + (12 if self.big else 8)
        if size > inline:
            value_at = self._unpack("Q" if self.big else "I", value_at)
        count = min(count, _MAX_VALUES_READ)
        if value_at + _TYPE_SIZES[kind] * count > len(self.data):
            raise EOFError("a TIFF tag's values run past the end of the file")
        return list(struct.unpack_from(f"{self.order}{count}{fmt}", self.data, value_at))

    def _unpack(self, fmt: str, offset: int) -> int:
        if offset < 0 or offset + struct.calcsize(fmt) > len(self.data):
            raise EOFError("a TIFF offset points past the end of the file")
        return struct.unpack_from(self.order + fmt, self.data, offset)[0]


def check_tiff(data: bytes, name: str | None, limits: Limits) -> None:
    """Refuse TIFFs with too many pages, too deeply nested SubIFDs, loops, or cut short."""
    try:
        _walk_tiff(_Tiff(data), name, limits)
    except EOFError as err:
        raise Truncated(f"the file is cut short: {err}", name=name) from None
    except (struct.error, ValueError) as err:
        raise Corrupt(f"the TIFF structure is broken: {err}", name=name) from None


def _walk_tiff(tiff: _Tiff, name: str | None, limits: Limits, *, check_data: bool = False) -> None:
    visited: set[int] = set()
    pages = 0
    stack = [(tiff.first_offset(), 0)]  # (IFD offset, SubIFD depth): chains are followed
    while stack:
        offset, depth = stack.pop()
        if depth > limits.max_nesting:
            raise TooDeeplyNested(
                f"SubIFDs are nested more than {limits.max_nesting} levels deep", name=name
            )
        while offset:
            if offset in visited:
                raise Corrupt("the TIFF's directories form a loop", name=name)
            visited.add(offset)
            if len(visited) > 4 * limits.max_frames:
                raise TooManyFrames("the TIFF has too many directories", name=name)
            ifd = tiff.read_ifd(offset)
            pages += depth == 0
            if pages > limits.max_frames:
                raise TooManyFrames(
                    f"the TIFF has more than {limits.max_frames} pages (the limit)", name=name
                )
            if check_data:
                _check_tiff_data(tiff, ifd)
            for tag in _SUBIFD_TAGS & ifd.values.keys():
                stack.extend((child, depth + 1) for child in ifd.values[tag] if child)
            offset = ifd.next_offset


def _check_tiff_data(tiff: _Tiff, ifd: _Ifd) -> None:
    for offsets_tag, counts_tag in _DATA_TAGS:
        offsets, counts = ifd.values.get(offsets_tag, []), ifd.values.get(counts_tag, [])
        ends = (o + c for o, c in zip(offsets, counts, strict=False))
        if max(ends, default=0) > len(tiff.data):
            raise EOFError("its image data runs past the end of the file")


# --- truncation heuristics ---------------------------------------------------------------------

# Formats whose end marker or declared sizes tell reliably whether the file is complete.
HAS_END_CHECK = frozenset({"jpeg", "png", "gif", "webp", "avi", "bmp"}) | ISOBMFF_FORMATS
HAS_END_CHECK |= frozenset({"webm", "mkv"})


def looks_truncated(data: bytes, fmt: str) -> bool:
    """Whether the file seems cut short: only asked after a decoder has failed on it."""
    if fmt == "jpeg":
        return not data.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9")
    if fmt == "png":
        return b"IEND" not in data[-64:]
    if fmt == "gif":
        return not data.rstrip(b"\x00").endswith(b";")
    if fmt in ("webp", "avi"):
        return riff_truncated(data)
    if fmt == "bmp":
        return len(data) < 6 or struct.unpack_from("<I", data, 2)[0] > len(data)
    if fmt in ISOBMFF_FORMATS:
        return _isobmff_truncated(data)
    if fmt in EBML_FORMATS:
        return ebml_truncated(data)
    if fmt == "tiff":
        return _tiff_truncated(data)
    return False


def riff_truncated(data: bytes) -> bool:
    """Whether a RIFF file (WebP; AVI, which may chain RIFF chunks) is shorter than declared."""
    if len(data) < 12:
        return True
    pos = 0
    while pos + 8 <= len(data) and data[pos : pos + 4] == b"RIFF":
        size = struct.unpack_from("<I", data, pos + 4)[0]
        if pos + 8 + size > len(data):
            return True
        pos += 8 + size + (size & 1)  # chunks are padded to an even size
    return False


def _isobmff_truncated(data: bytes) -> bool:
    try:
        return _isobmff_cut(data) is not None
    except (ValueError, struct.error):
        return False


def _isobmff_cut(data: bytes) -> str | None:
    """Why the top-level boxes show the file was cut short, or None."""
    end = count = 0
    for box in _top_level_boxes(data):
        count += 1
        if box.end > len(data):
            return f"its '{_label(box.type)}' box needs {box.end} bytes, the file has {len(data)}"
        end = box.end
    rest = data[end:]
    if count < _BOX_BUDGET and len(rest) < 8 and rest.strip(b"\x00"):
        return "it ends inside a box header"
    return None


def _tiff_truncated(data: bytes) -> bool:
    try:
        limits = Limits(max_frames=1_000_000, max_nesting=64)
        _walk_tiff(_Tiff(data), None, limits, check_data=True)
    except EOFError:
        return True
    except Exception:
        return False
    return False


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at ``pos``: (value, position after it)."""
    first = data[pos]
    length = 9 - first.bit_length() if first else 9
    if length > 8 or pos + length > len(data):
        raise ValueError("bad EBML number")
    value = int.from_bytes(data[pos : pos + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
        if value == (1 << (7 * length)) - 1:
            return -1, pos + length  # "unknown size"
    return value, pos + length


def ebml_truncated(data: bytes) -> bool:
    """Whether a WebM/Matroska file's Segment declares more bytes than the file has."""
    try:
        _, pos = _vint(data, 0, keep_marker=True)
        header_size, pos = _vint(data, pos, keep_marker=False)
        pos += header_size
        if pos >= len(data):
            return True
        _, pos = _vint(data, pos, keep_marker=True)
        segment_size, pos = _vint(data, pos, keep_marker=False)
    except (ValueError, IndexError):
        return True
    return segment_size >= 0 and pos + segment_size > len(data)
