"""Run the bot in a test against the fake Bot API, and put benign images in banks.

    async with running_bot(bot_api, store) as harness:
        harness.configure(chat_id, log_chat=LOG_CHAT)
        message = bot_api.post_photo(chat_id, user_id, data)
        await harness.drain()
        assert (chat_id, message["message_id"]) in bot_api.deleted

``running_bot`` builds the bot as ``consentry bot`` does (``consentry.telegram.app.
running_bot``: BotState, Decisions, a live matcher over ``store``, the Dispatcher with
every router). ``drain()`` polls getUpdates with timeout 0 and handles updates until none
is pending, through the same ``Poller`` the CLI runs (offsets are saved as in production).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher

from consentry.actions.settings import ModerationSettings
from consentry.matching.live import LiveMatcher
from consentry.scan.jobs import entry_fingerprints
from consentry.signals import fingerprint
from consentry.store import Store
from consentry.telegram import app
from consentry.telegram.registry import RegistryMirror, RemoteRegistry
from consentry.telegram.runner import Poller
from consentry.telegram.services import BotServices

MAX_DRAINED = 10_000


@dataclass
class BotHarness:
    services: BotServices
    bot: Bot
    dispatcher: Dispatcher
    poller: Poller
    matcher: LiveMatcher
    mirror: RegistryMirror | None = None

    async def drain(self, timeout: float = 10) -> int:
        """Handle every pending update (and any the handling queues); returns how many.
        The registry mirror and the live index are brought up to date first, so images
        banked (or removed) just before are seen. ``timeout`` is kept for the interface:
        getUpdates is called with timeout 0, so an empty queue ends the loop at once."""
        if self.mirror is not None:
            self.mirror.sync_once()
        self.matcher.refresh()
        handled = 0
        while (count := await self.poller.poll_once(timeout=0)) > 0:
            handled += count
            if handled > MAX_DRAINED:
                raise AssertionError("updates keep coming: drain() gave up")
        return handled

    def configure(self, chat_id: int, **changes: Any) -> ModerationSettings:
        """Save a chat's settings (``ModerationSettings.with_changes`` names)."""
        state = self.services.state
        settings = state.settings(chat_id).with_changes(**changes)
        state.save_settings(chat_id, settings)
        return settings


@asynccontextmanager
async def running_bot(
    bot_api: Any,
    store: Store,
    *,
    registry: RemoteRegistry | None = None,
    **options: Any,
) -> AsyncIterator[BotHarness]:
    """The bot on the fake at ``bot_api.url``, over ``store``.

    ``options``: ``max_download_bytes``; the runner's ``attempts`` and ``retry_pause``
    (default 0.01 s); ``chats=[ids]`` with any ``ModerationSettings`` names
    (``log_chat=..., dry_run=True``) saved as those chats' settings."""
    runner = {key: options.pop(key) for key in ("attempts", "retry_pause") if key in options}
    runner.setdefault("retry_pause", 0.01)
    opened = {key: options.pop(key) for key in ("max_download_bytes",) if key in options}
    chats = options.pop("chats", ())
    async with app.running_bot(
        store, bot_api.token, api_url=bot_api.url, registry=registry, poll_seconds=0.05, **opened
    ) as running:
        poller = Poller(running.bot, running.dispatcher, running.services, timeout=0, **runner)
        harness = BotHarness(
            running.services,
            running.bot,
            running.dispatcher,
            poller,
            running.matcher,
            running.mirror,
        )
        for chat_id in chats:
            harness.configure(chat_id, **options)
        yield harness


def bank_image(store: Store, bank: str, data: bytes, label: str = "intimate") -> int:
    """Register a (benign) image's fingerprints in ``bank`` (created if needed), as
    ``consentry bank add`` does; returns the entry id."""
    fp = fingerprint(data)
    assert fp.ok, f"the test image could not be fingerprinted: {fp.error}"
    if bank not in {existing.name for existing in store.list_banks()}:
        store.create_bank(bank)
    return store.add_entry(bank, entry_fingerprints(fp, rotations=False), label=label)
