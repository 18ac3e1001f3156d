"""The per-file pipeline on generated benign files: hashes, variants, modes, orientation,
animations, videos, and broken inputs reported as error codes (never raised)."""

from __future__ import annotations

import hashlib
import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from signal_samples import encode

from consentry.media import read_source
from consentry.signals import (
    TRANSFORMS,
    fingerprint,
    fingerprint_many,
    fingerprint_many_keyed,
    vpdq_match,
)
from consentry.signals.pdq import hamming, pdq_from_rgb

ASTRONAUT_PDQ = "2d6b1af3a956c529e79ca3d2526fa834d4196c81cedd04de0a26b855fc99b724"
JSON_KEYS = {
    "path", "kind", "format", "pdq", "quality", "low_quality", "md5", "sha256",
    "width", "height", "variants", "vpdq", "warnings", "error",
}  # fmt: skip


def test_png_bytes(astronaut) -> None:
    data = encode(astronaut)
    result = fingerprint(data, name="astronaut.png")
    assert result.error is None
    assert (result.pdq, result.quality, result.low_quality) == (ASTRONAUT_PDQ, 100, False)
    assert (result.kind, result.format, result.width, result.height) == ("image", "png", 512, 512)
    assert result.md5 == hashlib.md5(data).hexdigest()
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.path == "astronaut.png"
    assert result.variants == [] and result.vpdq is None
    as_json = result.to_json()
    assert set(as_json) == JSON_KEYS
    assert as_json["error"] is None and as_json["vpdq"] is None


def test_path_and_media_source_inputs(tmp_path: Path, astronaut) -> None:
    path = tmp_path / "astronaut.png"
    path.write_bytes(encode(astronaut))
    from_path = fingerprint(path)
    assert from_path.path == str(path)
    assert from_path.pdq == ASTRONAUT_PDQ
    from_source = fingerprint(read_source(path))
    assert from_source.pdq == ASTRONAUT_PDQ and from_source.md5 == from_path.md5


