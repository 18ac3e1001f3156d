"""Long polling: fetch updates, hand each to the Dispatcher, remember how far we got.

The offset (the last update handled) is saved in the store after each update, so a
restart neither loses nor repeats updates. An update whose handling keeps failing is
tried ``attempts`` times, then counted as an error and skipped: one bad update never
blocks the ones behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update
from sqlalchemy.exc import OperationalError

from consentry.telegram.calls import call
from consentry.telegram.services import BotServices

logger = logging.getLogger(__name__)

UPDATE_ATTEMPTS = 3
ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "my_chat_member",
)


class Poller:
    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        services: BotServices,
        *,
        timeout: int = 30,
        limit: int = 100,
        attempts: int = UPDATE_ATTEMPTS,
        retry_pause: float = 1.0,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.services = services
        self.timeout = timeout
        self.limit = limit
        self.attempts = attempts
        self.retry_pause = retry_pause
        self._stopping = asyncio.Event()

    async def poll_once(self, timeout: int | None = None) -> int:
        """One getUpdates round; returns how many updates were handled (or skipped)."""
        offset = self.services.state.offset()  # the update after the last one handled
        updates = await call(
            lambda: self.bot.get_updates(
                offset=offset,
                limit=self.limit,
                timeout=self.timeout if timeout is None else timeout,
                allowed_updates=list(ALLOWED_UPDATES),
            )
        )
        await self.handle_all(updates)
        return len(updates)

    async def handle_all(self, updates: Sequence[Update]) -> None:
        for update in updates:
            if self._stopping.is_set():
                return
            await self.handle(update)
            self.services.state.save_offset(update.update_id)

    async def handle(self, update: Update) -> None:
        for attempt in range(1, self.attempts + 1):
            try:
                await self.dispatcher.feed_update(self.bot, update)
                return
            except Exception as error:  # any handler bug: retried, then skipped, never fatal
                logger.warning(
                    "update %d failed (attempt %d of %d): %s",
                    update.update_id,
                    attempt,
                    self.attempts,
                    type(error).__name__,
                )
                logger.debug("update %d traceback", update.update_id, exc_info=True)
                if attempt < self.attempts:
                    await asyncio.sleep(self.retry_pause * attempt)
        chat_id = _chat_of(update)
        logger.error("update %d skipped after %d attempts", update.update_id, self.attempts)
        if chat_id is not None:
            self.services.state.count(chat_id, "errors")

    async def run(self) -> None:
        """Poll until :meth:`stop` (or cancellation); network trouble is waited out."""
        pause = 1.0
        while not self._stopping.is_set():
            try:
                await self.poll_once()
                pause = 1.0
            except (
                TelegramNetworkError,
                TelegramServerError,
                TelegramRetryAfter,
                OperationalError,  # the database is away: the update is fetched again later
            ) as error:
                logger.warning("polling failed (%s); retrying", type(error).__name__)
                await self._sleep(pause)
                pause = min(pause * 2, 60.0)

    def stop(self) -> None:
        self._stopping.set()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


def _chat_of(update: Update) -> int | None:
    for event in (
        update.message,
        update.edited_message,
        update.channel_post,
        update.edited_channel_post,
    ):
        if event is not None:
            return event.chat.id
    query = update.callback_query
    if query is not None and query.message is not None:
        return query.message.chat.id
    return None


async def run_polling(
    bot: Bot, dispatcher: Dispatcher, services: BotServices, *, timeout: int = 30
) -> None:
    """Delete any webhook (Telegram refuses getUpdates while one is set), then poll until
    cancelled (Ctrl-C)."""
    await call(lambda: bot.delete_webhook(drop_pending_updates=False))
    poller = Poller(bot, dispatcher, services, timeout=timeout)
    try:
        await poller.run()
    finally:
        poller.stop()
