"""Which media a message holds, and fetching it into memory (never onto disk).

Photos: the largest size. Videos, animations, video notes, documents with an image or
video type: the file. Stickers: a static (webp) sticker itself; video and animated (tgs)
stickers: their thumbnail. A file larger than the bot may download (20 MB on Telegram's
servers) is checked through its thumbnail; without one it raises ``MediaTooLarge``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Protocol

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import Message, PhotoSize

from consentry.errors import ConsentryError
from consentry.telegram.calls import call

DOWNLOAD_TIMEOUT = 60  # seconds
CHECKED_DOCUMENT_TYPES = ("image/", "video/")


class MediaTooLarge(ConsentryError):
    """The file is over the download limit and has no thumbnail to check instead."""

    code = "too-large"


class MediaUnavailable(ConsentryError):
    """Telegram would not hand the file over (gone, or refused)."""

    code = "media-unavailable"


@dataclass(frozen=True)
class MediaRef:
    kind: str  # a MEDIA_TYPES name: photo, video, animation, document, sticker, video_note
    file_id: str
    file_unique_id: str
    file_size: int | None
    thumbnail: MediaRef | None = None


def media_of(message: Message) -> MediaRef | None:
    """The media of ``message`` worth checking, or None (text, audio, other documents)."""
    if message.photo:  # sizes from small to large; the next one down stands in if needed
        smaller = message.photo[-2] if len(message.photo) > 1 else None
        return _ref("photo", message.photo[-1], smaller)
    if message.animation is not None:  # before document: animations carry one too
        item = message.animation
        return _ref("animation", item, item.thumbnail)
    if message.video is not None:
        return _ref("video", message.video, message.video.thumbnail)
    if message.video_note is not None:
        return _ref("video_note", message.video_note, message.video_note.thumbnail)
    if message.sticker is not None:
        sticker = message.sticker
        if sticker.is_video or sticker.is_animated:
            if sticker.thumbnail is None:
                return None
            return _ref("sticker", sticker.thumbnail)
        return _ref("sticker", sticker, sticker.thumbnail)
    document = message.document
    if document is not None and (document.mime_type or "").startswith(CHECKED_DOCUMENT_TYPES):
        return _ref("document", document, document.thumbnail)
    return None


class _TelegramFile(Protocol):
    """What every aiogram media object (PhotoSize, Video, Sticker...) has."""

    file_id: str
    file_unique_id: str
    file_size: int | None


def _ref(kind: str, item: _TelegramFile, thumbnail: PhotoSize | None = None) -> MediaRef:
    thumb = None if thumbnail is None else _ref(kind, thumbnail)
    return MediaRef(kind, item.file_id, item.file_unique_id, item.file_size, thumb)


async def download(bot: Bot, ref: MediaRef, *, max_bytes: int) -> tuple[bytes, MediaRef]:
    """The bytes of ``ref`` (or of its thumbnail when ``ref`` is too large) in memory, and
    which of the two they are."""
    if ref.file_size is not None and ref.file_size > max_bytes:
        return await _thumbnail(bot, ref, max_bytes)
    try:
        return await _fetch(bot, ref, max_bytes), ref
    except MediaTooLarge:
        return await _thumbnail(bot, ref, max_bytes)


async def _thumbnail(bot: Bot, ref: MediaRef, max_bytes: int) -> tuple[bytes, MediaRef]:
    if ref.thumbnail is None:
        size = f"{ref.file_size / 1024 / 1024:.1f} MB " if ref.file_size else ""
        raise MediaTooLarge(
            f"the {ref.kind} ({size}over the {max_bytes // (1024 * 1024)} MB download limit) "
            "has no thumbnail: too large to check"
        )
    return await _fetch(bot, ref.thumbnail, max_bytes), ref.thumbnail


async def _fetch(bot: Bot, ref: MediaRef, max_bytes: int) -> bytes:
    try:
        file = await call(lambda: bot.get_file(ref.file_id))
    except TelegramBadRequest as error:
        if "too big" in error.message.lower():
            raise MediaTooLarge(f"Telegram says the {ref.kind} is too big to download") from None
        raise MediaUnavailable(f"getFile failed for the {ref.kind}: {error.message}") from None
    except TelegramAPIError as error:  # forbidden, not found, or still failing after retries
        raise MediaUnavailable(f"getFile failed for the {ref.kind}: {error.message}") from None
    if file.file_path is None:
        raise MediaUnavailable(f"Telegram gave no download path for the {ref.kind}")
    if file.file_size is not None and file.file_size > max_bytes:
        raise MediaTooLarge(f"the {ref.kind} is over the download limit")
    path = file.file_path

    async def fetched() -> bytes:
        buffer = io.BytesIO()  # a fresh one per try: a failed try may have written part
        await bot.download_file(path, destination=buffer, timeout=DOWNLOAD_TIMEOUT)
        return buffer.getvalue()

    try:
        data = await call(fetched)
    except aiohttp.ClientError as error:
        raise MediaUnavailable(
            f"downloading the {ref.kind} failed: {type(error).__name__}"
        ) from None
    if len(data) > max_bytes:
        raise MediaTooLarge(f"the {ref.kind} is over the download limit")
    return data
