"""Typed media errors: one class per failure, each with a stable kebab-case ``code``.

Messages name the file when its name is known and say in plain words what is wrong. The errors
pickle cleanly (they cross process pools), because the only constructor argument stored in
``args`` is the final message.
"""

from __future__ import annotations

from consentry.errors import ConsentryError


class MediaError(ConsentryError):
    """Base class for everything that can go wrong reading or decoding media."""

    code = "media-error"

    def __init__(self, message: str, *, name: str | None = None, code: str | None = None) -> None:
        super().__init__(f"{name}: {message}" if name else message, code=code)


class EmptyFile(MediaError):
    code = "empty-file"


class UnsupportedFormat(MediaError):
    code = "unsupported-format"


class Truncated(MediaError):
    code = "truncated"


class Corrupt(MediaError):
    code = "corrupt"


class TooLarge(MediaError):
    code = "too-large"


class TooManyPixels(MediaError):
    code = "too-many-pixels"


class TooManyFrames(MediaError):
    code = "too-many-frames"


class TooLong(MediaError):
    code = "too-long"


class TooDeeplyNested(MediaError):
    code = "too-deeply-nested"


class HeifNotInstalled(MediaError):
    code = "heif-not-installed"


class Unreadable(MediaError):
    code = "unreadable"
