"""Fixtures of the Telegram bot tests.

- ``bot_api``: a started ``FakeBotApi`` (real HTTP on 127.0.0.1), stopped after the test;
  the test fails if anything called a media-posting method (sendPhoto, forwardMessage...).
- ``benign_jpeg(name="astronaut", size=256)`` / ``benign_png(...)``: a scikit-image sample
  photo (astronaut, coffee, chelsea, rocket, camera) scaled so its longer side is ``size``,
  encoded in memory.
- ``drawn_jpeg(seed, size=256)``: an image of random shapes the test draws; different seeds
  give unrelated images (for "a clean image is left alone").
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterator
from functools import lru_cache

import numpy as np
import pytest
from PIL import Image, ImageDraw

from .fake_bot_api import FakeBotApi

SAMPLES = ("astronaut", "coffee", "chelsea", "rocket", "camera")


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    try:
        yield api
    finally:
        api.stop()
    if api.reposts:
        methods = sorted({call.method for call in api.reposts})
        pytest.fail(f"the bot tried to post media ({', '.join(methods)}): it must never re-post")


@pytest.fixture
def benign_jpeg() -> Callable[..., bytes]:
    def make(name: str = "astronaut", size: int = 256) -> bytes:
        return encode(sample_image(name, size), "JPEG")

    return make


@pytest.fixture
def benign_png() -> Callable[..., bytes]:
    def make(name: str = "astronaut", size: int = 256) -> bytes:
        return encode(sample_image(name, size), "PNG")

    return make


@pytest.fixture
def drawn_jpeg() -> Callable[..., bytes]:
    def make(seed: int, size: int = 256) -> bytes:
        return encode(drawn_image(seed, size), "JPEG")

    return make


@lru_cache(maxsize=16)
def _sample_array(name: str) -> np.ndarray:
    from skimage import data

    if name not in SAMPLES:
        raise ValueError(f"unknown sample {name!r}: one of {SAMPLES}")
    return getattr(data, name)()


def sample_image(name: str = "astronaut", size: int = 256) -> Image.Image:
    image = Image.fromarray(_sample_array(name)).convert("RGB")
    image.thumbnail((size, size))
    return image


def drawn_image(seed: int, size: int = 256) -> Image.Image:
    rng = random.Random(seed)
    image = Image.new("RGB", (size, size), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        left, right = sorted(rng.randrange(size) for _ in range(2))
        top, bottom = sorted(rng.randrange(size) for _ in range(2))
        corners = (left, top, right + 1, bottom + 1)
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle(corners, fill=colour)
        else:
            draw.ellipse(corners, fill=colour)
    return image


def encode(image: Image.Image, format: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **({"quality": 90} if format == "JPEG" else {}))
    return out.getvalue()
