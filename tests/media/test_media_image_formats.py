"""Every image format decodes to the RGB pixels it was made from."""

from __future__ import annotations

import io
import sys

import numpy as np
import pillow_heif
import pytest
from PIL import Image

from consentry.media import (
    HeifNotInstalled,
    UnsupportedFormat,
    decode_image,
    read_source,
)

from .helpers import encode, make_video, mean_abs_diff, panning_frames


@pytest.mark.parametrize(
    ("fmt", "options", "tolerance"),
    [
        ("PNG", {}, 0.0),
        ("BMP", {}, 0.0),
        ("TIFF", {}, 0.0),
        ("TIFF", {"compression": "tiff_lzw"}, 0.0),
        ("WEBP", {"lossless": True}, 0.0),
        ("JPEG", {"quality": 95}, 3.0),
        ("WEBP", {"quality": 90}, 4.0),
        ("AVIF", {"quality": 90}, 4.0),
        ("GIF", {}, 8.0),  # 256-colour palette
    ],
)
def test_round_trip(photo, fmt, options, tolerance):
    data = encode(Image.fromarray(photo), fmt, **options)
    decoded = decode_image(read_source(data, name=f"cup.{fmt.lower()}"))
    assert len(decoded.frames) == 1
    rgb = decoded.frames[0]
    assert rgb.dtype == np.uint8
    assert rgb.flags.c_contiguous
    assert (decoded.width, decoded.height, decoded.scale) == (300, 200, 1.0)
    assert decoded.durations_ms is None
    assert not decoded.animated
    assert mean_abs_diff(rgb, photo) <= tolerance


def test_decode_image_accepts_a_path_or_bytes(photo, write):
    data = encode(Image.fromarray(photo), "PNG")
    assert np.array_equal(decode_image(write("cup.png", data)).frames[0], photo)
    assert np.array_equal(decode_image(data).frames[0], photo)


def test_plain_rgb_jpeg_is_not_copied_twice(photo):
    # np.asarray over Pillow's buffer is the one copy: the result is read-only, not re-copied.
    decoded = decode_image(encode(Image.fromarray(photo), "JPEG"))
    assert not decoded.frames[0].flags.writeable
    assert decoded.mode == "RGB"


def _heif(*images: np.ndarray, **options: object) -> bytes:
    heif = pillow_heif.from_pillow(Image.fromarray(images[0]))
    for extra in images[1:]:
        heif.add_from_pillow(Image.fromarray(extra))
    buffer = io.BytesIO()
    heif.save(buffer, quality=90, **options)
    return buffer.getvalue()


def test_heif_round_trip(photo):
    src = read_source(_heif(photo), name="cup.heic")
    assert (src.format, src.mime, src.warnings) == ("heif", "image/heic", ())
    decoded = decode_image(src)
    assert (decoded.format, decoded.width, decoded.height) == ("heif", 300, 200)
    assert mean_abs_diff(decoded.frames[0], photo) < 4


def test_heif_collection_gives_every_image_primary_first(photo):
    small = np.ascontiguousarray(photo[:100, :150])
    decoded = decode_image(_heif(photo, small))
    assert [frame.shape for frame in decoded.frames] == [(200, 300, 3), (100, 150, 3)]
    assert len(decode_image(_heif(photo, small), max_frames=1).frames) == 1


def test_heif_without_pillow_heif_says_how_to_install(photo, monkeypatch):
    data = _heif(photo)
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # import now raises ImportError
    with pytest.raises(HeifNotInstalled) as info:
        decode_image(read_source(data, name="cup.heic"))
    assert info.value.code == "heif-not-installed"
    assert "cup.heic" in info.value.message
    assert "pip install 'consentry[heif]'" in info.value.message


def test_heif_is_sniffed_even_without_pillow_heif(photo, monkeypatch):
    data = _heif(photo)
    monkeypatch.setitem(sys.modules, "pillow_heif", None)
    assert read_source(data).format == "heif"


def test_a_video_is_not_an_image(photo):
    data = make_video(panning_frames(photo, 3))
    with pytest.raises(UnsupportedFormat, match="video"):
        decode_image(read_source(data, name="clip.mp4"))


def test_multi_page_tiff_gives_every_page(photo):
    pages = [Image.fromarray(photo), Image.fromarray(np.ascontiguousarray(photo[::-1]))]
    data = encode(pages[0], "TIFF", save_all=True, append_images=pages[1:])
    decoded = decode_image(data)
    assert len(decoded.frames) == 2
    assert np.array_equal(decoded.frames[1], photo[::-1])
    assert decoded.durations_ms is None


def test_mpo_style_jpeg_gives_the_primary_image_only(photo):
    frames = [Image.fromarray(photo), Image.fromarray(np.ascontiguousarray(photo[::-1]))]
    data = encode(frames[0], "MPO", save_all=True, append_images=frames[1:], quality=95)
    decoded = decode_image(read_source(data, name="stereo.mpo"))
    assert decoded.format == "jpeg"
    assert len(decoded.frames) == 1
    assert mean_abs_diff(decoded.frames[0], photo) < 4
