"""The browser's PDQ (static/js/hashing/pdq.js) against Meta's pdqhash on the same pixels,
and the browser's fingerprints of files against the server's (consentry.signals.fingerprint).

Pixels: the same RGB bytes in both must give the same hash and quality (distance 0).
Files: the browser decodes with Chromium, the server with Pillow (at reduced scale for large
JPEGs), so the bar is PDQ's own for an implementation: median distance <= 2 and max <= 10
where quality >= 80. Every image here is a scikit-image sample photo or drawn by the test.
"""

from __future__ import annotations

import io
import statistics
import struct
import zlib
from typing import Any

import numpy as np
import pdqhash
import pytest
from hashing_helpers import (
    HashingPage,
    encode,
    file_variants,
    fingerprint_value,
    hamming,
    jpeg,
    png_rgba,
    sample_photos,
    shared_hashing_page,
)
from PIL import Image

from consentry.signals.fingerprint import fingerprint
from consentry.signals.pdq_math import hex_from_bits

ZERO_HASH = "0" * 64


@pytest.fixture
def hashing(page: Any, server: Any) -> HashingPage:
    return HashingPage(page, server.url).open()


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    return sample_photos()


def reference(rgb: np.ndarray) -> tuple[str, int]:
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return hex_from_bits(bits), int(quality)


# --- drawn test images ------------------------------------------------------------------


def gradient(height: int, width: int) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    channels = [
        x * 255 // max(width - 1, 1),
        y * 255 // max(height - 1, 1),
        (x + y) * 255 // max(height + width - 2, 1),
    ]
    return np.dstack(channels).astype(np.uint8)


