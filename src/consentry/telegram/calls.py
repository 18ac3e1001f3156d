"""Bot API calls that survive flood limits and network trouble.

    sent = await call(lambda: bot.send_message(chat_id, text))

A 429 answer (``TelegramRetryAfter``) is retried after the ``retry_after`` seconds Telegram
asks for; network errors and 5xx answers are retried with a growing pause. Anything else
(bad request, forbidden, ...) is raised at once: retrying would not change the answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError

T = TypeVar("T")

DEFAULT_ATTEMPTS = 6
MAX_RETRY_AFTER = 120.0  # seconds; a longer wait is capped (the call is tried again then)
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 10.0

logger = logging.getLogger(__name__)


async def call(
    factory: Callable[[], Awaitable[T]],
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    backoff: float = FIRST_BACKOFF,
) -> T:
    """Await ``factory()`` until it succeeds or ``attempts`` tries have failed.

    ``factory`` makes a fresh coroutine per try (a coroutine can be awaited only once)."""
    pause = backoff
    for attempt in range(1, attempts + 1):
        try:
            return await factory()
        except TelegramRetryAfter as error:
            if attempt == attempts:
                raise
            wait = min(float(error.retry_after), MAX_RETRY_AFTER)
            logger.info("Telegram asked to wait %.0f s (%s)", wait, error.method.__api_method__)
            await asyncio.sleep(wait)
        except (TelegramNetworkError, TelegramServerError) as error:
            if attempt == attempts:
                raise
            logger.info("Bot API call failed (%s); retrying", type(error).__name__)
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_BACKOFF)
    raise AssertionError("unreachable")  # the loop returns or raises
