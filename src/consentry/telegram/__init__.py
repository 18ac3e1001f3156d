"""The Telegram moderation bot (aiogram 3): media in chats checked against the registry.

    bot = build_bot(token)
    await run_polling(bot, build_dispatcher(services), services)

Media is downloaded into memory, fingerprinted, matched and decided on by the chat's
policy; the bot deletes, warns, restricts or holds for review as the chat's settings say,
and logs each action (text and buttons, never the media) in the chat's log chat.
"""

from consentry.telegram.app import build_bot, build_dispatcher
from consentry.telegram.runner import run_polling
from consentry.telegram.services import BotServices

__all__ = ["BotServices", "build_bot", "build_dispatcher", "run_polling"]
