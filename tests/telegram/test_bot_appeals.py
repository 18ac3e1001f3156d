"""Appeals through the warning's deep link: only the person acted on may appeal, once;
the appeal and the optional explanation (text only, capped) reach the log chat as text."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from consentry.store import Store
from consentry.telegram.state import MAX_APPEAL_CHARS

from .bot_harness import bank_image, running_bot
from .fake_bot_api import FakeBotApi

pytestmark = pytest.mark.anyio

CHAT = -1001234567890
LOG_CHAT = -1005555555555
SENDER = 1004
OTHER = 1005
CHANNEL = -1007777777777
SETTINGS = {"policy": "matches-only", "log_chat": LOG_CHAT, "chats": [CHAT]}


@pytest.fixture
def chats(bot_api: FakeBotApi) -> FakeBotApi:
    bot_api.add_chat(CHAT, title="Test group")
    bot_api.add_chat(LOG_CHAT, type="channel", title="Admins' log")
    return bot_api


async def blocked(harness: Any, bot_api: FakeBotApi, data: bytes, **post: Any) -> int:
    """Post a registered image; return the action id from the warning's appeal link."""
    user = None if post.get("sender_chat") else SENDER
    bot_api.post_photo(CHAT, user, data, **post)
    await harness.drain()
    warning = bot_api.sent_messages(CHAT)[-1]["text"]
    found = re.search(r"https://t\.me/consentry_test_bot\?start=appeal-(\d+)", warning)
    assert found, warning
    return int(found.group(1))


async def private(harness: Any, bot_api: FakeBotApi, user: int, text: str) -> str:
    before = len(bot_api.sent_messages(user)) if bot_api.chat(user) else 0
    bot_api.post_text(user, user, text, private=True)
    await harness.drain()
    [answer] = [m["text"] for m in bot_api.sent_messages(user)[before:]]
    return answer


def logged(bot_api: FakeBotApi) -> list[dict[str, Any]]:
    return [m for m in bot_api.sent_messages(LOG_CHAT) if "reply_markup" not in m]


async def test_appeal_with_an_explanation(
    chats: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    data = benign_jpeg("coffee")
    bank_image(store, "ncii", data)
    async with running_bot(chats, store, **SETTINGS) as harness:
        action_id = await blocked(harness, chats, data)
        recorded = await private(harness, chats, SENDER, f"/start appeal-{action_id}")
        thanks = await private(harness, chats, SENDER, "  It is a photo of my coffee.  ")
        again = await private(harness, chats, SENDER, f"/start appeal-{action_id}")
        later = await private(harness, chats, SENDER, "hello?")  # no longer waiting
        [appeal] = harness.services.state.appeals(CHAT)
        entry_id = harness.services.state.action(action_id).log_message_id  # type: ignore[union-attr]
    assert recorded.startswith("Your appeal is recorded")
    assert thanks == "Thank you. Your explanation has been passed to the admins as text."
    assert again == "You have already appealed this action. The admins have it and will decide."
    assert later.startswith("Hello. I am Consentry")
    assert (appeal.action_id, appeal.user_id, appeal.text) == (
        action_id,
        SENDER,
        "It is a photo of my coffee.",
    )
    note, explanation = logged(chats)
    assert note["text"] == (
        f"Appeal from user {SENDER} on action {action_id} (message 1 in chat {CHAT})."
    )
    assert note["reply_to_message"]["message_id"] == entry_id
    assert explanation["text"].endswith("\nIt is a photo of my coffee.")


async def test_explanation_is_capped_and_media_is_refused(
    chats: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    data = benign_jpeg("coffee")
    bank_image(store, "ncii", data)
    async with running_bot(chats, store, **SETTINGS) as harness:
        action_id = await blocked(harness, chats, data)
        await private(harness, chats, SENDER, f"/start appeal-{action_id}")
        chats.post_photo(SENDER, SENDER, benign_jpeg("chelsea"))
        await harness.drain()
        refused = chats.sent_messages(SENDER)[-1]["text"]
        await private(harness, chats, SENDER, "x" * 3000)
        [appeal] = harness.services.state.appeals(CHAT)
    assert refused == "Please explain in a text message. I do not accept photos or files here."
    assert appeal.text == "x" * MAX_APPEAL_CHARS
    assert all("photo" not in m for m in chats.sent_messages(LOG_CHAT))
    assert logged(chats)[-1]["text"].endswith("\n" + "x" * MAX_APPEAL_CHARS)


async def test_only_the_sender_may_appeal(
    chats: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    data = benign_jpeg("coffee")
    bank_image(store, "ncii", data)
    async with running_bot(chats, store, **SETTINGS) as harness:
        action_id = await blocked(harness, chats, data)
        other = await private(harness, chats, OTHER, f"/start appeal-{action_id}")
        unknown = await private(harness, chats, OTHER, "/start appeal-999")
        plain = await private(harness, chats, OTHER, "/start")
        assert harness.services.state.appeals(CHAT) == []
    assert other == "Only the person whose message was acted on can appeal it."
    assert unknown == "I cannot find that action. The link may be wrong or too old."
    assert plain.startswith("Hello. I am Consentry")
    assert logged(chats) == []


async def test_channel_admin_appeals_for_a_channel_identity(
    chats: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    data = benign_jpeg("coffee")
    bank_image(store, "ncii", data)
    async with running_bot(chats, store, **SETTINGS) as harness:
        action_id = await blocked(harness, chats, data, sender_chat=CHANNEL)
        chats.set_member(CHANNEL, OTHER, "administrator", can_post_messages=True)
        refused = await private(harness, chats, SENDER, f"/start appeal-{action_id}")
        accepted = await private(harness, chats, OTHER, f"/start appeal-{action_id}")
        [appeal] = harness.services.state.appeals(CHAT)
    assert refused == "Only the person whose message was acted on can appeal it."
    assert accepted.startswith("Your appeal is recorded")
    assert appeal.user_id == OTHER


async def test_an_explanation_sent_after_a_restart_of_the_bot_still_counts(
    chats: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    data = benign_jpeg("chelsea")
    bank_image(store, "ncii", data)
    async with running_bot(chats, store, **SETTINGS) as harness:
        action_id = await blocked(harness, chats, data)
        await private(harness, chats, SENDER, f"/start appeal-{action_id}")
    async with running_bot(chats, store, **SETTINGS) as harness:  # a new process, same store
        thanks = await private(harness, chats, SENDER, "It was my cat.")
        [appeal] = harness.services.state.appeals(CHAT)
    assert thanks.startswith("Thank you.")
    assert appeal.text == "It was my cat."
