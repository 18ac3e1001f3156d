"""The moderation pipeline against the fake Bot API: each flow of issue 7 end to end.

Every test drives the real bot (Dispatcher, routers, Poller) over HTTP against
``FakeBotApi`` and inspects what it was asked to do. Images are scikit-image samples and
drawn shapes only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import Message
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from consentry.decisions import Decisions
from consentry.store import Store
from consentry.sync import feed_page
from consentry.telegram.apply import Target
from consentry.telegram.registry import RemoteRegistry
from consentry.telegram.state import BotState

from .bot_harness import BotHarness, bank_image, running_bot
from .fake_bot_api import FakeBotApi

GROUP = -1001234500001
LOG = -1001234500099
CHANNEL = -1001234500077  # a channel posting in GROUP under its own name
USER = 7_000_000_001
REMOTE_KEY = "cs_testkey0001_not-a-real-secret"
MiB = 1024 * 1024
# Any of these would put media into a chat: the bot must never call them.
MEDIA_METHODS = {
    "sendPhoto",
    "sendVideo",
    "sendAnimation",
    "sendDocument",
    "sendSticker",
    "sendVideoNote",
    "sendMediaGroup",
    "forwardMessage",
    "forwardMessages",
    "copyMessage",
    "copyMessages",
}

Scenario = Callable[[BotHarness], Coroutine[Any, Any, None]]


def run(bot_api: FakeBotApi, store: Store, scenario: Scenario, **options: Any) -> None:
    bot_api.add_chat(GROUP, title="Test group")
    bot_api.add_chat(LOG, title="Log")
    options.setdefault("chats", [GROUP])
    options.setdefault("log_chat", LOG)

    async def main() -> None:
        async with running_bot(bot_api, store, **options) as harness:
            await scenario(harness)

    asyncio.run(main())
    assert not {call.method for call in bot_api.calls} & MEDIA_METHODS


def log_entries(bot_api: FakeBotApi) -> list[dict[str, Any]]:
    return bot_api.sent_messages(LOG)


def button_data(message: dict[str, Any]) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row]


def actions(store: Store) -> list[Any]:
    state = BotState(store)
    found = []
    action_id = 1
    while (record := state.action(action_id)) is not None:
        found.append(record)
        action_id += 1
    return found


def test_registered_image_is_deleted_warned_and_logged(
    bot_api: FakeBotApi, db_store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    store = db_store  # SQLite and PostgreSQL
    image = benign_jpeg("astronaut")
    entry = bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        posted = bot_api.post_photo(GROUP, USER, image)
        await harness.drain()
        assert (GROUP, posted["message_id"]) in bot_api.deleted

    run(bot_api, store, scenario)
    (warning,) = bot_api.sent_messages(GROUP)
    assert "removed" in warning["text"]
    assert "https://t.me/consentry_test_bot?start=appeal-1" in warning["text"]
    (entry_message,) = log_entries(bot_api)
    assert "block" in entry_message["text"] and "ncii" in entry_message["text"]
    assert button_data(entry_message) == ["cs:confirm:1", "cs:fp:1"]
    (record,) = actions(store)
    assert (record.decision, record.status) == ("block", "done")
    assert record.done == ("delete", "warn")
    assert record.sender_id == USER and record.log_message_id == entry_message["message_id"]
    decision = Decisions(store).get(record.decision_id)
    assert decision.source == "telegram" and decision.chat == str(GROUP)
    assert decision.reference == f"https://t.me/c/{str(GROUP)[4:]}/1"
    assert decision.banks == ("ncii",) and decision.sha256 is not None
    assert decision.details["matches"][0]["entry"] == entry
    counts = BotState(store).counts(GROUP)
    assert counts["checked"] == counts["matched"] == counts["deleted"] == counts["warned"] == 1
    assert BotState(store).strikes(GROUP, USER) == 1


def test_clean_image_is_left_alone(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes], drawn_jpeg: Any
) -> None:
    bank_image(store, "ncii", benign_jpeg("astronaut"))

    async def scenario(harness: BotHarness) -> None:
        bot_api.post_photo(GROUP, USER, drawn_jpeg(3))
        bot_api.post_photo(GROUP, USER, benign_jpeg("coffee"))
        assert await harness.drain() == 2

    run(bot_api, store, scenario)
    assert bot_api.deleted == set()
    assert bot_api.sent_messages() == []
    assert actions(store) == []
    assert BotState(store).counts(GROUP)["checked"] == 2


def test_dry_run_only_logs(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("chelsea")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        bot_api.post_photo(GROUP, USER, image)
        await harness.drain()

    run(bot_api, store, scenario, dry_run=True)
    assert bot_api.deleted == set()
    assert bot_api.sent_messages(GROUP) == []
    (entry_message,) = log_entries(bot_api)
    assert entry_message["text"].startswith("[DRY RUN]")
    (record,) = actions(store)
    assert (record.status, record.done) == ("dry-run", ())
    assert BotState(store).strikes(GROUP, USER) == 0


def test_third_strike_bans(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("rocket")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        for expected_strikes in (1, 2):
            bot_api.post_photo(GROUP, USER, image)
            await harness.drain()
            assert harness.services.state.strikes(GROUP, USER) == expected_strikes
            assert bot_api.banned == set()
        bot_api.post_photo(GROUP, USER, image)
        await harness.drain()

    run(bot_api, store, scenario)
    assert bot_api.banned == {(GROUP, USER)}
    assert len(bot_api.deleted) == 3
    assert "strike 3 of 3" in bot_api.sent_messages(GROUP)[-1]["text"]
    assert actions(store)[-1].done == ("delete", "warn", "ban")
    assert "cs:unban:3" in button_data(log_entries(bot_api)[-1])
    assert BotState(store).counts(GROUP)["banned"] == 1


def test_mute_at_the_limit(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("camera")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        bot_api.post_photo(GROUP, USER, image)
        await harness.drain()

    run(bot_api, store, scenario, strike_limit=1, strike_action="mute", mute_seconds=3600)
    assert bot_api.banned == set()
    restriction = bot_api.restricted[(GROUP, USER)]
    until = restriction["until_date"]
    expected = datetime.now(UTC) + timedelta(seconds=3600)
    assert abs(int(until) - expected.timestamp()) < 600
    assert actions(store)[0].done == ("delete", "warn", "mute")


def test_flood_limits_are_waited_out(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("coffee")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        bot_api.post_photo(GROUP, USER, image)
        bot_api.post_photo(GROUP, USER + 1, image)
        bot_api.fail_next("getUpdates", times=1, retry_after=1)
        bot_api.fail_next("sendMessage", times=2, retry_after=1)  # a warning, then a log entry
        assert await harness.drain() == 2

    run(bot_api, store, scenario)
    assert len(bot_api.deleted) == 2
    assert len(bot_api.sent_messages(GROUP)) == 2  # both warnings, once each
    assert len(log_entries(bot_api)) == 2
    assert [record.status for record in actions(store)] == ["done", "done"]
    refused = [call for call in bot_api.calls if call.error and "retry" in call.error.lower()]
    assert {call.method for call in refused} == {"getUpdates", "sendMessage"}
    assert len(refused) == 3


def test_oversized_video_is_checked_by_its_thumbnail(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("astronaut")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        posted = bot_api.post_video(
            GROUP, USER, b"\x00" * 1024, thumbnail=image, file_size=30 * MiB
        )
        await harness.drain()
        assert (GROUP, posted["message_id"]) in bot_api.deleted

    run(bot_api, store, scenario)
    (downloaded,) = bot_api.downloads
    assert downloaded.startswith("thumbnails/")
    assert "checked through its thumbnail" in log_entries(bot_api)[0]["text"]


def test_oversized_file_without_thumbnail_is_skipped_and_logged(
    bot_api: FakeBotApi, store: Store
) -> None:
    async def scenario(harness: BotHarness) -> None:
        bot_api.post_video(GROUP, USER, b"\x00" * 1024, file_size=30 * MiB)
        await harness.drain()

    run(bot_api, store, scenario)
    assert bot_api.deleted == set() and bot_api.downloads == []
    (entry_message,) = log_entries(bot_api)
    assert "too large to check" in entry_message["text"]
    (record,) = actions(store)
    assert (record.decision, record.status) == ("skipped", "failed")
    assert BotState(store).counts(GROUP)["skipped"] == 1


def test_file_too_big_for_get_file_falls_back_to_the_thumbnail(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("chelsea")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        # The bot may download 50 MB (as with a self-hosted server), Telegram says no.
        posted = bot_api.post_video(GROUP, USER, b"\x00" * 512, thumbnail=image, file_size=25 * MiB)
        await harness.drain()
        assert (GROUP, posted["message_id"]) in bot_api.deleted
        asked = [call.params["file_id"] for call in bot_api.calls_to("getFile")]
        assert asked[0] == posted["video"]["file_id"]

    run(bot_api, store, scenario, max_download_bytes=50 * MiB)
    (downloaded,) = bot_api.downloads
    assert downloaded.startswith("thumbnails/")


def test_broken_media_is_logged_and_the_batch_goes_on(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("rocket")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        broken = bot_api.post_document(GROUP, USER, b"\xff\xd8\xff\xe0 not really a jpeg")
        good = bot_api.post_photo(GROUP, USER, image)
        assert await harness.drain() == 2
        assert bot_api.deleted == {(GROUP, good["message_id"])}
        assert (GROUP, broken["message_id"]) not in bot_api.deleted

    run(bot_api, store, scenario)
    broken_entry = log_entries(bot_api)[0]
    assert "could not fingerprint" in broken_entry["text"]
    first, second = actions(store)
    assert (first.status, first.done) == ("failed", ())
    assert second.status == "done"
    assert BotState(store).counts(GROUP)["errors"] == 1


def test_edited_message_is_checked_again(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes], drawn_jpeg: Any
) -> None:
    image = benign_jpeg("camera")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        posted = bot_api.post_photo(GROUP, USER, drawn_jpeg(11))
        await harness.drain()
        assert bot_api.deleted == set()
        bot_api.edit(posted, data=image)
        await harness.drain()
        assert bot_api.deleted == {(GROUP, posted["message_id"])}

    run(bot_api, store, scenario)


def test_channel_identity_is_banned_as_a_sender_chat(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("coffee")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        for _ in range(2):
            bot_api.post_photo(GROUP, None, image, sender_chat=CHANNEL)
            await harness.drain()

    run(bot_api, store, scenario, strike_limit=2)
    assert bot_api.banned_sender_chats == {(GROUP, CHANNEL)}
    assert bot_api.banned == set() and len(bot_api.deleted) == 2
    assert BotState(store).strikes(GROUP, CHANNEL) == 2
    last = actions(store)[-1]
    assert (last.sender_chat_id, last.sender_id, last.done[-1]) == (CHANNEL, None, "ban")


def test_channel_post_is_deleted_without_a_warning(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("astronaut")
    bank_image(store, "ncii", image)
    bot_api.add_chat(CHANNEL, type="channel", title="Channel")

    async def scenario(harness: BotHarness) -> None:
        posted = bot_api.channel_post(CHANNEL, image)
        await harness.drain()
        assert bot_api.deleted == {(CHANNEL, posted["message_id"])}

    run(bot_api, store, scenario, chats=[CHANNEL])
    assert bot_api.sent_messages(CHANNEL) == []
    assert actions(store)[0].done == ("delete",)


def test_reforward_is_not_downloaded_again(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("chelsea")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        first = bot_api.post_photo(GROUP, USER, image)
        await harness.drain()
        downloads = list(bot_api.downloads)
        assert len(downloads) == 1
        again = bot_api.post_photo(GROUP, USER + 1, first["photo"])
        await harness.drain()
        assert bot_api.downloads == downloads
        assert (GROUP, again["message_id"]) in bot_api.deleted

    run(bot_api, store, scenario)


def test_withdrawn_case_no_longer_matches(
    bot_api: FakeBotApi, db_store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    store = db_store  # SQLite and PostgreSQL
    image = benign_jpeg("rocket")
    entry = bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        first = bot_api.post_photo(GROUP, USER, image)
        await harness.drain()
        assert (GROUP, first["message_id"]) in bot_api.deleted
        store.remove_entry("ncii", entry)  # the person withdrew their case
        again = bot_api.post_photo(GROUP, USER, first["photo"])
        await harness.drain()
        assert (GROUP, again["message_id"]) not in bot_api.deleted
        assert len(bot_api.downloads) == 1  # the cached fingerprint, matched afresh

    run(bot_api, store, scenario)
    assert len(actions(store)) == 1


def test_old_message_is_not_deleted_and_the_log_says_why(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("coffee")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        bot_api.post_photo(GROUP, USER, image, date=datetime.now(UTC) - timedelta(hours=49))
        await harness.drain()

    run(bot_api, store, scenario)
    assert bot_api.deleted == set() and bot_api.calls_to("deleteMessage") == []
    assert "older than 48 hours" in log_entries(bot_api)[0]["text"]
    assert actions(store)[0].done == ("warn",)
    (warning,) = bot_api.sent_messages(GROUP)
    assert "removed" not in warning["text"] and "reported to the admins" in warning["text"]


def test_missing_delete_right_is_told_and_recorded(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("camera")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        bot_api.set_bot_rights(GROUP, can_delete_messages=False)
        bot_api.post_photo(GROUP, USER, image)
        await harness.drain()

    run(bot_api, store, scenario)
    assert bot_api.deleted == set()
    (record,) = actions(store)
    assert record.status == "failed" and "can_delete_messages" in (record.error or "")
    texts = [message["text"] for message in log_entries(bot_api)]
    assert any("Delete messages" in text and "right" in text for text in texts)


def test_allowlisted_sender_is_logged_not_acted_on(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("astronaut")
    bank_image(store, "ncii", image)
    BotState(store).allow(GROUP, USER, by=1)

    async def scenario(harness: BotHarness) -> None:
        bot_api.post_photo(GROUP, USER, image)
        await harness.drain()

    run(bot_api, store, scenario)
    assert bot_api.deleted == set() and bot_api.sent_messages(GROUP) == []
    (entry_message,) = log_entries(bot_api)
    assert "allowlisted" in entry_message["text"]
    assert actions(store)[0].done == ()


@pytest.mark.parametrize("kind", ["document", "sticker", "animation"])
def test_other_media_kinds_are_checked(
    kind: str, bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("chelsea")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        if kind == "document":
            posted = bot_api.post_document(GROUP, USER, image)
        elif kind == "sticker":  # an animated sticker: checked through its thumbnail
            posted = bot_api.post_sticker(GROUP, USER, b"tgs", is_animated=True, thumbnail=image)
        else:
            posted = bot_api.post_animation(
                GROUP, USER, b"\x00" * 64, thumbnail=image, file_size=40 * MiB
            )
        await harness.drain()
        assert (GROUP, posted["message_id"]) in bot_api.deleted

    run(bot_api, store, scenario)


def test_media_types_the_chat_turned_off_are_not_checked(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("rocket")
    bank_image(store, "ncii", image)

    async def scenario(harness: BotHarness) -> None:
        bot_api.post_photo(GROUP, USER, image)
        await harness.drain()

    run(bot_api, store, scenario, media_types=frozenset({"video"}))
    assert bot_api.deleted == set() and bot_api.downloads == []
    assert BotState(store).counts(GROUP)["checked"] == 0


def test_remote_registry_is_mirrored_and_a_withdrawal_stops_matching(
    bot_api: FakeBotApi, store: Store, tmp_path: Path, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("astronaut")
    remote = Store.open(tmp_path / "remote")
    entry = bank_image(remote, "hub", image)
    with TestClient(feed_app(remote), base_url="http://testserver") as client:
        registry = RemoteRegistry(
            url="http://testserver",
            key=REMOTE_KEY,
            state_file=tmp_path / "sync.json",
            prefix="hub-",
            client=client,
        )

        async def scenario(harness: BotHarness) -> None:
            first = bot_api.post_photo(GROUP, USER, image)
            await harness.drain()
            assert (GROUP, first["message_id"]) in bot_api.deleted
            remote.remove_entry("hub", entry)  # withdrawn at the registry
            again = bot_api.post_photo(GROUP, USER, first["photo"])
            await harness.drain()  # mirrors the registry first
            assert (GROUP, again["message_id"]) not in bot_api.deleted

        run(bot_api, store, scenario, registry=registry)
    remote.close()
    assert "hub-hub" in {bank.name for bank in store.list_banks()}
    assert Decisions(store).get(actions(store)[0].decision_id).banks == ("hub-hub",)


def feed_app(remote: Store) -> FastAPI:
    """The registry's sync feed, as the service serves it, behind REMOTE_KEY."""
    app = FastAPI()

    @app.get("/v1/sync")
    def sync(
        cursor: str | None = None, limit: int = 1000, authorization: str = Header(default="")
    ) -> Any:
        if authorization != f"Bearer {REMOTE_KEY}":
            return JSONResponse({"error": {"code": "unauthenticated", "message": "no"}}, 401)
        return feed_page(remote, cursor=cursor, limit=limit).to_json()

    return app


