"""The log chat: entries (text only, never media) and their buttons — confirm, false
positive (feedback to the registry, restriction lifted, strike taken back), unban, delete
for held messages — pressed by admins of the moderated chat, refused to others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from consentry.decisions import DecisionFilter
from consentry.store import Store
from consentry.telegram.logchat import buttons, parse_callback, render_entry
from consentry.telegram.state import ActionRecord

from .bot_harness import bank_image, running_bot
from .fake_bot_api import FakeBotApi

CHAT = -1001234567890
LOG_CHAT = -1005555555555
ADMIN = 1001  # an administrator who may restrict members
MODERATOR = 1002  # an administrator without that right
SENDER = 1004
CHANNEL = -1007777777777  # a channel posting in the group under its own name


def record(**changes: Any) -> ActionRecord:
    values: dict[str, Any] = {
        "id": 7,
        "chat_id": CHAT,
        "message_id": 42,
        "sender_id": SENDER,
        "sender_chat_id": None,
        "file_unique_id": "AQAD01",
        "decision_id": 3,
        "decision": "block",
        "done": ("delete", "warn"),
        "status": "done",
    }
    values.update(changes)
    return ActionRecord(**values)


def verbs(markup: Any) -> list[str]:
    rows = markup["inline_keyboard"] if isinstance(markup, dict) else markup.inline_keyboard
    datas = [
        b["callback_data"] if isinstance(b, dict) else b.callback_data for r in rows for b in r
    ]
    return [data.split(":")[1] for data in datas]


# --- rendering -----------------------------------------------------------------------------


def test_entry_of_a_deleted_message_has_no_link() -> None:
    text, markup = render_entry(
        record(done=("delete", "warn", "ban")), sha256="ab" * 32, pdq="f" * 64, chat_title="G"
    )
    assert "t.me" not in text
    assert f"Chat: G ({CHAT}), message 42" in text
    assert f"sha256 {'ab' * 32}, pdq {'f' * 64}" in text
    assert "message deleted, sender warned, sender banned" in text
    assert verbs(markup) == ["confirm", "fp", "unban"]


def test_entry_of_a_held_message_links_to_it() -> None:
    text, markup = render_entry(record(done=(), status="held", decision="review"))
    assert "Link: https://t.me/c/1234567890/42" in text
    assert verbs(markup) == ["delete", "fp"]
    public, _ = render_entry(record(done=(), status="held"), chat_username="somegroup")
    assert "Link: https://t.me/somegroup/42" in public


def test_dry_run_entry_is_marked() -> None:
    text, markup = render_entry(record(done=(), status="dry-run"), reasons=["strike 1 of 3"])
    assert text.startswith("[DRY RUN] ")
    assert "Plan: strike 1 of 3" in text
    assert verbs(markup) == ["confirm", "fp"]


def test_settled_entries_offer_what_is_left() -> None:
    assert verbs(buttons(record(status="false-positive", done=("ban",)))) == []
    assert verbs(buttons(record(status="confirmed", done=("ban",)))) == ["unban"]
    assert verbs(buttons(record(status="confirmed", done=("ban", "unban")))) == []
    assert verbs(buttons(record(status="unbanned", done=("mute", "unban")))) == ["confirm", "fp"]


def test_callback_data_is_parsed_strictly() -> None:
    assert parse_callback("cs:fp:12") == ("fp", 12)
    for bad in (None, "", "cs:fp", "cs:kick:1", "xx:fp:1", "cs:fp:one", "cs:fp:1:2"):
        assert parse_callback(bad) is None


# --- presses ---------------------------------------------------------------------------------


@pytest.fixture
def chats(bot_api: FakeBotApi) -> FakeBotApi:
    bot_api.add_chat(CHAT, title="Test group")
    bot_api.add_chat(LOG_CHAT, type="channel", title="Admins' log")
    bot_api.set_member(CHAT, ADMIN, "administrator", can_restrict_members=True)
    bot_api.set_member(CHAT, MODERATOR, "administrator", can_delete_messages=True)
    return bot_api


def entries(bot_api: FakeBotApi) -> list[dict[str, Any]]:
    return bot_api.sent_messages(LOG_CHAT)


async def press(harness: Any, bot_api: FakeBotApi, entry: dict[str, Any], user: int, verb: str):
    bot_api.press_button(entry, user, f"cs:{verb}:{entry_action(entry)}")
    await harness.drain()
    return bot_api.answered_callbacks[-1], bot_api.message(LOG_CHAT, entry["message_id"])


def entry_action(entry: dict[str, Any]) -> int:
    datas = [b["callback_data"] for r in entry["reply_markup"]["inline_keyboard"] for b in r]
    return int(datas[0].split(":")[2])


async def blocked(harness: Any, bot_api: FakeBotApi, data: bytes, **post: Any) -> dict[str, Any]:
    """Post a registered image; return its log entry."""
    before = len(entries(bot_api))
    message = bot_api.post_photo(CHAT, None if post.get("sender_chat") else SENDER, data, **post)
    await harness.drain()
    assert (CHAT, message["message_id"]) in bot_api.deleted
    [entry] = entries(bot_api)[before:]
    return entry


SETTINGS = {"policy": "matches-only", "log_chat": LOG_CHAT, "strike_limit": 1, "chats": [CHAT]}


@pytest.mark.anyio
async def test_false_positive_gives_feedback_unbans_and_takes_the_strike_back(
    chats: FakeBotApi, db_store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    data = benign_jpeg("coffee")
    entry_id = bank_image(db_store, "ncii", data)
    async with running_bot(chats, db_store, **SETTINGS) as harness:
        state = harness.services.state
        entry = await blocked(harness, chats, data)
        assert (CHAT, SENDER) in chats.banned
        assert state.strikes(CHAT, SENDER) == 1
        assert verbs(entry["reply_markup"]) == ["confirm", "fp", "unban"]
        assert "photo" not in entry and "document" not in entry  # text only
        answer, edited = await press(harness, chats, entry, ADMIN, "fp")
        action = state.action(entry_action(entry))
    assert answer["text"] == "Marked as a false positive"
    assert not answer.get("show_alert")
    assert (CHAT, SENDER) in chats.unbanned and (CHAT, SENDER) not in chats.banned
    assert state.strikes(CHAT, SENDER) == 0
    assert db_store.get_entry("ncii", entry_id).false_positive_count == 1
    assert action is not None and action.status == "false-positive"
    assert "Marked as a false positive by User1001, id 1001." in edited["text"]
    assert "reply_markup" not in edited  # settled: no buttons left


@pytest.mark.anyio
async def test_confirm_then_unban(
    chats: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    data = benign_jpeg("coffee")
    entry_id = bank_image(store, "ncii", data)
    async with running_bot(chats, store, **SETTINGS) as harness:
        entry = await blocked(harness, chats, data)
        answer, edited = await press(harness, chats, entry, ADMIN, "confirm")
        assert answer["text"] == "Confirmed"
        assert store.get_entry("ncii", entry_id).confirmed_count == 1
        assert verbs(edited["reply_markup"]) == ["unban"]
        assert (CHAT, SENDER) in chats.banned
        answer, edited = await press(harness, chats, entry, ADMIN, "unban")
        action = harness.services.state.action(entry_action(entry))
    assert answer["text"] == "Restriction lifted"
    assert (CHAT, SENDER) not in chats.banned
    assert action is not None and action.status == "confirmed" and "unban" in action.done
    history = edited["text"].split("History:\n")[1].splitlines()
    assert history == [
        "Confirmed by User1001, id 1001.",
        "Restriction lifted by User1001, id 1001.",
    ]
    assert "reply_markup" not in edited


@pytest.mark.anyio
async def test_false_positive_lifts_a_mute(
    chats: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    data = benign_jpeg("coffee")
    bank_image(store, "ncii", data)
    async with running_bot(chats, store, strike_action="mute", **SETTINGS) as harness:
        entry = await blocked(harness, chats, data)
        assert (CHAT, SENDER) in chats.restricted
        await press(harness, chats, entry, ADMIN, "fp")
    assert (CHAT, SENDER) not in chats.restricted


@pytest.mark.anyio
async def test_false_positive_unbans_a_channel_identity(
    chats: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    data = benign_jpeg("coffee")
    bank_image(store, "ncii", data)
    async with running_bot(chats, store, **SETTINGS) as harness:
        entry = await blocked(harness, chats, data, sender_chat=CHANNEL)
        assert (CHAT, CHANNEL) in chats.banned_sender_chats
        await press(harness, chats, entry, ADMIN, "fp")
        assert harness.services.state.strikes(CHAT, CHANNEL) == 0
    assert (CHAT, CHANNEL) in chats.unbanned_sender_chats
    assert (CHAT, CHANNEL) not in chats.banned_sender_chats


@pytest.mark.anyio
@pytest.mark.parametrize("user", [MODERATOR, SENDER])
async def test_only_admins_who_can_restrict_may_press(
    chats: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes], user: int
) -> None:
    data = benign_jpeg("coffee")
    bank_image(store, "ncii", data)
    async with running_bot(chats, store, **SETTINGS) as harness:
        entry = await blocked(harness, chats, data)
        answer, edited = await press(harness, chats, entry, user, "fp")
        action = harness.services.state.action(entry_action(entry))
    assert answer["show_alert"] is True
    assert "'Ban users' right" in answer["text"]
    assert action is not None and action.status == "done"
    assert (CHAT, SENDER) in chats.banned
    assert edited["text"] == entry["text"]
    assert chats.calls_to("editMessageText") == []


async def held(harness: Any, bot_api: FakeBotApi, store: Store, data: bytes) -> tuple[Any, Any]:
    """A photo matching a bank whose action is review: held; returns (message, entry)."""
    store.create_bank("suspected", action="review")
    bank_image(store, "suspected", data, label="reported-elsewhere")
    message = bot_api.post_photo(CHAT, SENDER, data)
    await harness.drain()
    [entry] = entries(bot_api)
    assert verbs(entry["reply_markup"]) == ["delete", "fp"]
    assert f"Link: https://t.me/c/1234567890/{message['message_id']}" in entry["text"]
    return message, entry


@pytest.mark.anyio
async def test_delete_a_held_message(
    chats: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    async with running_bot(chats, store, **SETTINGS) as harness:
        message, entry = await held(harness, chats, store, benign_jpeg("rocket"))
        assert (CHAT, message["message_id"]) not in chats.deleted
        answer, edited = await press(harness, chats, entry, ADMIN, "delete")
        state = harness.services.state
        assert state.strikes(CHAT, SENDER) == 1
        [decision] = harness.services.decisions.list(DecisionFilter(chat=str(CHAT)))
    assert answer["text"] == "Message deleted and sender struck"
    assert (CHAT, message["message_id"]) in chats.deleted
    assert (CHAT, SENDER) in chats.banned  # strike limit 1
    assert decision.review == "approved"
    warning = chats.sent_messages(CHAT)[-1]["text"]
    assert "https://t.me/consentry_test_bot?start=appeal-" in warning
    assert "Link:" not in edited["text"]
    assert verbs(edited["reply_markup"]) == ["unban"]


@pytest.mark.anyio
async def test_false_positive_on_a_held_message_rejects_the_decision(
    chats: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    async with running_bot(chats, store, **SETTINGS) as harness:
        message, entry = await held(harness, chats, store, benign_jpeg("rocket"))
        await press(harness, chats, entry, ADMIN, "fp")
        [decision] = harness.services.decisions.list(DecisionFilter(chat=str(CHAT)))
        assert harness.services.state.strikes(CHAT, SENDER) == 0
    assert decision.review == "rejected"
    assert decision.reviewed_by == "telegram-bot"
    assert (CHAT, message["message_id"]) not in chats.deleted
    assert store.get_entry("suspected", 1).false_positive_count == 1


@pytest.mark.anyio
async def test_delete_without_the_right_says_what_failed(
    chats: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    async with running_bot(chats, store, **SETTINGS) as harness:
        message, entry = await held(harness, chats, store, benign_jpeg("rocket"))
        chats.set_bot_rights(CHAT, can_delete_messages=False)
        harness.services.rights.forget(CHAT)
        answer, edited = await press(harness, chats, entry, ADMIN, "delete")
        action = harness.services.state.action(entry_action(entry))
    assert answer["text"] == "Not everything worked: the log entry says what failed."
    assert (CHAT, message["message_id"]) not in chats.deleted
    assert action is not None and action.status == "failed"
    assert "Error: missing right: Delete messages" in edited["text"]
    assert "give me the 'Delete messages' right" in chats.sent_messages(LOG_CHAT)[-1]["text"]
