"""The fake Bot API answers aiogram's real requests as Telegram does."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberOwner,
    ChatMemberRestricted,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)
from PIL import Image

from .fake_bot_api import BOT_ID, FakeBotApi

T = TypeVar("T")
GROUP = -100_111
USER = 42
ADMIN = 7


def with_bot(api: FakeBotApi, scenario: Callable[[Bot], Awaitable[T]]) -> T:
    async def main() -> T:
        bot = api.aiogram_bot()
        try:
            return await scenario(bot)
        finally:
            await bot.session.close()

    return asyncio.run(main())


async def download(bot: Bot, file_id: str) -> bytes:
    file = await bot.get_file(file_id)
    assert file.file_path is not None
    buffer = io.BytesIO()
    await bot.download_file(file.file_path, buffer)
    return buffer.getvalue()


def test_get_me_and_the_wrong_token(bot_api: FakeBotApi) -> None:
    me = with_bot(bot_api, lambda bot: bot.get_me())
    assert (me.id, me.username, me.is_bot) == (BOT_ID, "consentry_test_bot", True)

    async def wrong_token(bot: Bot) -> None:
        other = Bot("999:wrong", session=bot.session)
        with pytest.raises(TelegramUnauthorizedError):
            await other.get_me()

    with_bot(bot_api, wrong_token)
    answer = httpx.post(f"{bot_api.url}/bot{bot_api.token}/noSuchMethod")
    assert answer.status_code == 404
    assert answer.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


def test_get_updates_confirms_with_the_offset(bot_api: FakeBotApi, benign_jpeg: Any) -> None:
    bot_api.add_chat(GROUP)
    photo = bot_api.post_photo(GROUP, USER, benign_jpeg(), caption="look")
    command = bot_api.post_text(GROUP, USER, "/report please", reply_to=photo["message_id"])

    async def scenario(bot: Bot) -> tuple[list[Any], list[Any]]:
        first = await bot.get_updates(timeout=0)
        again = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
        return first, again

    first, again = with_bot(bot_api, scenario)
    assert [u.message.message_id for u in first if u.message] == [
        photo["message_id"],
        command["message_id"],
    ]
    assert first[0].message is not None and first[0].message.caption == "look"
    report = first[1].message
    assert report is not None and report.reply_to_message is not None
    assert report.reply_to_message.message_id == photo["message_id"]
    assert report.entities is not None and report.entities[0].type == "bot_command"
    assert report.entities[0].length == len("/report")
    assert again == [] and bot_api.pending_updates() == []


def test_get_updates_waits_for_an_update(bot_api: FakeBotApi) -> None:
    bot_api.add_chat(GROUP)
    timer = threading.Timer(0.2, bot_api.post_text, (GROUP, USER, "hello"))
    timer.start()
    try:
        updates = with_bot(bot_api, lambda bot: bot.get_updates(timeout=5))
    finally:
        timer.cancel()
    assert [u.message.text for u in updates if u.message] == ["hello"]


def test_photo_sizes_download_from_memory(bot_api: FakeBotApi, benign_jpeg: Any) -> None:
    data = benign_jpeg("coffee", size=200)
    message = bot_api.post_photo(GROUP, USER, data)
    small, full = message["photo"]

    async def scenario(bot: Bot) -> tuple[bytes, bytes]:
        return await download(bot, full["file_id"]), await download(bot, small["file_id"])

    full_bytes, small_bytes = with_bot(bot_api, scenario)
    assert full_bytes == data
    assert (full["width"], full["height"]) == (200, 133)
    assert max(Image.open(io.BytesIO(small_bytes)).size) == 90
    assert len(bot_api.downloads) == 2
    again = bot_api.post_photo(GROUP, USER, message["photo"])
    assert again["photo"][-1]["file_unique_id"] == full["file_unique_id"]


def test_a_file_over_20_mb_is_refused_but_its_thumbnail_is_not(
    bot_api: FakeBotApi, benign_jpeg: Any
) -> None:
    thumb = benign_jpeg(size=64)
    message = bot_api.post_video(
        GROUP, USER, b"\x00" * 1024, file_size=25 * 1024 * 1024, thumbnail=thumb
    )

    async def scenario(bot: Bot) -> bytes:
        with pytest.raises(TelegramBadRequest, match="file is too big"):
            await bot.get_file(message["video"]["file_id"])
        with pytest.raises(TelegramBadRequest, match="invalid file_id"):
            await bot.get_file("nonsense")
        return await download(bot, message["video"]["thumbnail"]["file_id"])

    assert with_bot(bot_api, scenario) == thumb
    missing = httpx.get(f"{bot_api.url}/file/bot{bot_api.token}/videos/nothing.mp4")
    assert missing.status_code == 404


def test_delete_message_with_and_without_rights(bot_api: FakeBotApi, drawn_jpeg: Any) -> None:
    bot_api.add_chat(GROUP)
    fresh = bot_api.post_photo(GROUP, USER, drawn_jpeg(1))
    old = bot_api.post_photo(GROUP, USER, drawn_jpeg(2), date=int(time.time()) - 49 * 3600)
    kept = bot_api.post_photo(GROUP, USER, drawn_jpeg(3))

    async def scenario(bot: Bot) -> None:
        assert await bot.delete_message(GROUP, fresh["message_id"]) is True
        with pytest.raises(TelegramBadRequest, match="message to delete not found"):
            await bot.delete_message(GROUP, fresh["message_id"])
        with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
            await bot.delete_message(GROUP, old["message_id"])
        bot_api.set_bot_rights(GROUP, can_delete_messages=False)
        with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
            await bot.delete_message(GROUP, kept["message_id"])

    with_bot(bot_api, scenario)
    assert bot_api.deleted == {(GROUP, fresh["message_id"])}
    assert [call.error is None for call in bot_api.calls_to("deleteMessage")] == [
        True,
        False,
        False,
        False,
    ]


def test_a_429_carries_retry_after_then_the_call_works(bot_api: FakeBotApi) -> None:
    bot_api.add_chat(GROUP)
    bot_api.fail_next("sendMessage", retry_after=3)

    async def scenario(bot: Bot) -> None:
        with pytest.raises(TelegramRetryAfter) as flood:
            await bot.send_message(GROUP, "first")
        assert flood.value.retry_after == 3
        await bot.send_message(GROUP, "second")

    with_bot(bot_api, scenario)
    calls = bot_api.calls_to("sendMessage")
    assert [call.params["text"] for call in calls] == ["first", "second"]
    assert calls[0].error == "Too Many Requests: retry after 3" and calls[1].error is None
    assert [m["text"] for m in bot_api.sent_messages(GROUP)] == ["second"]


def test_restrict_ban_and_unban_follow_the_rights(bot_api: FakeBotApi) -> None:
    bot_api.add_chat(GROUP)
    bot_api.set_member(GROUP, ADMIN, "administrator", can_restrict_members=True)
    bot_api.set_bot_rights(GROUP, can_restrict_members=False)
    muted = ChatPermissions(can_send_messages=False)

    async def scenario(bot: Bot) -> None:
        with pytest.raises(TelegramBadRequest, match="not enough rights to restrict"):
            await bot.restrict_chat_member(GROUP, USER, muted)
        bot_api.set_bot_rights(GROUP, can_restrict_members=True)
        with pytest.raises(TelegramBadRequest, match="administrator of the chat"):
            await bot.ban_chat_member(GROUP, ADMIN)
        await bot.restrict_chat_member(GROUP, USER, muted, until_date=int(time.time()) + 60)
        assert isinstance(await bot.get_chat_member(GROUP, USER), ChatMemberRestricted)
        everything = {name: True for name in ChatPermissions.model_fields}
        await bot.restrict_chat_member(GROUP, USER, ChatPermissions(**everything))
        assert (await bot.get_chat_member(GROUP, USER)).status == "member"
        await bot.ban_chat_member(GROUP, USER)
        assert isinstance(await bot.get_chat_member(GROUP, USER), ChatMemberBanned)
        await bot.ban_chat_sender_chat(GROUP, -100_555)

    with_bot(bot_api, scenario)
    assert bot_api.banned == {(GROUP, USER)}
    assert bot_api.banned_sender_chats == {(GROUP, -100_555)}
    assert bot_api.restricted == {}
    limited = bot_api.calls_to("restrictChatMember")[1].params["permissions"]
    assert limited.get("can_send_messages") is False

    with_bot(bot_api, lambda bot: bot.unban_chat_member(GROUP, USER, only_if_banned=True))
    assert bot_api.banned == set() and bot_api.unbanned == {(GROUP, USER)}
    assert bot_api.member(GROUP, USER)["status"] == "left"


def test_chat_members_have_their_status_types(bot_api: FakeBotApi) -> None:
    bot_api.add_chat(GROUP)
    bot_api.set_member(GROUP, 1, "creator")
    bot_api.set_member(GROUP, ADMIN, "administrator", can_change_info=True)

    async def scenario(bot: Bot) -> None:
        assert isinstance(await bot.get_chat_member(GROUP, 1), ChatMemberOwner)
        admin = await bot.get_chat_member(GROUP, ADMIN)
        assert isinstance(admin, ChatMemberAdministrator)
        assert admin.can_change_info and not admin.can_restrict_members
        me = await bot.get_chat_member(GROUP, BOT_ID)
        assert isinstance(me, ChatMemberAdministrator) and me.can_delete_messages
        assert (await bot.get_chat_member(GROUP, 5555)).status == "left"
        admins = await bot.get_chat_administrators(GROUP)
        assert {member.user.id for member in admins} == {1, ADMIN, BOT_ID}
        chat = await bot.get_chat(GROUP)
        assert (chat.id, chat.type) == (GROUP, "supergroup")
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.get_chat(-100_999)

    with_bot(bot_api, scenario)


def test_buttons_callbacks_and_edits(bot_api: FakeBotApi) -> None:
    bot_api.add_chat(GROUP)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Confirm", callback_data="cs:confirm:1")]]
    )

    async def send(bot: Bot) -> Any:
        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(GROUP, "<b>open", parse_mode="HTML")
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            too_long = InlineKeyboardButton(text="x", callback_data="x" * 65)
            await bot.send_message(
                GROUP, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[too_long]])
            )
        return await bot.send_message(
            GROUP, "<b>Held</b> 1 &lt; 2", parse_mode="HTML", reply_markup=keyboard
        )

    sent = with_bot(bot_api, send)
    assert sent.text == "Held 1 < 2" and sent.entities[0].type == "bold"
    logged = bot_api.sent_messages(GROUP)[0]
    with pytest.raises(AssertionError, match="no button"):
        bot_api.press_button(logged, ADMIN, "cs:fp:1")
    query_id = bot_api.press_button(logged, ADMIN, "cs:confirm:1")

    async def handle(bot: Bot) -> None:
        [update] = await bot.get_updates(timeout=0)
        assert update.callback_query is not None
        assert (update.callback_query.id, update.callback_query.data) == (query_id, "cs:confirm:1")
        assert update.callback_query.from_user.id == ADMIN
        await bot.answer_callback_query(query_id, text="Confirmed")
        with pytest.raises(TelegramBadRequest, match="query is too old"):
            await bot.answer_callback_query(query_id)
        await bot.edit_message_text("Confirmed by 7", chat_id=GROUP, message_id=sent.message_id)
        with pytest.raises(TelegramBadRequest, match="message is not modified"):
            await bot.edit_message_text("Confirmed by 7", chat_id=GROUP, message_id=sent.message_id)

    with_bot(bot_api, handle)
    assert bot_api.answered_callbacks[0]["text"] == "Confirmed"
    now = bot_api.sent_messages(GROUP)[0]
    assert now["text"] == "Confirmed by 7" and "reply_markup" not in now


def test_sending_needs_a_chat_the_bot_can_write_to(bot_api: FakeBotApi) -> None:
    bot_api.add_chat(GROUP)
    bot_api.user(USER)

    async def scenario(bot: Bot) -> None:
        with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
            await bot.send_message(USER, "hello")
        bot_api.post_text(USER, USER, "/start appeal-3", private=True)
        reply = await bot.send_message(
            USER, "Tell us why", reply_parameters=ReplyParameters(message_id=1)
        )
        assert reply.reply_to_message is not None
        assert reply.reply_to_message.text == "/start appeal-3"
        bot_api.set_member(GROUP, BOT_ID, "kicked")
        with pytest.raises(TelegramForbiddenError, match="not a member"):
            await bot.send_message(GROUP, "hello")

    with_bot(bot_api, scenario)


def test_channel_identity_posts_and_edits(bot_api: FakeBotApi, drawn_jpeg: Any) -> None:
    bot_api.add_chat(GROUP)
    posted = bot_api.post_photo(GROUP, None, drawn_jpeg(5), sender_chat=-100_777)
    edited = bot_api.edit(posted, caption="new caption", data=drawn_jpeg(6))
    in_channel = bot_api.channel_post(-100_888, drawn_jpeg(7), kind="document")
    updates = with_bot(bot_api, lambda bot: bot.get_updates(timeout=0))
    message, change, post = updates
    assert message.message is not None and message.message.sender_chat is not None
    assert message.message.sender_chat.id == -100_777
    assert message.message.from_user is not None and message.message.from_user.username == (
        "Channel_Bot"
    )
    assert change.edited_message is not None
    assert change.edited_message.caption == "new caption"
    assert change.edited_message.photo[-1].file_unique_id != posted["photo"][-1]["file_unique_id"]
    assert edited["edit_date"] >= posted["date"]
    assert post.channel_post is not None and post.channel_post.document is not None
    assert post.channel_post.chat.type == "channel"
    assert in_channel["document"]["mime_type"] == "image/jpeg"


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, Any], str | None]], list[int]]]:
    """A tiny webhook endpoint: records (update, secret header); answers the statuses queued
    in the third item (200 when none), with a sendMessage call in the body for update 2."""
    received: list[tuple[dict[str, Any], str | None]] = []
    statuses: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((body, self.headers.get("X-Telegram-Bot-Api-Secret-Token")))
            status = statuses.pop(0) if statuses else 200
            answer = b""
            if status == 200 and body.get("message", {}).get("text") == "answer me":
                call = {"method": "sendMessage", "chat_id": GROUP, "text": "answered"}
                answer = json.dumps(call).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/telegram/webhook", received, statuses
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_delivery_and_redelivery(bot_api: FakeBotApi, receiver: Any) -> None:
    url, received, statuses = receiver
    bot_api.add_chat(GROUP)

    async def set_hook(bot: Bot) -> None:
        await bot.set_webhook(url, secret_token="s3cret")
        with pytest.raises(TelegramConflictError):
            await bot.get_updates(timeout=0)

    with_bot(bot_api, set_hook)
    assert bot_api.webhook == {"url": url, "secret_token": "s3cret"}
    first = bot_api.post_text(GROUP, USER, "one")
    bot_api.post_text(GROUP, USER, "answer me")
    statuses.append(500)
    assert bot_api.deliver_webhook() == [500, 200]
    assert [u["message"]["text"] for u in bot_api.pending_updates()] == ["one"]
    assert [m["text"] for m in bot_api.sent_messages(GROUP)] == ["answered"]
    info = with_bot(bot_api, lambda bot: bot.get_webhook_info())
    assert info.pending_update_count == 1 and "500" in (info.last_error_message or "")

    assert bot_api.deliver_webhook() == [200]
    assert bot_api.pending_updates() == []
    delivered_id = received[0][0]["update_id"]
    assert bot_api.deliver_webhook(redeliver=[delivered_id]) == [200]
    texts = [update["message"]["text"] for update, _ in received]
    assert texts == ["one", "answer me", "one", "one"]
    assert {secret for _, secret in received} == {"s3cret"}
    assert received[0][0]["message"]["message_id"] == first["message_id"]

    with_bot(bot_api, lambda bot: bot.delete_webhook())
    assert bot_api.webhook is None


def test_sample_images_are_small_and_distinct(
    benign_jpeg: Any, benign_png: Any, drawn_jpeg: Any
) -> None:
    assert Image.open(io.BytesIO(benign_jpeg("rocket", size=128))).size == (128, 85)
    assert Image.open(io.BytesIO(benign_png("camera", size=64))).format == "PNG"
    assert drawn_jpeg(1) == drawn_jpeg(1) != drawn_jpeg(2)


def test_faults_drop_the_connection_and_media_is_never_posted(bot_api: FakeBotApi) -> None:
    bot_api.add_chat(GROUP)
    bot_api.fail_next("getMe", disconnect=True)
    message = bot_api.post_text(GROUP, USER, "hi")

    async def scenario(bot: Bot) -> None:
        with pytest.raises(TelegramNetworkError):
            await bot.get_me()
        assert (await bot.get_me()).id == BOT_ID
        with pytest.raises(TelegramBadRequest, match="refuses to post media"):
            await bot.copy_message(GROUP, GROUP, message["message_id"])

    with_bot(bot_api, scenario)
    assert [call.method for call in bot_api.reposts] == ["copyMessage"]
    bot_api.clear_calls()  # the forbidden call was made on purpose: let teardown pass


def test_a_second_poller_terminates_the_first(bot_api: FakeBotApi) -> None:
    async def scenario(bot: Bot) -> list[Any]:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await bot_api.wait_until_async(lambda: bot_api.calls_to("getUpdates"))
        second = await bot.get_updates(timeout=0)
        with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
            await first
        return second

    assert with_bot(bot_api, scenario) == []


def test_markdown_v2_reserved_characters_must_be_escaped(bot_api: FakeBotApi) -> None:
    bot_api.add_chat(GROUP)

    async def scenario(bot: Bot) -> Any:
        with pytest.raises(TelegramBadRequest, match=r"Character '\.' is reserved"):
            await bot.send_message(GROUP, "Deleted.", parse_mode="MarkdownV2")
        return await bot.send_message(GROUP, "*Deleted* `a.b` 1\\.", parse_mode="MarkdownV2")

    assert with_bot(bot_api, scenario).text == "Deleted a.b 1."


def test_a_self_hosted_server_serves_big_files() -> None:
    with FakeBotApi(max_download_bytes=2000 * 1024 * 1024) as api:
        big = api.add_file(b"\x00" * 64, file_size=25 * 1024 * 1024, path_hint="videos/v.mp4")
        file = with_bot(api, lambda bot: bot.get_file(big["file_id"]))
    assert (file.file_size, file.file_path) == (25 * 1024 * 1024, big["file_path"])


def test_an_abandoned_long_poll_ends_with_its_connection(bot_api: FakeBotApi) -> None:
    async def scenario(bot: Bot) -> None:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await bot_api.wait_until_async(lambda: bot_api.calls_to("getUpdates"))
        poll.cancel()
        with pytest.raises(asyncio.CancelledError):
            await poll

    with_bot(bot_api, scenario)
    bot_api.wait_until(lambda: bot_api.calls_to("getUpdates")[0].error)
    assert "client closed the connection" in (bot_api.calls_to("getUpdates")[0].error or "")


def test_json_urlencoded_and_query_parameters(bot_api: FakeBotApi) -> None:
    bot_api.add_chat(GROUP)
    base = f"{bot_api.url}/bot{bot_api.token}"
    keyboard = {"inline_keyboard": [[{"text": "Unban", "callback_data": "cs:unban:9"}]]}
    as_json = httpx.post(
        f"{base}/sendMessage", json={"chat_id": GROUP, "text": "123", "reply_markup": keyboard}
    )
    as_form = httpx.post(
        f"{base}/SENDMESSAGE",
        data={"chat_id": str(GROUP), "text": "true", "reply_markup": json.dumps(keyboard)},
    )
    as_query = httpx.get(f"{base}/getChatMember", params={"chat_id": GROUP, "user_id": BOT_ID})
    assert as_json.json()["result"]["text"] == "123"
    assert as_form.json()["result"]["reply_markup"] == keyboard
    assert as_form.json()["result"]["text"] == "true"
    assert as_query.json()["result"]["status"] == "administrator"
    assert [call.params["chat_id"] for call in bot_api.calls_to("sendMessage")] == [GROUP, GROUP]
