"""Broken and hostile images fail with the right typed error, fast, without decoding pixels."""

from __future__ import annotations

import io
import random
import struct
import tracemalloc
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pillow_heif
import pytest
from PIL import Image

from consentry.media import (
    Corrupt,
    Limits,
    MediaError,
    TooDeeplyNested,
    TooManyFrames,
    TooManyPixels,
    Truncated,
    decode_image,
    read_source,
)

from .helpers import encode


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` x ``height`` RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
        + _png_chunk(b"IEND", b"")
    )


def _heif(photo: np.ndarray, *extra: np.ndarray) -> bytes:
    heif = pillow_heif.from_pillow(Image.fromarray(photo))
    for image in extra:
        heif.add_from_pillow(Image.fromarray(image))
    buffer = io.BytesIO()
    heif.save(buffer, quality=80)
    return buffer.getvalue()


def _encoded(photo: np.ndarray, fmt: str) -> bytes:
    if fmt == "HEIF":
        return _heif(photo)
    return encode(Image.fromarray(photo), fmt)


IMAGE_FORMATS = ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "AVIF", "HEIF"]


# --- truncated and corrupt ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", IMAGE_FORMATS)
@pytest.mark.parametrize("keep", [0.5, 0.95])
def test_truncated(photo, fmt, keep):
    data = _encoded(photo, fmt)
    name = f"cut.{fmt.lower()}"
    with pytest.raises(Truncated) as info:
        decode_image(read_source(data[: int(len(data) * keep)], name=name))
    assert info.value.code == "truncated"
    assert info.value.message.startswith(f"{name}: ")
    assert "cut short" in info.value.message


@pytest.mark.parametrize("fmt", IMAGE_FORMATS)
def test_only_the_first_bytes(photo, fmt):
    with pytest.raises(Truncated):
        decode_image(_encoded(photo, fmt)[:40])


def test_png_with_broken_header_checksum_is_corrupt(photo):
    data = bytearray(encode(Image.fromarray(photo), "PNG"))
    data[29] ^= 0xFF  # inside IHDR's CRC
    with pytest.raises(Corrupt) as info:
        decode_image(read_source(bytes(data), name="bad.png"))
    assert info.value.code == "corrupt"
    assert info.value.message == (
        "bad.png: the PNG data is damaged and cannot be decoded (its header cannot be parsed)"
    )


def test_png_with_damaged_pixel_data_is_corrupt(photo):
    data = bytearray(encode(Image.fromarray(photo), "PNG"))
    data[200:240] = random.Random(3).randbytes(40)
    with pytest.raises(Corrupt, match="damaged"):
        decode_image(bytes(data))


def test_jpeg_magic_followed_by_noise_is_corrupt():
    data = b"\xff\xd8\xff" + random.Random(2).randbytes(5000) + b"\xff\xd9"
    with pytest.raises(Corrupt):
        decode_image(data)


def test_webp_with_noise_inside_is_corrupt(photo):
    data = bytearray(encode(Image.fromarray(photo), "WEBP"))
    data[20:] = random.Random(4).randbytes(len(data) - 20)  # from the VP8 frame header on
    with pytest.raises(Corrupt):
        decode_image(bytes(data))


def test_gif_with_noise_after_the_header_is_an_error(photo):
    data = bytearray(encode(Image.fromarray(photo), "GIF"))
    data[13:-1] = random.Random(5).randbytes(len(data) - 14)
    with pytest.raises((Corrupt, Truncated)):
        decode_image(bytes(data))


# --- pixel bombs -------------------------------------------------------------------------------


def test_png_claiming_ten_billion_pixels_fails_fast_and_small():
    tracemalloc.start()
    try:
        with pytest.raises(TooManyPixels) as info:
            decode_image(read_source(png_claiming(100_000, 100_000), name="bomb.png"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == "too-many-pixels"
    assert "bomb.png" in info.value.message
    assert peak < 20 * 1024 * 1024


def test_our_pixel_check_does_not_rely_on_pillow(monkeypatch):
    monkeypatch.setattr(Image, "_decompression_bomb_check", lambda *args, **kwargs: None)
    with pytest.raises(TooManyPixels, match="100000x100000"):
        decode_image(png_claiming(100_000, 100_000))


def test_pillow_warning_is_not_shown_and_global_limit_restored(recwarn):
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(TooManyPixels):
        decode_image(png_claiming(12_000, 10_000), limits=Limits(max_pixels=100_000_000))
    assert before == Image.MAX_IMAGE_PIXELS
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]


def test_concurrent_calls_with_different_limits_restore_pillows_setting(photo):
    before = Image.MAX_IMAGE_PIXELS
    data = encode(Image.fromarray(photo), "PNG")
    bomb = png_claiming(100_000, 100_000)

    def decode(i: int) -> str:
        limits = Limits(max_pixels=60_000 + i * 1_000_000)
        try:
            return decode_image(data if i % 2 else bomb, limits=limits).format
        except MediaError as err:
            return err.code

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(decode, range(40)))
    assert results == ["too-many-pixels", "png"] * 20
    assert before == Image.MAX_IMAGE_PIXELS


def test_limit_above_pillows_default_is_honoured(photo):
    # 200 M pixels is over Pillow's own error threshold (2 x 89 M): a larger limit must win.
    data = png_claiming(20_000, 10_000)
    with pytest.raises(MediaError) as info:
        decode_image(data, limits=Limits(max_pixels=300_000_000))
    assert info.value.code != "too-many-pixels"  # it got past the size check to the bad data


def test_small_pixel_limit(photo):
    data = encode(Image.fromarray(photo), "PNG")
    with pytest.raises(TooManyPixels, match="300x200"):
        decode_image(data, limits=Limits(max_pixels=300 * 200 - 1))
    assert decode_image(data, limits=Limits(max_pixels=300 * 200)).width == 300


def test_gif_claiming_a_huge_screen():
    data = bytearray(encode(Image.new("P", (1, 1)), "GIF"))
    data[6:10] = struct.pack("<HH", 65535, 65535)  # logical screen size
    with pytest.raises(TooManyPixels):
        decode_image(bytes(data))


def test_heif_too_many_pixels(photo):
    with pytest.raises(TooManyPixels):
        decode_image(_heif(photo), limits=Limits(max_pixels=1000))


# --- frame and page counts ---------------------------------------------------------------------


def _animated_gif(photo: np.ndarray, count: int) -> bytes:
    frames = [Image.fromarray(np.roll(photo, 20 * i, axis=1)) for i in range(count)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def test_animated_gif_with_too_many_frames(photo):
    data = _animated_gif(photo, 5)
    with pytest.raises(TooManyFrames) as info:
        decode_image(read_source(data, name="long.gif"), limits=Limits(max_frames=3))
    assert info.value.code == "too-many-frames"
    assert "long.gif" in info.value.message
    assert len(decode_image(data, limits=Limits(max_frames=5)).frames) == 5


def test_asking_for_fewer_frames_is_not_an_error(photo):
    decoded = decode_image(_animated_gif(photo, 5), max_frames=2, limits=Limits(max_frames=3))
    assert len(decoded.frames) == 2


def test_all_frames_together_are_bounded(photo):
    limits = Limits(max_total_pixels=300 * 200 * 3)
    with pytest.raises(TooManyPixels, match="frames together"):
        decode_image(_animated_gif(photo, 5), limits=limits)


def test_tiff_with_too_many_pages(photo):
    pages = [Image.fromarray(photo)] * 3
    data = encode(pages[0], "TIFF", save_all=True, append_images=pages[1:])
    with pytest.raises(TooManyFrames, match="pages"):
        decode_image(data, limits=Limits(max_frames=2))


def test_heif_with_too_many_images(photo):
    with pytest.raises(TooManyFrames):
        decode_image(_heif(photo, photo[:100]), limits=Limits(max_frames=1))


# --- structure: loops and nesting --------------------------------------------------------------


def test_tiff_whose_directories_loop(photo):
    data = bytearray(encode(Image.fromarray(photo), "TIFF"))
    first = struct.unpack_from("<I", data, 4)[0]
    count = struct.unpack_from("<H", data, first)[0]
    struct.pack_into("<I", data, first + 2 + 12 * count, first)  # next IFD = itself
    with pytest.raises(Corrupt, match="loop"):
        decode_image(bytes(data))


def tiff_with_nested_subifds(depth: int) -> bytes:
    """A little-endian TIFF whose IFDs each hold one SubIFDs entry pointing one level deeper."""
    ifd_size = 2 + 12 + 4
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    for level in range(depth):
        child = 8 + (level + 1) * ifd_size if level + 1 < depth else 0
        out += struct.pack("<H", 1) + struct.pack("<HHII", 330, 4, 1, child) + b"\x00" * 4
    return bytes(out)


def test_tiff_with_deeply_nested_subifds():
    with pytest.raises(TooDeeplyNested) as info:
        decode_image(read_source(tiff_with_nested_subifds(30), name="deep.tif"))
    assert info.value.code == "too-deeply-nested"
    assert "deep.tif" in info.value.message


def _box(kind: bytes, body: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def nested_isobmff(major: bytes, depth: int) -> bytes:
    inner = _box(b"free")
    for _ in range(depth):
        inner = _box(b"moov", inner)
    return _box(b"ftyp", major + b"\x00\x00\x00\x00" + b"mif1") + inner


def test_avif_with_deeply_nested_boxes():
    with pytest.raises(TooDeeplyNested, match="nested more than 16 levels"):
        decode_image(nested_isobmff(b"avif", 40))


def test_box_nesting_limit_is_configurable():
    data = nested_isobmff(b"avif", 5)
    with pytest.raises(TooDeeplyNested):
        decode_image(data, limits=Limits(max_nesting=4))


def test_box_with_impossible_size_is_corrupt():
    data = _box(b"ftyp", b"avif\x00\x00\x00\x00mif1") + struct.pack(">I", 4) + b"moov"
    with pytest.raises(Corrupt, match="impossible size"):
        decode_image(data + b"\x00" * 16)
