"""Run the browser's protected-photo fingerprint (static/js/hashing/regions.js) from tests.

A blank document is served at the live server's origin under the pages' Content-Security-
Policy; the module is imported by that document from the server, and pixels reach it through
``page.route`` on a fake same-origin URL (raw bytes, no base64 round trip). The page can also
run the module in a Worker. Test pictures are scikit-image sample photos and edits of them.
"""

from __future__ import annotations

import importlib.util
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from consentry.signals.regions import RegionFingerprint
from consentry.web.pages import CONTENT_SECURITY_POLICY

MODULE = "/static/js/hashing/regions.js"
FAKE_PREFIX = "/__regions_test__/"
BLANK_NAME = "blank.html"
WORKER_NAME = "worker.js"
GEOMETRY_SLACK = 2  # 1/256ths of the frame, and size-code steps: "about the same place and size"

_WORKER = f"""
import {{ regionsFromRgba }} from "{MODULE}";
self.onmessage = ({{ data }}) => {{
  try {{
    self.postMessage({{ text: regionsFromRgba(data.rgba, data.width, data.height) }});
  }} catch (error) {{
    self.postMessage({{ code: error.code ?? null, message: String(error.message) }});
  }}
}};
"""

_RUN = """
async ({ module, url, width, height, worker }) => {
  const rgba = new Uint8ClampedArray(await (await fetch(url)).arrayBuffer());
  if (worker) {
    const running = new Worker(worker, { type: "module" });
    const reply = await new Promise((resolve, reject) => {
      running.onmessage = (event) => resolve(event.data);
      running.onerror = (event) => reject(new Error(event.message || "worker failed"));
      running.postMessage({ rgba, width, height });
    });
    running.terminate();
    return reply;
  }
  const { regionsFromRgba } = await import(module);
  const started = performance.now();
  try {
    const text = regionsFromRgba(rgba, width, height);
    return { text, ms: performance.now() - started };
  } catch (error) {
    const isError = error instanceof Error;
    return { code: error.code ?? null, message: String(error.message), isError };
  }
}
"""

# A 12 MP photo made in the page (nearest-neighbour enlargement of the pixels it is given, the
# same recipe as ``enlarge``), fingerprinted ``runs`` times.
_TIMED = """
async ({ module, url, width, height, bigWidth, bigHeight, runs }) => {
  const { regionsFromRgba } = await import(module);
  const small = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const big = new Uint8ClampedArray(bigWidth * bigHeight * 4);
  for (let y = 0; y < bigHeight; y++) {
    const row = Math.floor((y * height) / bigHeight) * width;
    for (let x = 0; x < bigWidth; x++) {
      const from = (row + Math.floor((x * width) / bigWidth)) * 4;
      big.set(small.subarray(from, from + 4), (y * bigWidth + x) * 4);
    }
  }
  const ms = [];
  let text = null;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    text = regionsFromRgba(big, bigWidth, bigHeight);
    ms.push(performance.now() - started);
  }
  return { text, ms };
}
"""


@dataclass(frozen=True)
class BrowserResult:
    text: str | None  # the fingerprint, or None when the browser refused the picture
    code: str | None  # the refusal's code
    message: str | None = None
    ms: float | None = None


@dataclass
class RegionsPage:
    """A blank page of the live server that fingerprints pixels handed to it."""

    page: Any
    base_url: str
    files: dict[str, bytes] = field(default_factory=dict)

    def open(self) -> RegionsPage:
        self.files[BLANK_NAME] = b"<!doctype html><html lang='en'><title>regions</title></html>"
        self.files[WORKER_NAME] = _WORKER.encode()
        self.page.route(f"**{FAKE_PREFIX}**", self._fulfil)
        self.page.goto(self.base_url + FAKE_PREFIX + BLANK_NAME)
        return self

    def _fulfil(self, route: Any) -> None:
        name = route.request.url.split(FAKE_PREFIX, 1)[1]
        body = self.files.get(name)
        if body is None:
            route.fulfill(status=404, body=b"")
            return
        kinds = {".html": "text/html; charset=utf-8", ".js": "text/javascript"}
        kind = kinds.get(Path(name).suffix, "application/octet-stream")
        headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY}
        route.fulfill(status=200, body=body, content_type=kind, headers=headers)

    def _put(self, rgb: np.ndarray) -> tuple[str, int, int]:
        rgba = rgba_of(rgb)
        name = f"pixels-{len(self.files)}"
        self.files[name] = rgba.tobytes()
        return FAKE_PREFIX + name, rgba.shape[1], rgba.shape[0]

    def regions(self, rgb: np.ndarray, *, in_worker: bool = False) -> BrowserResult:
        """regionsFromRgba of the picture's pixels (in a module Worker if asked)."""
        url, width, height = self._put(rgb)
        arg = {
            "module": MODULE,
            "url": url,
            "width": width,
            "height": height,
            "worker": FAKE_PREFIX + WORKER_NAME if in_worker else None,
        }
        result = self.page.evaluate(_RUN, arg)
        self.files.pop(url.rsplit("/", 1)[1])
        if result.get("code") is not None:
            assert result.get("isError", True), "the module threw something other than an Error"
        return BrowserResult(
            result.get("text"), result.get("code"), result.get("message"), result.get("ms")
        )

    def timed_enlarged(self, rgb: np.ndarray, size: tuple[int, int], runs: int) -> dict:
        """{"text", "ms": [per run]} for ``enlarge(rgb, size)`` built in the page."""
        url, width, height = self._put(rgb)
        arg = {
            "module": MODULE,
            "url": url,
            "width": width,
            "height": height,
            "bigWidth": size[0],
            "bigHeight": size[1],
            "runs": runs,
        }
        return self.page.evaluate(_TIMED, arg)


