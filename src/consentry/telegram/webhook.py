"""Telegram updates by webhook, inside ``consentry serve``: ``POST /telegram/webhook``.

Enabled when ``CONSENTRY_TELEGRAM_TOKEN`` and ``CONSENTRY_TELEGRAM_WEBHOOK_SECRET`` are
set (``CONSENTRY_TELEGRAM_API_URL``: a self-hosted Bot API server). Telegram sends the
secret in the ``X-Telegram-Bot-Api-Secret-Token`` header (``consentry bot --webhook-url
URL --webhook-secret S`` registers both); a request without it gets 403. Telegram resends
an update it got no 200 for: ids already handled are acknowledged and not handled again.
The bot shares the service's store and live index.
"""

from __future__ import annotations

import hmac
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Update
from aiogram.utils.token import TokenValidationError
from fastapi import APIRouter, Header, Request
from pydantic import ValidationError

from consentry.service.errors import ApiError
from consentry.telegram.app import bot_services, build_bot, build_dispatcher
from consentry.telegram.calls import call
from consentry.telegram.runner import Poller

if TYPE_CHECKING:
    from consentry.service.runtime import Runtime

TOKEN_ENV = "CONSENTRY_TELEGRAM_TOKEN"
SECRET_ENV = "CONSENTRY_TELEGRAM_WEBHOOK_SECRET"
API_URL_ENV = "CONSENTRY_TELEGRAM_API_URL"
PATH = "/telegram/webhook"

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class WebhookConfig:
    token: str
    secret: str
    api_url: str | None = None

    def __repr__(self) -> str:  # never show the token or the secret
        return f"WebhookConfig(api_url={self.api_url!r})"

    @classmethod
    def from_env(cls) -> WebhookConfig | None:
        token, secret = os.environ.get(TOKEN_ENV), os.environ.get(SECRET_ENV)
        if not token or not secret:
            return None
        return cls(token, secret, os.environ.get(API_URL_ENV) or None)


class TelegramWebhook:
    """The bot as the service runs it: built on the service's runtime at startup."""

    def __init__(self, config: WebhookConfig, bot: Bot, poller: Poller) -> None:
        self.config = config
        self.bot = bot
        self.poller = poller

    @classmethod
    async def start(cls, config: WebhookConfig, runtime: Runtime) -> TelegramWebhook:
        bot = build_bot(config.token, api_url=config.api_url)
        try:
            me = await call(bot.get_me)
            services = bot_services(bot, me, runtime.store, runtime.decisions, runtime.matcher)
        except BaseException:
            await bot.session.close()
            raise
        return cls(config, bot, Poller(bot, build_dispatcher(services), services))

    @classmethod
    async def open(cls, config: WebhookConfig, runtime: Runtime) -> TelegramWebhook | None:
        """Start the bot, or log why it cannot start and return None: the registry service
        keeps running (and the webhook answers 503, so Telegram delivers again later)."""
        try:
            return await cls.start(config, runtime)
        except (TelegramAPIError, TokenValidationError) as error:  # never the token itself
            logger.error("the Telegram bot could not start: %s", type(error).__name__)
            return None

    async def close(self) -> None:
        await self.bot.session.close()

    def accepts(self, secret: str | None) -> bool:
        return secret is not None and hmac.compare_digest(
            secret.encode("utf-8"), self.config.secret.encode("utf-8")
        )

    async def handle(self, body: Any) -> None:
        try:
            update = Update.model_validate(body, context={"bot": self.bot})
        except ValidationError:
            raise ApiError(422, "invalid-update", "the body is not a Telegram update") from None
        if self.poller.services.state.seen_update(update.update_id):
            return  # a redelivery: handled already
        await self.poller.handle(update)


@router.post(PATH)
async def telegram_webhook(
    request: Request,
    secret: str | None = Header(None, alias="X-Telegram-Bot-Api-Secret-Token"),
) -> dict[str, bool]:
    hook: TelegramWebhook | None = getattr(request.app.state, "telegram", None)
    if hook is None:
        raise ApiError(503, "unavailable", "the Telegram bot could not start; see the logs")
    if not hook.accepts(secret):
        raise ApiError(403, "forbidden", "wrong or missing webhook secret")
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(422, "invalid-update", "the body is not JSON") from None
    await hook.handle(body)
    return {"ok": True}
