"""/settings, /status, /allow and /report against the fake Bot API: each with and
without the Telegram right it needs, bad /settings values, and /report to review."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consentry.decisions import DecisionFilter
from consentry.store import Store

from .bot_harness import bank_image, running_bot
from .fake_bot_api import FakeBotApi

pytestmark = pytest.mark.anyio

CHAT = -1001234567890
LOG_CHAT = -1005555555555
ADMIN = 1001  # may change info and restrict members
MODERATOR = 1002  # an administrator without those rights
MEMBER = 1003
SENDER = 1004


@pytest.fixture
def chat(bot_api: FakeBotApi) -> FakeBotApi:
    bot_api.add_chat(CHAT, title="Test group")
    bot_api.set_member(
        CHAT, ADMIN, "administrator", can_change_info=True, can_restrict_members=True
    )
    bot_api.set_member(CHAT, MODERATOR, "administrator", can_delete_messages=True)
    bot_api.set_member(CHAT, MEMBER)
    return bot_api


def replies(bot_api: FakeBotApi, chat_id: int = CHAT) -> list[str]:
    return [message["text"] for message in bot_api.sent_messages(chat_id)]


async def command(harness: object, bot_api: FakeBotApi, user: int, text: str, **kw: object) -> str:
    """Post ``text`` as ``user`` and return the bot's one answer."""
    before = len(replies(bot_api))
    bot_api.post_text(CHAT, user, text, **kw)  # type: ignore[arg-type]
    await harness.drain()  # type: ignore[attr-defined]
    answers = replies(bot_api)[before:]
    assert len(answers) == 1, answers
    return answers[0]


async def test_settings_shown_to_an_admin_with_the_right(chat: FakeBotApi, store: Store) -> None:
    async with running_bot(chat, store) as harness:
        answer = await command(harness, chat, ADMIN, "/settings")
    assert "policy: default" in answer
    assert "dry_run: off" in answer
    assert "strikes: 3" in answer
    assert "media: animation,document,photo,sticker,video,video_note" in answer


@pytest.mark.parametrize("user", [MODERATOR, MEMBER])
async def test_settings_refused_without_change_info(
    chat: FakeBotApi, store: Store, user: int
) -> None:
    async with running_bot(chat, store) as harness:
        answer = await command(harness, chat, user, "/settings dry_run on")
        assert harness.services.state.settings(CHAT).dry_run is False
    assert "'Change group info' right" in answer


async def test_settings_changed(chat: FakeBotApi, store: Store) -> None:
    async with running_bot(chat, store) as harness:
        for text in (
            "/settings dry_run on",
            "/settings policy strict",
            "/settings strikes 5",
            "/settings strike_action mute",
            "/settings mute_hours 2",
            "/settings media photo, video",
        ):
            assert (await command(harness, chat, ADMIN, text)).startswith("Saved:")
        settings = harness.services.state.settings(CHAT)
    assert settings.dry_run is True
    assert settings.policy == "strict"
    assert settings.strike_limit == 5
    assert settings.strike_action == "mute"
    assert settings.mute_seconds == 7200
    assert settings.media_types == frozenset({"photo", "video"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/settings polcy strict", "There is no setting called 'polcy'. Did you mean 'policy'?"),
        ("/settings policy strct", "Did you mean 'strict'?"),
        ("/settings dry_run maybe", "expected on or off"),
        ("/settings strikes 50", "a whole number from 1 to 20"),
        ("/settings strikes many", "a whole number from 1 to 20"),
        ("/settings strike_action kick", "expected mute or ban"),
        ("/settings mute_hours 0", "a number of hours"),
        ("/settings media photo,vidoe", "Did you mean 'video'?"),
        ("/settings log_chat somewhere", "a chat id, or off"),
        ("/settings strikes", "Give a value for strikes"),
    ],
)
async def test_bad_settings_are_explained_and_not_saved(
    chat: FakeBotApi, store: Store, text: str, expected: str
) -> None:
    async with running_bot(chat, store) as harness:
        answer = await command(harness, chat, ADMIN, text)
        assert harness.services.state.settings(CHAT) == harness.services.state.settings(0)
    assert expected in answer


async def test_log_chat_must_be_reachable(chat: FakeBotApi, store: Store) -> None:
    async with running_bot(chat, store) as harness:
        unknown = await command(harness, chat, ADMIN, f"/settings log_chat {LOG_CHAT}")
        assert "add me to it first" in unknown
        chat.add_chat(LOG_CHAT, type="channel", title="Admins' log")
        outsider = await command(harness, chat, ADMIN, f"/settings log_chat {LOG_CHAT}")
        assert "add me to it first" in outsider  # the admin is not in that chat
        chat.set_member(LOG_CHAT, ADMIN, "administrator", can_post_messages=True)
        saved = await command(harness, chat, ADMIN, f"/settings log_chat {LOG_CHAT}")
        assert harness.services.state.settings(CHAT).log_chat == LOG_CHAT
        cleared = await command(harness, chat, ADMIN, "/settings log_chat off")
        assert harness.services.state.settings(CHAT).log_chat is None
    assert saved == f"Saved: log_chat is now {LOG_CHAT}."
    assert cleared == "Saved: log_chat is now none."


