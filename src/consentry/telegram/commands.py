"""Chat commands: /settings, /status and /allow for admins with the matching right,
/report for every member (as a reply to the message to report).

Commands work in groups (messages) and in channels (posts, which only admins can make).
An anonymous admin (a message sent as the group itself) counts as an admin: Telegram
does not say which admin it was, and only admins can post that way.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from consentry.actions.presets import PRESETS
from consentry.actions.settings import MEDIA_TYPES, ModerationSettings, SettingsError
from consentry.telegram import rights as rights_module
from consentry.telegram import texts
from consentry.telegram.calls import call
from consentry.telegram.media import media_of
from consentry.telegram.rights import CHANGE_INFO, RESTRICT, has_right

if TYPE_CHECKING:
    from consentry.telegram.services import BotServices

log = logging.getLogger(__name__)

router = Router(name="consentry-commands")
router.include_router(rights_module.router)
_not_private = F.chat.type != "private"

MIN_STRIKES, MAX_STRIKES = 1, 20
MIN_MUTE_HOURS, MAX_MUTE_HOURS = 1, 366 * 24
_ON = ("on", "true", "yes", "1")
_OFF = ("off", "false", "no", "0")
_NO_CHAT = ("off", "none", "no")


async def say(message: Message, text: str) -> None:
    """Reply as plain text; a reply that cannot be sent is logged, never raised."""
    try:
        await call(lambda: message.reply(text, parse_mode=None))
    except TelegramAPIError as error:
        log.warning("could not answer in chat %s: %s", message.chat.id, error)


def sender_of(message: Message) -> tuple[int | None, int | None]:
    """(user id, sender chat id) of a message; a channel identity has a sender chat."""
    user_id = message.from_user.id if message.from_user else None
    chat_id = message.sender_chat.id if message.sender_chat else None
    return user_id, chat_id


def actor_id(message: Message) -> int:
    user_id, chat_id = sender_of(message)
    return chat_id if chat_id is not None else user_id if user_id is not None else 0


def _sent_as_chat(message: Message) -> bool:
    return message.sender_chat is not None and message.sender_chat.id == message.chat.id


async def is_chat_admin(message: Message, services: BotServices, right: str | None) -> bool:
    if _sent_as_chat(message):
        return True
    user = message.from_user
    if user is None:
        return False
    return await services.rights.is_admin_with(message.chat.id, user.id, right)


async def require(message: Message, services: BotServices, right: str | None) -> bool:
    """True when the sender may use the command; otherwise says why not."""
    if await is_chat_admin(message, services, right):
        return True
    await say(message, texts.refused_right(right))
    return False


def _commands(*names: str) -> Any:
    return Command(*names, ignore_case=True)


# --- /settings -----------------------------------------------------------------------------


def settings_view(settings: ModerationSettings) -> dict[str, str]:
    return {
        "policy": settings.policy,
        "dry_run": "on" if settings.dry_run else "off",
        "log_chat": "none" if settings.log_chat is None else str(settings.log_chat),
        "strikes": str(settings.strike_limit),
        "strike_action": settings.strike_action,
        "mute_hours": f"{settings.mute_seconds / 3600:g}",
        "media": ",".join(sorted(settings.media_types)),
    }


def settings_text(settings: ModerationSettings) -> str:
    return texts.settings_lines(settings_view(settings))


class BadValue(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _closest(word: str, choices: Sequence[str]) -> str | None:
    found = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.5)
    return found[0] if found else None


def _one_of(key: str, value: str, choices: Sequence[str]) -> str:
    word = value.lower()
    if word in choices:
        return word
    raise BadValue(texts.bad_value(key, value, " or ".join(choices), _closest(word, choices)))


def _flag(value: str) -> bool:
    word = value.lower()
    if word in _ON or word in _OFF:
        return word in _ON
    raise BadValue(texts.bad_value("dry_run", value, "on or off", _closest(word, ("on", "off"))))


def _whole(key: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise BadValue(texts.bad_value(key, value, f"a whole number from {low} to {high}"))
    return number


def _mute_seconds(value: str) -> int:
    try:
        hours = float(value)
    except ValueError:
        hours = float("nan")
    if not MIN_MUTE_HOURS <= hours <= MAX_MUTE_HOURS:  # NaN fails both comparisons
        expected = f"a number of hours from {MIN_MUTE_HOURS} to {MAX_MUTE_HOURS}"
        raise BadValue(texts.bad_value("mute_hours", value, expected))
    return round(hours * 3600)


def _media(value: str) -> frozenset[str]:
    kinds = [part.strip().lower() for part in value.replace(" ", ",").split(",") if part.strip()]
    choices = sorted(MEDIA_TYPES)
    if not kinds:
        raise BadValue(texts.bad_value("media", value, "a comma list of " + ", ".join(choices)))
    for kind in kinds:
        if kind not in MEDIA_TYPES:
            expected = "a comma list of " + ", ".join(choices)
            raise BadValue(texts.bad_value("media", kind, expected, _closest(kind, choices)))
    return frozenset(kinds)


# key typed in the chat -> (settings field, parser of the typed value, expected values)
_PARSERS: dict[str, tuple[str, Callable[[str], Any], str]] = {
    "policy": ("policy", lambda v: _one_of("policy", v, PRESETS), " or ".join(PRESETS)),
    "dry_run": ("dry_run", _flag, "on or off"),
    "strikes": (
        "strike_limit",
        lambda v: _whole("strikes", v, MIN_STRIKES, MAX_STRIKES),
        f"a whole number from {MIN_STRIKES} to {MAX_STRIKES}",
    ),
    "strike_action": (
        "strike_action",
        lambda v: _one_of("strike_action", v, ("mute", "ban")),
        "mute or ban",
    ),
    "mute_hours": ("mute_seconds", _mute_seconds, "a number of hours"),
    "media": ("media_types", _media, "a comma list of " + ", ".join(sorted(MEDIA_TYPES))),
}
SETTING_KEYS = (*_PARSERS, "log_chat")
_ALIASES = {"strike_limit": "strikes", "media_types": "media", "dryrun": "dry_run"}


def _key(typed: str) -> str:
    key = typed.lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in SETTING_KEYS:
        raise BadValue(texts.unknown_key(typed, _closest(key, SETTING_KEYS)))
    return key


async def _log_chat(bot: Bot, message: Message, value: str) -> int | None:
    if value.lower() in _NO_CHAT:
        return None
    try:
        chat_id = int(value)
    except ValueError:
        raise BadValue(texts.bad_value("log_chat", value, "a chat id, or off")) from None
    if not await _usable_log_chat(bot, message, chat_id):
        raise BadValue(texts.log_chat_unreachable(chat_id))
    return chat_id


async def _usable_log_chat(bot: Bot, message: Message, chat_id: int) -> bool:
    """The bot can post there, and the admin setting it is in that chat too (so nobody can
    send a chat's log to a chat they do not belong to)."""
    try:
        target = await call(lambda: bot.get_chat(chat_id=chat_id))
        member = await call(lambda: bot.get_chat_member(chat_id=chat_id, user_id=bot.id))
    except TelegramAPIError:
        return False
    if target.type == "channel" and not has_right(member, "can_post_messages"):
        return False
    if member.status in ("left", "kicked"):
        return False
    if _sent_as_chat(message) or message.from_user is None:
        return True
    return await _is_member(bot, chat_id, message.from_user.id)


async def _is_member(bot: Bot, chat_id: int, user_id: int) -> bool:
    try:
        member = await call(lambda: bot.get_chat_member(chat_id=chat_id, user_id=user_id))
    except TelegramAPIError:
        return False
    return member.status not in ("left", "kicked")


async def changed_settings(
    bot: Bot, message: Message, settings: ModerationSettings, args: list[str]
) -> tuple[ModerationSettings, str]:
    """The settings with one KEY VALUE applied, and the key's name; raises BadValue."""
    key = _key(args[0])
    if len(args) < 2:
        expected = "a chat id, or off" if key == "log_chat" else _PARSERS[key][2]
        raise BadValue(texts.missing_value(key, expected))
    value = " ".join(args[1:]).strip()
    if key == "log_chat":
        field, parsed = "log_chat", await _log_chat(bot, message, value)
    else:
        field, parse, _ = _PARSERS[key]
        parsed = parse(value)
    try:
        return settings.with_changes(**{field: parsed}), key
    except SettingsError as error:
        raise BadValue(texts.settings_invalid(error.message)) from None


@router.message(_commands("settings"), _not_private)
@router.channel_post(_commands("settings"))
async def settings_command(
    message: Message, command: CommandObject, bot: Bot, services: BotServices
) -> None:
    if not await require(message, services, CHANGE_INFO):
        return
    chat_id = message.chat.id
    current = services.state.settings(chat_id)
    args = (command.args or "").split()
    if not args:
        await say(message, settings_text(current) + "\n\n" + texts.SETTINGS_USAGE)
        return
    try:
        updated, key = await changed_settings(bot, message, current, args)
    except BadValue as error:
        await say(message, error.text)
        return
    services.state.save_settings(chat_id, updated)
    await say(message, texts.settings_saved(key, settings_view(updated)[key]))


@router.message(_commands("settings", "status", "allow", "report"), F.chat.type == "private")
async def group_only(message: Message) -> None:
    await say(message, texts.SETTINGS_GROUP_ONLY)


# --- /status -------------------------------------------------------------------------------


@router.message(_commands("status"), _not_private)
@router.channel_post(_commands("status"))
async def status_command(message: Message, services: BotServices) -> None:
    if not await require(message, services, None):
        return
    chat_id = message.chat.id
    counts = services.state.counts(chat_id)
    since = _since(services, chat_id)
    text = texts.status(counts, since, settings_text(services.state.settings(chat_id)))
    await say(message, text)


def _since(services: BotServices, chat_id: int) -> str | None:
    moment = services.state.counting_since(chat_id)
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


# --- /allow --------------------------------------------------------------------------------


def _allow_target(message: Message, args: list[str]) -> int | None:
    if args:
        try:
            return int(args[0])
        except ValueError:
            return None
    replied = message.reply_to_message
    if replied is None:
        return None
    user_id, chat_id = sender_of(replied)
    return chat_id if chat_id is not None else user_id


@router.message(_commands("allow"), _not_private)
@router.channel_post(_commands("allow"))
async def allow_command(message: Message, command: CommandObject, services: BotServices) -> None:
    if not await require(message, services, RESTRICT):
        return
    args = (command.args or "").split()
    remove = bool(args) and args[0].lower() == "remove"
    target = _allow_target(message, args[1:] if remove else args)
    if target is None:
        await say(message, texts.ALLOW_USAGE)
        return
    chat_id = message.chat.id
    if remove:
        services.state.disallow(chat_id, target)
        await say(message, texts.disallowed(target))
    else:
        services.state.allow(chat_id, target, by=actor_id(message))
        await say(message, texts.allowed(target))


# --- /report -------------------------------------------------------------------------------


@router.message(_commands("report"), _not_private)
async def report_command(message: Message, services: BotServices) -> None:
    from consentry.telegram import moderation

    reported = message.reply_to_message
    if reported is None:
        await say(message, texts.REPORT_USAGE)
        return
    if media_of(reported) is None:
        await say(message, texts.REPORT_NO_MEDIA)
        return
    chat_id = message.chat.id
    services.state.count(chat_id, "reported")
    try:
        await moderation.check_message(reported, services, reason="report")
    except Exception:  # answered and counted here: retrying the update would report twice
        log.exception("checking a reported message failed in chat %s", chat_id)
        services.state.count(chat_id, "errors")
        await say(message, texts.REPORT_FAILED)
        return
    await say(message, texts.REPORT_THANKS)
