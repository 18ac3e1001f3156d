"""Rights: the bot's own rights per chat (cached, forgotten when they change), admins'
rights, and the "I lack a right" message, at most once per hour per chat."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from consentry.actions.settings import ModerationSettings
from consentry.store import Store
from consentry.telegram.rights import DELETE, RESTRICT, RightsCache, tell_missing

from .bot_harness import bank_image, running_bot
from .fake_bot_api import BOT_ID, FakeBotApi

pytestmark = pytest.mark.anyio

CHAT = -1001234567890
LOG_CHAT = -1005555555555
SENDER = 1004
DELETE_SENTENCE = "I cannot delete messages here: give me the 'Delete messages' right."
BAN_SENTENCE = "I cannot mute or ban members here: give me the 'Ban users' right."


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def member_calls(bot_api: FakeBotApi, user_id: int = BOT_ID) -> int:
    return sum(1 for c in bot_api.calls_to("getChatMember") if c.params["user_id"] == user_id)


async def test_bot_rights_are_cached_for_a_minute(bot_api: FakeBotApi) -> None:
    bot_api.add_chat(CHAT)
    bot_api.set_bot_rights(CHAT, can_delete_messages=False)
    clock = Clock()
    bot = bot_api.aiogram_bot()
    try:
        rights = RightsCache(bot, clock=clock)
        assert await rights.missing_rights(CHAT, (DELETE, RESTRICT)) == [DELETE]
        bot_api.set_bot_rights(CHAT, can_delete_messages=True)
        clock.now += 59
        assert await rights.missing_rights(CHAT, (DELETE,)) == [DELETE]  # cached
        assert member_calls(bot_api) == 1
        clock.now += 1
        assert await rights.missing_rights(CHAT, (DELETE,)) == []
        bot_api.set_bot_rights(CHAT, can_restrict_members=False)
        rights.forget(CHAT)
        assert await rights.missing_rights(CHAT, (DELETE, RESTRICT)) == [RESTRICT]
        assert member_calls(bot_api) == 3
        assert await rights.missing_rights(-100999, (DELETE,)) == [DELETE]  # not in that chat
    finally:
        await bot.session.close()


async def test_admin_rights_of_users(bot_api: FakeBotApi) -> None:
    bot_api.add_chat(CHAT)
    bot_api.set_member(CHAT, 1, "creator")
    bot_api.set_member(CHAT, 2, "administrator", can_restrict_members=True)
    bot_api.set_member(CHAT, 3, "administrator", can_delete_messages=True)
    bot_api.set_member(CHAT, 4, "member")
    bot = bot_api.aiogram_bot()
    try:
        rights = RightsCache(bot)
        found = {
            user: (
                await rights.is_admin_with(CHAT, user, RESTRICT),
                await rights.is_admin_with(CHAT, user, None),
            )
            for user in (1, 2, 3, 4, 5)
        }
    finally:
        await bot.session.close()
    assert found == {
        1: (True, True),
        2: (True, True),
        3: (False, True),
        4: (False, False),
        5: (False, False),  # never joined
    }


async def test_missing_rights_told_once_an_hour(bot_api: FakeBotApi) -> None:
    bot_api.add_chat(CHAT, title="Test group")
    bot_api.add_chat(LOG_CHAT, type="channel")
    bot_api.set_bot_rights(CHAT, can_delete_messages=False, can_restrict_members=False)
    clock = Clock()
    bot = bot_api.aiogram_bot()
    try:
        rights = RightsCache(bot, clock=clock)
        in_chat = ModerationSettings()
        assert await tell_missing(bot, CHAT, in_chat, rights, chat_title="Test group")
        clock.now += 3599
        assert not await tell_missing(bot, CHAT, in_chat, rights)
        clock.now += 1
        logged = ModerationSettings(log_chat=LOG_CHAT)
        assert await tell_missing(bot, CHAT, logged, rights, [RESTRICT])
    finally:
        await bot.session.close()
    [told] = bot_api.sent_messages(CHAT)
    assert told["text"].splitlines() == [
        "Consentry needs more rights in Test group to protect this chat.",
        DELETE_SENTENCE,
        BAN_SENTENCE,
    ]
    [logged_text] = [m["text"] for m in bot_api.sent_messages(LOG_CHAT)]
    assert logged_text.splitlines()[1:] == [BAN_SENTENCE]


async def test_nothing_told_when_nothing_is_missing(bot_api: FakeBotApi) -> None:
    bot_api.add_chat(CHAT)
    bot = bot_api.aiogram_bot()
    try:
        told = await tell_missing(bot, CHAT, ModerationSettings(), RightsCache(bot))
    finally:
        await bot.session.close()
    assert not told
    assert bot_api.sent_messages() == []


async def test_bot_without_delete_right_says_so_once(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    data = benign_jpeg("coffee")
    bank_image(store, "ncii", data)
    bot_api.add_chat(CHAT, title="Test group")
    bot_api.set_bot_rights(CHAT, can_delete_messages=False)
    async with running_bot(bot_api, store, policy="matches-only", chats=[CHAT]) as harness:
        first = bot_api.post_photo(CHAT, SENDER, data)
        second = bot_api.post_photo(CHAT, SENDER, data)
        await harness.drain()
    assert not {(CHAT, first["message_id"]), (CHAT, second["message_id"])} & bot_api.deleted
    told = [m["text"] for m in bot_api.sent_messages(CHAT) if DELETE_SENTENCE in m["text"]]
    assert len(told) == 1


def _membership_update(bot_api: FakeBotApi, old: dict[str, Any]) -> dict[str, Any]:
    return {
        "my_chat_member": {
            "chat": bot_api.chat(CHAT),
            "from": bot_api.user(1),
            "date": 1_800_000_000,
            "old_chat_member": old,
            "new_chat_member": bot_api.member(CHAT, BOT_ID),
        }
    }


async def test_promotion_is_seen_at_once(bot_api: FakeBotApi, store: Store) -> None:
    bot_api.add_chat(CHAT)
    bot_api.set_bot_rights(CHAT, can_delete_messages=False)
    async with running_bot(bot_api, store) as harness:
        rights = harness.services.rights
        assert await rights.missing_rights(CHAT, (DELETE,)) == [DELETE]
        old = bot_api.member(CHAT, BOT_ID)
        bot_api.set_bot_rights(CHAT, can_delete_messages=True)
        bot_api.queue_update(_membership_update(bot_api, old))
        await harness.drain()
        assert await rights.missing_rights(CHAT, (DELETE,)) == []