def rings(height: int, width: int) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    value = (128 + 127 * np.sin(np.hypot(y - height / 3, x - width / 2) / 7)).astype(np.uint8)
    return np.dstack([value, 255 - value, value // 2])


def noise(height: int, width: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def shapes(height: int, width: int) -> np.ndarray:
    image = np.full((height, width, 3), 235, np.uint8)
    image[height // 5 : height // 2, width // 6 : width // 2] = (200, 30, 40)
    y, x = np.mgrid[0:height, 0:width]
    disc = (y - 0.65 * height) ** 2 + (x - 0.7 * width) ** 2 < (0.2 * min(height, width)) ** 2
    image[disc] = (20, 60, 180)
    image[(x + 2 * y) % 97 < 6] = (10, 10, 10)
    return image


# Literal known answers: pdqhash 0.2.8 on these recipes. A change on either side shows here.
KNOWN_ANSWERS = {
    "gradient 97x131": (
        lambda: gradient(97, 131),
        "ffbf145128aa5f55383a1fffb535655500316155203f656a5fc0e4512fc06555",
        23,
    ),
    "rings 240x320": (
        lambda: rings(240, 320),
        "f54330b3f542d0f3dcccd0f3f50c32cd74a0cb4d42aaf1080bff0a8a0aaabf5d",
        100,
    ),
    "noise 64x64 seed 6": (
        lambda: noise(64, 64, 6),
        "ddf00e6d78e12e06a2c6f970a7e8a30a2d260a0687f3544de3bce1d9ec0fce27",
        100,
    ),
    "noise 300x200 seed 7": (
        lambda: noise(300, 200, 7),
        "25a8d7fc33004ac5fe5f11beb41faf60c7548156777641082f0e1d743738768b",
        100,
    ),
}


def test_known_answer_vectors(hashing: HashingPage) -> None:
    images = [recipe() for recipe, _, _ in KNOWN_ANSWERS.values()]
    results = hashing.pdq_of_pixels(images)
    for (name, (_, expected, quality)), image, got in zip(
        KNOWN_ANSWERS.items(), images, results, strict=True
    ):
        assert reference(image) == (expected, quality), f"pdqhash changed on {name}"
        assert (got["hash"], got["quality"]) == (expected, quality), name


def test_same_pixels_same_hash_as_pdqhash(hashing: HashingPage, photos: dict) -> None:
    images = {
        **{f"photo {name}": rgb for name, rgb in photos.items()},
        "photo rocket crop 333x517": photos["rocket"][17:350, 40:557],
        "gradient 5x5 (smallest hashed)": gradient(5, 5),
        "gradient 1000x37": gradient(37, 1000),
        "noise 127x129": noise(127, 129, 1),
        "noise 64x65": noise(64, 65, 2),
        "noise 1x300 (too thin)": noise(1, 300, 3),
        "noise 4x200 (too thin)": noise(4, 200, 4),
        "shapes 480x640": shapes(480, 640),
        "shapes 1500x90": shapes(1500, 90),
        "flat grey 100x100": np.full((100, 100, 3), 128, np.uint8),
    }
    results = hashing.pdq_of_pixels(list(images.values()))
    for (name, rgb), got in zip(images.items(), results, strict=True):
        expected_hash, expected_quality = reference(rgb)
        assert hamming(got["hash"], expected_hash) == 0, name
        assert got["quality"] == expected_quality, name
    assert results[list(images).index("noise 4x200 (too thin)")]["hash"] == ZERO_HASH


# --- files: browser against server -----------------------------------------------------


@pytest.fixture(scope="module")
def agreement(
    browser: Any, tmp_path_factory: pytest.TempPathFactory, photos: dict
) -> list[dict[str, Any]]:
    """Browser and server fingerprints of every file variant, computed once for the module."""
    files = file_variants(photos)
    with shared_hashing_page(browser, tmp_path_factory.mktemp("agreement")) as hashing:
        browser_results = hashing.fingerprint({name: data for name, (_, data) in files.items()})
    rows = []
    for name, (group, data) in files.items():
        server = fingerprint(data)
        ours = browser_results[name]
        assert "error" not in ours, f"{name}: {ours}"
        rows.append(
            {
                "name": name,
                "group": group,
                "browser": fingerprint_value(ours, "pdq"),
                "browser_quality": ours["pdqQuality"],
                "server": server.pdq,
                "server_quality": server.quality,
                "md5_ok": fingerprint_value(ours, "md5") == server.md5,
                "sha256_ok": fingerprint_value(ours, "sha256") == server.sha256,
                "size_ok": (ours["width"], ours["height"]) == (server.width, server.height),
                "distance": hamming(fingerprint_value(ours, "pdq") or "", server.pdq or ""),
            }
        )
    return rows


def test_files_agree_with_the_server_within_pdq_bar(agreement: list[dict[str, Any]]) -> None:
    trusted = [row for row in agreement if row["server_quality"] >= 80]
    distances = [row["distance"] for row in trusted]
    assert len(trusted) >= 60
    assert statistics.median(distances) <= 2, distances
    worst = max(trusted, key=lambda row: row["distance"])
    assert worst["distance"] <= 10, worst


def test_digests_and_sizes_match_the_server(agreement: list[dict[str, Any]]) -> None:
    for row in agreement:
        assert row["md5_ok"] and row["sha256_ok"], row["name"]
        assert row["size_ok"], row["name"]


def test_exif_orientation_is_applied(agreement: list[dict[str, Any]]) -> None:
    exif = {row["name"]: row for row in agreement if row["group"] == "exif"}
    upright = exif["astronaut.exif1.jpg"]["browser"]
    for name, row in exif.items():
        assert row["distance"] <= 4, (name, row["distance"])
        # Every stored rotation shows upright: all eight land on the same hash within JPEG noise.
        assert hamming(row["browser"], upright) <= 12, name


def test_embedded_colour_profile_is_ignored_like_the_server(
    agreement: list[dict[str, Any]],
) -> None:
    by_name = {row["name"]: row for row in agreement}
    for name in ("coffee.icc.jpg", "coffee.icc.png"):
        assert by_name[name]["distance"] <= 2, by_name[name]
    # Same stored pixels with and without the profile: the same hash.
    assert by_name["coffee.icc.png"]["browser"] == by_name["coffee.png"]["browser"]


def test_transparency_grey_and_tiny_images(agreement: list[dict[str, Any]]) -> None:
    for row in agreement:
        if row["group"] in {"alpha", "grey", "tiny", "gif", "large"}:
            assert row["distance"] <= 10, row


# --- what the module says about files it cannot hash ------------------------------------


def png_header(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header + crc


def test_errors_have_codes_and_no_partial_results(hashing: HashingPage, photos: dict) -> None:
    tiff = io.BytesIO()
    Image.fromarray(photos["coffee"]).save(tiff, format="TIFF")
    files = {
        "notes.txt": b"just some text, not a photo\n" * 20,
        "empty.jpg": b"",
        "photo.heic": b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 100,
        "scan.tiff": tiff.getvalue(),
        "broken.jpg": b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8,
        "huge.png": png_header(20_000, 20_000) + b"\0" * 64,
        "cut.png": encode(Image.fromarray(photos["rocket"]), "PNG")[:600],
    }
    results = hashing.fingerprint(files)
    expected = {
        "notes.txt": "unsupported-format",
        "empty.jpg": "unsupported-format",
        "photo.heic": "unsupported-format",
        "scan.tiff": "unsupported-format",
        "broken.jpg": "unreadable-image",
        "huge.png": "image-too-large",
        "cut.png": "unreadable-image",
    }
    for name, code in expected.items():
        assert results[name].get("code") == code, (name, results[name])
        assert results[name]["error"], name
        assert "fingerprints" not in results[name]


def test_low_quality_is_returned_with_a_warning(hashing: HashingPage) -> None:
    flat = np.full((200, 300, 3), 90, np.uint8)
    flat[90:110, 140:160] = 100
    results = hashing.fingerprint({"flat.png": encode(Image.fromarray(flat), "PNG")})
    result = results["flat.png"]
    assert result["kind"] == "image"
    assert result["pdqQuality"] <= 49
    assert result["warnings"] == ["low-quality"]
    # Near-flat: the DCT is rounding noise, so only the same arithmetic gives the same bits.
    assert fingerprint_value(result, "pdq") == reference(flat)[0]
    assert result["progress"][-1] == 1
    assert result["progress"] == sorted(result["progress"])


def test_worker_and_page_give_the_same_result(
    hashing: HashingPage, page_log: Any, photos: dict
) -> None:
    files = {"coffee.jpg": jpeg(photos["coffee"]), "chelsea.alpha.png": png_rgba(photos["chelsea"])}
    in_worker = hashing.fingerprint(files)
    on_page = hashing.fingerprint(files, worker=False)
    for name in files:
        for result in (in_worker[name], on_page[name]):
            result.pop("ms")
            result.pop("progress")
        assert in_worker[name] == on_page[name], name
    assert any(r.url.endswith("/static/js/hashing/worker.js") for r in page_log.requests)


STRIPS_AGAINST_WHOLE = """
async ({ name, prefix, js }) => {
  const decode = await import(`${js}/decode.js`);
  const pdq = await import(`${js}/pdq.js`);
  const blob = await (await fetch(prefix + name)).blob();
  const file = new File([blob], name);
  const whole = await decode.decodeImage(file);
  const bitmap = await decode.openImage(file);
  const luma = decode.lumaOver(bitmap, bitmap.width, bitmap.height);
  bitmap.close();
  return {
    whole: pdq.pdqFromRgba(whole.rgba, whole.width, whole.height),
    strips: pdq.pdqFromLuma(luma, whole.width, whole.height),
  };
}
"""


def test_big_photo_in_strips_hashes_like_the_whole_pixels(
    hashing: HashingPage, photos: dict
) -> None:
    big = Image.fromarray(photos["coffee"]).resize((3001, 2003), Image.Resampling.BICUBIC)
    data = encode(big, "JPEG", quality=92)
    hashing.put("big.jpg", data)
    arg = {"name": "big.jpg", "prefix": "/__hashing_test__/", "js": "/static/js/hashing"}
    result = hashing.evaluate(STRIPS_AGAINST_WHOLE, arg)
    assert result["strips"] == result["whole"]
    # Chromium's JPEG decoder gives Pillow's pixels: the hash is pdqhash's of those.
    pillow_pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert hamming(result["whole"]["hash"], reference(pillow_pixels)[0]) <= 2