async def test_anonymous_admin_counts_as_admin(chat: FakeBotApi, store: Store) -> None:
    async with running_bot(chat, store) as harness:
        chat.queue_update(  # a message sent as the group itself
            {
                "message": {
                    "message_id": 900,
                    "date": 1_800_000_000,
                    "chat": chat.chat(CHAT),
                    "from": {"id": 1087968824, "is_bot": True, "first_name": "Group"},
                    "sender_chat": chat.chat(CHAT),
                    "text": "/settings strikes 2",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 9}],
                }
            }
        )
        await harness.drain()
        assert harness.services.state.settings(CHAT).strike_limit == 2


async def test_commands_in_private_chat_point_to_the_group(chat: FakeBotApi, store: Store) -> None:
    async with running_bot(chat, store) as harness:
        chat.post_text(ADMIN, ADMIN, "/settings", private=True)
        await harness.drain()
    assert replies(chat, ADMIN) == ["Use this command in the group or channel the bot moderates."]


async def test_status_for_admins_only(
    chat: FakeBotApi, store: Store, drawn_jpeg: Callable[..., bytes]
) -> None:
    async with running_bot(chat, store, policy="matches-only", chats=[CHAT]) as harness:
        chat.post_photo(CHAT, SENDER, drawn_jpeg(1))
        await harness.drain()
        refused = await command(harness, chat, MEMBER, "/status")
        status = await command(harness, chat, MODERATOR, "/status")  # any admin
    assert refused == "Only the chat's admins can use this command."
    assert "checked: 1" in status
    assert "policy: matches-only" in status
    assert status.startswith("Activity since ")


async def test_allow_as_reply_and_by_id(chat: FakeBotApi, store: Store) -> None:
    async with running_bot(chat, store) as harness:
        state = harness.services.state
        posted = chat.post_text(CHAT, SENDER, "hello")
        await harness.drain()
        refused = await command(harness, chat, MODERATOR, "/allow", reply_to=posted["message_id"])
        assert not state.is_allowed(CHAT, SENDER)
        answer = await command(harness, chat, ADMIN, "/allow", reply_to=posted["message_id"])
        assert state.is_allowed(CHAT, SENDER)
        by_id = await command(harness, chat, ADMIN, "/allow 777")
        assert state.is_allowed(CHAT, 777)
        removed = await command(harness, chat, ADMIN, "/allow remove 777")
        assert not state.is_allowed(CHAT, 777)
        usage = await command(harness, chat, ADMIN, "/allow")
    assert "'Ban users' right" in refused
    assert answer.startswith(f"User {SENDER} is now trusted")
    assert by_id.startswith("User 777 is now trusted")
    assert removed == "User 777 is no longer trusted."
    assert usage.startswith("Reply /allow to a message")


async def test_report_holds_a_clean_image_for_review(
    chat: FakeBotApi, store: Store, drawn_jpeg: Callable[..., bytes]
) -> None:
    chat.add_chat(LOG_CHAT, type="channel", title="Admins' log")
    async with running_bot(
        chat, store, policy="matches-only", log_chat=LOG_CHAT, chats=[CHAT]
    ) as harness:
        photo = chat.post_photo(CHAT, SENDER, drawn_jpeg(2))
        await harness.drain()
        assert chat.sent_messages(LOG_CHAT) == []  # allowed by the policy: nothing logged
        answer = await command(harness, chat, MEMBER, "/report", reply_to=photo["message_id"])
        counts = harness.services.state.counts(CHAT)
    assert answer == "Thank you. The admins will look at it."
    assert (CHAT, photo["message_id"]) not in chat.deleted
    [entry] = chat.sent_messages(LOG_CHAT)
    assert "held for review" in entry["text"]
    assert "reported" in entry["text"]
    buttons = [b["callback_data"] for row in entry["reply_markup"]["inline_keyboard"] for b in row]
    assert [data.split(":")[1] for data in buttons] == ["delete", "fp"]
    [pending] = harness.services.decisions.list(DecisionFilter(review="pending"))
    assert pending.chat == str(CHAT)
    assert counts["reported"] == 1
    assert counts["held"] == 1


async def test_report_of_a_registered_image_blocks_it(
    chat: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    data = benign_jpeg("coffee")
    bank_image(store, "ncii", data)
    async with running_bot(chat, store, policy="matches-only") as harness:
        harness.configure(CHAT, media_types="video")  # photos are not checked by themselves
        photo = chat.post_photo(CHAT, SENDER, data)
        await harness.drain()
        assert (CHAT, photo["message_id"]) not in chat.deleted
        chat.post_text(CHAT, MEMBER, "/report", reply_to=photo["message_id"])
        await harness.drain()
    assert (CHAT, photo["message_id"]) in chat.deleted
    warning, thanks = replies(chat)
    assert "your message was removed" in warning
    assert thanks == "Thank you. The admins will look at it."


async def test_report_needs_a_reply_with_media(chat: FakeBotApi, store: Store) -> None:
    async with running_bot(chat, store) as harness:
        usage = await command(harness, chat, MEMBER, "/report")
        text = chat.post_text(CHAT, SENDER, "just words")
        await harness.drain()
        no_media = await command(harness, chat, MEMBER, "/report", reply_to=text["message_id"])
        assert harness.services.state.counts(CHAT)["reported"] == 0
    assert usage == "Reply /report to the message you want the admins to look at."
    assert no_media == "That message has no photo, video or file I can check."
