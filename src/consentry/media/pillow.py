"""Running Pillow safely: per-call pixel limits and its exceptions mapped to media errors."""

from __future__ import annotations

import struct
import threading
import warnings
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, UnidentifiedImageError

from consentry.media.errors import Corrupt, MediaError, TooManyPixels, Truncated
from consentry.media.limits import Limits
from consentry.media.sniff import format_label
from consentry.media.structure import HAS_END_CHECK, looks_truncated

_lock = threading.Lock()
_active_limits: Counter[int] = Counter()
_saved_global: list[int | None] = []


@contextmanager
def pillow_pixel_limit(max_pixels: int) -> Iterator[None]:
    """Let Pillow's own decompression-bomb check use ``max_pixels`` for the duration of a call.

    Pillow only has a process-wide setting (``Image.MAX_IMAGE_PIXELS``, an error at twice its
    value). While calls are active it is set to the largest active limit and restored after the
    last one; our own exact check runs on the header size before any decoding, so a looser
    Pillow setting for a concurrent call is harmless. Pillow's warning is silenced: it is not
    how limits are enforced here.
    """
    _enter_limit(max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    finally:
        _exit_limit(max_pixels)


def _enter_limit(max_pixels: int) -> None:
    with _lock:
        if not _active_limits:
            _saved_global.append(Image.MAX_IMAGE_PIXELS)
        _active_limits[max_pixels] += 1
        Image.MAX_IMAGE_PIXELS = max(_active_limits)


def _exit_limit(max_pixels: int) -> None:
    with _lock:
        _active_limits[max_pixels] -= 1
        if _active_limits[max_pixels] <= 0:
            del _active_limits[max_pixels]
        Image.MAX_IMAGE_PIXELS = max(_active_limits) if _active_limits else _saved_global.pop()


def check_pixels(size: tuple[int, int], name: str | None, limits: Limits, what: str = "") -> None:
    """Refuse a frame of ``size`` (width, height) above ``limits.max_pixels``."""
    width, height = size
    if width <= 0 or height <= 0:
        raise Corrupt(f"the {what or 'image'} claims an empty size {width}x{height}", name=name)
    if width * height > limits.max_pixels:
        raise TooManyPixels(
            f"the {what or 'image'} is {width}x{height} = {width * height:,} pixels, more than "
            f"the limit of {limits.max_pixels:,}",
            name=name,
        )


# Exceptions Pillow (and its plugins) raise for bad data. Anything else is a bug, not bad media.
_DECODER_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    zlib.error,
    ZeroDivisionError,
    OverflowError,
)


@contextmanager
def decoder_errors(data: bytes, fmt: str, name: str | None) -> Iterator[None]:
    """Map exceptions from decoding ``data`` (sniffed as ``fmt``) to typed media errors."""
    try:
        yield
    except MediaError:
        raise
    except Image.DecompressionBombError as err:
        raise TooManyPixels(f"refused as a decompression bomb: {err}", name=name) from None
    except _DECODER_ERRORS as err:
        raise classify_failure(data, fmt, name, err) from None


def classify_failure(data: bytes, fmt: str, name: str | None, err: BaseException) -> MediaError:
    """``Truncated`` if the file looks cut short, else ``Corrupt``; naming the format."""
    label = format_label(fmt)
    if isinstance(err, UnidentifiedImageError):
        detail = "its header cannot be parsed"
    else:
        detail = str(err).strip() or type(err).__name__
    if fmt in HAS_END_CHECK:
        cut_short = looks_truncated(data, fmt)
    else:
        words = detail.lower()
        cut_short = isinstance(err, EOFError) or "truncated" in words or "end of file" in words
    if cut_short:
        return Truncated(f"the {label} file is cut short ({detail})", name=name)
    return Corrupt(f"the {label} data is damaged and cannot be decoded ({detail})", name=name)
