"""A fake Telegram Bot API server for tests: real HTTP on 127.0.0.1, in a background thread.

    api = FakeBotApi().start()          # or the ``bot_api`` fixture
    api.add_chat(-100123)               # the bot is an admin that may delete and restrict
    message = api.post_photo(-100123, 42, jpeg_bytes)
    ...                                 # the bot under test polls getUpdates at api.url
    assert (-100123, message["message_id"]) in api.deleted

The server answers as the cloud Bot API does for the methods a moderation bot uses
(``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...}``),
with the same error texts for the cases that matter: missing rights, the 48-hour delete
window, files over 20 MB, unknown messages, flood limits (``fail_next(..., retry_after=N)``).
Parameters are read from query strings, urlencoded or multipart forms (nested objects as
JSON, as aiogram sends them) and JSON bodies.

Telegram's traps are kept: editMessageText without ``reply_markup`` drops the buttons,
unbanChatMember without ``only_if_banned`` removes a member from the chat, a second
getUpdates ends the first with 409, answering a callback query twice fails, HTML and
MarkdownV2 texts are parsed (bad markup fails). Methods that would post media (sendPhoto,
forwardMessage, copyMessage...) are refused and listed in ``reposts``: the bot must never
re-post media.

Deliberate differences from the cloud API: ``setWebhook`` accepts plain ``http://`` URLs
(as a self-hosted Bot API server does), webhook deliveries happen only when the test calls
``deliver_webhook()``, and ids are small numbers.

Everything the tests look at (``calls``, ``deleted``, ``banned``...) is a copy taken under a
lock: the server thread and the test may touch the state at the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import io
import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict, TypeVar, Unpack

import httpx
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from .fake_bot_api_text import Rejected, command_entities, formatted_text, inline_markup

BOT_ID = 123456
TOKEN = f"{BOT_ID}:TEST-token"
BOT_USERNAME = "consentry_test_bot"
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
DELETE_WINDOW_SECONDS = 48 * 3600
POLL_INTERVAL = 0.01  # how often a waiting getUpdates looks for new updates

# The service accounts Telegram puts in ``from`` for posts made as a chat.
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
GROUP_ANONYMOUS_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}

ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
    "can_pin_messages",
    "can_manage_topics",
    "can_post_messages",
    "can_edit_messages",
)
PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
# Methods that would put media in a chat: the bot must never call them (the fake refuses).
MEDIA_POSTING_METHODS = frozenset(
    name.lower()
    for name in (
        "sendPhoto",
        "sendVideo",
        "sendAnimation",
        "sendDocument",
        "sendSticker",
        "sendVideoNote",
        "sendAudio",
        "sendVoice",
        "sendMediaGroup",
        "sendPaidMedia",
        "forwardMessage",
        "forwardMessages",
        "copyMessage",
        "copyMessages",
        "editMessageMedia",
    )
)
STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
DEFAULT_BOT_RIGHTS = {"can_delete_messages": True, "can_restrict_members": True}

# Parameters that are plain strings even when they look like JSON ("123", "true").
TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "description",
        "short_description",
        "url",
        "secret_token",
        "callback_query_id",
        "inline_message_id",
        "custom_title",
        "file_id",
        "name",
        "language_code",
        "parse_mode",
        "ip_address",
        "data",
        "query",
    }
)

MESSAGE_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
NOT_ENOUGH_RIGHTS_TO_RESTRICT = "Bad Request: not enough rights to restrict/unrestrict chat member"
TERMINATED_BY_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"

T = TypeVar("T")


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Call:
    """One Bot API request as the server saw it: ``params`` decoded (JSON fields parsed).
    ``error`` is the description of the error answered, None when the call succeeded."""

    method: str
    params: dict[str, Any]
    error: str | None = None


@dataclass
class _Fault:
    error_code: int
    description: str
    retry_after: int | None
    disconnect: bool = False

    def error(self) -> ApiError:
        if self.disconnect:
            return _Disconnect(0, "the server closed the connection")
        return ApiError(self.error_code, self.description, self.retry_after)


class _Disconnect(ApiError):
    """A fault answered by closing the connection without a response."""


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_size: int
    file_path: str

    def info(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: list[dict[str, Any]] = field(default_factory=list)


class PostOptions(TypedDict, total=False):
    """Options every ``post_*`` method takes.

    caption: the media's caption. date: a datetime or unix time (default now; use an old one
    to test the 48-hour delete window). sender_chat: the chat id (or Chat dict) the message is
    posted as: a channel id for a channel identity, the group's own id for an anonymous admin.
    edited: queue an ``edited_message`` instead of a ``message`` (with ``message_id`` of the
    message it replaces). message_id: use this id (default: the chat's next one)."""

    caption: str | None
    date: datetime | int | None
    sender_chat: int | dict[str, Any] | None
    edited: bool
    message_id: int | None


# New bytes, or a file dict (add_file / a message's media) to post the same file again.
Media = bytes | dict[str, Any]


class FakeBotApi:
    """The fake server and its scenario. See the module docstring."""

    def __init__(self, *, max_download_bytes: int = MAX_DOWNLOAD_BYTES) -> None:
        """``max_download_bytes``: getFile's limit (20 MB in the cloud; a self-hosted Bot API
        server in ``--local`` mode allows up to 2000 MB)."""
        self.max_download_bytes = max_download_bytes
        self.token = TOKEN
        self.bot: dict[str, Any] = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Consentry Test",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }
        self.url = ""
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._members: dict[tuple[int, int], dict[str, Any]] = {}
        self._files: dict[str, _StoredFile] = {}
        self._paths: dict[str, _StoredFile] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = {}
        self._sent: list[tuple[int, int]] = []
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 100_001
        self._callbacks: dict[str, dict[str, Any]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._calls: list[Call] = []
        self._deleted: set[tuple[int, int]] = set()
        self._banned: set[tuple[int, int]] = set()
        self._unbanned: set[tuple[int, int]] = set()
        self._restricted: dict[tuple[int, int], dict[str, Any]] = {}
        self._banned_sender_chats: set[tuple[int, int]] = set()
        self._unbanned_sender_chats: set[tuple[int, int]] = set()
        self._answered: list[dict[str, Any]] = []
        self._downloads: list[str] = []
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._webhook: _Webhook | None = None
        self._poll_generation = 0
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = self._method_table()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotApi:
        """Serve on a free 127.0.0.1 port; ``url`` is set when this returns."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(sock, ready), name="fake-bot-api", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Bot API server did not start")
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self._stopping.set()
        if self._runner is not None:
            future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
            future.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._loop = None
        self._thread = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll whose client went away ends (no phantom poller).
        self._runner = web.AppRunner(
            app, shutdown_timeout=1.0, access_log=None, handler_cancellation=True
        )
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.SockSite(self._runner, sock).start())
        ready.set()
        self._loop.run_forever()

    def aiogram_bot(self) -> Bot:
        """An aiogram ``Bot`` talking to this server (close its session when done)."""
        session = AiohttpSession(api=TelegramAPIServer.from_base(self.url))
        return Bot(self.token, session=session)

    # ------------------------------------------------------------------ scenario

    def add_chat(
        self,
        chat_id: int,
        *,
        type: str = "supergroup",
        title: str = "Test group",
        username: str | None = None,
    ) -> dict[str, Any]:
        """A chat the bot is in. In groups and channels the bot is an administrator that may
        delete messages and restrict members (change it with ``set_bot_rights``)."""
        if type not in ("private", "group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {type!r}")
        chat: dict[str, Any] = {"id": chat_id, "type": type}
        if type == "private":
            user = self.user(chat_id)
            chat["first_name"] = user["first_name"]
            if user.get("username"):
                chat["username"] = user["username"]
        else:
            chat["title"] = title
            if username:
                chat["username"] = username
        with self._lock:
            self._chats[chat_id] = chat
            if type != "private" and (chat_id, BOT_ID) not in self._members:
                rights = dict(DEFAULT_BOT_RIGHTS)
                if type == "channel":
                    rights.update(can_post_messages=True, can_edit_messages=True)
                self._members[(chat_id, BOT_ID)] = _member_record("administrator", rights)
        return dict(chat)

    def set_member(self, chat_id: int, user_id: int, status: str = "member", **rights: Any) -> None:
        """``user_id``'s status in the chat. ``rights``: administrator rights (``can_*`` of
        ChatMemberAdministrator, the others False) or, for ``restricted``, permissions
        (``can_send_messages``...; the others False) and ``until_date``."""
        self._ensure_chat(chat_id)
        if user_id != BOT_ID:
            self.user(user_id)
        with self._lock:
            self._members[(chat_id, user_id)] = _member_record(status, rights)

    def set_bot_rights(self, chat_id: int, **rights: bool) -> None:
        """The bot as administrator of the chat: ``rights`` change its current ones."""
        self._ensure_chat(chat_id)
        with self._lock:
            current = self._members.get((chat_id, BOT_ID))
            base = (
                {key: current.get(key, False) for key in ADMIN_RIGHTS}
                if current and current["status"] == "administrator"
                else {}
            )
            base.pop("can_manage_chat", None)
            base.update(rights)
            self._members[(chat_id, BOT_ID)] = _member_record("administrator", base)

    def user(
        self, user_id: int, first_name: str | None = None, username: str | None = None
    ) -> dict[str, Any]:
        """The User object of ``user_id`` (made up on first use; names updated if given)."""
        if user_id <= 0:
            raise ValueError(f"a user id is positive (got {user_id}); sender chats are chats")
        with self._lock:
            user = self._users.setdefault(
                user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
            )
            if first_name is not None:
                user["first_name"] = first_name
            if username is not None:
                user["username"] = username
            return dict(user)

    def member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        """The ChatMember object getChatMember would answer now."""
        with self._lock:
            return self._member_object(chat_id, user_id)

    def chat(self, chat_id: int) -> dict[str, Any] | None:
        with self._lock:
            chat = self._chats.get(chat_id)
            return dict(chat) if chat else None

    # ------------------------------------------------------------------ media

    def add_file(
        self,
        data: bytes,
        *,
        file_size: int | None = None,
        path_hint: str = "photos/file.jpg",
    ) -> dict[str, Any]:
        """Store a downloadable file. ``file_size`` may claim more than ``len(data)`` to play
        a big file (getFile refuses files over 20 MB as the cloud API does)."""
        with self._lock:
            number = next(self._ids)
            folder, _, name = path_hint.rpartition("/")
            stem, dot, suffix = name.rpartition(".")
            name = f"{stem}_{number}{dot}{suffix}" if dot else f"{name}_{number}"
            stored = _StoredFile(
                file_id=f"AgACAgIAAx0F{number:08d}fake",
                file_unique_id=f"AQAD{number:06d}",
                data=bytes(data),
                file_size=len(data) if file_size is None else file_size,
                file_path=f"{folder}/{name}" if folder else name,
            )
            self._files[stored.file_id] = stored
            self._paths[stored.file_path] = stored
            return stored.info()

    def file_bytes(self, file_id: str) -> bytes:
        with self._lock:
            return self._files[file_id].data

    def _file(self, media: Media, path_hint: str, file_size: int | None = None) -> _StoredFile:
        if isinstance(media, dict):
            with self._lock:
                return self._files[media["file_id"]]
        info = self.add_file(media, file_size=file_size, path_hint=path_hint)
        with self._lock:
            return self._files[info["file_id"]]

    def _photo_sizes(self, media: Media | list[dict[str, Any]]) -> list[dict[str, Any]]:
        if isinstance(media, list):  # a previous message's photo: the same file again
            return copy.deepcopy(media)
        full = self._file(media, "photos/file.jpg")
        width, height = _image_size(full.data) or (1280, 960)
        small = _thumbnail_jpeg(full.data)
        thumb = self._file(small if small is not None else full.data, "photos/thumb.jpg")
        thumb_w, thumb_h = (_image_size(thumb.data) if small else None) or (90, 68)
        return [
            _size_object(thumb, thumb_w, thumb_h),
            _size_object(full, width, height),
        ]

    def _thumbnail_object(self, thumbnail: Media | None) -> dict[str, Any] | None:
        if thumbnail is None:
            return None
        stored = self._file(thumbnail, "thumbnails/file.jpg")
        width, height = _image_size(stored.data) or (320, 180)
        return _size_object(stored, width, height)

    # ------------------------------------------------------------------ posting

    def post_photo(
        self,
        chat_id: int,
        user_id: int | None,
        data: Media | list[dict[str, Any]],
        **options: Unpack[PostOptions],
    ) -> dict[str, Any]:
        """A photo message: a small size (a real thumbnail when ``data`` is an image) and the
        full size, both downloadable. ``data``: bytes, a file dict, or a previous message's
        ``photo`` list (the same file again: same ``file_unique_id``)."""
        return self._post(chat_id, user_id, {"photo": self._photo_sizes(data)}, options)

    def post_video(
        self,
        chat_id: int,
        user_id: int | None,
        data: Media,
        *,
        thumbnail: Media | None = None,
        file_size: int | None = None,
        mime_type: str = "video/mp4",
        **options: Unpack[PostOptions],
    ) -> dict[str, Any]:
        stored = self._file(data, "videos/file.mp4", file_size)
        video = {
            **_media_object(stored),
            "width": 640,
            "height": 360,
            "duration": 3,
            "mime_type": mime_type,
            "file_name": "video.mp4",
        }
        return self._post(chat_id, user_id, {"video": self._with_thumb(video, thumbnail)}, options)

    def post_animation(
        self,
        chat_id: int,
        user_id: int | None,
        data: Media,
        *,
        thumbnail: Media | None = None,
        file_size: int | None = None,
        mime_type: str = "video/mp4",
        file_name: str = "animation.mp4",
        **options: Unpack[PostOptions],
    ) -> dict[str, Any]:
        """An animation (GIF or silent MP4). Telegram also sends it as a ``document``."""
        stored = self._file(data, "animations/file.mp4", file_size)
        animation = self._with_thumb(
            {
                **_media_object(stored),
                "width": 320,
                "height": 240,
                "duration": 2,
                "mime_type": mime_type,
                "file_name": file_name,
            },
            thumbnail,
        )
        document = {k: v for k, v in animation.items() if k not in ("width", "height", "duration")}
        fields = {"animation": animation, "document": document}
        return self._post(chat_id, user_id, fields, options)

    def post_document(
        self,
        chat_id: int,
        user_id: int | None,
        data: Media,
        *,
        mime_type: str = "image/jpeg",
        file_name: str = "image.jpg",
        thumbnail: Media | None = None,
        file_size: int | None = None,
        **options: Unpack[PostOptions],
    ) -> dict[str, Any]:
        stored = self._file(data, f"documents/{file_name}", file_size)
        document = {**_media_object(stored), "mime_type": mime_type, "file_name": file_name}
        fields = {"document": self._with_thumb(document, thumbnail)}
        return self._post(chat_id, user_id, fields, options)

    def post_sticker(
        self,
        chat_id: int,
        user_id: int | None,
        data: Media,
        *,
        is_video: bool = False,
        is_animated: bool = False,
        thumbnail: Media | None = None,
        file_size: int | None = None,
        **options: Unpack[PostOptions],
    ) -> dict[str, Any]:
        suffix = "webm" if is_video else "tgs" if is_animated else "webp"
        stored = self._file(data, f"stickers/file.{suffix}", file_size)
        sticker = {
            **_media_object(stored),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": is_animated,
            "is_video": is_video,
            "emoji": "🙂",
        }
        fields = {"sticker": self._with_thumb(sticker, thumbnail)}
        return self._post(chat_id, user_id, fields, options)

    def post_video_note(
        self,
        chat_id: int,
        user_id: int | None,
        data: Media,
        *,
        thumbnail: Media | None = None,
        file_size: int | None = None,
        **options: Unpack[PostOptions],
    ) -> dict[str, Any]:
        stored = self._file(data, "video_notes/file.mp4", file_size)
        note = {**_media_object(stored), "length": 240, "duration": 3}
        fields = {"video_note": self._with_thumb(note, thumbnail)}
        return self._post(chat_id, user_id, fields, options)

    def post_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        private: bool = False,
        date: datetime | int | None = None,
    ) -> dict[str, Any]:
        """A text message (``bot_command`` entities filled in). ``private``: in the private
        chat of ``user_id`` with the bot (``chat_id`` must then be ``user_id``)."""
        if private:
            if chat_id != user_id:
                raise ValueError("a private chat's id is the user's id")
            with self._lock:
                if chat_id not in self._chats:
                    self.add_chat(chat_id, type="private")
        fields: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            fields["entities"] = entities
        if reply_to is not None:
            fields["reply_to_message"] = self._reply_copy(chat_id, reply_to)
        return self._post(chat_id, user_id, fields, {"date": date})

    def channel_post(
        self,
        channel_id: int,
        data: Media,
        *,
        kind: str = "photo",
        caption: str | None = None,
        date: datetime | int | None = None,
        edited: bool = False,
        message_id: int | None = None,
        **media_options: Any,
    ) -> dict[str, Any]:
        """A post in a channel (``channel_post`` update) of media ``kind`` (photo, video,
        animation, document, sticker, video_note; ``media_options`` go to that post_*)."""
        with self._lock:
            if channel_id not in self._chats:
                self.add_chat(channel_id, type="channel", title="Test channel")
        poster = getattr(self, f"post_{kind}")
        return poster(
            channel_id,
            None,
            data,
            caption=caption,
            date=date,
            edited=edited,
            message_id=message_id,
            **media_options,
        )

    def edit(self, message: dict[str, Any], **changes: Any) -> dict[str, Any]:
        """The sender edits ``message``: queues ``edited_message`` (``edited_channel_post``).
        ``changes``: message fields (``caption="..."``, ``text="..."``) and/or ``data=`` new
        bytes for its media (same kind)."""
        key = (message["chat"]["id"], message["message_id"])
        with self._lock:
            if key not in self._messages or key in self._deleted:
                raise AssertionError(f"message {key} does not exist: it cannot be edited")
            current = copy.deepcopy(self._messages[key])
        data = changes.pop("data", None)
        if data is not None:
            current.update(self._replacement_media(current, data))
        current.update(changes)
        current["edit_date"] = int(time.time())
        with self._lock:
            self._messages[key] = current
            channel = current["chat"]["type"] == "channel"
            self._queue("edited_channel_post" if channel else "edited_message", current)
        return copy.deepcopy(current)

    def press_button(self, message: dict[str, Any], user_id: int, data: str) -> str:
        """``user_id`` presses the inline button with callback_data ``data`` under
        ``message`` (which must still exist and carry that button); returns the query id."""
        key = (message["chat"]["id"], message["message_id"])
        with self._lock:
            current = self._messages.get(key)
            if current is None or key in self._deleted:
                raise AssertionError(f"message {key} does not exist: no button to press")
            buttons = current.get("reply_markup", {}).get("inline_keyboard", [])
            datas = [button.get("callback_data") for row in buttons for button in row]
            if data not in datas:
                raise AssertionError(f"message {key} has no button {data!r} (has {datas})")
            query_id = str(4_000_000_000_000 + next(self._ids))
            query = {
                "id": query_id,
                "from": self.user(user_id),
                "message": copy.deepcopy(current),
                "chat_instance": f"-{abs(key[0])}77",
                "data": data,
            }
            self._callbacks[query_id] = {"query": query, "answered": False}
            self._queue("callback_query", query)
        return query_id

    def queue_update(self, update: dict[str, Any]) -> int:
        """Queue any Update (an ``update_id`` is given if missing); returns its id."""
        with self._lock:
            update = copy.deepcopy(update)
            if "update_id" not in update:
                update["update_id"] = self._next_update_id
            self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
            self._updates.append(update)
            return update["update_id"]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The message as it is now (edits applied), None if unknown; deleted ones too
        (see ``deleted``)."""
        with self._lock:
            stored = self._messages.get((chat_id, message_id))
            return copy.deepcopy(stored) if stored else None

    def _post(
        self,
        chat_id: int,
        user_id: int | None,
        fields: dict[str, Any],
        options: PostOptions,
    ) -> dict[str, Any]:
        chat = self._ensure_chat(chat_id)
        caption = options.get("caption")
        message: dict[str, Any] = {
            "message_id": 0,
            "date": _unix(options.get("date")),
            "chat": dict(chat),
        }
        message.update(self._sender_fields(chat, user_id, options.get("sender_chat")))
        message.update(fields)
        if caption is not None:
            message["caption"] = caption
        edited = bool(options.get("edited"))
        with self._lock:
            message["message_id"] = options.get("message_id") or self._new_message_id(chat_id)
            if edited:
                message["edit_date"] = int(time.time())
            self._messages[(chat_id, message["message_id"])] = message
            channel = chat["type"] == "channel"
            kind = ("edited_" if edited else "") + ("channel_post" if channel else "message")
            self._queue(kind, message)
            known = user_id is None or (chat_id, user_id) in self._members
            if not known and chat["type"] in ("group", "supergroup"):
                self._members[(chat_id, user_id)] = _member_record("member", {})
        return copy.deepcopy(message)

    def _sender_fields(
        self, chat: dict[str, Any], user_id: int | None, sender_chat: int | dict[str, Any] | None
    ) -> dict[str, Any]:
        if chat["type"] == "channel":
            return {"sender_chat": dict(chat)}
        if sender_chat is None:
            if user_id is None:
                raise ValueError("a message in a group needs a user_id or a sender_chat")
            return {"from": self.user(user_id)}
        if isinstance(sender_chat, int):
            if sender_chat == chat["id"]:
                return {"from": dict(GROUP_ANONYMOUS_BOT), "sender_chat": dict(chat)}
            with self._lock:
                known = self._chats.get(sender_chat)
            sender_chat = known or self.add_chat(sender_chat, type="channel", title="Test channel")
        poster = GROUP_ANONYMOUS_BOT if sender_chat["id"] == chat["id"] else CHANNEL_BOT
        return {"from": dict(poster), "sender_chat": dict(sender_chat)}

    def _with_thumb(self, media: dict[str, Any], thumbnail: Media | None) -> dict[str, Any]:
        thumb = self._thumbnail_object(thumbnail)
        if thumb is not None:
            media["thumbnail"] = thumb
        return media

    def _replacement_media(self, message: dict[str, Any], data: Media) -> dict[str, Any]:
        if "photo" in message:
            return {"photo": self._photo_sizes(data)}
        for kind in ("video", "animation", "sticker", "video_note", "document"):
            if kind in message:
                stored = self._file(data, message[kind].get("file_name") or f"{kind}s/file")
                replaced = {**message[kind], **_media_object(stored)}
                replaced.pop("thumbnail", None)
                result = {kind: replaced}
                if kind == "animation":
                    result["document"] = {**message["document"], **_media_object(stored)}
                return result
        raise ValueError("the message has no media to replace")

    def _reply_copy(self, chat_id: int, message_id: int) -> dict[str, Any]:
        with self._lock:
            replied = self._messages.get((chat_id, message_id))
            if replied is None:
                raise ValueError(f"no message {message_id} in chat {chat_id} to reply to")
            replied = copy.deepcopy(replied)
        replied.pop("reply_to_message", None)  # Telegram nests one level only
        return replied

    def _ensure_chat(self, chat_id: int) -> dict[str, Any]:
        with self._lock:
            chat = self._chats.get(chat_id)
        if chat is not None:
            return chat
        return self.add_chat(chat_id, type="private" if chat_id > 0 else "supergroup")

    def _new_message_id(self, chat_id: int) -> int:
        number = self._next_message_id.get(chat_id, 1)
        while (chat_id, number) in self._messages:
            number += 1
        self._next_message_id[chat_id] = number + 1
        return number

    def _queue(self, kind: str, obj: dict[str, Any]) -> int:
        return self.queue_update({kind: copy.deepcopy(obj)})

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        retry_after: int | None = None,
        error_code: int = 400,
        description: str | None = None,
        disconnect: bool = False,
    ) -> None:
        """The next ``times`` calls of ``method`` fail. ``retry_after`` makes them 429 flood
        waits (``parameters.retry_after``; Telegram never sends less than 1 s); otherwise
        ``error_code`` with ``description``. ``disconnect``: the connection is closed with
        no answer (a network error for the client). ``method`` "download" fails file
        downloads. A failed call has no effect."""
        if retry_after is not None:
            error_code = 429
            description = description or f"Too Many Requests: retry after {retry_after}"
        elif description is None:
            description = {
                400: "Bad Request: something went wrong",
                403: "Forbidden: bot was kicked from the supergroup chat",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(error_code, f"Error {error_code}")
        fault = _Fault(error_code, description, retry_after, disconnect)
        with self._lock:
            self._faults.setdefault(method.lower(), []).extend([fault] * times)

    def _take_fault(self, method: str) -> _Fault | None:
        faults = self._faults.get(method.lower())
        return faults.pop(0) if faults else None

    # ------------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return [Call(c.method, copy.deepcopy(c.params), c.error) for c in self._calls]

    def clear_calls(self) -> None:
        """Forget the calls recorded so far (e.g. after a test's setup)."""
        with self._lock:
            self._calls.clear()

    def calls_to(self, method: str) -> list[Call]:
        """Calls of ``method`` (any case), failed ones included (see ``Call.error``)."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (sendMessage), as they are now (later edits applied)."""
        with self._lock:
            return [
                copy.deepcopy(self._messages[key])
                for key in self._sent
                if chat_id is None or key[0] == chat_id
            ]

    @property
    def reposts(self) -> list[Call]:
        """Calls that would post media (sendPhoto, forwardMessage, copyMessage...): the bot
        must never make one (the ``bot_api`` fixture fails a test that did)."""
        return [call for call in self.calls if call.method.lower() in MEDIA_POSTING_METHODS]

    @property
    def deleted(self) -> set[tuple[int, int]]:
        """(chat_id, message_id) of the messages deleted."""
        with self._lock:
            return set(self._deleted)

    @property
    def banned(self) -> set[tuple[int, int]]:
        """(chat_id, user_id) banned now (an unban removes the pair)."""
        with self._lock:
            return set(self._banned)

    @property
    def unbanned(self) -> set[tuple[int, int]]:
        """(chat_id, user_id) that unbanChatMember was called for."""
        with self._lock:
            return set(self._unbanned)

    @property
    def restricted(self) -> dict[tuple[int, int], dict[str, Any]]:
        """(chat_id, user_id) restricted now -> {"until_date", "permissions"}. Lifting every
        restriction (all permissions True) removes the entry, as the user is a member again."""
        with self._lock:
            return copy.deepcopy(self._restricted)

    @property
    def banned_sender_chats(self) -> set[tuple[int, int]]:
        with self._lock:
            return set(self._banned_sender_chats)

    @property
    def unbanned_sender_chats(self) -> set[tuple[int, int]]:
        with self._lock:
            return set(self._unbanned_sender_chats)

    @property
    def answered_callbacks(self) -> list[dict[str, Any]]:
        """The answerCallbackQuery parameters, in order."""
        with self._lock:
            return copy.deepcopy(self._answered)

    @property
    def downloads(self) -> list[str]:
        """file_path of every file download, in order."""
        with self._lock:
            return list(self._downloads)

    @property
    def commands(self) -> dict[str, list[dict[str, Any]]]:
        """setMyCommands lists by scope type (and language when given), e.g. "default"."""
        with self._lock:
            return copy.deepcopy(self._commands)

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed (getUpdates offset) or delivered (webhook)."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def wait_until(
        self, predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.01
    ) -> T:
        """Poll ``predicate()`` until truthy (returned); AssertionError after ``timeout`` s.
        Blocks the thread: from async code running the bot use ``wait_until_async``."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout} s")
            time.sleep(interval)

    async def wait_until_async(
        self, predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.01
    ) -> T:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout} s")
            await asyncio.sleep(interval)

    # ------------------------------------------------------------------ webhook

    @property
    def webhook(self) -> dict[str, Any] | None:
        """{"url", "secret_token"} as setWebhook stored them, None without a webhook."""
        with self._lock:
            if self._webhook is None:
                return None
            return {"url": self._webhook.url, "secret_token": self._webhook.secret_token}

    def deliver_webhook(
        self, *, redeliver: Iterable[int] = (), client: httpx.Client | None = None
    ) -> list[int]:
        """POST every pending update, in order, to the webhook URL with the secret header;
        returns the HTTP statuses (0: no connection). Updates answered 200 are done; the
        others stay pending and go again next time. ``redeliver``: update ids delivered
        before to send again first (Telegram repeats an update whose answer it missed).
        ``client``: an httpx.Client to post with (e.g. Starlette's TestClient)."""
        with self._lock:
            if self._webhook is None:
                raise AssertionError("no webhook is set (setWebhook was not called)")
            hook = self._webhook
            again = set(redeliver)
            batch = [copy.deepcopy(u) for u in hook.delivered if u["update_id"] in again]
            batch += copy.deepcopy(self._updates)
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        own = client is None
        poster = httpx.Client(timeout=30) if client is None else client
        statuses = []
        try:
            for update in batch:
                statuses.append(self._deliver_one(poster, hook, update, headers))
        finally:
            if own:
                poster.close()
        return statuses

    def _deliver_one(
        self, client: httpx.Client, hook: _Webhook, update: dict[str, Any], headers: dict[str, str]
    ) -> int:
        try:
            response = client.post(hook.url, content=json.dumps(update), headers=headers)
        except httpx.HTTPError as error:
            self._webhook_failed(hook, f"Connection failed: {error}")
            return 0
        if response.status_code != 200:
            self._webhook_failed(hook, f"Wrong response from the webhook: {response.status_code}")
            return response.status_code
        with self._lock:
            self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
            if all(u["update_id"] != update["update_id"] for u in hook.delivered):
                hook.delivered.append(update)
        self._answer_in_response(response)
        return 200

    def _answer_in_response(self, response: httpx.Response) -> None:
        """A webhook may answer with a method call in its response body: run it."""
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict) and isinstance(body.get("method"), str):
            params = {k: _decode_param(k, v) for k, v in body.items() if k != "method"}
            # Telegram ignores errors of methods answered in a webhook response.
            with contextlib.suppress(ApiError):
                self._call_sync(body["method"], params)

    def _webhook_failed(self, hook: _Webhook, message: str) -> None:
        with self._lock:
            hook.last_error_date = int(time.time())
            hook.last_error_message = message

    # ------------------------------------------------------------------ HTTP

    async def _handle_method(self, request: web.Request) -> web.Response:
        params = await _read_params(request)
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        method = request.match_info["method"]
        try:
            if method.lower() == "getupdates":
                result = await self._get_updates(params)
            else:
                result = self._call_sync(method, params)
        except _Disconnect:
            return _dropped(request)
        except ApiError as error:
            return web.json_response(error.payload(), status=error.error_code)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        path = request.match_info["path"]
        with self._lock:
            fault = self._take_fault("download")
            stored = self._paths.get(path)
            if fault is None and stored is not None:
                self._downloads.append(path)
        if fault is not None:
            error = fault.error()
            if isinstance(error, _Disconnect):
                return _dropped(request)
            return web.json_response(error.payload(), status=error.error_code)
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    def _record(self, method: str, params: dict[str, Any]) -> Call:
        call = Call(method, copy.deepcopy(params))
        self._calls.append(call)
        return call

    def _call_sync(self, method: str, params: dict[str, Any]) -> Any:
        with self._lock:
            call = self._record(method, params)
            try:
                fault = self._take_fault(method)
                if fault is not None:
                    raise fault.error()
                if method.lower() in MEDIA_POSTING_METHODS:
                    raise bad_request("the fake Bot API refuses to post media: never re-post it")
                handler = self._handlers.get(method.lower())
                if handler is None:
                    raise ApiError(404, "Not Found")
                try:
                    return handler(params)
                except Rejected as reason:
                    raise bad_request(str(reason)) from None
            except ApiError as error:
                call.error = error.description
                raise

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            call = self._record("getUpdates", params)
            try:
                fault = self._take_fault("getUpdates")
                if fault is not None:
                    raise fault.error()
                if self._webhook is not None:
                    raise ApiError(
                        409,
                        "Conflict: can't use getUpdates method while webhook is active; "
                        "use deleteWebhook to delete the webhook first",
                    )
            except ApiError as error:
                call.error = error.description
                raise
            self._confirm(params.get("offset"))
            self._poll_generation += 1
            generation = self._poll_generation
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            with self._lock:
                if generation != self._poll_generation:
                    call.error = TERMINATED_BY_OTHER_POLL
                    raise ApiError(409, TERMINATED_BY_OTHER_POLL)
                batch = copy.deepcopy(self._updates[:limit])
            if batch or time.monotonic() >= deadline or self._stopping.is_set():
                return batch
            try:
                await asyncio.sleep(POLL_INTERVAL)
            except asyncio.CancelledError:
                call.error = "cancelled: the client closed the connection"
                raise

    def _confirm(self, offset: Any) -> None:
        if offset is None:
            return
        offset = int(offset)
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    # ------------------------------------------------------------------ methods

    def _method_table(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        methods = {
            "getMe": self._get_me,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getFile": self._get_file,
            "deleteMessage": self._delete_message,
            "banChatMember": self._ban_chat_member,
            "unbanChatMember": self._unban_chat_member,
            "restrictChatMember": self._restrict_chat_member,
            "banChatSenderChat": self._ban_chat_sender_chat,
            "unbanChatSenderChat": self._unban_chat_sender_chat,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChat": self._get_chat,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "sendChatAction": self._send_chat_action,
        }
        return {name.lower(): handler for name, handler in methods.items()}

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self.bot)

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if not url:
            self._webhook = None
            return True
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates = []
        self._webhook = _Webhook(url=url, secret_token=secret)
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self._webhook = None
        if params.get("drop_pending_updates"):
            self._updates = []
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook.url if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook is not None:
            info["max_connections"] = 40
            if self._webhook.last_error_date is not None:
                info["last_error_date"] = self._webhook.last_error_date
                info["last_error_message"] = self._webhook.last_error_message
        return info

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.file_size > self.max_download_bytes:
            raise bad_request("file is too big")
        return stored.info()

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._require_chat(params.get("chat_id"))
        key = (chat["id"], _int_param(params, "message_id"))
        message = self._messages.get(key)
        if message is None or key in self._deleted:
            raise bad_request("message to delete not found")
        if time.time() - message["date"] > DELETE_WINDOW_SECONDS or not self._may_delete(
            chat, message
        ):
            raise bad_request("message can't be deleted")
        self._deleted.add(key)
        return True

    def _may_delete(self, chat: dict[str, Any], message: dict[str, Any]) -> bool:
        if chat["type"] == "private":
            return True
        if message.get("from", {}).get("id") == BOT_ID and chat["type"] != "channel":
            return True
        bot = self._members.get((chat["id"], BOT_ID), {})
        if chat["type"] == "group" and bot.get("status") == "administrator":
            return True
        return self._bot_can(chat["id"], "can_delete_messages")

    def _ban_chat_member(self, params: dict[str, Any]) -> bool:
        chat, user_id = self._restrictable(params)
        until = int(params.get("until_date") or 0)
        self._members[(chat["id"], user_id)] = _member_record("kicked", {"until_date": until})
        self._restricted.pop((chat["id"], user_id), None)
        self._banned.add((chat["id"], user_id))
        return True

    def _unban_chat_member(self, params: dict[str, Any]) -> bool:
        chat, user_id = self._restrictable(params, target_may_be_admin=True)
        key = (chat["id"], user_id)
        status = self._members.get(key, {}).get("status", "left")
        if status == "kicked":
            self._members[key] = _member_record("left", {})
        elif status in ("member", "restricted") and not params.get("only_if_banned"):
            # The real API removes a member that is not banned: only_if_banned avoids it.
            self._members[key] = _member_record("left", {})
            self._restricted.pop(key, None)
        self._banned.discard(key)
        self._unbanned.add(key)
        return True

    def _restrict_chat_member(self, params: dict[str, Any]) -> bool:
        chat, user_id = self._restrictable(params)
        if chat["type"] != "supergroup":
            raise bad_request("method is available only for supergroups")
        given = params.get("permissions")
        if not isinstance(given, dict):
            raise bad_request('field "permissions" must be of type Object')
        permissions = {name: bool(given.get(name, False)) for name in PERMISSIONS}
        key = (chat["id"], user_id)
        until = int(params.get("until_date") or 0)
        if all(permissions.values()):
            self._members[key] = _member_record("member", {})
            self._restricted.pop(key, None)
        else:
            self._members[key] = _member_record("restricted", {**permissions, "until_date": until})
            self._restricted[key] = {"until_date": until, "permissions": permissions}
        return True

    def _restrictable(
        self, params: dict[str, Any], *, target_may_be_admin: bool = False
    ) -> tuple[dict[str, Any], int]:
        chat = self._require_chat(params.get("chat_id"))
        user_id = _int_param(params, "user_id")
        if user_id <= 0:
            raise bad_request("invalid user_id specified")
        if chat["type"] == "private":
            raise bad_request("method is available for supergroup and channel chats only")
        if not self._bot_can(chat["id"], "can_restrict_members"):
            raise ApiError(400, NOT_ENOUGH_RIGHTS_TO_RESTRICT)
        status = self._members.get((chat["id"], user_id), {}).get("status")
        if user_id == BOT_ID:
            raise bad_request("can't restrict self")
        if status == "creator" and not target_may_be_admin:
            raise bad_request("can't remove chat owner")
        if status == "administrator" and not target_may_be_admin:
            raise bad_request("user is an administrator of the chat")
        return chat, user_id

    def _ban_chat_sender_chat(self, params: dict[str, Any]) -> bool:
        chat, sender_chat_id = self._sender_chat_params(params)
        self._banned_sender_chats.add((chat["id"], sender_chat_id))
        return True

    def _unban_chat_sender_chat(self, params: dict[str, Any]) -> bool:
        chat, sender_chat_id = self._sender_chat_params(params)
        self._banned_sender_chats.discard((chat["id"], sender_chat_id))
        self._unbanned_sender_chats.add((chat["id"], sender_chat_id))
        return True

    def _sender_chat_params(self, params: dict[str, Any]) -> tuple[dict[str, Any], int]:
        chat = self._require_chat(params.get("chat_id"))
        sender_chat_id = _int_param(params, "sender_chat_id")
        if chat["type"] not in ("supergroup", "channel"):
            raise bad_request("method is available for supergroup and channel chats only")
        if sender_chat_id == chat["id"]:
            raise bad_request("can't ban the chat itself")
        if not self._bot_can(chat["id"], "can_restrict_members"):
            raise bad_request("not enough rights")
        return chat, sender_chat_id

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._sendable_chat(params.get("chat_id"))
        text, entities = formatted_text(params)
        markup = inline_markup(params.get("reply_markup"))
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat["id"]),
            "from": {k: self.bot[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": dict(chat),
            "date": int(time.time()),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if markup:
            message["reply_markup"] = markup
        replied = self._replied_message(chat["id"], params)
        if replied is not None:
            message["reply_to_message"] = replied
        key = (chat["id"], message["message_id"])
        self._messages[key] = message
        self._sent.append(key)
        return copy.deepcopy(message)

    def _sendable_chat(self, chat_id: Any) -> dict[str, Any]:
        unknown = isinstance(chat_id, int) and chat_id not in self._chats
        if unknown and chat_id in self._users:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        chat = self._require_chat(chat_id)
        if chat["type"] == "private":
            return chat
        bot = self._members.get((chat["id"], BOT_ID), {})
        if bot.get("status") in ("left", "kicked"):
            kind = "channel" if chat["type"] == "channel" else chat["type"]
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        if chat["type"] == "channel" and not self._bot_can(chat["id"], "can_post_messages"):
            raise bad_request("need administrator rights in the channel chat")
        if bot.get("status") == "restricted" and not bot.get("can_send_messages"):
            raise bad_request("not enough rights to send text messages to the chat")
        return chat

    def _replied_message(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            target, allow = reply.get("message_id"), reply.get("allow_sending_without_reply")
        else:
            target = params.get("reply_to_message_id")
            allow = params.get("allow_sending_without_reply")
        if target is None:
            return None
        key = (chat_id, int(target))
        if key not in self._messages or key in self._deleted:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        replied = copy.deepcopy(self._messages[key])
        replied.pop("reply_to_message", None)
        return replied

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        text, entities = formatted_text(params)
        markup = inline_markup(params.get("reply_markup"))
        before = (message.get("text"), message.get("entities"), message.get("reply_markup"))
        if before == (text, entities or None, markup):
            raise ApiError(400, MESSAGE_NOT_MODIFIED)
        message["text"] = text
        _set_or_drop(message, "entities", entities)
        _set_or_drop(message, "reply_markup", markup)  # not passing a markup removes it
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        markup = inline_markup(params.get("reply_markup"))
        if message.get("reply_markup") == markup:
            raise ApiError(400, MESSAGE_NOT_MODIFIED)
        _set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the fake")
        chat = self._require_chat(params.get("chat_id"))
        key = (chat["id"], _int_param(params, "message_id"))
        message = self._messages.get(key)
        if message is None or key in self._deleted:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != BOT_ID:
            raise bad_request("message can't be edited")
        return message

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        entry = self._callbacks.get(str(params.get("callback_query_id") or ""))
        if entry is None or entry["answered"]:
            raise ApiError(400, QUERY_TOO_OLD)
        if len(params.get("text") or "") > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        entry["answered"] = True
        self._answered.append(copy.deepcopy(params))
        return True

    def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._require_chat(params.get("chat_id"))
        user_id = _int_param(params, "user_id")
        if user_id <= 0:
            raise bad_request("invalid user_id specified")
        return self._member_object(chat["id"], user_id)

    def _get_chat_administrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self._require_chat(params.get("chat_id"))
        if chat["type"] == "private":
            raise bad_request("there are no administrators in the private chat")
        return [
            self._member_object(chat_id, user_id)
            for (chat_id, user_id), record in self._members.items()
            if chat_id == chat["id"] and record["status"] in ("creator", "administrator")
        ]

    def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._require_chat(params.get("chat_id"))
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {name: False for name in (*gifts, "gifts_from_channels")},
        }

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request('field "commands" must be an Array')
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[_commands_key(params)] = copy.deepcopy(commands)
        return True

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self._commands.pop(_commands_key(params), None)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return copy.deepcopy(self._commands.get(_commands_key(params), []))

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._sendable_chat(params.get("chat_id"))
        return True

    # ------------------------------------------------------------------ chats and members

    def _require_chat(self, chat_id: Any) -> dict[str, Any]:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self._chats.values():
                if chat.get("username", "").lower() == chat_id[1:].lower():
                    return chat
            raise bad_request("chat not found")
        try:
            chat = self._chats.get(int(chat_id))
        except (TypeError, ValueError):
            chat = None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _bot_can(self, chat_id: int, right: str) -> bool:
        record = self._members.get((chat_id, BOT_ID), {})
        if record.get("status") == "creator":
            return True
        return record.get("status") == "administrator" and bool(record.get(right))

    def _member_object(self, chat_id: int, user_id: int) -> dict[str, Any]:
        chat = self._chats.get(chat_id, {})
        default = "member" if chat.get("type") == "private" else "left"
        record = self._members.get((chat_id, user_id), {"status": default})
        if user_id == BOT_ID:
            user = {k: self.bot[k] for k in ("id", "is_bot", "first_name", "username")}
        else:
            user = self.user(user_id)
        status = record["status"]
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(can_be_edited=False, is_anonymous=False)
            channel = chat.get("type") == "channel"
            for right in ADMIN_RIGHTS:
                if right in ("can_post_messages", "can_edit_messages") and not channel:
                    continue
                if right in ("can_pin_messages", "can_manage_topics") and channel:
                    continue
                member[right] = bool(record.get(right, False))
        elif status == "restricted":
            member["is_member"] = True
            member["until_date"] = int(record.get("until_date", 0))
            for permission in PERMISSIONS:
                member[permission] = bool(record.get(permission, False))
        elif status == "kicked":
            member["until_date"] = int(record.get("until_date", 0))
        return member


# ---------------------------------------------------------------------- helpers


def _dropped(request: web.Request) -> web.Response:
    """Close the connection without answering (the client sees a network error)."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)


def _member_record(status: str, rights: dict[str, Any]) -> dict[str, Any]:
    if status not in STATUSES:
        raise ValueError(f"unknown member status {status!r} (one of {STATUSES})")
    allowed: tuple[str, ...] = ()
    if status == "administrator":
        allowed = ADMIN_RIGHTS
    elif status == "restricted":
        allowed = (*PERMISSIONS, "until_date")
    elif status == "kicked":
        allowed = ("until_date",)
    unknown = set(rights) - set(allowed)
    if unknown:
        raise ValueError(f"{sorted(unknown)} do not apply to a {status} member")
    record: dict[str, Any] = {"status": status, **rights}
    if status == "administrator":
        record["can_manage_chat"] = True
    return record


def _unix(date: datetime | int | None) -> int:
    if date is None:
        return int(time.time())
    if isinstance(date, datetime):
        return int(date.timestamp())
    return int(date)


def _int_param(params: dict[str, Any], name: str) -> int:
    value = params.get(name)
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        reason = f"{name} is invalid" if value is not None else f"{name} is empty"
        raise bad_request(reason) from None


def _set_or_drop(message: dict[str, Any], key: str, value: Any) -> None:
    if value:
        message[key] = value
    else:
        message.pop(key, None)


def _commands_key(params: dict[str, Any]) -> str:
    scope = params.get("scope")
    key = scope.get("type", "default") if isinstance(scope, dict) else "default"
    if isinstance(scope, dict) and "chat_id" in scope:
        key += f":{scope['chat_id']}"
    language = params.get("language_code")
    return f"{key}:{language}" if language else key


def _media_object(stored: _StoredFile) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.file_size,
    }


def _size_object(stored: _StoredFile, width: int, height: int) -> dict[str, Any]:
    return {**_media_object(stored), "width": width, "height": height}


def _image_size(data: bytes) -> tuple[int, int] | None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:  # any undecodable bytes: not an image
        return None


def _thumbnail_jpeg(data: bytes) -> bytes | None:
    """A 90-pixel JPEG of an image, as Telegram's smallest photo size; None if not an image."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGB")
            image.thumbnail((90, 90))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=80)
            return out.getvalue()
    except Exception:
        return None


# ---------------------------------------------------------------------- request parameters


def _decode_param(name: str, value: Any) -> Any:
    """Form values are strings; nested objects, numbers and booleans come JSON-encoded."""
    if not isinstance(value, str) or name in TEXT_PARAMS:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return value if decoded is None else decoded


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
            return params
        form = await request.post()
        for name, value in form.items():
            params[name] = value if isinstance(value, str) else f"<file {value.filename}>"
    return {name: _decode_param(name, value) for name, value in params.items()}
