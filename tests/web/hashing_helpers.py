"""Driving the browser's hashing module (static/js/hashing/) from tests and the bench.

Bytes reach the page through ``page.route`` on a fake same-origin URL (no base64 round
trip), and the module is imported by the page itself, so the page's CSP applies as it would
on the real pages. Test media is made here from scikit-image's sample photos and drawings.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

FAKE_PREFIX = "/__hashing_test__/"
# A static file of the service: any same-origin document can import the modules.
BLANK_PATH = "/static/i18n/languages.json"
HASHING = "/static/js/hashing"


@dataclass
class HashingPage:
    """A page of the live server that hashes bytes handed to it by name."""

    page: Any
    base_url: str
    files: dict[str, bytes] = field(default_factory=dict)

    def open(self) -> HashingPage:
        self.page.route(f"**{FAKE_PREFIX}**", self._fulfil)
        self.page.goto(self.base_url + BLANK_PATH)
        return self

    def _fulfil(self, route: Any) -> None:
        name = route.request.url.split(FAKE_PREFIX, 1)[1]
        body = self.files.get(name)
        if body is None:
            route.fulfill(status=404, body=b"")
        else:
            route.fulfill(status=200, body=body, content_type="application/octet-stream")

    def put(self, name: str, data: bytes) -> str:
        self.files[name] = data
        return name

    def evaluate(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def pdq_of_pixels(self, images: list[np.ndarray]) -> list[dict[str, Any]]:
        """pdqFromRgba of each (H, W, 3) uint8 array, in one round trip."""
        jobs = []
        for number, rgb in enumerate(images):
            rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
            name = self.put(f"pixels-{number}-{id(rgb)}", np.ascontiguousarray(rgba).tobytes())
            jobs.append({"name": name, "width": rgb.shape[1], "height": rgb.shape[0]})
        return self.evaluate(PDQ_OF_PIXELS, {"jobs": jobs, "prefix": FAKE_PREFIX, "js": HASHING})

    def fingerprint(
        self, files: dict[str, bytes], *, protected_photo: bool = False, worker: bool = True
    ) -> dict[str, dict[str, Any]]:
        """fingerprintFile of each named file: the result, or {"error", "code"}; timed.
        ``worker=False``: images hashed on the page's main thread instead of a worker."""
        for name, data in files.items():
            self.put(name, data)
        arg = {
            "names": list(files),
            "prefix": FAKE_PREFIX,
            "js": HASHING,
            "protectedPhoto": protected_photo,
            "worker": worker,
        }
        return self.evaluate(FINGERPRINT_FILES, arg)


@contextmanager
def shared_hashing_page(browser: Any, home: Path) -> Iterator[HashingPage]:
    """A HashingPage on its own server and browser context, for a module's shared results;
    an uncaught page error fails the module as the ``page`` fixture would."""
    import pytest

    from conftest import PageLog, start_server, watch

    server = start_server(home)
    context = browser.new_context()
    log = PageLog()
    try:
        page = context.new_page()
        watch(page, log)
        yield HashingPage(page, server.url).open()
    finally:
        context.close()
        server.stop()
    if log.errors:
        pytest.fail("the page raised errors:\n" + "\n".join(log.errors), pytrace=False)


PDQ_OF_PIXELS = """
async ({ jobs, prefix, js }) => {
  const { pdqFromRgba } = await import(`${js}/pdq.js`);
  const out = [];
  for (const job of jobs) {
    const buffer = await (await fetch(prefix + job.name)).arrayBuffer();
    const started = performance.now();
    const result = pdqFromRgba(new Uint8ClampedArray(buffer), job.width, job.height);
    out.push({ ...result, ms: performance.now() - started });
  }
  return out;
}
"""

FINGERPRINT_FILES = """
async ({ names, prefix, js, protectedPhoto, worker }) => {
  const { fingerprintFile } = await import(`${js}/index.js`);
  const out = {};
  for (const name of names) {
    const blob = await (await fetch(prefix + name)).blob();
    const file = new File([blob], name.split("/").pop());
    const started = performance.now();
    const progress = [];
    try {
      const result = await fingerprintFile(file, {
        protectedPhoto, worker, onProgress: (f) => progress.push(f),
      });
      out[name] = { ...result, ms: performance.now() - started, progress };
    } catch (error) {
      out[name] = { error: String(error.message), code: error.code ?? null };
    }
  }
  return out;
}
"""


