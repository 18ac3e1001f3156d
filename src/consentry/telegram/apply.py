"""Carry out an ActionPlan through the Bot API: delete, warn, strike, mute or ban.

Each step is tried on its own: a missing right or a refused call is noted and the other
steps still run. What the bot lacks is told to the chat's admins (``rights.tell_missing``,
at most hourly). Telegram lets bots delete only messages younger than 48 hours: older ones
are not attempted, and the note says so. A dry run does nothing here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import ChatPermissions, Message

from consentry.actions.plan import ActionPlan
from consentry.actions.settings import ModerationSettings
from consentry.telegram import texts
from consentry.telegram.calls import call
from consentry.telegram.rights import DELETE, RESTRICT, tell_missing
from consentry.telegram.services import BotServices

logger = logging.getLogger(__name__)

DELETE_WINDOW = timedelta(hours=48)
NO_PERMISSIONS = ChatPermissions(
    can_send_messages=False,
    can_send_audios=False,
    can_send_documents=False,
    can_send_photos=False,
    can_send_videos=False,
    can_send_video_notes=False,
    can_send_voice_notes=False,
    can_send_polls=False,
    can_send_other_messages=False,
    can_add_web_page_previews=False,
)


@dataclass(frozen=True)
class Target:
    """The message acted on and who sent it. ``sender_chat_id``: a channel posting in a
    group under its own name (a "channel identity"); it is what strikes and bans apply to."""

    chat_id: int
    chat_type: str
    chat_title: str | None
    message_id: int
    sent_at: datetime
    sender_id: int | None
    sender_chat_id: int | None
    sender_name: str

    @property
    def identity(self) -> int | None:
        """Who strikes count against: the channel identity, else the user."""
        return self.sender_chat_id if self.sender_chat_id is not None else self.sender_id

    @classmethod
    def of(cls, message: Message) -> Target:
        chat = message.chat
        sender_chat = message.sender_chat
        sender_id = sender_chat_id = None
        name = chat.title or "this chat"
        if sender_chat is not None:
            # Nobody to strike: an anonymous admin or a channel's own post (same id), or
            # the group's linked channel, whose posts Telegram forwards automatically.
            if sender_chat.id != chat.id and not message.is_automatic_forward:
                sender_chat_id = sender_chat.id
                name = sender_chat.title or str(sender_chat.id)
        elif message.from_user is not None:
            sender_id = message.from_user.id
            name = message.from_user.full_name
        return cls(
            chat.id,
            chat.type,
            chat.title,
            message.message_id,
            message.date,  # an edit does not restart Telegram's 48-hour delete window
            sender_id,
            sender_chat_id,
            name,
        )


@dataclass
class Outcome:
    done: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # rights the bot lacked
    strikes: int | None = None

    @property
    def error(self) -> str | None:
        return "; ".join(self.errors) if self.errors else None


def status_of(plan: ActionPlan, outcome: Outcome) -> str:
    if plan.dry_run:
        return "dry-run"
    if outcome.errors:
        return "failed"
    return "held" if plan.hold_for_review else "done"


async def apply_plan(
    bot: Bot,
    services: BotServices,
    target: Target,
    plan: ActionPlan,
    settings: ModerationSettings,
    action_id: int,
) -> Outcome:
    """Do what ``plan`` says to ``target``; ``action_id`` goes into the appeal link."""
    outcome = Outcome()
    if plan.dry_run:
        outcome.notes.append("dry run: nothing was done")
        return outcome
    if plan.hold_for_review:
        services.state.count(target.chat_id, "held")
    if plan.delete:
        await _delete(bot, services, target, outcome)
    if plan.strike and target.identity is not None:
        outcome.strikes = services.state.add_strike(target.chat_id, target.identity)
    if plan.warn and target.identity is not None and target.chat_type != "channel":
        await _warn(bot, services, target, settings, action_id, outcome)
    if plan.restrict is not None and target.identity is not None:
        await _restrict(bot, services, target, plan.restrict, settings, outcome)
    if outcome.missing:
        await tell_missing(
            bot,
            target.chat_id,
            settings,
            services.rights,
            outcome.missing,
            chat_title=target.chat_title,
        )
    return outcome


async def _delete(bot: Bot, services: BotServices, target: Target, outcome: Outcome) -> None:
    if datetime.now(UTC) - target.sent_at >= DELETE_WINDOW:
        outcome.notes.append(
            "not deleted: the message is older than 48 hours, which Telegram does not let "
            "bots delete; an admin has to delete it"
        )
        return
    if await _lacks(services, target.chat_id, DELETE, outcome):
        return
    try:
        await call(lambda: bot.delete_message(target.chat_id, target.message_id))
    except TelegramBadRequest as error:
        if "not found" in error.message:
            outcome.notes.append("the message was already gone")
            return
        services.rights.forget(target.chat_id)  # the cached rights may be stale
        outcome.errors.append(f"delete failed: {error.message}")
        return
    except TelegramAPIError as error:
        outcome.errors.append(f"delete failed: {error.message}")
        return
    outcome.done.append("delete")
    services.state.count(target.chat_id, "deleted")


async def _warn(
    bot: Bot,
    services: BotServices,
    target: Target,
    settings: ModerationSettings,
    action_id: int,
    outcome: Outcome,
) -> None:
    link = appeal_link(services.bot_username, action_id)
    removed = "delete" in outcome.done
    text = warning_text(target, settings, outcome.strikes, link, removed=removed)
    try:
        await call(lambda: bot.send_message(target.chat_id, text, parse_mode=None))
    except TelegramAPIError as error:
        outcome.errors.append(f"warning not sent: {error.message}")
        return
    outcome.done.append("warn")
    services.state.count(target.chat_id, "warned")


async def _restrict(
    bot: Bot,
    services: BotServices,
    target: Target,
    how: str,
    settings: ModerationSettings,
    outcome: Outcome,
) -> None:
    if await _lacks(services, target.chat_id, RESTRICT, outcome):
        return
    chat_id = target.chat_id
    step: Callable[[], Awaitable[bool]]
    if target.sender_chat_id is not None:  # a channel identity cannot be muted: banned
        how = "ban"
        step = partial(bot.ban_chat_sender_chat, chat_id, target.sender_chat_id)
    elif how == "mute" and target.sender_id is not None:
        until = datetime.now(UTC) + timedelta(seconds=settings.mute_seconds)
        step = partial(
            bot.restrict_chat_member, chat_id, target.sender_id, NO_PERMISSIONS, until_date=until
        )
    elif target.sender_id is not None:
        step = partial(bot.ban_chat_member, chat_id, target.sender_id)
    else:
        return
    try:
        await call(step)
    except TelegramAPIError as error:
        services.rights.forget(chat_id)
        outcome.errors.append(f"{how} failed: {error.message}")
        return
    outcome.done.append(how)
    services.state.count(chat_id, "muted" if how == "mute" else "banned")


async def _lacks(services: BotServices, chat_id: int, right: str, outcome: Outcome) -> bool:
    if not await services.rights.missing_rights(chat_id, (right,)):
        return False
    outcome.missing.append(right)
    outcome.errors.append(f"missing right: {texts.right_name(right)} ({right})")
    return True


def appeal_link(bot_username: str, action_id: int) -> str:
    return f"https://t.me/{bot_username}?start=appeal-{action_id}"


def warning_text(
    target: Target, settings: ModerationSettings, strikes: int | None, link: str, *, removed: bool
) -> str:
    what = "your message was removed" if removed else "your message was reported to the admins"
    lines = [
        f"{target.sender_name}: {what}. This chat is protected against intimate images "
        "shared without consent."
    ]
    if strikes is not None:
        lines.append(f"This is strike {strikes} of {settings.strike_limit}.")
    lines.append(texts.warning_appeal(link))
    return "\n".join(lines)