def _web_conftest() -> Any:
    """tests/web/conftest.py as a module of its own (its name is shared by every conftest)."""
    name = "web_conftest_for_regions"
    if name not in sys.modules:
        path = Path(__file__).with_name("conftest.py")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module  # dataclasses look their module up while being made
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


@contextmanager
def shared_regions_page(browser: Any, home: Path) -> Iterator[RegionsPage]:
    """A RegionsPage on its own live server and browser context, for results a whole module
    shares; an uncaught page error fails the test that opened it."""
    import pytest

    web = _web_conftest()
    server = web.start_server(home)
    context = browser.new_context()
    log = web.PageLog()
    try:
        page = context.new_page()
        web.watch(page, log)
        yield RegionsPage(page, server.url).open()
    finally:
        context.close()
        server.stop()
    if log.errors:
        pytest.fail("the page raised errors:\n" + "\n".join(log.errors), pytrace=False)


def rgba_of(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 RGBA, opaque, of an RGB or grey picture."""
    array = np.asarray(rgb, np.uint8)
    if array.ndim == 2:
        array = np.dstack([array] * 3)
    alpha = np.full((*array.shape[:2], 1), 255, np.uint8)
    return np.ascontiguousarray(np.concatenate([array[:, :, :3], alpha], axis=2))


def enlarge(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour enlargement to (width, height), as the timed page builds it."""
    height, width = rgb.shape[:2]
    rows = (np.arange(size[1]) * height) // size[1]
    columns = (np.arange(size[0]) * width) // size[0]
    return np.ascontiguousarray(rgb[rows][:, columns])


def tile_agreement(browser: RegionFingerprint, python: RegionFingerprint, radius: int) -> float:
    """Share of the browser's tiles with a Python tile at about the same place and size whose
    hash is within ``radius`` bits."""
    ours = browser.geometry.astype(np.int64)
    theirs = python.geometry.astype(np.int64)
    near = (np.abs(ours[:, None, :] - theirs[None, :, :]) <= GEOMETRY_SLACK).all(axis=2)
    bits = np.bitwise_count(browser.hashes[:, None] ^ python.hashes[None, :])
    return float(((bits <= radius) & near).any(axis=1).mean())


# --- derived pictures (what a fake made from a protected photo looks like) --------------------


def replace_lower(rgb: np.ndarray, share: float, filler: np.ndarray | None = None) -> np.ndarray:
    """The lower ``share`` of the picture (an arched band) replaced by flat colour, or by the
    same area of ``filler`` (another photo, resized to fit)."""
    height, width = rgb.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width]
    arch = 0.08 * height * np.cos(np.pi * (xx / width - 0.5))
    mask = yy >= (1 - share) * height - arch + 0.04 * height
    out = rgb.copy()
    if filler is None:
        out[mask] = (205, 120, 160)
    else:
        other = np.asarray(Image.fromarray(filler).convert("RGB").resize((width, height)))
        out[mask] = other[mask]
    return out


def crop(rgb: np.ndarray, share: float) -> np.ndarray:
    height, width = rgb.shape[:2]
    dh, dw = round(height * share), round(width * share)
    return np.ascontiguousarray(
        rgb[dh // 3 : height - dh + dh // 3, dw // 2 : width - dw + dw // 2]
    )


def pad(rgb: np.ndarray, share: float) -> np.ndarray:
    height, width = rgb.shape[:2]
    dh, dw = round(height * share), round(width * share)
    out = np.empty((height + dh, width + dw, 3), np.uint8)
    out[:] = (40, 190, 100)
    out[dh // 2 : dh // 2 + height, dw // 3 : dw // 3 + width] = rgb
    return out


def rotate(rgb: np.ndarray, degrees: float) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).rotate(degrees, Image.Resampling.BICUBIC))


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))