def fingerprint_value(result: dict[str, Any], kind: str) -> str | None:
    for item in result.get("fingerprints", []):
        if item["type"] == kind:
            return str(item["value"])
    return None


def hamming(a: str, b: str) -> int:
    return int(bin(int(a, 16) ^ int(b, 16)).count("1"))


# --- test media -------------------------------------------------------------------------


def sample_photos() -> dict[str, np.ndarray]:
    """scikit-image's sample photos as (H, W, 3) uint8 RGB."""
    from skimage import data

    photos = {
        "astronaut": data.astronaut(),
        "coffee": data.coffee(),
        "chelsea": data.chelsea(),
        "rocket": data.rocket(),
        "camera": data.camera(),
        "immunohistochemistry": data.immunohistochemistry(),
    }
    return {name: _rgb(image) for name, image in photos.items()}


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return np.ascontiguousarray(image[:, :, :3].astype(np.uint8))


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def jpeg(rgb: np.ndarray, quality: int = 90, subsampling: int = 2, **options: Any) -> bytes:
    """JPEG bytes; subsampling 2 is 4:2:0, 0 is 4:4:4."""
    image = Image.fromarray(rgb)
    return encode(image, "JPEG", quality=quality, subsampling=subsampling, **options)


# EXIF orientation -> the transpose that stores an upright photo so that the tag undoes it.
_STORE_FOR_ORIENTATION: dict[int, Callable[[Image.Image], Image.Image]] = {
    1: lambda im: im,
    2: lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    3: lambda im: im.transpose(Image.Transpose.ROTATE_180),
    4: lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    5: lambda im: im.transpose(Image.Transpose.TRANSPOSE),
    6: lambda im: im.transpose(Image.Transpose.ROTATE_90),
    7: lambda im: im.transpose(Image.Transpose.TRANSVERSE),
    8: lambda im: im.transpose(Image.Transpose.ROTATE_270),
}


def oriented_jpeg(rgb: np.ndarray, orientation: int) -> bytes:
    """A JPEG whose pixels are stored turned, with the EXIF tag that shows them upright."""
    stored = _STORE_FOR_ORIENTATION[orientation](Image.fromarray(rgb))
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, "JPEG", quality=92, exif=exif.tobytes())


def _s15(value: float) -> bytes:
    return round(value * 65536).to_bytes(4, "big", signed=True)


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + _s15(x) + _s15(y) + _s15(z)


