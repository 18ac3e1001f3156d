"""The long-polling runner: offsets saved per update, failing updates skipped after three
tries, flood waits on getUpdates, a clean stop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from consentry.actions.settings import ModerationSettings
from consentry.assessment import Assessor
from consentry.store import Store
from consentry.telegram.runner import Poller
from consentry.telegram.state import BotState

from .bot_harness import bank_image, running_bot
from .fake_bot_api import FakeBotApi

GROUP = -1001234500001
BROKEN_GROUP = -1001234500002
USER = 7_000_000_001


def test_offset_is_saved_and_a_restart_handles_nothing_twice(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("astronaut")
    bank_image(store, "ncii", image)
    bot_api.add_chat(GROUP)

    async def first_run() -> None:
        async with running_bot(bot_api, store) as harness:
            bot_api.post_photo(GROUP, USER, image)
            bot_api.post_photo(GROUP, USER, image)
            assert await harness.drain() == 2

    async def second_run() -> int:
        async with running_bot(bot_api, store) as harness:
            return await harness.drain()

    asyncio.run(first_run())
    last_update = max(call.params.get("offset") or 0 for call in bot_api.calls_to("getUpdates"))
    assert BotState(store).offset() == last_update
    assert asyncio.run(second_run()) == 0
    assert len(bot_api.calls_to("deleteMessage")) == 2


def test_an_update_that_keeps_failing_is_skipped_after_three_tries(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("coffee")
    bank_image(store, "ncii", image)
    bot_api.add_chat(GROUP)
    bot_api.add_chat(BROKEN_GROUP)
    tries: list[int] = []

    async def scenario() -> None:
        async with running_bot(bot_api, store) as harness:
            working = harness.services.assessor_for

            def assessor_for(settings: ModerationSettings) -> Assessor:
                if len(tries) < 3:  # the first update's three tries fail
                    tries.append(1)
                    raise RuntimeError("a bug in a handler")
                return working(settings)

            harness.services.assessor_for = assessor_for
            bot_api.post_photo(BROKEN_GROUP, USER, image)
            kept = bot_api.post_photo(GROUP, USER, image)
            assert await harness.drain() == 2
            assert bot_api.deleted == {(GROUP, kept["message_id"])}

    asyncio.run(scenario())
    assert len(tries) == 3
    state = BotState(store)
    assert state.counts(BROKEN_GROUP)["errors"] == 1
    assert state.counts(GROUP)["errors"] == 0
    assert bot_api.pending_updates() == []


def test_run_waits_out_flood_limits_and_stops_cleanly(
    bot_api: FakeBotApi, store: Store, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("rocket")
    bank_image(store, "ncii", image)
    bot_api.add_chat(GROUP)

    async def scenario() -> None:
        async with running_bot(bot_api, store) as harness:
            poller = Poller(harness.bot, harness.dispatcher, harness.services, timeout=1)
            bot_api.fail_next("getUpdates", times=2, retry_after=1)
            task = asyncio.create_task(poller.run())
            posted = bot_api.post_photo(GROUP, USER, image)
            key = (GROUP, posted["message_id"])
            await bot_api.wait_until_async(lambda: key in bot_api.deleted, timeout=30)
            poller.stop()
            await asyncio.wait_for(task, timeout=30)
            assert task.done() and task.exception() is None

    asyncio.run(scenario())
    assert len(bot_api.calls_to("deleteMessage")) == 1


def test_cancelling_the_runner_leaves_the_offset_consistent(
    bot_api: FakeBotApi, store: Store, drawn_jpeg: Any
) -> None:
    bot_api.add_chat(GROUP)

    async def scenario() -> None:
        async with running_bot(bot_api, store) as harness:
            poller = Poller(harness.bot, harness.dispatcher, harness.services, timeout=1)
            task = asyncio.create_task(poller.run())
            bot_api.post_photo(GROUP, USER, drawn_jpeg(1))
            await bot_api.wait_until_async(
                lambda: harness.services.state.counts(GROUP)["checked"] == 1, timeout=30
            )
            await bot_api.wait_until_async(lambda: bot_api.pending_updates() == [], timeout=30)
            task.cancel()  # what Ctrl-C does to asyncio.run's main task
            await asyncio.gather(task, return_exceptions=True)
            assert task.cancelled()

    asyncio.run(scenario())
    assert BotState(store).counts(GROUP)["checked"] == 1
