"""The bot put together: Bot, Dispatcher with every router, services over a store."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import User

from consentry.decisions import Decisions
from consentry.matching.live import LiveMatcher
from consentry.store import Store
from consentry.telegram.registry import RegistryMirror, RemoteRegistry, assessor_factory
from consentry.telegram.rights import RightsCache
from consentry.telegram.services import MAX_DOWNLOAD_BYTES, BotServices
from consentry.telegram.state import BotState

API_LOCAL_ENV = "CONSENTRY_TELEGRAM_API_LOCAL"


def build_bot(token: str, *, api_url: str | None = None, local: bool | None = None) -> Bot:
    """A Bot for ``token``; ``api_url``: a self-hosted Bot API server instead of Telegram's.

    ``local`` (default: ``$CONSENTRY_TELEGRAM_API_LOCAL`` set to 1): that server runs with
    ``--local``, so getFile answers a path on its disk, which is read from there into memory
    (the server and the bot share the machine or a volume).
    """
    if api_url is None:
        return Bot(token)
    if local is None:
        local = os.environ.get(API_LOCAL_ENV, "") in {"1", "true", "yes"}
    server = TelegramAPIServer.from_base(api_url.rstrip("/"), is_local=local)
    return Bot(token, session=AiohttpSession(api=server))


def build_dispatcher(services: BotServices) -> Dispatcher:
    """Admin commands (and rights), log chat buttons and appeals first; media moderation
    last, so a command is never mistaken for content."""
    from consentry.telegram import appeals, commands, logchat, moderation

    dispatcher = Dispatcher()
    dispatcher["services"] = services
    for module in (commands, logchat, appeals, moderation):  # commands includes rights
        dispatcher.include_router(_detached(module.router))
    return dispatcher


def _detached(router: Router) -> Router:
    """The module's router, taken off a Dispatcher built earlier in this process (tests,
    the webhook next to a poller): aiogram attaches a router to one parent only."""
    parent = router.parent_router
    if parent is not None:
        parent.sub_routers.remove(router)
        router._parent_router = None  # aiogram has no public way to detach
    return router


def bot_services(
    bot: Bot,
    me: User,
    store: Store,
    decisions: Decisions,
    matcher: LiveMatcher,
    *,
    max_download_bytes: int = MAX_DOWNLOAD_BYTES,
) -> BotServices:
    """What every handler gets, for polling and the webhook alike."""
    return BotServices(
        state=BotState(store),
        decisions=decisions,
        assessor_for=assessor_factory(matcher),
        bot_id=me.id,
        bot_username=me.username or "",
        rights=RightsCache(bot),
        max_download_bytes=max_download_bytes,
    )


@dataclass
class RunningBot:
    bot: Bot
    dispatcher: Dispatcher
    services: BotServices
    matcher: LiveMatcher
    mirror: RegistryMirror | None


@asynccontextmanager
async def running_bot(
    store: Store,
    token: str,
    *,
    api_url: str | None = None,
    local: bool | None = None,
    registry: RemoteRegistry | None = None,
    max_download_bytes: int = MAX_DOWNLOAD_BYTES,
    poll_seconds: float = 0.2,
) -> AsyncIterator[RunningBot]:
    """Everything the bot needs over ``store``: the registry mirrored first (when given),
    the live index built, the bot's identity read (getMe). Closed on exit."""
    matcher = LiveMatcher(store, poll_seconds=poll_seconds)
    mirror = RegistryMirror(registry, store) if registry is not None else None
    bot = build_bot(token, api_url=api_url, local=local)
    try:
        me = await bot.get_me()
        if mirror is not None:
            mirror.start()
        matcher.start()
        services = bot_services(
            bot, me, store, Decisions(store), matcher, max_download_bytes=max_download_bytes
        )
        yield RunningBot(bot, build_dispatcher(services), services, matcher, mirror)
    finally:
        if mirror is not None:
            mirror.stop()
        matcher.stop()
        await bot.session.close()