def _desc(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    body = len(ascii_text).to_bytes(4, "big") + ascii_text
    return b"desc\0\0\0\0" + body + b"\0" * 8 + b"\0" * 3 + b"\0" * 67


def adobe_like_icc(gamma: float = 2.2) -> bytes:
    """A small ICC v2 RGB profile with wide-gamut primaries: plainly not sRGB.

    Written here because no profile file ships with the test machine; lcms parses it."""
    curve = b"curv\0\0\0\0" + (1).to_bytes(4, "big") + round(gamma * 256).to_bytes(2, "big")
    tags = [
        (b"desc", _desc("Consentry test wide-gamut RGB")),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz(0.6097, 0.3111, 0.0195)),
        (b"gXYZ", _xyz(0.2053, 0.6257, 0.0609)),
        (b"bXYZ", _xyz(0.1492, 0.0632, 0.7446)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0" + b"No copyright, test data\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table = len(tags).to_bytes(4, "big")
    body = b""
    for signature, data in tags:
        padded = data + b"\0" * (-len(data) % 4)
        table += signature + (offset + len(body)).to_bytes(4, "big") + len(data).to_bytes(4, "big")
        body += padded
    size = offset + len(body)
    header = (
        size.to_bytes(4, "big")
        + b"\0" * 4
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + bytes(12)
        + b"acsp"
        + bytes(24)
        + bytes(4)
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + bytes(48)
    )
    assert len(header) == 128
    return header + table + body


def png_rgba(rgb: np.ndarray) -> bytes:
    """PNG with an alpha channel: opaque centre, fading to transparent at the edges."""
    height, width = rgb.shape[:2]
    y, x = np.mgrid[0:height, 0:width]
    edge = np.minimum.reduce([x, y, width - 1 - x, height - 1 - y]).astype(np.float64)
    alpha = np.clip(edge * 255 / (0.2 * min(height, width)), 0, 255).astype(np.uint8)
    return encode(Image.fromarray(np.dstack([rgb, alpha]), "RGBA"), "PNG")


def png_16bit_grey(rgb: np.ndarray) -> bytes:
    """A 16-bit greyscale PNG written by hand (Pillow saves I;16 too, but this is explicit)."""
    grey = (rgb.astype(np.uint32) @ np.array([299, 587, 114]) // 1000).astype(np.uint16)
    wide = (grey.astype(np.uint32) * 257).astype(">u2")
    rows = b"".join(b"\0" + wide[i].tobytes() for i in range(wide.shape[0]))
    height, width = grey.shape

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 16, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + (chunk(b"IEND", b""))
    )


def file_variants(photos: dict[str, np.ndarray]) -> dict[str, tuple[str, bytes]]:
    """name -> (format group, bytes) for every photo in every way a phone or app saves it."""
    files: dict[str, tuple[str, bytes]] = {}
    for name, rgb in photos.items():
        image = Image.fromarray(rgb)
        for quality in (75, 90, 95):
            for subsampling, label in ((2, "420"), (0, "444")):
                files[f"{name}.q{quality}.{label}.jpg"] = (
                    "jpeg",
                    jpeg(rgb, quality, subsampling),
                )
        files[f"{name}.png"] = ("png", encode(image, "PNG"))
        files[f"{name}.webp"] = ("webp", encode(image, "WEBP", quality=85))
        files[f"{name}.lossless.webp"] = ("webp", encode(image, "WEBP", lossless=True))
        files[f"{name}.alpha.png"] = ("alpha", png_rgba(rgb))
        files[f"{name}.grey.jpg"] = ("grey", encode(image.convert("L"), "JPEG", quality=90))
    astronaut = photos["astronaut"]
    for orientation in range(1, 9):
        files[f"astronaut.exif{orientation}.jpg"] = ("exif", oriented_jpeg(astronaut, orientation))
    coffee = Image.fromarray(photos["coffee"])
    files["coffee.icc.jpg"] = (
        "icc",
        encode(coffee, "JPEG", quality=90, icc_profile=adobe_like_icc()),
    )
    files["coffee.icc.png"] = ("icc", encode(coffee, "PNG", icc_profile=adobe_like_icc()))
    files["chelsea.grey16.png"] = ("grey", png_16bit_grey(photos["chelsea"]))
    files["rocket.palette.gif"] = ("gif", encode(Image.fromarray(photos["rocket"]), "GIF"))
    big = Image.fromarray(astronaut).resize((4000, 3000), Image.Resampling.BICUBIC)
    files["astronaut.4000x3000.jpg"] = ("large", encode(big, "JPEG", quality=90))
    files["chelsea.40x27.png"] = (
        "tiny",
        encode(Image.fromarray(photos["chelsea"]).resize((40, 27)), "PNG"),
    )
    return files


def panning_frames(rgb: np.ndarray, count: int, size: int = 160) -> list[np.ndarray]:
    """Frames of a camera panning slowly across a photo: each second looks different."""
    height, width = rgb.shape[:2]
    frames = []
    for n in range(count):
        x = (n * 7) % (width - size)
        y = (n * 3) % (height - size)
        frames.append(np.ascontiguousarray(rgb[y : y + size, x : x + size]))
    return frames


def encode_video(frames: list[np.ndarray], fmt: str, fps: int, codec: str) -> bytes:
    """Video bytes made with PyAV (FFmpeg), in memory."""
    import av

    out = io.BytesIO()
    with av.open(out, mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for rgb in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()
