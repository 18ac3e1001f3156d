"""Appeals: the warning's deep link (``t.me/<bot>?start=appeal-<action_id>``) opens a
private chat with the bot, where the person acted on can appeal once.

The appeal is recorded for the chat's admins (``BotState.record_appeal``) and announced
in the log chat. The next text the person sends within the hour is its explanation (found
through the store, so a restart in between loses nothing): it is stored (capped) and posted
to the log chat as text. Nothing sent here is ever forwarded:
the explanation is copied as text, and photos or files are refused.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message, ReplyParameters

from consentry.telegram import texts
from consentry.telegram.calls import call
from consentry.telegram.commands import say
from consentry.telegram.rights import has_right
from consentry.telegram.state import MAX_APPEAL_CHARS, ActionRecord

if TYPE_CHECKING:
    from consentry.telegram.services import BotServices

log = logging.getLogger(__name__)

router = Router(name="consentry-appeals")
router.message.filter(F.chat.type == "private")

APPEAL_PAYLOAD = re.compile(r"appeal-(\d{1,18})")


@router.message(CommandStart(deep_link=True))
async def appeal_start(
    message: Message,
    command: CommandObject,
    bot: Bot,
    services: BotServices,
) -> None:
    found = APPEAL_PAYLOAD.fullmatch(command.args or "")
    user = message.from_user
    if found is None or user is None:
        await say(message, texts.APPEAL_START)
        return
    action_id = int(found.group(1))
    record = services.state.action(action_id)
    if record is None:
        await say(message, texts.APPEAL_UNKNOWN)
        return
    if not await is_affected(bot, record, user.id):
        await say(message, texts.APPEAL_NOT_YOURS)
        return
    if any(appeal.action_id == action_id for appeal in services.state.appeals(record.chat_id)):
        await say(message, texts.APPEAL_AGAIN)
        return
    services.state.record_appeal(action_id, user.id, None)
    note = texts.appeal_note(action_id, user.id, record.chat_id, record.message_id)
    await to_log_chat(bot, services, record, note)
    await say(message, texts.APPEAL_RECORDED)


@router.message(CommandStart())
async def start(message: Message) -> None:
    await say(message, texts.APPEAL_START)


async def explain_appeal(message: Message, bot: Bot, services: BotServices) -> bool:
    """The text is the explanation of the sender's open appeal, if they have one."""
    user_id = message.from_user.id if message.from_user else 0
    appeal = services.state.awaiting_explanation(user_id)
    if appeal is None:
        return False
    text = (message.text or "").strip()[:MAX_APPEAL_CHARS]
    services.state.set_appeal_text(appeal.id, text)
    record = services.state.action(appeal.action_id)
    if record is not None:
        note = texts.appeal_text_note(appeal.action_id, user_id, text)
        await to_log_chat(bot, services, record, note)
    await say(message, texts.APPEAL_THANKS)
    return True


@router.message(F.text, ~F.text.startswith("/"))
async def private_text(message: Message, bot: Bot, services: BotServices) -> None:
    """An appeal's explanation, or else: say what the bot is and how appeals work."""
    if not await explain_appeal(message, bot, services):
        await say(message, texts.APPEAL_START)


@router.message(~F.text)
async def not_text(message: Message, services: BotServices) -> None:
    user_id = message.from_user.id if message.from_user else 0
    if services.state.awaiting_explanation(user_id) is not None:
        await say(message, texts.APPEAL_TEXT_ONLY)
    else:
        await say(message, texts.APPEAL_START)


async def is_affected(bot: Bot, record: ActionRecord, user_id: int) -> bool:
    """The user sent the message acted on, or (for a channel identity's post) is the
    creator or an administrator of that channel."""
    if record.sender_chat_id is None:
        return record.sender_id == user_id
    try:
        member = await call(
            lambda: bot.get_chat_member(chat_id=record.sender_chat_id, user_id=user_id)
        )
    except TelegramAPIError:
        return False
    return has_right(member, None)


async def to_log_chat(bot: Bot, services: BotServices, record: ActionRecord, text: str) -> None:
    """Post to the moderated chat's log chat (as a reply to the action's entry when it is
    there); without a log chat the appeal is only recorded, for /status."""
    log_chat = services.state.settings(record.chat_id).log_chat
    if log_chat is None:
        return
    reply = None
    if record.log_message_id is not None:
        reply = ReplyParameters(message_id=record.log_message_id, allow_sending_without_reply=True)
    try:
        await call(
            lambda: bot.send_message(log_chat, text, reply_parameters=reply, parse_mode=None)
        )
    except TelegramAPIError as error:
        log.warning("could not post an appeal to log chat %s: %s", log_chat, error)