@pytest.mark.parametrize(
    ("fields", "identity"),
    [
        ({"from": {"id": USER, "is_bot": False, "first_name": "A"}}, USER),
        ({"sender_chat": {"id": CHANNEL, "type": "channel", "title": "C"}}, CHANNEL),
        ({"sender_chat": {"id": GROUP, "type": "supergroup", "title": "G"}}, None),  # anon admin
        (
            {
                "sender_chat": {"id": CHANNEL, "type": "channel", "title": "C"},
                "is_automatic_forward": True,  # the group's linked channel
            },
            None,
        ),
    ],
)
def test_who_strikes_count_against(fields: dict[str, Any], identity: int | None) -> None:
    message = Message.model_validate(
        {
            "message_id": 5,
            "date": 1_700_000_000,
            "chat": {"id": GROUP, "type": "supergroup", "title": "G"},
            **fields,
        }
    )
    assert Target.of(message).identity == identity


def test_registered_video_note_is_deleted(bot_api: FakeBotApi, store: Store) -> None:
    clip = panning_clip()
    bank_image(store, "ncii", clip)

    async def scenario(harness: BotHarness) -> None:
        posted = bot_api.post_video_note(GROUP, USER, clip)
        await harness.drain()
        assert (GROUP, posted["message_id"]) in bot_api.deleted

    run(bot_api, store, scenario)
    decision = Decisions(store).get(actions(store)[0].decision_id)
    assert decision.banks == ("ncii",)


def panning_clip(frames: int = 20) -> bytes:
    """A two-second MPEG-4 clip of the astronaut sample panning sideways, in memory."""
    import io

    import av
    import numpy as np
    from skimage import data

    image = data.astronaut()[::4, ::4]
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 128, 128, "yuv420p"
        for index in range(frames):
            rgb = np.ascontiguousarray(np.roll(image, index * 3, axis=1))
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def test_media_telegram_will_not_hand_over_is_logged_as_an_error(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    async def scenario(harness: BotHarness) -> None:
        bot_api.fail_next("getFile", description="Bad Request: wrong file_id or the file is gone")
        bot_api.post_photo(GROUP, USER, benign_jpeg("coffee"))
        await harness.drain()

    run(bot_api, store, scenario)
    assert bot_api.deleted == set() and bot_api.downloads == []
    (record,) = actions(store)
    assert record.status == "failed" and "the file is gone" in (record.error or "")
    assert "getFile failed" in log_entries(bot_api)[0]["text"]
    assert BotState(store).counts(GROUP)["errors"] == 1
