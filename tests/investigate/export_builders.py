"""Building Telegram Desktop JSON exports for tests: both layouts, every field and media kind.

Images are scikit-image's sample photos or shapes drawn here, shrunk to a few dozen pixels;
videos are a handful of frames of them. ``message()`` describes one message and the file it
carries; ``build_chat_export`` and ``build_account_export`` write result.json and the files.
Messages are written one at a time, so a generator of 100k messages needs little memory.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image, ImageDraw
from skimage import data as samples

NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
START = datetime(2020, 10, 1, 12, 0, tzinfo=UTC)
SAMPLES = ("astronaut", "coffee", "chelsea", "rocket", "camera")

# kind -> (field, folder, file name pattern, media_type, mime type)
_KINDS: dict[str, tuple[str, str, str, str | None, str | None]] = {
    "photo": ("photo", "photos", "photo_{id}@01-10-2020_12-00-00.jpg", None, None),
    "video": ("file", "video_files", "clip_{id}.mp4", "video_file", "video/mp4"),
    "animation": ("file", "video_files", "loop_{id}.gif.mp4", "animation", "video/mp4"),
    "video_note": ("file", "round_video_messages", "file_{id}.mp4", "video_message", "video/mp4"),
    "sticker": ("file", "stickers", "sticker_{id}.webp", "sticker", "image/webp"),
    "voice": ("file", "voice_messages", "audio_{id}.ogg", "voice_message", "audio/ogg"),
    "audio": ("file", "files", "song_{id}.mp3", "audio_file", "audio/mpeg"),
    "file": ("file", "files", "document_{id}.png", None, "image/png"),
}
MEDIA_KINDS = tuple(_KINDS)


@cache
def sample_photo(name: str = "astronaut", size: int = 64, fmt: str = "JPEG") -> bytes:
    """One of scikit-image's sample photos, ``size`` pixels wide, encoded as ``fmt``."""
    pixels = getattr(samples, name)()
    image = Image.fromarray(pixels).convert("RGB")
    image = image.resize((size, max(1, size * image.height // image.width)))
    return _encode(image, fmt)


@cache
def drawn_photo(seed: int, size: int = 64, fmt: str = "JPEG") -> bytes:
    """Coloured rectangles and ellipses placed by ``seed``: distinct pictures for distinct seeds."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x0, y0 = (int(v) for v in rng.integers(0, size // 2, 2))
        x1, y1 = x0 + int(rng.integers(8, size // 2)), y0 + int(rng.integers(8, size // 2))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x0, y0, x1, y1), fill=colour)
    return _encode(image, fmt)


@cache
def sample_video(name: str = "rocket", frames: int = 6) -> bytes:
    """A short H.264 MP4 panning across a sample photo, made in memory."""
    photo = np.asarray(Image.open(io.BytesIO(sample_photo(name, 160))).convert("RGB"))
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(frames):
            crop = np.ascontiguousarray(photo[10 : 10 + 48, 4 * i : 4 * i + 64])
            container.mux(stream.encode(av.VideoFrame.from_ndarray(crop, format="rgb24")))
        container.mux(stream.encode())
    return out.getvalue()


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def default_content(kind: str) -> bytes:
    if kind in ("video", "animation", "video_note"):
        return sample_video()
    if kind == "sticker":
        return sample_photo("coffee", 64, "WEBP")
    if kind in ("voice", "audio"):
        return b"not audio: these tests never decode it"
    if kind == "file":
        return sample_photo("chelsea", 64, "PNG")
    return sample_photo()


@dataclass
class MessageSpec:
    """A message as Telegram writes it (``data``) and the file it refers to, if any."""

    data: dict[str, Any]
    relative: str | None = None  # path inside the chat's folder; written when content is set
    content: bytes | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # extra files, e.g. a thumbnail
    chat_relative: bool = True  # paths are inside the chat's folder (False: written verbatim)


def message(
    id: int,
    *,
    kind: str | None = None,
    content: bytes | None = None,
    path: str | None = None,
    exported: bool = True,
    write: bool = True,
    date: datetime | None = None,
    unixtime: bool = True,
    sender: str | None = "Alice",
    sender_id: str | None = "user1001",
    text: str | list[Any] = "",
    forwarded_from: str | None = None,
    saved_from: str | None = None,
    via_bot: str | None = None,
    reply_to: int | None = None,
    thumbnail: bool = False,
    service: bool = False,
    extra: dict[str, Any] | None = None,
) -> MessageSpec:
    """One message. ``kind`` adds media (see MEDIA_KINDS): ``content`` defaults to a benign
    image or video; ``path`` overrides the path written (for malicious paths); ``exported=False``
    writes Telegram's "not included" placeholder; ``write=False`` leaves the file missing."""
    when = date or START + timedelta(minutes=id)
    data: dict[str, Any] = {"id": id, "type": "service" if service else "message"}
    data["date"] = when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    if unixtime:
        data["date_unixtime"] = str(int(when.timestamp()))
    data["from"], data["from_id"] = sender, sender_id
    optional = {"forwarded_from": forwarded_from, "saved_from": saved_from, "via_bot": via_bot}
    optional["reply_to_message_id"] = reply_to
    data.update({key: value for key, value in optional.items() if value is not None})
    if service:
        data["action"] = "pin_message"
    spec = MessageSpec(data)
    if kind is not None:
        _add_media(spec, kind, content, path, exported, write, thumbnail)
    data["text"] = text
    data.update(extra or {})
    return spec


def _add_media(
    spec: MessageSpec,
    kind: str,
    content: bytes | None,
    path: str | None,
    exported: bool,
    write: bool,
    thumbnail: bool,
) -> None:
    name, folder, pattern, media_type, mime = _KINDS[kind]
    relative = path or f"{folder}/{pattern.format(id=spec.data['id'])}"
    spec.chat_relative = path is None
    spec.data[name] = relative if exported else NOT_INCLUDED
    if media_type:
        spec.data["media_type"] = media_type
    if mime:
        spec.data["mime_type"] = mime
    if thumbnail and exported:
        spec.data["thumbnail"] = f"{relative}_thumb.jpg"
        spec.files[f"{relative}_thumb.jpg"] = sample_photo("camera", 32)
    if exported and write and path is None:
        spec.relative, spec.content = relative, content or default_content(kind)
    elif exported and write and content is not None:
        spec.relative, spec.content = relative, content


@dataclass
class ChatSpec:
    """One chat of a full-account export."""

    name: str | None
    messages: Iterable[MessageSpec]
    chat_type: str = "public_channel"
    chat_id: int = 1234567890
    left: bool = False  # listed under left_chats


def chat(name: str | None, messages: Iterable[MessageSpec], **options: Any) -> ChatSpec:
    return ChatSpec(name, messages, **options)


def build_chat_export(
    directory: Path,
    messages: Iterable[MessageSpec],
    *,
    name: str | None = "Test channel",
    chat_type: str = "public_channel",
    chat_id: int = 1234567890,
) -> Path:
    """A single-chat export (``ChatExport_*/result.json``) in ``directory``; returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "result.json").open("w", encoding="utf-8") as out:
        out.write("{\n")
        out.write(_header(name, chat_type, chat_id))
        _write_messages(out, directory, "", messages)
        out.write("}\n")
    return directory


def build_account_export(directory: Path, chats: Sequence[ChatSpec]) -> Path:
    """A full-account export (``DataExport_*/result.json``, media under chats/chat_NN/)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "result.json").open("w", encoding="utf-8") as out:
        out.write('{\n "about": "Here is the data you requested.",\n')
        out.write(' "personal_information": {"user_id": 1001, "first_name": "Alice"},\n')
        for section, left in (("chats", False), ("left_chats", True)):
            out.write(f' "{section}": {{"about": "Chats.", "list": [\n')
            listed = [(n, c) for n, c in enumerate(chats, 1) if c.left == left]
            for position, (number, spec) in enumerate(listed):
                out.write("  {\n" + _header(spec.name, spec.chat_type, spec.chat_id))
                _write_messages(out, directory, f"chats/chat_{number:02d}/", spec.messages)
                out.write("  }" + ("," if position < len(listed) - 1 else "") + "\n")
            out.write(" ]}" + ("," if not left else "") + "\n")
        out.write("}\n")
    return directory


def _header(name: str | None, chat_type: str, chat_id: int) -> str:
    fields = {"name": name, "type": chat_type, "id": chat_id}
    return "".join(f" {json.dumps(k)}: {json.dumps(v)},\n" for k, v in fields.items())


def _write_messages(
    out: io.TextIOBase, root: Path, prefix: str, messages: Iterable[MessageSpec]
) -> None:
    out.write(' "messages": [\n')
    first = True
    for spec in messages:
        data = dict(spec.data)
        for key in ("photo", "file", "thumbnail"):
            value = data.get(key)
            if spec.chat_relative and isinstance(value, str) and value != NOT_INCLUDED:
                data[key] = prefix + value
        out.write(("" if first else ",\n") + "  " + json.dumps(data, ensure_ascii=False))
        first = False
        files = dict(spec.files)
        if spec.relative is not None and spec.content is not None:
            files[spec.relative] = spec.content
        for relative, content in files.items():
            target = root / prefix / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    out.write("\n ]\n")
