"""Every colour mode normalises to RGB pixels close to the RGB original."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from consentry.media import decode_image
from consentry.media.color import to_rgb_array

from .helpers import encode, gray3, mean_abs_diff

ADOBE = b"Adobe\x00"


def _alpha_ramp(height: int, width: int) -> np.ndarray:
    """Alpha from 0 (left) to 255 (right)."""
    return np.tile(np.linspace(0, 255, width).round().astype(np.uint8), (height, 1))


def _over_white(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha[:, :, None].astype(np.float64) / 255
    return (rgb * a + 255 * (1 - a)).round().astype(np.uint8)


def _has_app14(jpeg: bytes) -> bool:
    return ADOBE in jpeg and jpeg[jpeg.index(ADOBE) - 4 : jpeg.index(ADOBE) - 2] == b"\xff\xee"


def _strip_app14(jpeg: bytes) -> bytes:
    start = jpeg.index(ADOBE) - 4
    length = int.from_bytes(jpeg[start + 2 : start + 4], "big")
    return jpeg[:start] + jpeg[start + 2 + length :]


def _cmyk_with_black_generation(rgb: np.ndarray) -> np.ndarray:
    """CMYK the way print workflows make it: the shared grey part of C, M, Y goes to K."""
    cmy = 255.0 - rgb.astype(np.float64)
    k = cmy.min(axis=2, keepdims=True)
    denominator = np.where(k < 255, 255 - k, 1)
    cmy = np.where(k < 255, (cmy - k) * 255 / denominator, 0)
    return np.concatenate([cmy, k], axis=2).round().astype(np.uint8)


# --- CMYK --------------------------------------------------------------------------------------


def test_adobe_inverted_cmyk_jpeg(photo):
    data = encode(Image.fromarray(photo).convert("CMYK"), "JPEG", quality=95)
    assert _has_app14(data)  # libjpeg writes CMYK inverted, Photoshop style, and says so
    decoded = decode_image(data)
    assert decoded.mode == "CMYK"
    assert mean_abs_diff(decoded.frames[0], photo) < 3


def test_cmyk_jpeg_with_black_generation(photo):
    cmyk = Image.fromarray(_cmyk_with_black_generation(photo), mode="CMYK")
    decoded = decode_image(encode(cmyk, "JPEG", quality=95))
    assert mean_abs_diff(decoded.frames[0], photo) < 4


def test_plain_cmyk_jpeg_without_adobe_marker(photo):
    cmyk = _cmyk_with_black_generation(photo)
    # Pillow inverts CMYK when writing; feed it inverted values so the file holds plain CMYK,
    # then drop the Adobe marker that would announce inverted data.
    data = _strip_app14(encode(Image.fromarray(255 - cmyk, mode="CMYK"), "JPEG", quality=95))
    assert not _has_app14(data)
    naive = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert mean_abs_diff(naive, photo) > 50  # what reading it as Adobe-inverted gives
    assert mean_abs_diff(decode_image(data).frames[0], photo) < 4


def test_cmyk_tiff(photo):
    decoded = decode_image(encode(Image.fromarray(photo).convert("CMYK"), "TIFF"))
    assert decoded.mode == "CMYK"
    assert mean_abs_diff(decoded.frames[0], photo) < 1


def test_cmyk_jpeg_reduced_scale(photo):
    data = encode(Image.fromarray(photo).convert("CMYK"), "JPEG", quality=95)
    decoded = decode_image(data, min_side=100)
    assert decoded.scale == 0.5
    half = np.asarray(Image.fromarray(photo).resize((150, 100), Image.Resampling.BOX))
    assert mean_abs_diff(decoded.frames[0], half) < 4


# --- palette and transparency ------------------------------------------------------------------


def test_palette(photo):
    palette_img = Image.fromarray(photo).quantize(256)
    decoded = decode_image(encode(palette_img, "PNG"))
    assert decoded.mode == "P"
    assert np.array_equal(decoded.frames[0], np.asarray(palette_img.convert("RGB")))
    assert mean_abs_diff(decoded.frames[0], photo) < 6


def test_palette_with_transparent_index_shows_white(photo):
    palette_img = Image.fromarray(photo).quantize(64)
    indices = np.asarray(palette_img)
    transparent = int(indices[0, 0])
    expected = np.asarray(palette_img.convert("RGB")).copy()
    expected[indices == transparent] = 255
    decoded = decode_image(encode(palette_img, "PNG", transparency=transparent))
    assert np.array_equal(decoded.frames[0], expected)


def test_rgb_colour_key_transparency_shows_white(photo):
    rgb = photo.copy()
    rgb[:50, :50] = (1, 2, 3)
    decoded = decode_image(encode(Image.fromarray(rgb), "PNG", transparency=(1, 2, 3)))
    assert np.all(decoded.frames[0][:50, :50] == 255)
    assert np.array_equal(decoded.frames[0][50:], photo[50:])


def test_rgba_is_composited_over_white(photo):
    alpha = _alpha_ramp(*photo.shape[:2])
    rgba = np.dstack([photo, alpha])
    rgba[:, :10, :3] = 0  # colour hidden under alpha 0 must not show
    decoded = decode_image(encode(Image.fromarray(rgba, mode="RGBA"), "PNG"))
    assert decoded.mode == "RGBA"
    assert np.all(decoded.frames[0][:, 0] == 255)
    assert np.abs(decoded.frames[0].astype(int) - _over_white(rgba[..., :3], alpha)).max() <= 1


def test_la_is_composited_over_white(photo):
    gray = gray3(photo)[:, :, 0]
    alpha = _alpha_ramp(*gray.shape)
    decoded = decode_image(encode(Image.fromarray(np.dstack([gray, alpha]), mode="LA"), "PNG"))
    assert decoded.mode == "LA"
    expected = _over_white(np.repeat(gray[:, :, None], 3, axis=2), alpha)
    assert np.abs(decoded.frames[0].astype(int) - expected).max() <= 1


@pytest.mark.parametrize("mode", ["PA", "La", "RGBa"])
def test_other_alpha_modes_are_composited_over_white(photo, mode):
    alpha = _alpha_ramp(*photo.shape[:2])
    rgba = Image.fromarray(np.dstack([photo, alpha]), mode="RGBA")
    if mode == "PA":
        img = rgba.convert("RGB").quantize(256).convert("PA")
        img.putalpha(Image.fromarray(alpha))
        source_rgb = np.asarray(rgba.convert("RGB").quantize(256).convert("RGB"))
    elif mode == "La":
        img = rgba.convert("LA").convert("La")  # Pillow's RGBA -> La drops the alpha
        source_rgb = gray3(photo)
    else:
        img = rgba.convert("RGBa")
        source_rgb = photo
    rgb = to_rgb_array(img)
    assert mean_abs_diff(rgb, _over_white(source_rgb, alpha)) < 1.5


# --- grey, bit depths, floats ------------------------------------------------------------------


def test_l_and_one_bit(photo):
    gray = gray3(photo)
    decoded = decode_image(encode(Image.fromarray(gray[..., 0]), "PNG"))
    assert np.array_equal(decoded.frames[0], gray)
    bilevel = Image.fromarray(gray[..., 0]).convert("1", dither=Image.Dither.NONE)
    decoded = decode_image(encode(bilevel, "PNG"))
    assert decoded.mode == "1"
    expected = np.where(gray >= 128, 255, 0)
    assert np.array_equal(decoded.frames[0], expected)


def test_sixteen_bit_png(photo):
    gray = gray3(photo)
    wide = Image.fromarray(gray[..., 0].astype(np.uint16) * 257)
    decoded = decode_image(encode(wide, "PNG"))
    assert decoded.mode.startswith("I;16") or decoded.mode == "I"
    assert np.array_equal(decoded.frames[0], gray)


@pytest.mark.parametrize("mode", ["I;16", "I;16B", "I;16L"])
def test_sixteen_bit_byte_orders(photo, mode):
    gray = gray3(photo)[..., 0].astype(np.uint16) * 257
    dtype = ">u2" if mode == "I;16B" else "<u2"
    img = Image.frombytes(mode, (gray.shape[1], gray.shape[0]), gray.astype(dtype).tobytes())
    assert np.array_equal(to_rgb_array(img), gray3(photo))


def test_thirty_two_bit_integer_tiff(photo):
    gray = gray3(photo)
    decoded = decode_image(encode(Image.fromarray(gray[..., 0].astype(np.int32) * 257), "TIFF"))
    assert decoded.mode == "I"
    assert np.array_equal(decoded.frames[0], gray)


def test_integer_mode_holding_eight_bit_values(photo):
    gray = gray3(photo)
    assert np.array_equal(to_rgb_array(Image.fromarray(gray[..., 0]).convert("I")), gray)


def test_integer_mode_with_negative_values_is_stretched():
    values = np.array([[-1000, 0, 1000]], dtype=np.int32)
    assert to_rgb_array(Image.fromarray(values))[0, :, 0].tolist() == [0, 128, 255]


def test_float_tiff_in_zero_to_one(photo):
    gray = gray3(photo)
    decoded = decode_image(encode(Image.fromarray(gray[..., 0] / np.float32(255)), "TIFF"))
    assert decoded.mode == "F"
    assert np.abs(decoded.frames[0].astype(int) - gray).max() <= 1


def _float_row(*values: float) -> list[int]:
    """The first channel of a one-row float image after normalisation."""
    img = Image.fromarray(np.array([values], np.float32))
    return to_rgb_array(img)[0, :, 0].tolist()


def test_float_in_zero_to_255_and_wide_range_and_nan():
    assert _float_row(0.0, 254.6) == [0, 255]
    assert _float_row(-5.0, 0.0, 5.0) == [0, 128, 255]
    assert _float_row(np.nan, 0.5, 1.0) == [0, 128, 255]
    assert _float_row(7e6, 7e6) == [0, 0]


# --- other colour spaces -----------------------------------------------------------------------


def test_cielab_tiff(photo):
    to_lab = ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
    )
    lab = ImageCms.applyTransform(Image.fromarray(photo), to_lab)
    decoded = decode_image(encode(lab, "TIFF"))
    assert decoded.mode == "LAB"
    assert mean_abs_diff(decoded.frames[0], photo) < 2


@pytest.mark.parametrize(("mode", "tolerance"), [("YCbCr", 2.0), ("HSV", 1.0), ("LAB", 2.0)])
def test_colour_spaces_in_memory(photo, mode, tolerance):
    converted = Image.fromarray(photo).convert(mode)
    assert converted.mode == mode
    assert mean_abs_diff(to_rgb_array(converted), photo) < tolerance


def test_ycbcr_jpeg(photo):
    data = encode(Image.fromarray(photo).convert("YCbCr"), "JPEG", quality=95)
    assert mean_abs_diff(decode_image(data).frames[0], photo) < 3
