"""The records an investigation passes between its stages.

An ``ExportMessage`` is one message read from a Telegram Desktop JSON export, with the media
file it refers to already path-checked; an ``ExportProblem`` is what could not be read; an
``ItemResult`` is what assessing one message's media found. None of them holds media: the
message text stays in memory only (for the caption's language) and is never written out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

MEDIA_KINDS = ("photo", "video", "animation", "video_note", "sticker", "voice", "audio", "file")

# Chat types whose messages have a public t.me/c/ link (members can open them).
_LINKABLE_TYPES = ("supergroup", "channel")


@dataclass(frozen=True)
class MediaFile:
    """The media a message carries, as the export describes it and as found on disk."""

    kind: str  # one of MEDIA_KINDS
    relative: str | None  # the path as the export wrote it; None if absent
    path: Path | None  # resolved, inside the export; None when refused or missing
    mime: str | None
    size: int | None  # bytes on disk when present
    # None, or: not-exported | missing-file | path-outside-export | symlink-outside-export |
    # absolute-path | unreadable
    problem: str | None = None


@dataclass(frozen=True)
class ExportMessage:
    """One message of one chat of one export."""

    export: str  # the export directory as given
    chat_id: int
    chat_name: str | None
    chat_type: str | None  # e.g. public_channel, private_supergroup, personal_chat
    message_id: int
    date: datetime  # aware, UTC
    sender: str | None
    sender_id: str | None  # "user123" / "channel456" as Telegram writes it
    forwarded_from: str | None
    saved_from: str | None
    via_bot: str | None
    reply_to: int | None
    text: str  # in memory only (caption language); never written to any output
    media: MediaFile | None

    @property
    def identity(self) -> tuple[int, int]:
        return (self.chat_id, self.message_id)

    def link(self) -> str | None:
        """The message's t.me link for supergroups and channels; None for private chats."""
        if not self.chat_type or not any(t in self.chat_type for t in _LINKABLE_TYPES):
            return None
        return f"https://t.me/c/{_bare_channel_id(self.chat_id)}/{self.message_id}"


def _bare_channel_id(chat_id: int) -> int:
    """Exports write channel ids bare; the Bot API's -100 prefix is removed if present."""
    if chat_id >= 0:
        return chat_id
    digits = str(-chat_id)
    return int(digits[3:]) if digits.startswith("100") and len(digits) > 3 else -chat_id


@dataclass(frozen=True)
class ExportProblem:
    """Something in an export that could not be read as it should; reported, never fatal."""

    export: str
    where: str  # the file and, when known, the message id or byte offset
    # truncated-json | bad-json | path-outside-export | missing-file | bad-field |
    # bad-encoding | unknown-layout
    code: str
    message: str


@dataclass
class ItemResult:
    """What assessing one message's media found: fingerprints, signals, decision — no media."""

    identity: tuple[int, int]
    sha256: str | None = None
    md5: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    vpdq_frames: int | None = None
    matches: list[dict[str, Any]] = field(default_factory=list)  # Match.to_json()
    findings: list[dict[str, Any]] = field(default_factory=list)  # Finding.to_json()
    decision: dict[str, Any] | None = None  # Decision.to_json()
    nudity: float | None = None
    synthetic: bool = False  # provenance says AI-generated
    flagged: bool = False  # decision is block or review, or any match
    error: str | None = None  # "code: message" when the media could not be assessed

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["identity"] = list(self.identity)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ItemResult:
        chat_id, message_id = data["identity"]
        return cls(
            identity=(int(chat_id), int(message_id)),
            sha256=data.get("sha256"),
            md5=data.get("md5"),
            pdq=data.get("pdq"),
            pdq_quality=data.get("pdq_quality"),
            vpdq_frames=data.get("vpdq_frames"),
            matches=list(data.get("matches") or []),
            findings=list(data.get("findings") or []),
            decision=data.get("decision"),
            nudity=data.get("nudity"),
            synthetic=bool(data.get("synthetic", False)),
            flagged=bool(data.get("flagged", False)),
            error=data.get("error"),
        )
