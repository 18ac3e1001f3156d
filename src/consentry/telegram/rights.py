"""Who may do what: the bot's own rights per chat (cached) and admins' rights (checked live).

The bot's membership is read with getChatMember and kept for ``ttl`` seconds; a
``my_chat_member`` update (the bot was promoted, demoted or removed) forgets it at once.
A user's rights are always read fresh: a demoted admin must lose access immediately.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatMember, ChatMemberUpdated

from consentry.telegram import texts
from consentry.telegram.calls import call

if TYPE_CHECKING:
    from consentry.actions.settings import ModerationSettings
    from consentry.telegram.services import BotServices

log = logging.getLogger(__name__)

DELETE = "can_delete_messages"
RESTRICT = "can_restrict_members"
CHANGE_INFO = "can_change_info"
# What the bot needs to act on a decision: delete the message, mute or ban the sender.
NEEDED_TO_ACT = (DELETE, RESTRICT)
BOT_RIGHTS_TTL = 60.0
TELL_EVERY = 3600.0  # seconds between two "I lack a right" messages to one chat

router = Router(name="consentry-rights")


@dataclass
class _Cached:
    member: ChatMember | None  # None: the bot could not read its membership (not in the chat)
    at: float


class RightsCache:
    """The bot's rights per chat, and admin checks for users."""

    def __init__(
        self,
        bot: Bot,
        *,
        ttl: float = BOT_RIGHTS_TTL,
        tell_every: float = TELL_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.ttl = ttl
        self.tell_every = tell_every
        self.clock = clock
        self._members: dict[int, _Cached] = {}
        self._told: dict[int, float] = {}

    async def bot_member(self, chat_id: int) -> ChatMember | None:
        cached = self._members.get(chat_id)
        now = self.clock()
        if cached is None or now - cached.at >= self.ttl:
            cached = _Cached(await self._member(chat_id, self.bot.id), now)
            self._members[chat_id] = cached
        return cached.member

    def forget(self, chat_id: int) -> None:
        self._members.pop(chat_id, None)

    async def missing_rights(self, chat_id: int, needed: Sequence[str]) -> list[str]:
        """The rights in ``needed`` the bot lacks in the chat, in the order asked."""
        member = await self.bot_member(chat_id)
        return [right for right in needed if not has_right(member, right)]

    async def is_admin_with(self, chat_id: int, user_id: int, right: str | None = None) -> bool:
        """Whether the user is the chat's creator, or an administrator with ``right``
        (any administrator when ``right`` is None)."""
        return has_right(await self._member(chat_id, user_id), right)

    def may_tell(self, chat_id: int) -> bool:
        """True at most once per ``tell_every`` seconds per chat (and records the telling)."""
        now = self.clock()
        last = self._told.get(chat_id)
        if last is not None and now - last < self.tell_every:
            return False
        self._told[chat_id] = now
        return True

    async def _member(self, chat_id: int, user_id: int) -> ChatMember | None:
        try:
            return await call(lambda: self.bot.get_chat_member(chat_id=chat_id, user_id=user_id))
        except TelegramAPIError as error:
            log.info("getChatMember failed in chat %s: %s", chat_id, error)
            return None


def has_right(member: ChatMember | None, right: str | None) -> bool:
    if member is None:
        return False
    if member.status == "creator":
        return True
    if member.status != "administrator":
        return False
    return right is None or bool(getattr(member, right, False))


async def tell_missing(
    bot: Bot,
    chat_id: int,
    settings: ModerationSettings,
    rights: RightsCache,
    missing: Sequence[str] | None = None,
    *,
    chat_title: str | None = None,
) -> bool:
    """Tell the admins which rights the bot lacks (in the log chat if set, else the chat),
    at most once per hour per chat. ``missing`` defaults to what the bot lacks of
    ``NEEDED_TO_ACT``. Returns whether a message was sent."""
    if missing is None:
        missing = await rights.missing_rights(chat_id, NEEDED_TO_ACT)
    if not missing or not rights.may_tell(chat_id):
        return False
    target = settings.log_chat if settings.log_chat is not None else chat_id
    text = texts.missing_rights(chat_title, missing)
    try:
        await call(lambda: bot.send_message(chat_id=target, text=text, parse_mode=None))
    except TelegramAPIError as error:
        log.warning("could not tell chat %s about missing rights: %s", target, error)
        return False
    return True


@router.my_chat_member()
async def bot_membership_changed(update: ChatMemberUpdated, services: BotServices) -> None:
    services.rights.forget(update.chat.id)
