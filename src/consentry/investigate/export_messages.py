"""One message object of a Telegram Desktop JSON export, turned into an ``ExportMessage``.

Fields are taken as Telegram writes them. A message whose id or date cannot be read is refused
(``MessageError``); a wrong-typed optional field is dropped. Service messages (joins, pins, title
changes) are not posts and are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from consentry.investigate.records import ExportMessage

# Telegram's "media_type" for files; a file without one is a plain document.
_FILE_KINDS = {
    "animation": "animation",
    "video_file": "video",
    "video_message": "video_note",
    "sticker": "sticker",
    "voice_message": "voice",
    "audio_file": "audio",
}


class MessageError(ValueError):
    """A message that cannot be read; ``where`` names it for the problem report."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where


@dataclass(frozen=True)
class MediaRef:
    """The media field of a message before its path is checked."""

    kind: str
    value: str | None  # the path, Telegram's "not included" placeholder, or None when absent
    mime: str | None


def parse_message(
    export: str, header: dict[str, Any], raw: Any
) -> tuple[ExportMessage, MediaRef | None] | None:
    """The message and its media reference, or None for service messages."""
    if not isinstance(raw, dict):
        raise MessageError("message", "a message is not a JSON object")
    if raw.get("type", "message") != "message":
        return None
    message_id = raw.get("id")
    if not _is_int(message_id):
        raise MessageError("message", f"message id is {type(message_id).__name__}, not a number")
    message = ExportMessage(
        export=export,
        chat_id=int(header["id"]),
        chat_name=_text_field(header.get("name")),
        chat_type=_text_field(header.get("type")),
        message_id=int(message_id),
        date=parse_date(raw, message_id),
        sender=_text_field(raw.get("from")),
        sender_id=_text_field(raw.get("from_id")),
        forwarded_from=_text_field(raw.get("forwarded_from")),
        saved_from=_text_field(raw.get("saved_from")),
        via_bot=_text_field(raw.get("via_bot")),
        reply_to=_int_field(raw.get("reply_to_message_id")),
        text=plain_text(raw.get("text")),
        media=None,
    )
    return message, media_ref(raw)


def parse_date(raw: dict[str, Any], message_id: Any) -> datetime:
    """UTC from ``date_unixtime``; else ``date`` (the exporter's local time, taken as UTC)."""
    unix = raw.get("date_unixtime")
    try:
        if unix is not None:
            return datetime.fromtimestamp(int(unix), UTC)
        return datetime.fromisoformat(str(raw["date"])).replace(tzinfo=UTC)
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        raise MessageError(f"message {message_id}", "no readable date") from None


def plain_text(value: Any) -> str:
    """``text`` as plain text: a string, or a list of strings and {"type", "text"} parts."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return ""
    parts = (
        p if isinstance(p, str) else p.get("text") if isinstance(p, dict) else "" for p in value
    )
    return "".join(p for p in parts if isinstance(p, str))


def media_ref(raw: dict[str, Any]) -> MediaRef | None:
    mime = _text_field(raw.get("mime_type"))
    if "photo" in raw:
        return MediaRef("photo", _text_field(raw["photo"]), mime)
    if "file" in raw or "media_type" in raw:
        kind = _FILE_KINDS.get(str(raw.get("media_type")), "file")
        return MediaRef(kind, _text_field(raw.get("file")), mime)
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_field(value: Any) -> int | None:
    return int(value) if _is_int(value) else None


def _text_field(value: Any) -> str | None:
    return value if isinstance(value, str) else None