def test_large_jpeg_is_hashed_close_to_full_decode(astronaut) -> None:
    big = np.asarray(Image.fromarray(astronaut).resize((3000, 2250), Image.BICUBIC))
    data = encode(big, "JPEG", quality=90)
    full = pdq_from_rgb(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    result = fingerprint(data)
    assert (result.width, result.height) == (3000, 2250)
    assert hamming(result.pdq, full.hash) <= 6
    assert abs(result.quality - full.quality) <= 5


def test_rotations_give_every_named_variant(astronaut) -> None:
    result = fingerprint(encode(astronaut), rotations=True)
    assert [v.transform for v in result.variants] == list(TRANSFORMS[1:])
    rotated = fingerprint(encode(np.ascontiguousarray(np.rot90(astronaut))))
    variant = {v.transform: v for v in result.variants}["rotate90"]
    assert hamming(variant.pdq, rotated.pdq) <= 2
    assert variant.quality == 100 and not variant.low_quality


def _padded(rgb: np.ndarray, bar: int, colour=(0, 0, 0)) -> np.ndarray:
    out = np.empty((rgb.shape[0] + 2 * bar, rgb.shape[1], 3), np.uint8)
    out[:] = colour
    out[bar : bar + rgb.shape[0]] = rgb
    return out


def test_letterboxed_image_gets_a_trimmed_variant(astronaut) -> None:
    result = fingerprint(encode(_padded(astronaut, 100), "JPEG", quality=90))
    assert hamming(result.pdq, ASTRONAUT_PDQ) > 60
    trimmed = [v for v in result.variants if v.transform == "trimmed"]
    assert len(trimmed) == 1
    assert hamming(trimmed[0].pdq, ASTRONAUT_PDQ) <= 10
    assert fingerprint(encode(_padded(astronaut, 100)), trim=False).variants == []


def test_trimmed_rotations(astronaut) -> None:
    result = fingerprint(encode(_padded(astronaut, 100)), rotations=True)
    names = [v.transform for v in result.variants]
    assert names == [*TRANSFORMS[1:], "trimmed", *(f"trimmed+{t}" for t in TRANSFORMS[1:])]


def test_large_letterboxed_jpeg_trims_at_reduced_scale(astronaut) -> None:
    big = np.asarray(Image.fromarray(_padded(astronaut, 100)).resize((2048, 2848)))
    reference = pdq_from_rgb(np.asarray(Image.fromarray(astronaut).resize((2048, 2048))))
    result = fingerprint(encode(big, "JPEG", quality=90))
    trimmed = {v.transform: v.pdq for v in result.variants}["trimmed"]
    assert hamming(trimmed, reference.hash) <= 10


# EXIF orientation -> how the stored pixels relate to the upright picture.
_STORED = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", sorted(_STORED))
def test_exif_orientation_gives_the_upright_hash(orientation: int, photos) -> None:
    upright = Image.fromarray(photos["coffee"])  # 600x400: orientation errors show
    stored = upright if _STORED[orientation] is None else upright.transpose(_STORED[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    result = fingerprint(buffer.getvalue())
    assert (result.width, result.height) == (600, 400)
    assert hamming(result.pdq, pdq_from_rgb(photos["coffee"]).hash) <= 8


def _modes(rgb: np.ndarray) -> dict[str, bytes]:
    image = Image.fromarray(rgb)
    opaque = image.convert("RGBA")
    grey16 = Image.fromarray(np.asarray(image.convert("L")).astype(np.uint16) * 257)
    return {
        "L png": encode(np.asarray(image.convert("L"))),
        "LA png": _save(image.convert("LA"), "PNG"),
        "P png": _save(image.quantize(256), "PNG"),
        "RGBA png": _save(opaque, "PNG"),
        "I;16 png": _save(grey16, "PNG"),
        "CMYK jpeg": _save(image.convert("CMYK"), "JPEG", quality=95),
        "RGB jpeg": _save(image, "JPEG", quality=95),
        "webp": _save(image, "WEBP", quality=95),
        "tiff": _save(image, "TIFF"),
        "bmp": _save(image, "BMP"),
        "gif": _save(image, "GIF"),
    }  # fmt: skip


def _save(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def test_colour_modes_hash_within_10_bits_of_rgb(photos) -> None:
    for photo in ("astronaut", "chelsea"):
        rgb = photos[photo]
        reference = pdq_from_rgb(rgb).hash
        for mode, data in _modes(rgb).items():
            result = fingerprint(data)
            assert result.error is None, (photo, mode, result.error)
            assert hamming(result.pdq, reference) <= 10, (photo, mode)


def test_flat_image_is_flagged_low_quality() -> None:
    result = fingerprint(encode(np.full((300, 300, 3), 200, np.uint8)))
    assert result.error is None
    assert result.quality == 0 and result.low_quality
    assert any("low PDQ quality" in warning for warning in result.warnings)


def test_animated_gif_first_frame_and_vpdq(photos) -> None:
    frames = [
        Image.fromarray(photos[n]).resize((300, 200)) for n in ("coffee", "chelsea", "rocket")
    ]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=600, loop=0)
    result = fingerprint(buffer.getvalue())
    assert result.error is None and result.kind == "image"
    first = pdq_from_rgb(np.asarray(frames[0].convert("RGB"))).hash
    assert hamming(result.pdq, first) <= 16  # GIF's 256-colour palette
    assert [f.index for f in result.vpdq] == [0, 2]  # at 0 s and at 1.2 s
    assert [f.timestamp for f in result.vpdq] == [0.0, 1.2]
    assert result.vpdq[0].pdq == result.pdq


def _video(tmp_path: Path, rgb: np.ndarray, seconds: int, fps: int) -> Path:
    path = tmp_path / "pan.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(seconds * fps):
            x = i * 2
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[100:340, x : x + 320]))
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def test_video_frames_one_per_second(tmp_path: Path, astronaut) -> None:
    path = _video(tmp_path, astronaut, seconds=4, fps=10)
    result = fingerprint(path)
    assert result.error is None
    assert (result.kind, result.width, result.height) == ("video", 320, 240)
    assert result.pdq is None
    assert [f.index for f in result.vpdq] == [0, 10, 20, 30]
    assert [f.timestamp for f in result.vpdq] == [0.0, 1.0, 2.0, 3.0]
    assert all(f.quality >= 50 for f in result.vpdq) and not result.low_quality
    source_frame = np.ascontiguousarray(astronaut[100:340, 20:340])
    assert hamming(result.vpdq[1].pdq, pdq_from_rgb(source_frame).hash) <= 16
    assert vpdq_match(result.vpdq, result.vpdq) == (100.0, 100.0)
    assert result.to_json()["vpdq"][1]["index"] == 10


def _broken_inputs(tmp_path: Path, astronaut) -> dict[str, tuple[object, str]]:
    jpeg = encode(astronaut, "JPEG", quality=90)
    png = encode(astronaut)
    noise = np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "folder.png").mkdir()
    return {
        "zero-byte file": (tmp_path / "empty.jpg", "empty-file"),
        "zero bytes": (b"", "empty-file"),
        "random bytes": (noise, "unsupported-format"),
        "text": (b"hello, this is not a picture\n" * 20, "unsupported-format"),
        "truncated jpeg": (jpeg[: len(jpeg) // 3], "truncated"),
        "truncated png": (png[: len(png) // 2], "truncated"),
        "jpeg header only": (jpeg[:200], "truncated"),
        "missing file": (tmp_path / "nope.png", "unreadable"),
        "directory": (tmp_path / "folder.png", "unreadable"),
    }  # fmt: skip


def test_broken_inputs_give_error_codes(tmp_path: Path, astronaut) -> None:
    for label, (source, code) in _broken_inputs(tmp_path, astronaut).items():
        result = fingerprint(source)
        assert result.error is not None, label
        assert result.error.code == code, (label, result.error.code, result.error.message)
        assert result.pdq is None and result.to_json()["error"]["code"] == code
        if isinstance(source, bytes) and source:
            assert result.sha256 == hashlib.sha256(source).hexdigest(), label


def test_wrong_extension_still_hashes_with_a_warning(tmp_path: Path, astronaut) -> None:
    path = tmp_path / "picture.png"
    path.write_bytes(encode(astronaut, "JPEG", quality=95))
    result = fingerprint(path)
    assert result.error is None and result.format == "jpeg"
    assert hamming(result.pdq, ASTRONAUT_PDQ) <= 6
    assert result.warnings


@pytest.mark.parametrize("workers", [1, 2])
def test_fingerprint_many_keeps_going_past_bad_files(tmp_path: Path, photos, workers) -> None:
    good = {}
    for name, rgb in photos.items():
        good[name] = tmp_path / f"{name}.png"
        good[name].write_bytes(encode(rgb))
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really")
    sources = [good["astronaut"], bad, good["coffee"], tmp_path / "missing.png", good["camera"]]
    results = list(fingerprint_many(sources, workers=workers))
    assert [r.path for r in results] == [str(s) for s in sources]
    assert [r.error is None for r in results] == [True, False, True, False, True]
    assert results[0].pdq == ASTRONAUT_PDQ
    assert results[3].error.code == "unreadable"
    keyed = dict(fingerprint_many_keyed(sources, workers=workers, rotations=True))
    assert sorted(keyed) == list(range(5))
    assert len(keyed[2].variants) == 7


def test_fingerprint_many_accepts_bytes(astronaut) -> None:
    results = list(fingerprint_many([encode(astronaut), b"", encode(astronaut)], workers=2))
    assert [r.pdq for r in results] == [ASTRONAUT_PDQ, None, ASTRONAUT_PDQ]
    assert results[1].error.code == "empty-file"


def test_multipage_tiff_is_not_an_animation(photos) -> None:
    pages = [Image.fromarray(photos["coffee"]), Image.fromarray(photos["chelsea"])]
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:])
    result = fingerprint(buffer.getvalue())
    assert result.error is None
    assert result.vpdq is None
    assert result.pdq == pdq_from_rgb(photos["coffee"]).hash
